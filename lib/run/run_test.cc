// The run job on real folders and real processes: activation variables, conda-meta/state's
// env_vars, activate.d scripts sourced in name order, exit codes and signals passed back.

#include "lib/run/run.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;

namespace envlock::run {
namespace {

struct Prefix {
  testing::TempDir tmp;
  std::string dir = tmp.path() + "/env";
  Prefix() {
    fs::create_directories(dir + "/conda-meta");
    fs::create_directories(dir + "/bin");
    fs::create_directories(dir + "/etc/conda/activate.d");
  }
  void write(const std::string& rel, const std::string& text) {
    BOOST_REQUIRE(write_file_atomic(dir + "/" + rel, text).ok());
  }
};

EnvMap base() {
  return {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"CONDA_SHLVL", "2"}};
}

BOOST_AUTO_TEST_CASE(activation_sets_path_conda_variables_and_state_env_vars) {
  Prefix p;
  p.write("conda-meta/state", R"({"env_vars": {"MY_VAR": "from state", "PATH_EXTRA": "x"}})");
  Options o;
  o.prefix = p.dir;
  auto a = activate(o, base());
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->environment.at("PATH") == p.dir + "/bin:/usr/bin:/bin");
  BOOST_TEST(a->environment.at("CONDA_PREFIX") == p.dir);
  BOOST_TEST(a->environment.at("CONDA_DEFAULT_ENV") == p.dir);
  BOOST_TEST(a->environment.at("CONDA_SHLVL") == "3");
  BOOST_TEST(a->environment.at("MY_VAR") == "from state");
  BOOST_TEST(a->environment.at("HOME") == "/root");
  auto rendered = render_changes(base(), a->environment, Style::shell);
  BOOST_REQUIRE(rendered.ok());
  const std::string& text = *rendered;
  BOOST_TEST(text.find("MY_VAR=from state\n") != std::string::npos);
  BOOST_TEST(text.find("HOME=") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(activate_d_scripts_run_in_name_order_before_the_command) {
  Prefix p;
  p.write("etc/conda/activate.d/b.sh", "export ORDER=\"${ORDER}b\"\necho noise\n");
  p.write("etc/conda/activate.d/a.sh", "export ORDER=\"${ORDER}a\"\nexport QUOTE='x\"$y'\n");
  p.write("etc/conda/activate.d/c.csh", "setenv ORDER wrong\n");
  Options o;
  o.prefix = p.dir;
  auto a = activate(o, base());
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->scripts.size() == 2u);
  auto env = activated_environment(*a);
  BOOST_REQUIRE(env.ok());
  BOOST_TEST(env->at("ORDER") == "ab");
  BOOST_TEST(env->at("QUOTE") == "x\"$y");
  auto rendered = render_changes(base(), *env, Style::dockerfile);
  BOOST_REQUIRE(rendered.ok());
  const std::string& docker = *rendered;
  // PATH gains the prefix's bin before the image's own PATH, never this machine's.
  BOOST_TEST(docker.find("ENV PATH=\"" + p.dir + "/bin:$PATH\"\n") != std::string::npos);
  BOOST_TEST(docker.find("/usr/bin:/bin") == std::string::npos);
  BOOST_TEST(docker.find("ENV QUOTE=\"x\\\"\\$y\"\n") != std::string::npos);
  BOOST_TEST(docker.find("ENV ORDER=\"ab\"\n") != std::string::npos);
  // The command sees what the scripts exported.
  auto rc = run_command(*a, {"sh", "-c", "test \"$ORDER\" = ab && exit 7"});
  BOOST_REQUIRE(rc.ok());
  BOOST_TEST(*rc == 7);
}

BOOST_AUTO_TEST_CASE(a_dockerfile_value_with_a_newline_is_refused) {
  EnvMap after = base();
  after["MULTI"] = "a\nb";
  auto docker = render_changes(base(), after, Style::dockerfile);
  BOOST_REQUIRE(!docker.ok());
  BOOST_TEST(docker.error().kind == ErrorKind::input);
  BOOST_TEST(docker.error().message.find("newline") != std::string::npos);
  auto shell = render_changes(base(), after, Style::shell);
  BOOST_REQUIRE(shell.ok());
  BOOST_TEST(shell->find("MULTI=a\\nb\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exit_codes_and_signals_come_back) {
  Prefix p;
  p.write("bin/hello", "#!/bin/sh\nexit 42\n");
  fs::permissions(p.dir + "/bin/hello", fs::perms::owner_all);
  Options o;
  o.prefix = p.dir;
  auto a = activate(o, base());
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(*run_command(*a, {"hello"}) == 42);  // found on the activated PATH
  BOOST_TEST(*run_command(*a, {"sh", "-c", "kill -TERM $$"}) == 128 + 15);
  BOOST_TEST(*run_command(*a, {"no-such-command-envlock"}) == 127);
}

BOOST_AUTO_TEST_CASE(a_folder_without_conda_meta_or_a_bad_state_is_refused) {
  testing::TempDir tmp;
  Options o;
  o.prefix = tmp.path();
  auto a = activate(o, base());
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST(a.error().kind == ErrorKind::usage);
  BOOST_TEST(a.error().message.find("conda-meta") != std::string::npos);
  Prefix p;
  p.write("conda-meta/state", R"({"env_vars": {"BAD NAME": "x"}})");
  o.prefix = p.dir;
  a = activate(o, base());
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST(a.error().kind == ErrorKind::input);
}

BOOST_AUTO_TEST_CASE(a_state_value_with_a_nul_byte_is_refused_not_cut_short) {
  // JSON can say "a\u0000b"; an environment string cannot hold it and the command would see
  // "a". Odd values that an environment can hold (newlines, '=') are kept whole.
  Prefix p;
  p.write("conda-meta/state", R"({"env_vars": {"CUT": "a\u0000b"}})");
  Options o;
  o.prefix = p.dir;
  auto a = activate(o, base());
  BOOST_REQUIRE(!a.ok());
  BOOST_TEST(a.error().kind == ErrorKind::input);
  BOOST_TEST(a.error().where == p.dir + "/conda-meta/state");
  BOOST_TEST(a.error().message.find("'CUT'") != std::string::npos);
  BOOST_TEST(a.error().message.find("NUL") != std::string::npos);
  p.write("conda-meta/state", R"({"env_vars": {"ODD": "x\ny=z"}})");
  a = activate(o, base());
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->environment.at("ODD") == "x\ny=z");
}

}  // namespace
}  // namespace envlock::run
