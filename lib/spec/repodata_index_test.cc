#include "lib/spec/repodata_index.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <random>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::spec {
namespace {

const char* k_repodata = R"({
  "info": {"subdir": "linux-64"},
  "packages": {
    "b-1.0-0.tar.bz2": {"build": "0", "build_number": 0, "depends": ["a >=1", "c"],
                        "name": "b", "version": "1.0", "timestamp": 1700000000},
    "a-1.0-0.tar.bz2": {"build": "0", "name": "a", "version": "1.0", "md5": "00"},
    "a-2.0-0.tar.bz2": {"name": "a", "version": "2.0", "build": "0", "sha256": "ff"}
  },
  "packages.conda": {
    "a-2.0-0.conda": {"name": "a", "version": "2.0", "build": "0",
                      "track_features": "x y", "subdir": "linux-64"}
  },
  "repodata_version": 1
}
)";

RepodataIndex index_of(std::string_view json) {
  auto index = RepodataIndex::build(json, 0, "inline");
  BOOST_REQUIRE_MESSAGE(index.ok(), (index.ok() ? "" : index.error().to_string()));
  return std::move(index).value();
}

std::vector<std::uint32_t> ordinals(const RepodataIndex& index, std::string_view name) {
  auto span = index.records_named(name);
  return {span.begin(), span.end()};
}

void check_same(const PackageRecord& a, const PackageRecord& b) {
  BOOST_CHECK_EQUAL(a.name, b.name);
  BOOST_CHECK_EQUAL(a.version, b.version);
  BOOST_CHECK_EQUAL(a.build, b.build);
  BOOST_CHECK_EQUAL(a.build_number, b.build_number);
  BOOST_CHECK(a.depends == b.depends);
  BOOST_CHECK(a.constrains == b.constrains);
  BOOST_CHECK(a.track_features == b.track_features);
  BOOST_CHECK_EQUAL(a.md5, b.md5);
  BOOST_CHECK_EQUAL(a.sha256, b.sha256);
  BOOST_CHECK_EQUAL(a.size, b.size);
  BOOST_CHECK_EQUAL(a.timestamp, b.timestamp);
  BOOST_CHECK_EQUAL(a.subdir, b.subdir);
  BOOST_CHECK_EQUAL(a.fn, b.fn);
  BOOST_CHECK_EQUAL(a.license, b.license);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(repodata_index)

BOOST_AUTO_TEST_CASE(groups_records_by_name_in_file_order) {
  auto index = index_of(k_repodata);
  BOOST_CHECK_EQUAL(index.size(), 4u);
  BOOST_CHECK_EQUAL(index.name_count(), 2u);
  BOOST_CHECK_EQUAL(index.subdir(), "linux-64");
  BOOST_CHECK((ordinals(index, "a") == std::vector<std::uint32_t>{1, 2, 3}));
  BOOST_CHECK((ordinals(index, "b") == std::vector<std::uint32_t>{0}));
  BOOST_CHECK(index.records_named("c").empty());

  auto b = index.record(0);
  BOOST_REQUIRE(b.ok());
  BOOST_CHECK_EQUAL(b->fn, "b-1.0-0.tar.bz2");
  BOOST_CHECK_EQUAL(b->subdir, "linux-64");  // from info
  BOOST_CHECK_EQUAL(b->timestamp, 1700000000000);
  BOOST_CHECK((b->depends == std::vector<std::string>{"a >=1", "c"}));
  auto conda = index.record(3);
  BOOST_REQUIRE(conda.ok());
  BOOST_CHECK_EQUAL(conda->fn, "a-2.0-0.conda");
  BOOST_CHECK((conda->track_features == std::vector<std::string>{"x", "y"}));
  BOOST_CHECK(!index.record(4).ok());
}

BOOST_AUTO_TEST_CASE(records_read_lazily_equal_a_full_parse_on_every_corpus_repodata) {
  int files = 0;
  size_t records = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::corpus_dir() + "/repodata")) {
    std::string name = entry.path().filename().string();
    if (name.find(".repodata.json") == std::string::npos) continue;
    auto json = read_file(entry.path().string());
    BOOST_REQUIRE(json.ok());
    auto full = parse_repodata(*json, name);
    BOOST_REQUIRE(full.ok());
    // read_file leaves room after the bytes, so this indexes them in place.
    auto index = RepodataIndex::build(*json, json->capacity() - json->size(), name);
    BOOST_REQUIRE_MESSAGE(index.ok(),
                          name << ": " << (index.ok() ? "" : index.error().to_string()));
    BOOST_REQUIRE_EQUAL(index->size(), full->records.size());
    for (std::uint32_t i = 0; i < index->size(); ++i) {
      auto r = index->record(i);
      BOOST_REQUIRE_MESSAGE(r.ok(), name << " #" << i);
      check_same(*r, full->records[i]);
      auto same_name = index->records_named(r->name);
      BOOST_CHECK(std::find(same_name.begin(), same_name.end(), i) != same_name.end());
    }
    records += index->size();
    ++files;
  }
  BOOST_CHECK_GE(files, 6);
  BOOST_CHECK_GT(records, 5000u);
}

BOOST_AUTO_TEST_CASE(serialized_index_reads_back_and_damage_is_refused) {
  auto index = index_of(k_repodata);
  std::string json = k_repodata;
  auto bytes = index.serialize();
  auto back = RepodataIndex::deserialize(bytes, json, 0, "inline");
  BOOST_REQUIRE(back.ok());
  BOOST_CHECK_EQUAL(back->size(), 4u);
  BOOST_CHECK_EQUAL(back->subdir(), "linux-64");
  BOOST_CHECK((ordinals(*back, "a") == std::vector<std::uint32_t>{1, 2, 3}));
  check_same(back->record(3).value(), index.record(3).value());

  // Another document, a truncated file, a flipped magic, an offset past the end.
  BOOST_CHECK(!RepodataIndex::deserialize(bytes, json + " ", 0, "x").ok());
  BOOST_CHECK(!RepodataIndex::deserialize(bytes.substr(0, bytes.size() - 3), json, 0, "x").ok());
  std::string flipped = bytes;
  flipped[0] = 'E';
  BOOST_CHECK(!RepodataIndex::deserialize(flipped, json, 0, "x").ok());
  std::string far = bytes;
  // The first entry's offset is the 28th byte from the end of the file times the entry count.
  far[far.size() - 4 * 28] = '\x7f';
  far[far.size() - 4 * 28 + 7] = '\x7f';
  BOOST_CHECK(!RepodataIndex::deserialize(far, json, 0, "x").ok());
}

BOOST_AUTO_TEST_CASE(legacy_arrays_and_escaped_keys) {
  auto arrays = index_of(R"({"packages": [{"name": "a", "version": "1", "fn": "a-1-0.tar.bz2"},
                                          {"name": "b", "version": "2", "fn": "b-2-0.tar.bz2"}]})");
  BOOST_CHECK_EQUAL(arrays.size(), 2u);
  BOOST_CHECK_EQUAL(arrays.record(1).value().fn, "b-2-0.tar.bz2");
  auto escaped = index_of(R"({"packages": {"a\u002d1-0.tar.bz2": {"name": "a", "version": "1"}}})");
  BOOST_CHECK_EQUAL(escaped.record(0).value().fn, "a-1-0.tar.bz2");
  auto empty = index_of(R"({"packages": null, "info": 3})");
  BOOST_CHECK_EQUAL(empty.size(), 0u);
}

BOOST_AUTO_TEST_CASE(malformed_input_names_source_and_line) {
  auto broken = RepodataIndex::build("{\n  \"packages\": {,}\n}", 0, "ch/repodata.json");
  BOOST_REQUIRE(!broken.ok());
  BOOST_CHECK_EQUAL(broken.error().where, "ch/repodata.json:2:16");
  BOOST_CHECK(broken.error().message.find("malformed JSON") != std::string::npos);

  auto not_object = RepodataIndex::build("[]", 0, "x");
  BOOST_REQUIRE(!not_object.ok());
  BOOST_CHECK(not_object.error().message.find("must be a JSON object") != std::string::npos);

  // As libsolv's reader does, records that are not objects or have no string name are passed
  // over, and so is a "packages" that is neither an object nor a list.
  auto odd = index_of(R"({"packages": {"a": 3, "b": {"name": 1}, "c": {"name": null},
                                       "d": {"version": "1"}, "e-1-0.tar.bz2": {"name": "e"}},
                          "packages.conda": "x"})");
  BOOST_CHECK_EQUAL(odd.size(), 1u);
  BOOST_CHECK(odd.records_named("e").size() == 1u);
  auto e = odd.record(0);  // indexed, but it has no version: reading it says where it is
  BOOST_REQUIRE(!e.ok());
  BOOST_CHECK(e.error().where.rfind("inline:2:", 0) == 0);
  BOOST_CHECK(e.error().message.find("record 'e-1-0.tar.bz2'") != std::string::npos);
  BOOST_CHECK(!RepodataIndex::build(R"({"packages": {"a": {"name": "a"})", 0, "x").ok());
  BOOST_CHECK(!RepodataIndex::build("", 0, "x").ok());

  // A field after the name is only read when the record is needed; its errors then name it.
  auto late = index_of(R"({"packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1",
                                                            "depends": "b"}}})");
  auto r = late.record(0);
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(r.error().to_string().find("a-1-0.tar.bz2") != std::string::npos);
  BOOST_CHECK(r.error().to_string().find("depends") != std::string::npos);
}

// Random damage to the JSON or to a cached index never crashes: it is refused, or whatever is
// accepted can be read record by record (each record parsing or failing cleanly). lib/solve
// also checksums its cache files, so damage there is caught before deserialize().
BOOST_AUTO_TEST_CASE(damaged_input_is_refused_or_read_safely) {
  std::mt19937 rng(20261127);
  const std::string original = k_repodata;
  const std::string index_bytes = index_of(original).serialize();
  const std::string noise = "{}[],:\"\\ \nab01";
  int built = 0, rebuilt = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string json = original;
    std::string cached = index_bytes;
    std::string& target = round % 2 ? json : cached;
    std::uniform_int_distribution<size_t> at(0, target.size() - 1);
    std::uniform_int_distribution<size_t> pick(0, noise.size() - 1);
    for (int k = 1 + round % 3; k > 0; --k) {
      size_t i = at(rng);
      if (round % 5 == 0)
        target.erase(i, 1);
      else
        target[i] = round % 2 ? noise[pick(rng)] : static_cast<char>(rng());
    }
    auto index = round % 2 ? RepodataIndex::build(json, 0, "fuzz")
                           : RepodataIndex::deserialize(cached, json, 0, "fuzz");
    if (!index.ok()) {
      BOOST_CHECK(index.error().kind == ErrorKind::input);
      continue;
    }
    ++(round % 2 ? built : rebuilt);
    for (std::uint32_t i = 0; i < index->size(); ++i) {
      auto r = index->record(i);
      if (!r.ok()) {
        BOOST_CHECK(r.error().kind == ErrorKind::input);
      } else if (round % 2) {
        // Indexed from the JSON itself: a record is found under the name it parses to.
        auto same = index->records_named(r->name);
        BOOST_CHECK(std::find(same.begin(), same.end(), i) != same.end());
      }
    }
  }
  BOOST_CHECK_GT(built, 10);
  BOOST_CHECK_GT(rebuilt, 10);
}

BOOST_AUTO_TEST_CASE(dependency_names_as_libsolv_reads_them) {
  BOOST_CHECK_EQUAL(dependency_name("python >=3.9,<3.10.0a0"), "python");
  BOOST_CHECK_EQUAL(dependency_name("libgcc-ng>=12"), "libgcc-ng");
  BOOST_CHECK_EQUAL(dependency_name("conda-forge::PyYAML 6.*"), "pyyaml");
  BOOST_CHECK_EQUAL(dependency_name("numpy==1.2"), "numpy");
  BOOST_CHECK_EQUAL(dependency_name("a!=1"), "a");
  BOOST_CHECK_EQUAL(dependency_name("b~=1.2"), "b");
  BOOST_CHECK_EQUAL(dependency_name(""), "");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::spec
