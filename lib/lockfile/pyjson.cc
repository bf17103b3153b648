#include "lib/lockfile/pyjson.h"

#include <algorithm>
#include <cstdio>

namespace envlock::lockfile::detail {

PyJson::PyJson() = default;
PyJson::~PyJson() = default;
PyJson::PyJson(const PyJson&) = default;
PyJson::PyJson(PyJson&&) noexcept = default;
PyJson& PyJson::operator=(const PyJson&) = default;
PyJson& PyJson::operator=(PyJson&&) noexcept = default;

PyJson& PyJson::set(const std::string& key, PyJson value) {
  for (auto& [k, v] : object) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  object.emplace_back(key, std::move(value));
  return object.back().second;
}

void PyJson::erase(const std::string& key) {
  object.erase(
      std::remove_if(object.begin(), object.end(), [&](const auto& kv) { return kv.first == key; }),
      object.end());
}

const PyJson* PyJson::get(const std::string& key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

void append_u(std::string& out, unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes decode as themselves (U+0080..U+00FF).
unsigned decode_utf8(const std::string& s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  unsigned cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += extra + 1;
  return cp;
}

void quote(std::string& out, const std::string& s, bool ensure_ascii) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      append_u(out, c);
      ++i;
      continue;
    }
    if (c < 0x80 || !ensure_ascii) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    unsigned cp = decode_utf8(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_u(out, 0xD800 + (cp >> 10));
      append_u(out, 0xDC00 + (cp & 0x3FF));
    } else {
      append_u(out, cp);
    }
  }
  out.push_back('"');
}

void dump(std::string& out, const PyJson& v, bool python) {
  const char* comma = python ? ", " : ",";
  const char* colon = python ? ": " : ":";
  switch (v.kind) {
    case PyJson::Kind::null:
      out += "null";
      return;
    case PyJson::Kind::boolean:
      out += v.boolean ? "true" : "false";
      return;
    case PyJson::Kind::integer:
      out += std::to_string(v.integer);
      return;
    case PyJson::Kind::string:
      quote(out, v.string, python);
      return;
    case PyJson::Kind::array:
      out.push_back('[');
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += comma;
        dump(out, v.array[i], python);
      }
      out.push_back(']');
      return;
    case PyJson::Kind::object: {
      std::vector<const std::pair<std::string, PyJson>*> entries;
      for (const auto& kv : v.object) entries.push_back(&kv);
      if (python) {
        std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
          return a->first < b->first;
        });
      }
      out.push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += comma;
        quote(out, entries[i]->first, python);
        out += colon;
        dump(out, entries[i]->second, python);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string python_dumps_sorted(const PyJson& value) {
  std::string out;
  dump(out, value, true);
  return out;
}

std::string pydantic_dump_compact(const PyJson& value) {
  std::string out;
  dump(out, value, false);
  return out;
}

}  // namespace envlock::lockfile::detail
