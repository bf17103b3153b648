#include "lib/spec/match_spec.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::spec {
namespace {

namespace bdata = boost::unit_test::data;

MatchSpec ms(const std::string& text) {
  auto r = MatchSpec::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text << ": " << (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

PackageRecord record(const std::string& fn, const std::string& channel = "conda-forge",
                     const std::string& subdir = "linux-64") {
  auto r = record_from_filename(fn);
  BOOST_REQUIRE(r.ok());
  r->channel = channel;
  r->subdir = subdir;
  return std::move(r).value();
}

struct Canonical {
  const char* input;
  const char* expected;
};
std::ostream& operator<<(std::ostream& out, const Canonical& c) {
  return out << c.input;
}

const Canonical k_canonical[] = {
    {"numpy", "numpy"},
    {"NumPy >=1.20", "numpy[version='>=1.20']"},
    {"numpy 1.7.*", "numpy=1.7"},
    {"numpy =1.7", "numpy=1.7"},
    {"numpy 1.7", "numpy==1.7"},
    {"numpy==1.7", "numpy==1.7"},
    {"numpy=1.7=py27_0", "numpy==1.7=py27_0"},
    {"numpy 1.7 py27_0", "numpy==1.7=py27_0"},
    {"numpy >=1.8 , < 2.0 py34_0", "numpy[version='>=1.8,<2.0',build=py34_0]"},
    {"numpy >=1.8 , < 2.0 =py34_0", "numpy[version='>=1.8,<2.0',build=py34_0]"},
    {"conda-forge/linux-64::numpy>=1.0", "conda-forge/linux-64::numpy[version='>=1.0']"},
    {"*/linux-64::foo>=1.0", "foo[subdir=linux-64,version='>=1.0']"},
    {"https://conda.anaconda.org/conda-forge::numpy", "conda-forge::numpy"},
    {"python[build_number='>=3']", "python[build_number='>=3']"},
    {"python[build_number=3]", "python[build_number=3]"},
    {"foo[md5=abc,sha256=def]", "foo[md5=abc,sha256=def]"},
    {"foo[license='BSD*']", "foo[license=bsd*]"},
    {"foo 1.0 # a comment", "foo==1.0"},
    {"foo >=1 if __unix", "foo[version='>=1']"},
    {"conda-forge::foo[build=3](target=blarg,optional)", "conda-forge::foo[build=3]"},
    {"https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-hd590300_5.conda",
     "conda-forge/linux-64::zlib==1.2.13=hd590300_5"},
    {"__glibc >=2.17", "__glibc[version='>=2.17']"},
    {"python >=3.8,<3.12|3.12.*", "python[version='>=3.8,<3.12|3.12.*']"},
    {"openssl=1.1.1_", "openssl=1.1.1_"},
    {"numpy *", "numpy"},
    {"numpy 1.7.1 *", "numpy==1.7.1[build=*]"},
};

BOOST_DATA_TEST_CASE(canonical_strings, bdata::make(k_canonical), c) {
  MatchSpec spec = ms(c.input);
  BOOST_CHECK_EQUAL(spec.str(), c.expected);
  // The canonical string parses back to itself.
  BOOST_CHECK_EQUAL(ms(spec.str()).str(), c.expected);
}

struct Match {
  const char* spec;
  const char* fn;
  const char* channel;
  bool expected;
};
std::ostream& operator<<(std::ostream& out, const Match& m) {
  return out << m.spec << " ~ " << m.fn;
}

const Match k_matches[] = {
    {"numpy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"NUMPY", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"num*", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"scipy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", false},
    {"numpy >=1.7,<2", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"numpy 1.7.1 py27*", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"numpy 1.7.1 py3*", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", false},
    {"numpy[build='^py27_[0-9]$']", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"conda-forge::numpy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"conda-forge::numpy",
     "numpy-1.7.1-py27_0.tar.bz2",
     "https://conda.anaconda.org/conda-forge/linux-64",
     true},
    {"bioconda::numpy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", false},
    {"defaults::numpy", "numpy-1.7.1-py27_0.tar.bz2", "https://repo.anaconda.com/pkgs/main", true},
    {"conda-forge/linux-64::numpy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"conda-forge/osx-64::numpy", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", false},
    {"numpy[build_number='>=1']", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", false},
    {"numpy[build_number='<1']", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"numpy[fn=numpy-1.7.1-py27_0.tar.bz2]", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"numpy[version='1.7.*|>=2']", "numpy-1.7.1-py27_0.tar.bz2", "conda-forge", true},
    {"openssl >=1.0.2a", "openssl-1.0.2-0.tar.bz2", "conda-forge", true},
    {"openssl >=1.0.2_", "openssl-1.0.2a-0.tar.bz2", "conda-forge", true},
};

BOOST_DATA_TEST_CASE(matches_records, bdata::make(k_matches), m) {
  BOOST_CHECK_EQUAL(ms(m.spec).matches(record(m.fn, m.channel)), m.expected);
}

BOOST_AUTO_TEST_CASE(matches_md5_sha256_features_license) {
  PackageRecord r = record("blas-1.0-mkl.tar.bz2");
  r.md5 = "0123";
  r.sha256 = "abcd";
  r.license = "BSD-3-Clause";
  r.track_features = {"mkl", "debug"};
  BOOST_CHECK(ms("blas[md5=0123]").matches(r));
  BOOST_CHECK(!ms("blas[md5=0124]").matches(r));
  BOOST_CHECK(ms("blas[sha256=abcd]").matches(r));
  BOOST_CHECK(ms("blas[license=bsd-3-clause]").matches(r));
  BOOST_CHECK(ms("blas[license='BSD*']").matches(r));
  BOOST_CHECK(ms("blas[track_features='debug mkl']").matches(r));
  BOOST_CHECK(!ms("blas[track_features=mkl]").matches(r));
  BOOST_CHECK(ms("*[track_features='mkl,debug']").matches(r));
  PackageRecord bad_version = r;
  bad_version.version = "not a version";
  BOOST_CHECK(!ms("blas >=1").matches(bad_version));
  BOOST_CHECK(ms("blas").matches(bad_version));
}

BOOST_AUTO_TEST_CASE(fields_are_exposed) {
  MatchSpec spec = ms("conda-forge/linux-64::numpy >=1.7 py3*[md5=ab,build_number=2]");
  BOOST_CHECK_EQUAL(spec.name, "numpy");
  BOOST_CHECK_EQUAL(spec.channel.value(), "conda-forge");
  BOOST_CHECK_EQUAL(spec.subdir.value(), "linux-64");
  BOOST_CHECK_EQUAL(spec.version->str(), ">=1.7");
  BOOST_CHECK_EQUAL(spec.build->str(), "py3*");
  BOOST_CHECK_EQUAL(spec.md5.value(), "ab");
  BOOST_CHECK_EQUAL(spec.build_number->exact().value(), 2);
  BOOST_CHECK(!spec.is_name_only());
  BOOST_CHECK(ms("numpy").is_name_only());
  BOOST_CHECK(!ms("*").is_name_only());
  MatchSpec file = ms("/tmp/pkgs/zlib-1.2.13-0.tar.bz2");
  BOOST_CHECK_EQUAL(file.url.value(), "file:///tmp/pkgs/zlib-1.2.13-0.tar.bz2");
  BOOST_CHECK_EQUAL(file.fn.value(), "zlib-1.2.13-0.tar.bz2");
  BOOST_CHECK_EQUAL(file.name, "*");
  BOOST_CHECK_EQUAL(ms("ns:numpy").namespace_.value(), "ns");
}

const char* const k_invalid[] = {
    "",
    "   ",
    ">=1.0",
    "numpy >=1..2",
    "numpy[version=]",
    "numpy[foo=1]",
    "numpy[version='1.0'",
    "numpy]",
    "numpy [a] [b]",
    "numpy=",
    "numpy ==",
    "numpy ~1",
    "!xyz 1.3",
    "numpy[build='^(a$']",
    "nu--mpy",
    "numpy[build_number=abc]",
    "*/lin(ux-65::f/o>=>1y",
    "numpy >=1.0,,<2",
};

BOOST_DATA_TEST_CASE(invalid_specs_are_errors, bdata::make(k_invalid), text) {
  auto r = MatchSpec::parse(text);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted: '" << text << "' as " << (r.ok() ? r->str() : ""));
  BOOST_CHECK(r.error().kind == ErrorKind::input);
  BOOST_CHECK(r.error().message.find("invalid match spec") == 0);
}

BOOST_AUTO_TEST_CASE(invalid_version_error_names_the_version_spec) {
  auto r = MatchSpec::parse("numpy >=1..2");
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK_MESSAGE(r.error().message.find("invalid version spec '>=1..2'") != std::string::npos,
                      r.error().message);
}

// Every depends/constrains string in the corpus repodata parses, and a spec pinned to a record
// matches that record.
BOOST_AUTO_TEST_CASE(every_corpus_dependency_parses) {
  std::size_t parsed = 0;
  std::vector<std::string> failures;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_object()) {
      for (auto& [key, value] : j.items()) {
        if ((key == "depends" || key == "constrains") && value.is_array()) {
          for (const auto& dep : value) {
            if (!dep.is_string()) continue;
            auto r = MatchSpec::parse(dep.get<std::string>());
            if (r.ok()) {
              ++parsed;
            } else {
              failures.push_back(r.error().message);
            }
          }
        } else {
          walk(value);
        }
      }
    } else if (j.is_array()) {
      for (const auto& item : j) walk(item);
    }
  };
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::corpus_dir() + "/repodata")) {
    if (entry.path().extension() != ".json") continue;
    auto text = read_file(entry.path().string());
    BOOST_REQUIRE(text.ok());
    walk(nlohmann::json::parse(*text));
  }
  BOOST_TEST_MESSAGE("parsed " << parsed << " dependency strings");
  BOOST_CHECK_GT(parsed, 50000u);
  for (std::size_t i = 0; i < failures.size() && i < 20; ++i) BOOST_ERROR(failures[i]);
  BOOST_CHECK_EQUAL(failures.size(), 0u);
}

BOOST_AUTO_TEST_CASE(pinned_specs_match_their_records) {
  auto text = read_file(testing::corpus_dir() + "/repodata/conda__r_linux-64.repodata.json");
  BOOST_REQUIRE(text.ok());
  auto repo = parse_repodata(*text, "r");
  BOOST_REQUIRE(repo.ok());
  for (auto r : repo->records) {
    r.channel = "https://repo.anaconda.com/pkgs/r/linux-64";
    MatchSpec pinned = ms(r.name + " ==" + r.version + " " + r.build);
    BOOST_CHECK_MESSAGE(pinned.matches(r), pinned.str() << " vs " << r.fn);
    MatchSpec canonical = ms(pinned.str());
    BOOST_CHECK_MESSAGE(canonical.matches(r), canonical.str() << " vs " << r.fn);
    BOOST_CHECK(ms(r.name + "[md5=" + r.md5 + "]").matches(r));
    BOOST_CHECK(!ms(r.name + " >" + r.version).matches(r));
  }
}

}  // namespace
}  // namespace envlock::spec
