#include "lib/pypi/marker.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace envlock::pypi {
namespace {

Marker m(const std::string& text) {
  auto r = Marker::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text + ": " + (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

BOOST_AUTO_TEST_SUITE(pypi_marker)

BOOST_AUTO_TEST_CASE(environment_of_conda_subdirs) {
  auto linux = MarkerEnvironment::for_target("linux-aarch64", "3.11.4");
  BOOST_TEST(linux.sys_platform == "linux");
  BOOST_TEST(linux.platform_machine == "aarch64");
  BOOST_TEST(linux.python_version == "3.11");
  BOOST_TEST(linux.python_full_version == "3.11.4");
  auto mac = MarkerEnvironment::for_target("osx-arm64", "3.12");
  BOOST_TEST(mac.platform_system == "Darwin");
  BOOST_TEST(mac.platform_machine == "arm64");
  BOOST_TEST(mac.python_full_version == "3.12.0");
  auto win = MarkerEnvironment::for_target("win-64", "3.10.2");
  BOOST_TEST(win.os_name == "nt");
  BOOST_TEST(win.sys_platform == "win32");
  BOOST_TEST(win.platform_machine == "AMD64");
}

BOOST_AUTO_TEST_CASE(evaluates_for_a_target) {
  auto linux = MarkerEnvironment::for_target("linux-64", "3.11.4");
  auto win = MarkerEnvironment::for_target("win-64", "3.8.10");
  Marker a = m("python_version < \"3.9\" and sys_platform == 'win32'");
  BOOST_TEST(!a.evaluate(linux));
  BOOST_TEST(a.evaluate(win));
  Marker b =
      m("platform_machine == 'x86_64' or (os_name == 'nt' and python_full_version >= '3.8.10')");
  BOOST_TEST(b.evaluate(linux));
  BOOST_TEST(b.evaluate(win));
  BOOST_TEST(m("'3.1' in python_version").evaluate(linux));
  BOOST_TEST(m("python_version > '3.6.2'")
                 .evaluate(MarkerEnvironment::for_target("linux-64", "3.11.0a5")));
  BOOST_TEST(m("os.name == 'posix'").evaluate(linux));
}

BOOST_AUTO_TEST_CASE(extras_compare_normalised) {
  auto env = MarkerEnvironment::for_target("linux-64", "3.11");
  Marker e = m("extra == 'Foo_Bar'");
  BOOST_TEST(e.mentions_extra());
  BOOST_TEST(e.evaluate(env, "foo-bar"));
  BOOST_TEST(e.evaluate(env, "FOO...bar"));
  BOOST_TEST(!e.evaluate(env));
  BOOST_TEST(!m("extra == 'v2'").evaluate(env, "v2a3"));
  BOOST_TEST(e.str() == "extra == \"foo-bar\"");
  BOOST_TEST(!m("os_name == 'x'").mentions_extra());
}

BOOST_AUTO_TEST_CASE(str_normalises_quotes_names_and_parentheses) {
  BOOST_TEST(m("python_version=='2.7'").str() == "python_version == \"2.7\"");
  BOOST_TEST(m("(python_version == '2.7')").str() == "python_version == \"2.7\"");
  BOOST_TEST(m("platform.machine=='x' and (os_name=='a' or os_name=='b')").str() ==
             "platform_machine == \"x\" and (os_name == \"a\" or os_name == \"b\")");
  BOOST_TEST(m("(os_name=='a' and os_name=='b') or os_name=='c'").str() ==
             "os_name == \"a\" and os_name == \"b\" or os_name == \"c\"");
  BOOST_TEST(m("'a\"' == os_name").str() == "'a\"' == os_name");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_markers_with_a_column) {
  for (const char* bad : {"this_isnt_a_real_variable >= '1.0'",
                          "python_version",
                          "(python_version)",
                          "(python_version == \"2.7\" and os_name == \"linux\"",
                          "(python_version == \"2.7\") with random text",
                          "python_version >= \"3\"\n",
                          "os_name == \"C:\\\"",
                          "'3.7' notin python_version",
                          "'3.7' not python_version",
                          "'3.7' ~ python_version",
                          ""}) {
    auto r = Marker::parse(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().message.find("invalid marker") == 0u);
      BOOST_TEST(r.error().message.find("at column") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(nesting_and_length_are_bounded) {
  std::string deep(200, '(');
  deep += "os_name == 'a'" + std::string(200, ')');
  auto r = Marker::parse(deep);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message.find("nested deeper") != std::string::npos);
  std::string ok_depth(100, '(');
  ok_depth += "os_name == 'a'" + std::string(100, ')');
  BOOST_TEST(Marker::parse(ok_depth).ok());
  BOOST_TEST(!Marker::parse(std::string(k_max_marker_length + 1, ' ')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
