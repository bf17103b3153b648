// Prefix replacement in text and binary files, by conda's rules.

#include "lib/install/relocate.h"

#include <boost/test/unit_test.hpp>

namespace envlock::install {
namespace {

using namespace std::string_literals;

BOOST_AUTO_TEST_SUITE(relocate)

BOOST_AUTO_TEST_CASE(text_mode_replaces_every_occurrence_and_may_change_the_size) {
  std::string in = "prefix=/opt/ph\nlibdir=/opt/ph/lib\n";
  BOOST_TEST(replace_prefix_text(in, "/opt/ph", "/home/me/env", 127) ==
             "prefix=/home/me/env\nlibdir=/home/me/env/lib\n");
}

BOOST_AUTO_TEST_CASE(text_mode_shortens_a_shebang_the_kernel_would_truncate) {
  std::string long_prefix = "/p/" + std::string(140, 'x');
  std::string out =
      replace_prefix_text("#!/opt/ph/bin/python3.12 -E\nprint(1)\n", "/opt/ph", long_prefix, 127);
  BOOST_TEST(out == "#!/usr/bin/env python3.12 -E\nprint(1)\n");
  // Short enough: kept; and macOS allows 512 bytes.
  BOOST_TEST(replace_prefix_text("#!/opt/ph/bin/sh\n", "/opt/ph", "/e", 127) == "#!/e/bin/sh\n");
  BOOST_TEST(replace_prefix_text("#!/opt/ph/bin/sh\n", "/opt/ph", long_prefix, 512) ==
             "#!" + long_prefix + "/bin/sh\n");
  BOOST_TEST(max_shebang_length("osx-arm64") == 512u);
  BOOST_TEST(max_shebang_length("linux-64") == 127u);
}

BOOST_AUTO_TEST_CASE(binary_mode_pads_each_c_string_with_nuls_and_keeps_the_size) {
  std::string in =
      "\x7f"
      "ELF\0/opt/placeholder/lib:/opt/placeholder/x\0tail\0"s;
  auto out = replace_prefix_binary(in, "/opt/placeholder", "/env", "f");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST(out->size() == in.size());
  std::string expected =
      "\x7f"
      "ELF\0/env/lib:/env/x"s +
      std::string(24, '\0') + "\0tail\0"s;
  BOOST_TEST(*out == expected);
}

BOOST_AUTO_TEST_CASE(binary_mode_refuses_a_longer_prefix) {
  std::string in = "a\0/opt/ph/lib\0"s;
  auto out = replace_prefix_binary(in, "/opt/ph", "/a/much/longer/prefix", "libx.so");
  BOOST_REQUIRE(!out.ok());
  BOOST_TEST(out.error().kind == ErrorKind::usage);
  BOOST_TEST(out.error().where == "libx.so");
  BOOST_TEST(out.error().message.find("longer than the binary placeholder") != std::string::npos);
  // Without an occurrence there is nothing to refuse.
  BOOST_TEST(replace_prefix_binary("no placeholder\0"s, "/opt/ph", "/a/much/longer", "f").ok());
}

BOOST_AUTO_TEST_CASE(binary_mode_leaves_an_unterminated_occurrence_alone) {
  std::string in = "x\0/opt/ph/end"s;
  auto out = replace_prefix_binary(in, "/opt/ph", "/e", "f");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST(*out == in);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::install
