#include "lib/pypi/resolve.h"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/pypi/metadata.h"
#include "lib/pypi/name.h"
#include "lib/testing/testing.h"

namespace envlock::pypi {
namespace {

// An index held in a table: each file with its METADATA fields.
struct TableFile {
  std::string filename;
  std::vector<std::string> requires_dist;
  std::string requires_python;        // METADATA's
  std::string index_requires_python;  // the index's data-requires-python
  bool yanked = false;
};

class TableProvider : public Provider {
 public:
  void add(const std::string& name, TableFile f) { m_files[name].push_back(std::move(f)); }

  Result<std::vector<IndexFile>> files(const std::string& name) override {
    ++m_listed[name];
    std::vector<IndexFile> out;
    for (const auto& f : m_files[name])
      out.push_back({f.filename,
                     "https://example.org/files/" + f.filename,
                     std::string(64, 'a'),
                     f.index_requires_python,
                     f.yanked});
    return out;
  }
  Result<CoreMetadata> metadata(const std::string& name, const IndexFile& file) override {
    ++m_fetched[name];
    for (const auto& f : m_files[name])
      if (f.filename == file.filename) {
        CoreMetadata m;
        m.name = name;
        m.requires_dist = f.requires_dist;
        m.requires_python = f.requires_python;
        return m;
      }
    return Error{ErrorKind::network, file.url, "404"};
  }
  int listed(const std::string& name) { return m_listed[name]; }
  int fetched(const std::string& name) { return m_fetched[name]; }

 private:
  std::map<std::string, std::vector<TableFile>> m_files;
  std::map<std::string, int> m_listed, m_fetched;
};

// The test index of //testdata/pypi:index read from its folder (MANIFEST.json and the PEP 658
// .metadata files): the real wheels' real metadata, without HTTP.
class FolderProvider : public Provider {
 public:
  explicit FolderProvider(std::string dir) : m_dir(std::move(dir)) {
    m_manifest = nlohmann::json::parse(testing::read_text(m_dir + "/MANIFEST.json"));
  }
  Result<std::vector<IndexFile>> files(const std::string& name) override {
    std::vector<IndexFile> out;
    if (!m_manifest.contains(name)) return out;
    for (const auto& f : m_manifest[name]) {
      IndexFile file;
      file.filename = f["filename"];
      file.url = "http://index.test/files/" + file.filename;
      file.sha256 = f["sha256"];
      if (f["requires_python"].is_string()) file.requires_python = f["requires_python"];
      file.yanked = !f["yanked"].is_null() && f["yanked"] != false;
      out.push_back(file);
    }
    return out;
  }
  Result<CoreMetadata> metadata(const std::string&, const IndexFile& file) override {
    // The header fields the resolver reads (this index's METADATA has no folded lines there).
    std::istringstream in(testing::read_text(m_dir + "/files/" + file.filename + ".metadata"));
    CoreMetadata m;
    for (std::string line; std::getline(in, line) && !line.empty();) {
      if (line.rfind("Requires-Dist: ", 0) == 0) m.requires_dist.push_back(line.substr(15));
      if (line.rfind("Requires-Python: ", 0) == 0) m.requires_python = line.substr(17);
    }
    return m;
  }

 private:
  std::string m_dir;
  nlohmann::json m_manifest;
};

ResolveRequest request_for(const std::vector<std::string>& reqs,
                           const std::string& subdir = "linux-64",
                           const std::string& python = "3.11.4") {
  ResolveRequest r;
  int line = 1;
  for (const auto& text : reqs) {
    auto parsed = parse_requirement(text);
    BOOST_REQUIRE_MESSAGE(parsed.ok(), text);
    r.requirements.push_back({*parsed, "environment.yml:" + std::to_string(line++) + ":7"});
  }
  r.target.conda_subdir = subdir;
  r.target.python_version = python.substr(0, python.rfind('.'));
  if (subdir.rfind("linux", 0) == 0) r.target.glibc = "2.28";
  if (subdir.rfind("osx", 0) == 0) r.target.osx = "11.0";
  r.python_full_version = python;
  return r;
}

// "name version filename" per distribution, or the explanation joined.
std::string outcome(Provider& p, const ResolveRequest& r) {
  auto result = resolve(p, r);
  if (!result.ok()) return "error: " + result.error().to_string();
  if (auto* u = std::get_if<Unresolvable>(&*result)) {
    std::string out = "unresolvable:";
    for (const auto& l : u->explanation) out += "\n" + l;
    return out;
  }
  std::string out;
  for (const auto& d : std::get<Resolution>(*result).distributions)
    out += (out.empty() ? "" : "; ") + d.name + " " + d.version + " " + d.file.filename;
  return out;
}

const Resolution& solved(const Result<std::variant<Resolution, Unresolvable>>& r) {
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE(std::holds_alternative<Resolution>(*r));
  return std::get<Resolution>(*r);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resolve_table)

BOOST_AUTO_TEST_CASE(newest_version_then_best_wheel_tag) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl"});
  p.add("a", {"a-2.0-py3-none-any.whl"});
  p.add("a", {"a-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"});
  p.add("a", {"a-2.0-cp311-cp311-win_amd64.whl"});
  BOOST_TEST(outcome(p, request_for({"a"})) ==
             "a 2.0 a-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  BOOST_TEST(outcome(p, request_for({"a"}, "win-64")) == "a 2.0 a-2.0-cp311-cp311-win_amd64.whl");
  BOOST_TEST(outcome(p, request_for({"a"}, "osx-arm64")) == "a 2.0 a-2.0-py3-none-any.whl");
  // The cp311 wheel does not fit python 3.10: the pure one of the same version does.
  BOOST_TEST(outcome(p, request_for({"a"}, "linux-64", "3.10.2")) ==
             "a 2.0 a-2.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a<2"})) == "a 1.0 a-1.0-py3-none-any.whl");
}

BOOST_AUTO_TEST_CASE(backtracks_to_an_older_version) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl", {"b"}});
  p.add("a", {"a-2.0-py3-none-any.whl", {"b==1.0"}});
  p.add("b", {"b-1.0-py3-none-any.whl", {"c>=2"}});
  p.add("b", {"b-2.0-py3-none-any.whl"});
  p.add("c", {"c-1.0-py3-none-any.whl"});
  BOOST_TEST(outcome(p, request_for({"a"})) ==
             "a 1.0 a-1.0-py3-none-any.whl; b 2.0 b-2.0-py3-none-any.whl");
}

BOOST_AUTO_TEST_CASE(prereleases_only_when_asked_or_when_nothing_else_fits) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl"});
  p.add("a", {"a-2.0rc1-py3-none-any.whl"});
  p.add("b", {"b-1.0b2-py3-none-any.whl"});
  BOOST_TEST(outcome(p, request_for({"a"})) == "a 1.0 a-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a>=1.5"})) == "a 2.0rc1 a-2.0rc1-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"b"})) == "b 1.0b2 b-1.0b2-py3-none-any.whl");
  auto pre = request_for({"a"});
  pre.prereleases = Prereleases::allow;
  BOOST_TEST(outcome(p, pre) == "a 2.0rc1 a-2.0rc1-py3-none-any.whl");
}

BOOST_AUTO_TEST_CASE(yanked_only_with_an_exact_pin) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl"});
  p.add("a", {"a-1.1-py3-none-any.whl", {}, "", "", true});
  BOOST_TEST(outcome(p, request_for({"a"})) == "a 1.0 a-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a==1.1"})) == "a 1.1 a-1.1-py3-none-any.whl");
  std::string why = outcome(p, request_for({"a>1.0"}));
  BOOST_TEST(contains(why, "a 1.1: yanked"), why);
}

BOOST_AUTO_TEST_CASE(extras_and_markers_for_the_target) {
  TableProvider p;
  p.add("a",
        {"a-1.0-py3-none-any.whl",
         {"b; extra == 'fast'", "c; sys_platform == 'win32'", "d; python_version < '3.8'"}});
  p.add("b", {"b-1.0-py3-none-any.whl"});
  p.add("c", {"c-1.0-py3-none-any.whl"});
  p.add("d", {"d-1.0-py3-none-any.whl"});
  BOOST_TEST(outcome(p, request_for({"a"})) == "a 1.0 a-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a[fast]"})) ==
             "a 1.0 a-1.0-py3-none-any.whl; b 1.0 b-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a"}, "win-64")) ==
             "a 1.0 a-1.0-py3-none-any.whl; c 1.0 c-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a"}, "linux-64", "3.7.1")) ==
             "a 1.0 a-1.0-py3-none-any.whl; d 1.0 d-1.0-py3-none-any.whl");
  // A root requirement's own marker is evaluated too.
  BOOST_TEST(outcome(p, request_for({"b; sys_platform == 'darwin'"})) == "");
  // An extra asked for after the distribution is pinned still brings its requirements.
  p.add("e", {"e-1.0-py3-none-any.whl", {"a[fast]"}});
  BOOST_TEST(outcome(p, request_for({"a", "e"})) ==
             "a 1.0 a-1.0-py3-none-any.whl; b 1.0 b-1.0-py3-none-any.whl; "
             "e 1.0 e-1.0-py3-none-any.whl");
  auto r = resolve(p, request_for({"a", "e"}));
  BOOST_TEST(solved(r).distributions[0].extras == std::vector<std::string>{"fast"});
}

BOOST_AUTO_TEST_CASE(requires_python_of_index_and_metadata) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl"});
  p.add("a", {"a-2.0-py3-none-any.whl", {}, "", ">=3.12"});  // the index says
  p.add("a", {"a-3.0-py3-none-any.whl", {}, ">=3.12", ""});  // only METADATA says
  BOOST_TEST(outcome(p, request_for({"a"})) == "a 1.0 a-1.0-py3-none-any.whl");
  BOOST_TEST(outcome(p, request_for({"a"}, "linux-64", "3.12.1")) ==
             "a 3.0 a-3.0-py3-none-any.whl");
  std::string why = outcome(p, request_for({"a>=3"}));
  BOOST_TEST(contains(why, "a 3.0: Requires-Python '>=3.12' excludes python 3.11.4"), why);
  why = outcome(p, request_for({"a>=2,<3"}));
  BOOST_TEST(contains(why, "a 2.0: Requires-Python '>=3.12' excludes python 3.11.4"), why);
}

BOOST_AUTO_TEST_CASE(sdist_only_is_named) {
  TableProvider p;
  p.add("a", {"a-1.0.tar.gz"});
  std::string why = outcome(p, request_for({"a"}));
  BOOST_TEST(contains(why,
                      "a 1.0: only source distributions (a-1.0.tar.gz); envlock locks "
                      "wheels only"),
             why);
  BOOST_TEST(contains(why, "environment.yml:1:7 'a'"), why);
}

BOOST_AUTO_TEST_CASE(unsatisfiable_names_the_chain) {
  TableProvider p;
  p.add("top", {"top-1.0-py3-none-any.whl", {"a", "b"}});
  p.add("a", {"a-1.0-py3-none-any.whl", {"shared>=2"}});
  p.add("b", {"b-1.0-py3-none-any.whl", {"shared<2"}});
  p.add("shared", {"shared-1.0-py3-none-any.whl"});
  p.add("shared", {"shared-2.0-py3-none-any.whl"});
  std::string why = outcome(p, request_for({"top"}));
  BOOST_TEST(why.rfind("unresolvable:", 0) == 0u, why);
  BOOST_TEST(contains(why,
                      "environment.yml:1:7 'top' -> top 1.0 requires 'a' -> a 1.0 requires "
                      "'shared>=2'"),
             why);
  BOOST_TEST(contains(why, "top 1.0 requires 'b' -> b 1.0 requires 'shared<2'"), why);
  BOOST_TEST(contains(outcome(p, request_for({"nothing"})), "no distribution named nothing"));
}

BOOST_AUTO_TEST_CASE(conda_provided_distributions) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl", {"torch>=2"}});
  p.add("torch", {"torch-2.1.0-py3-none-any.whl"});
  auto r = request_for({"a"});
  r.provided.push_back({"torch", "2.0.1", "pytorch"});
  BOOST_TEST(outcome(p, r) == "a 1.0 a-1.0-py3-none-any.whl");
  BOOST_TEST(p.listed("torch") == 0);  // never asked of the index
  auto conflict = request_for({"a", "torch>=2.1"});
  conflict.provided = r.provided;
  std::string why = outcome(p, conflict);
  BOOST_TEST(contains(why,
                      "torch 2.0.1 (conda package pytorch 2.0.1) does not satisfy "
                      "'torch>=2.1' (environment.yml:2:7"),
             why);
  BOOST_TEST(contains(why, "provided by the conda package pytorch"), why);
}

BOOST_AUTO_TEST_CASE(preferred_versions_are_kept) {
  TableProvider p;
  p.add("a", {"a-1.0-py3-none-any.whl"});
  p.add("a", {"a-2.0-py3-none-any.whl"});
  auto r = request_for({"a"});
  r.preferred["a"] = "1.0";
  BOOST_TEST(outcome(p, r) == "a 1.0 a-1.0-py3-none-any.whl");
  r.preferred["a"] = "3.0";  // gone from the index: the newest instead
  BOOST_TEST(outcome(p, r) == "a 2.0 a-2.0-py3-none-any.whl");
}

BOOST_AUTO_TEST_CASE(dependencies_as_conda_lock_writes_them) {
  TableProvider p;
  p.add("requests",
        {"requests-2.31.0-py3-none-any.whl",
         {"charset_normalizer<4,>=2",
          "idna<4,>=2.5",
          "certifi",
          "PySocks!=1.5.7,>=1.5.6; "
          "extra == 'socks'"}});
  p.add("charset-normalizer", {"charset_normalizer-3.3.2-py3-none-any.whl"});
  p.add("idna", {"idna-3.4-py3-none-any.whl"});
  p.add("certifi", {"certifi-2023.7.22-py3-none-any.whl"});
  auto r = resolve(p, request_for({"requests"}));
  const auto& d = solved(r).distributions;
  BOOST_REQUIRE_EQUAL(d.size(), 4u);
  BOOST_TEST(d[3].name == "requests");
  std::vector<std::string> deps = {"charset-normalizer >=2,<4", "idna >=2.5,<4", "certifi *"};
  BOOST_TEST(d[3].dependencies == deps, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(round_limit_ends_a_hopeless_search) {
  TableProvider p;
  // Every version of a needs a c that does not exist: each is tried, then given up.
  for (int i = 0; i < 50; ++i)
    p.add("a", {"a-1." + std::to_string(i) + "-py3-none-any.whl", {"c>=5"}});
  p.add("c", {"c-1.0-py3-none-any.whl"});
  auto r = request_for({"a"});
  r.max_rounds = 10;
  std::string why = outcome(p, r);
  BOOST_TEST(contains(why, "gave up after 11 candidate versions"), why);
  r.max_rounds = 1000;
  why = outcome(p, r);
  BOOST_TEST(contains(why, "no version of c fits every requirement on it"), why);
}

BOOST_AUTO_TEST_CASE(lock_constraint_puts_lower_bounds_first) {
  BOOST_TEST(lock_constraint(*SpecifierSet::parse("<4,>=2")) == ">=2,<4");
  BOOST_TEST(lock_constraint(*SpecifierSet::parse("==2.*")) == "==2.*");
  BOOST_TEST(lock_constraint(*SpecifierSet::parse("")) == "*");
  BOOST_TEST(lock_constraint(*SpecifierSet::parse("!=1.5.7,>=1.5.6")) == ">=1.5.6,!=1.5.7");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(resolve_test_index)

// The real wheels of //testdata/pypi:index, as their METADATA says.
BOOST_AUTO_TEST_CASE(real_index_answers) {
  FolderProvider p(testing::pypi_index_dir());
  BOOST_TEST(outcome(p, request_for({"demo-versions"})) ==
             "demo-versions 1.1.0 demo_versions-1.1.0-py3-none-any.whl");
  std::string js = outcome(p, request_for({"jsonschema"}));
  BOOST_TEST(contains(js, "attrs "), js);
  BOOST_TEST(contains(js, "pyrsistent "), js);
  BOOST_TEST(contains(js, "jsonschema "), js);
  std::string native = outcome(p, request_for({"demo-native"}));
  BOOST_TEST(contains(native, "manylinux_2_28_x86_64"), native);
  BOOST_TEST(contains(outcome(p, request_for({"demo-native"}, "osx-arm64")), "macosx_11_0_arm64"));
  std::string conflict = outcome(p, request_for({"demo-conflict-a", "demo-conflict-b"}));
  BOOST_TEST(contains(conflict, "demo-shared"), conflict);
  BOOST_TEST(contains(outcome(p, request_for({"demo-sdist-only"})), "only source distributions"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::pypi
