#include "lib/pypi/record.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "lib/hash/hash.h"

namespace envlock::pypi {
namespace {

BOOST_AUTO_TEST_SUITE(pypi_record)

BOOST_AUTO_TEST_CASE(record_hash_is_urlsafe_base64_of_the_digest) {
  // sha256 of "" and of "hello\n" as Python writes them (base64.urlsafe_b64encode, "=" stripped).
  BOOST_TEST(record_hash(hash::hex_digest(hash::Algorithm::sha256, "")) ==
             "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  BOOST_TEST(record_hash(hash::hex_digest(hash::Algorithm::sha256, "hello\n")) ==
             "sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM");
  BOOST_TEST(record_hash("not hex") == "");
  BOOST_TEST(urlsafe_b64_nopad("\xfb\xff") == "-_8");
  BOOST_TEST(*decode_urlsafe_b64("-_8") == "\xfb\xff");
  BOOST_TEST(*decode_urlsafe_b64("-_8=") == "\xfb\xff");
  BOOST_TEST(!decode_urlsafe_b64("a+b/").has_value());
}

BOOST_AUTO_TEST_CASE(parses_pip_records_and_writes_them_back) {
  std::string text =
      "pkg/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n"
      "\"pkg/with,comma.py\",sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\r\n"
      "\"pkg/q\"\"uote.txt\",,\r\n"
      "pkg-1.0.dist-info/RECORD,,\r\n";
  auto rows = parse_record(text);
  BOOST_REQUIRE(rows.ok());
  BOOST_REQUIRE(rows->size() == 4u);
  BOOST_TEST((*rows)[0].path == "pkg/__init__.py");
  BOOST_TEST((*rows)[0].hash_algorithm == "sha256");
  BOOST_TEST((*rows)[0].hash_b64 == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  BOOST_TEST(*(*rows)[0].size == 0u);
  BOOST_TEST((*rows)[1].path == "pkg/with,comma.py");
  BOOST_TEST((*rows)[2].path == "pkg/q\"uote.txt");
  BOOST_TEST((*rows)[3].hash_algorithm.empty());
  BOOST_TEST(!(*rows)[3].size.has_value());
  BOOST_TEST(write_record(*rows) == text);
  std::string lf = write_record(*rows, RecordLineEnd::lf);
  BOOST_TEST(lf.find('\r') == std::string::npos);
  BOOST_TEST(parse_record(lf).value() == *rows);
}

BOOST_AUTO_TEST_CASE(malformed_rows_name_their_line) {
  struct Case {
    std::string text, message;
  };
  for (const Case& c : std::vector<Case>{
           {"a,,\nb,sha256=x\n", "RECORD:2: expected 3 fields (path,hash,size), found 2"},
           {",,\n", "RECORD:1: empty path"},
           {"a,md5,1\n", "RECORD:1: hash without 'algorithm='"},
           {"a,sha256=a+b,1\n", "RECORD:1: hash is not urlsafe base64"},
           {"a,,12x\n", "RECORD:1: size '12x' is not a number"},
           {"\"a,,\n", "RECORD:1: unterminated quote"},
           {std::string("a\0,,\n", 5), "RECORD:1: NUL byte"},
       }) {
    auto rows = parse_record(c.text);
    BOOST_TEST_CONTEXT(c.message) {
      BOOST_REQUIRE(!rows.ok());
      BOOST_TEST(rows.error().to_string() == c.message);
    }
  }
  BOOST_TEST(!parse_record(std::string(k_max_record_line_length + 10, 'a') + ",,\n").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
