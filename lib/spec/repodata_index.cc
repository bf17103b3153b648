#include "lib/spec/repodata_index.h"

#include <simdjson.h>

#include <cstring>
#include <deque>
#include <unordered_map>
#include <vector>

#include "lib/spec/repodata_record.h"
#include "lib/util/text.h"

namespace envlock::spec {

static_assert(k_json_padding >= simdjson::SIMDJSON_PADDING, "simdjson reads this far past the end");

struct RepodataIndex::Impl {
  struct Entry {
    std::uint64_t offset = 0;      // of the record's '{'
    std::uint64_t key_offset = 0;  // of the raw key text (after its quote); 0 in arrays
    std::uint32_t length = 0;      // of the record, '{' to '}' inclusive
    std::uint32_t key_length = 0;
    std::uint32_t name = 0;  // index into names
  };

  std::string copy;       // a padded copy when the caller's bytes had no room after them
  std::string_view json;  // the indexed bytes (the caller's or `copy`)
  std::string source;
  Repodata header;  // info.subdir and base_url; no records
  std::vector<Entry> entries;
  std::deque<std::string> names;  // a deque: the map's keys view these strings
  std::unordered_map<std::string_view, std::uint32_t> name_ids;
  std::vector<std::uint32_t> first;     // records of name i: ordinals[first[i] .. first[i+1])
  std::vector<std::uint32_t> ordinals;  // grouped by name, file order within a name
  mutable simdjson::dom::parser parser;

  std::uint32_t intern(std::string_view name) {
    auto it = name_ids.find(name);
    if (it != name_ids.end()) return it->second;
    names.emplace_back(name);
    auto id = static_cast<std::uint32_t>(names.size() - 1);
    name_ids.emplace(names.back(), id);
    return id;
  }

  void group_by_name() {
    first.assign(names.size() + 1, 0);
    for (const auto& e : entries) ++first[e.name + 1];
    for (size_t i = 1; i < first.size(); ++i) first[i] += first[i - 1];
    ordinals.resize(entries.size());
    std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
    for (std::uint32_t i = 0; i < entries.size(); ++i) ordinals[next[entries[i].name]++] = i;
  }

  void adopt(std::string_view bytes, std::size_t readable_past_end) {
    if (readable_past_end >= k_json_padding) {
      json = bytes;
      return;
    }
    copy.reserve(bytes.size() + k_json_padding);
    copy.assign(bytes);
    json = copy;
  }

  Error at(std::size_t offset, const std::string& message) const {
    auto [line, column] = line_column(json, offset);
    return Error::at(ErrorKind::input, source, line, column, message);
  }
};

namespace {

namespace od = simdjson::ondemand;

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Length of the raw (still escaped) JSON string starting at `p`, just after its opening quote.
std::size_t raw_string_length(const char* p) {
  const char* q = p;
  while (*q != '"') q += (*q == '\\') ? 2 : 1;
  return static_cast<std::size_t>(q - p);
}

// The end (one past '}') of the record that precedes `next`, the position of the next key's
// opening quote or the next array element: only whitespace and one ',' lie between them.
// 0 when the bytes are not shaped like that.
std::size_t end_before(std::string_view json, std::size_t next) {
  std::size_t p = next;
  while (p > 0 && is_space(json[p - 1])) --p;
  if (p == 0 || json[p - 1] != ',') return 0;
  --p;
  while (p > 0 && is_space(json[p - 1])) --p;
  return p > 0 && json[p - 1] == '}' ? p : 0;
}

// The end (one past '}') of the object starting at `start`, by scanning it; for the last
// record of a section, which has no successor to measure against. 0 when unterminated.
std::size_t end_by_scan(std::string_view json, std::size_t start) {
  int depth = 0;
  for (std::size_t i = start; i < json.size(); ++i) {
    char c = json[i];
    if (c == '"') {
      for (++i; i < json.size() && json[i] != '"'; ++i)
        if (json[i] == '\\') ++i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

}  // namespace

RepodataIndex::RepodataIndex(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
RepodataIndex::RepodataIndex(RepodataIndex&&) noexcept = default;
RepodataIndex& RepodataIndex::operator=(RepodataIndex&&) noexcept = default;
RepodataIndex::~RepodataIndex() = default;

Result<RepodataIndex> RepodataIndex::build(std::string_view json, std::size_t readable_past_end,
                                           const std::string& source) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->adopt(json, readable_past_end);
  const std::string_view text = impl->json;
  const char* base = text.data();
  auto malformed = [&] { return detail::json_location_error(text, source); };
  auto offset_of = [&](const char* p) { return static_cast<std::size_t>(p - base); };

  od::parser parser;
  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(base, text.size(), text.size() + k_json_padding))
          .get(doc))
    return malformed();
  od::object top;
  if (auto err = doc.get_object().get(top))
    return err == simdjson::INCORRECT_TYPE
               ? Error{ErrorKind::input, source, "repodata must be a JSON object"}
               : malformed();

  // Records are indexed as they come; a record's end is known once the next one starts.
  std::size_t open = SIZE_MAX;  // the entry whose length is not known yet
  auto close_open = [&](std::size_t end) -> bool {
    if (open == SIZE_MAX) return true;
    auto& e = impl->entries[open];
    open = SIZE_MAX;
    if (end <= e.offset) return false;
    e.length = static_cast<std::uint32_t>(end - e.offset);
    return true;
  };
  // Reads one record value: its start, and its name (the rest is skipped, not parsed). Like
  // libsolv's reader, a record that is not an object or has no string name is passed over.
  auto index_record =
      [&](od::value value, std::size_t key_offset, std::size_t key_length) -> Result<void> {
    const char* start = nullptr;
    if (value.current_location().get(start)) return malformed();
    od::object record;
    if (auto err = value.get_object().get(record))
      return err == simdjson::INCORRECT_TYPE ? Result<void>(Ok{}) : malformed();
    std::string_view name;
    for (auto field_result : record) {
      od::field field;
      if (std::move(field_result).get(field)) return malformed();
      // A raw comparison: unescaping every key of every record would cost more than the rest.
      if (!field.key().unsafe_is_equal("name")) continue;
      if (auto err = field.value().get_string().get(name))
        return err == simdjson::INCORRECT_TYPE ? Result<void>(Ok{}) : malformed();
      break;  // the other fields are read only if the record is needed
    }
    if (name.empty()) return Ok{};
    Impl::Entry e;
    e.offset = offset_of(start);
    e.key_offset = key_offset;
    e.key_length = static_cast<std::uint32_t>(key_length);
    // Records are sorted by file name, so a name usually repeats the previous record's.
    bool same = !impl->entries.empty() && impl->names[impl->entries.back().name] == name;
    e.name = same ? impl->entries.back().name : impl->intern(name);
    open = impl->entries.size();
    impl->entries.push_back(e);
    return Ok{};
  };

  for (auto top_result : top) {
    od::field section;
    std::string_view key;
    if (std::move(top_result).get(section) || section.unescaped_key().get(key)) return malformed();
    if (key == "info") {
      od::object info;
      if (section.value().get_object().get(info)) continue;  // a malformed info is ignored
      for (auto info_result : info) {
        od::field field;
        std::string_view info_key, value;
        if (std::move(info_result).get(field) || field.unescaped_key().get(info_key))
          return malformed();
        if (info_key == "subdir" && !field.value().get_string().get(value))
          impl->header.subdir = std::string(value);
        else if (info_key == "base_url" && !field.value().get_string().get(value))
          impl->header.base_url = std::string(value);
      }
      continue;
    }
    if (key != "packages" && key != "packages.conda") continue;
    od::value packages = section.value();
    od::json_type type;
    if (packages.type().get(type)) return malformed();
    if (type == od::json_type::null) continue;
    if (type == od::json_type::object) {
      od::object records;
      if (packages.get_object().get(records)) return malformed();
      for (auto record_result : records) {
        od::field record;
        if (std::move(record_result).get(record)) return malformed();
        const char* raw_key = record.key().raw();
        if (!close_open(end_before(text, offset_of(raw_key) - 1))) return malformed();
        ENVLOCK_TRY_VOID(
            index_record(record.value(), offset_of(raw_key), raw_string_length(raw_key)));
      }
    } else if (type == od::json_type::array) {
      od::array records;
      if (packages.get_array().get(records)) return malformed();
      for (auto record_result : records) {
        od::value record;
        const char* start = nullptr;
        if (std::move(record_result).get(record) || record.current_location().get(start))
          return malformed();
        if (!close_open(end_before(text, offset_of(start)))) return malformed();
        ENVLOCK_TRY_VOID(index_record(record, 0, 0));
      }
    }  // any other type holds no records (libsolv skips it too)
    if (open != SIZE_MAX && !close_open(end_by_scan(text, impl->entries[open].offset)))
      return malformed();
  }
  impl->group_by_name();
  return RepodataIndex(std::move(impl));
}

namespace {

// The serialized form: native byte order (the cache belongs to this machine).
constexpr char k_magic[] = "envlock-repodata-index-1\n";

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_string(std::string& out, std::string_view s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

struct Reader {
  std::string_view in;
  bool ok = true;

  template <class T>
  T get() {
    T value{};
    if (in.size() < sizeof value) {
      ok = false;
      return value;
    }
    std::memcpy(&value, in.data(), sizeof value);
    in.remove_prefix(sizeof value);
    return value;
  }
  std::string_view get_string() {
    auto n = get<std::uint32_t>();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    auto s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

std::string RepodataIndex::serialize() const {
  const Impl& m = *m_impl;
  std::string out(k_magic);
  out.reserve(out.size() + m.entries.size() * sizeof(Impl::Entry) + m.names.size() * 16);
  put<std::uint64_t>(out, m.json.size());
  put_string(out, m.header.subdir);
  put_string(out, m.header.base_url);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(m.names.size()));
  for (const auto& name : m.names) put_string(out, name);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(m.entries.size()));
  for (const auto& e : m.entries) {
    put(out, e.offset);
    put(out, e.key_offset);
    put(out, e.length);
    put(out, e.key_length);
    put(out, e.name);
  }
  return out;
}

Result<RepodataIndex> RepodataIndex::deserialize(std::string_view bytes, std::string_view json,
                                                 std::size_t readable_past_end,
                                                 const std::string& source) {
  auto bad = [&] { return Error{ErrorKind::input, source, "not a valid repodata index"}; };
  std::string_view magic(k_magic);
  if (bytes.substr(0, magic.size()) != magic) return bad();
  Reader r{bytes.substr(magic.size())};
  if (r.get<std::uint64_t>() != json.size() || !r.ok) return bad();
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->header.subdir = std::string(r.get_string());
  impl->header.base_url = std::string(r.get_string());
  auto name_count = r.get<std::uint32_t>();
  for (std::uint32_t i = 0; i < name_count && r.ok; ++i)
    if (impl->intern(r.get_string()) != i) return bad();  // names are distinct
  auto entry_count = r.get<std::uint32_t>();
  if (!r.ok || r.in.size() / 28 < entry_count) return bad();
  impl->entries.resize(entry_count);
  // Every span is checked against the document, so a damaged file cannot read out of bounds.
  for (auto& e : impl->entries) {
    e.offset = r.get<std::uint64_t>();
    e.key_offset = r.get<std::uint64_t>();
    e.length = r.get<std::uint32_t>();
    e.key_length = r.get<std::uint32_t>();
    e.name = r.get<std::uint32_t>();
    // Written so that no sum can wrap. A key's quotes are read too when it holds escapes: one
    // byte before it and one after.
    const std::uint64_t size = json.size();
    if (e.name >= name_count || e.length < 2 || e.offset > size || e.length > size - e.offset ||
        e.key_offset > size || e.key_length > size - e.key_offset ||
        (e.key_length > 0 && (e.key_offset == 0 || e.key_length >= size - e.key_offset)))
      return bad();
  }
  if (!r.ok || !r.in.empty()) return bad();
  impl->adopt(json, readable_past_end);
  impl->group_by_name();
  return RepodataIndex(std::move(impl));
}

std::span<const std::uint32_t> RepodataIndex::records_named(std::string_view name) const {
  auto it = m_impl->name_ids.find(name);
  if (it == m_impl->name_ids.end()) return {};
  const auto* begin = m_impl->ordinals.data();
  return {begin + m_impl->first[it->second], begin + m_impl->first[it->second + 1]};
}

std::size_t RepodataIndex::size() const {
  return m_impl->entries.size();
}

std::size_t RepodataIndex::name_count() const {
  return m_impl->names.size();
}

std::vector<std::string_view> RepodataIndex::names() const {
  return {m_impl->names.begin(), m_impl->names.end()};
}

const std::string& RepodataIndex::subdir() const {
  return m_impl->header.subdir;
}

Result<PackageRecord> RepodataIndex::record(std::uint32_t ordinal) const {
  const Impl& m = *m_impl;
  if (ordinal >= m.entries.size())
    return Error{ErrorKind::internal, m.source, "record ordinal out of range"};
  const auto& e = m.entries[ordinal];
  std::string_view key = m.json.substr(e.key_offset, e.key_length);
  std::string fn(key);
  if (key.find('\\') != std::string_view::npos) {
    // The quotes around the key are in the buffer too; let simdjson unescape it.
    std::string_view unescaped;
    if (m.parser.parse(m.json.data() + e.key_offset - 1, key.size() + 2, false)
            .get_string()
            .get(unescaped))
      return m.at(e.key_offset, "malformed package file name");
    fn = std::string(unescaped);
  }
  simdjson::dom::element element;
  if (auto err = m.parser.parse(m.json.data() + e.offset, e.length, false).get(element))
    return m.at(e.offset, "malformed JSON in record '" + fn + "': " + simdjson::error_message(err));
  auto record = detail::parse_record(fn, element, m.header, m.source);
  if (!record.ok()) return m.at(e.offset, "record '" + fn + "': " + record.error().message);
  return record;
}

std::string dependency_name(std::string_view dependency) {
  if (auto colon = dependency.rfind(':'); colon != std::string_view::npos)
    dependency.remove_prefix(colon + 1);
  std::string name;
  for (char c : dependency) {
    if (c == ' ' || c == '=' || c == '<' || c == '>' || c == '!' || c == '~') break;
    name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return name;
}

}  // namespace envlock::spec
