// Deterministic random inputs: parsing never crashes or hangs, and accepted inputs round-trip.

#include <boost/test/unit_test.hpp>
#include <random>

#include "lib/spec/environment.h"
#include "lib/spec/match_spec.h"
#include "lib/spec/package_record.h"

namespace envlock::spec {
namespace {

std::string random_text(std::mt19937& rng, std::string_view alphabet, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = len(rng); i > 0; --i) out += alphabet[pick(rng)];
  return out;
}

BOOST_AUTO_TEST_CASE(random_versions) {
  std::mt19937 rng(20260401);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = random_text(rng, "0123456789..._-+!*abcdepostDEV A&\t", 16);
    auto v = Version::parse(text);
    if (!v.ok()) {
      BOOST_CHECK(v.error().kind == ErrorKind::input);
      continue;
    }
    ++ok;
    auto again = Version::parse(v->canonical());
    BOOST_REQUIRE_MESSAGE(again.ok(), "canonical of '" << text << "' does not parse");
    BOOST_CHECK_MESSAGE(*again == *v, text);
    BOOST_CHECK_EQUAL(again->hash(), v->hash());
    BOOST_CHECK(v->starts_with(*v));
  }
  BOOST_CHECK_GT(ok, 1000);
}

BOOST_AUTO_TEST_CASE(random_version_specs_and_match_specs) {
  std::mt19937 rng(7);
  auto probe = Version::parse("1.2.3").value();
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = random_text(rng, "np 0123.*=<>!~,|()^$@[]'\":/#_-", 24);
    auto vs = VersionSpec::parse(text);
    if (vs.ok()) {
      (void)vs->contains(probe);
      auto again = VersionSpec::parse(vs->str());
      BOOST_CHECK_MESSAGE(again.ok(), "'" << text << "' -> '" << vs->str() << "' does not parse");
    }
    auto ms = MatchSpec::parse(text);
    if (ms.ok()) {
      ++accepted;
      PackageRecord r;
      r.name = "np";
      r.version = "1.2.3";
      r.build = "0";
      (void)ms->matches(r);
      auto again = MatchSpec::parse(ms->str());
      BOOST_CHECK_MESSAGE(again.ok(), "'" << text << "' -> '" << ms->str() << "' does not parse");
      if (again.ok()) BOOST_CHECK_EQUAL(again->str(), ms->str());
    }
  }
  BOOST_CHECK_GT(accepted, 100);
}

BOOST_AUTO_TEST_CASE(hostile_inputs) {
  std::string deep(4000, '(');
  BOOST_CHECK(!VersionSpec::parse(deep).ok());
  BOOST_CHECK(VersionSpec::parse(deep + "1" + std::string(4000, ')')).ok());
  BOOST_CHECK(!Version::parse(std::string(100000, '1') + "..").ok());
  BOOST_CHECK(Version::parse(std::string(60, '9')).ok());  // big numbers compare as digits
  BOOST_CHECK(Version::parse(std::string(60, '9')).value() >
              Version::parse(std::string(59, '9')).value());
  BOOST_CHECK(!MatchSpec::parse(std::string(100000, '[')).ok());
  BOOST_CHECK(MatchSpec::parse("a" + std::string(3000, '*') + "b").ok());
  PackageRecord r;
  r.name = std::string(3000, 'a');
  BOOST_CHECK(!MatchSpec::parse("a" + std::string(3000, '*') + "b").value().matches(r));
}

BOOST_AUTO_TEST_CASE(random_yaml_and_json) {
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    std::string yaml = "dependencies:\n  - " + random_text(rng, "ab -:[]{}\n'\"#&*!|>", 30);
    auto env = parse_environment(yaml, "fuzz.yml");
    if (!env.ok()) BOOST_CHECK(env.error().where.rfind("fuzz.yml", 0) == 0);
    std::string json =
        "{\"packages\":{\"a-1-0.conda\":" + random_text(rng, "{}[]\":,nameversio1 ", 30);
    auto repo = parse_repodata(json, "fuzz.json");
    if (!repo.ok()) BOOST_CHECK(repo.error().to_string().find("fuzz.json") != std::string::npos);
  }
}

}  // namespace
}  // namespace envlock::spec
