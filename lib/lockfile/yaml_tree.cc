#include "lib/lockfile/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <sstream>
#include <unordered_set>

#include "lib/util/text.h"

namespace envlock::lockfile::detail {

YNode::YNode() = default;
YNode::~YNode() = default;
YNode::YNode(const YNode&) = default;
YNode::YNode(YNode&&) noexcept = default;
YNode& YNode::operator=(const YNode&) = default;
YNode& YNode::operator=(YNode&&) noexcept = default;

const YNode* YNode::find(std::string_view key) const {
  if (kind != Kind::map) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

const char* YNode::kind_name() const {
  switch (kind) {
    case Kind::null:
      return "null";
    case Kind::scalar:
      return "a string";
    case Kind::seq:
      return "a list";
    case Kind::map:
      return "a map";
  }
  return "null";
}

namespace {

bool is_plain_null(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// ---------------------------------------------------------------------------------------------
// The fast reader. It covers block maps and sequences, plain / single- / double-quoted scalars
// on one line, and one-line flow collections. Anything else (block scalars, anchors, tags,
// multi-line scalars, tabs, several documents) makes it give up, and yaml-cpp reads the text;
// yaml-cpp also produces the messages for malformed YAML.
class FastReader {
 public:
  explicit FastReader(std::string_view text) { split_lines(text); }

  std::optional<YNode> parse() {
    if (m_bad) return std::nullopt;
    if (m_lines.empty()) return YNode{};
    YNode root;
    if (!parse_block(m_lines[0].indent, root)) return std::nullopt;
    if (m_pos != m_lines.size()) return std::nullopt;
    return root;
  }

 private:
  struct Line {
    int indent;
    int number;
    std::string_view content;  // after the indentation, right-trimmed
  };

  void split_lines(std::string_view text) {
    size_t start = 0;
    int number = 0;
    m_lines.reserve(text.size() / 24);
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      ++number;
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      size_t i = 0;
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line[i] == '\t') {
        // A tab in the indentation is an error in YAML; a tab-only line is blank.
        size_t j = i;
        while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
        if (j == line.size()) continue;
        m_bad = true;
        return;
      }
      std::string_view content = line.substr(i);
      while (!content.empty() && (content.back() == ' ' || content.back() == '\t')) {
        content.remove_suffix(1);
      }
      if (content.empty() || content[0] == '#') {
        if (end == text.size()) break;
        continue;
      }
      if (content == "---" && m_lines.empty() && i == 0) continue;
      if (i == 0 &&
          (content.substr(0, 3) == "---" || content.substr(0, 3) == "..." || content[0] == '%')) {
        m_bad = true;
        return;
      }
      m_lines.push_back(Line{static_cast<int>(i), number, content});
      if (end == text.size()) break;
    }
  }

  static bool is_seq_item(std::string_view c) {
    return c[0] == '-' && (c.size() == 1 || c[1] == ' ');
  }

  // Counts block levels; past k_max_nesting the fast reader gives up and yaml-cpp's path
  // reports the depth.
  struct Level {
    explicit Level(int& depth) : m_depth(depth) { ++m_depth; }
    ~Level() { --m_depth; }
    int& m_depth;
  };

  bool parse_block(int indent, YNode& out) {
    Level level(m_depth);
    if (m_depth > k_max_nesting) return false;
    const Line& line = m_lines[m_pos];
    if (line.indent != indent) return false;
    if (is_seq_item(line.content)) return parse_seq(indent, out);
    std::string key;
    size_t after = 0;
    if (split_key(line.content, key, after)) return parse_map(indent, out);
    // A lone scalar (e.g. the whole document); must fit on its line.
    if (!parse_inline(line.content, line.number, line.indent + 1, m_depth, out)) return false;
    ++m_pos;
    return m_pos == m_lines.size() || m_lines[m_pos].indent < indent;
  }

  bool parse_seq(int indent, YNode& out) {
    Level level(m_depth);
    if (m_depth > k_max_nesting) return false;
    out.kind = YNode::Kind::seq;
    out.line = m_lines[m_pos].number;
    out.column = indent + 1;
    while (m_pos < m_lines.size()) {
      Line& line = m_lines[m_pos];
      if (line.indent < indent) break;
      if (line.indent > indent) return false;
      if (!is_seq_item(line.content)) break;
      std::string_view rest = line.content.substr(1);
      int col = indent + 1;
      while (!rest.empty() && rest[0] == ' ') {
        rest.remove_prefix(1);
        ++col;
      }
      out.items.emplace_back();
      YNode& item = out.items.back();
      if (rest.empty() || rest[0] == '#') {
        ++m_pos;
        if (m_pos < m_lines.size() && m_lines[m_pos].indent > indent) {
          if (!parse_block(m_lines[m_pos].indent, item)) return false;
        } else {
          item.line = line.number;
          item.column = col + 1;
        }
        continue;
      }
      if (is_seq_item(rest)) return false;  // "- - x": leave to yaml-cpp
      std::string key;
      size_t after = 0;
      if (rest[0] != '[' && rest[0] != '{' && split_key(rest, key, after)) {
        // "- key: value": a map whose first entry starts at the item's column.
        line.indent = col;
        line.content = rest;
        if (!parse_map(col, item)) return false;
        continue;
      }
      if (!parse_inline(rest, line.number, col + 1, m_depth, item)) return false;
      ++m_pos;
      if (m_pos < m_lines.size() && m_lines[m_pos].indent > indent) return false;
    }
    return true;
  }

  bool parse_map(int indent, YNode& out) {
    Level level(m_depth);
    if (m_depth > k_max_nesting) return false;
    out.kind = YNode::Kind::map;
    out.line = m_lines[m_pos].number;
    out.column = indent + 1;
    while (m_pos < m_lines.size()) {
      const Line& line = m_lines[m_pos];
      if (line.indent < indent) break;
      if (line.indent > indent) return false;
      if (is_seq_item(line.content)) return false;
      std::string key;
      size_t after = 0;
      if (!split_key(line.content, key, after)) return false;
      for (const auto& entry : out.entries) {
        if (entry.first == key) return false;  // duplicate: yaml-cpp path reports it
      }
      out.entries.emplace_back(std::move(key), YNode{});
      YNode& value = out.entries.back().second;
      std::string_view rest = line.content.substr(after);
      int col = indent + 1 + static_cast<int>(after);
      while (!rest.empty() && rest[0] == ' ') {
        rest.remove_prefix(1);
        ++col;
      }
      if (rest.empty() || rest[0] == '#') {
        int number = line.number;
        ++m_pos;
        if (m_pos < m_lines.size() && m_lines[m_pos].indent > indent) {
          if (!parse_block(m_lines[m_pos].indent, value)) return false;
        } else if (m_pos < m_lines.size() && m_lines[m_pos].indent == indent &&
                   is_seq_item(m_lines[m_pos].content)) {
          if (!parse_seq(indent, value)) return false;
        } else {
          value.line = number;
          value.column = col;
        }
        continue;
      }
      if (!parse_inline(rest, line.number, col, m_depth, value)) return false;
      ++m_pos;
      if (m_pos < m_lines.size() && m_lines[m_pos].indent > indent) return false;
    }
    return true;
  }

  // Splits "key: rest" / "key:" (plain or quoted key). `after` is the offset just past ':'.
  static bool split_key(std::string_view c, std::string& key, size_t& after) {
    if (c.empty()) return false;
    if (c[0] == '"' || c[0] == '\'') {
      YNode k;
      size_t end = 0;
      if (!parse_quoted(c, 0, k, end)) return false;
      if (end >= c.size() || c[end] != ':') return false;
      if (end + 1 < c.size() && c[end + 1] != ' ') return false;
      key = std::move(k.text);
      after = end + 1;
      return true;
    }
    if (c[0] == '?' || c[0] == '[' || c[0] == '{' || c[0] == '&' || c[0] == '*' || c[0] == '!' ||
        c[0] == '|' || c[0] == '>' || c[0] == '#') {
      return false;
    }
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i] == ':' && (i + 1 == c.size() || c[i + 1] == ' ')) {
        if (i == 0) return false;
        std::string_view k = c.substr(0, i);
        while (!k.empty() && k.back() == ' ') k.remove_suffix(1);
        if (k.find(" #") != std::string_view::npos) return false;
        key.assign(k);
        after = i + 1;
        return true;
      }
      if (c[i] == '#' && i > 0 && c[i - 1] == ' ') return false;
    }
    return false;
  }

  // Parses a quoted scalar starting at c[pos]; `end` is the offset after the closing quote.
  static bool parse_quoted(std::string_view c, size_t pos, YNode& out, size_t& end) {
    char q = c[pos];
    std::string s;
    size_t i = pos + 1;
    for (; i < c.size(); ++i) {
      char ch = c[i];
      if (q == '\'') {
        if (ch == '\'') {
          if (i + 1 < c.size() && c[i + 1] == '\'') {
            s.push_back('\'');
            ++i;
            continue;
          }
          break;
        }
        s.push_back(ch);
      } else {
        if (ch == '"') break;
        if (ch != '\\') {
          s.push_back(ch);
          continue;
        }
        if (++i >= c.size()) return false;
        switch (c[i]) {
          case '"':
            s.push_back('"');
            break;
          case '\\':
            s.push_back('\\');
            break;
          case '/':
            s.push_back('/');
            break;
          case 'n':
            s.push_back('\n');
            break;
          case 't':
            s.push_back('\t');
            break;
          case 'r':
            s.push_back('\r');
            break;
          case '0':
            s.push_back('\0');
            break;
          case ' ':
            s.push_back(' ');
            break;
          case 'u': {
            if (i + 4 >= c.size()) return false;
            unsigned cp = 0;
            for (int k = 1; k <= 4; ++k) {
              char h = c[i + k];
              cp <<= 4;
              if (h >= '0' && h <= '9')
                cp |= h - '0';
              else if (h >= 'a' && h <= 'f')
                cp |= h - 'a' + 10;
              else if (h >= 'A' && h <= 'F')
                cp |= h - 'A' + 10;
              else
                return false;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates: leave to yaml-cpp
            i += 4;
            if (cp < 0x80) {
              s.push_back(static_cast<char>(cp));
            } else if (cp < 0x800) {
              s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
              s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
              s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            break;
          }
          default:
            return false;
        }
      }
    }
    if (i >= c.size()) return false;  // not closed on this line
    out.kind = YNode::Kind::scalar;
    out.quoted = true;
    out.text = std::move(s);
    end = i + 1;
    return true;
  }

  static bool only_comment(std::string_view rest) {
    size_t i = 0;
    while (i < rest.size() && rest[i] == ' ') ++i;
    return i == rest.size() || (rest[i] == '#' && i > 0);
  }

  static bool parse_inline(std::string_view c, int line, int col, int depth, YNode& out) {
    out.line = line;
    out.column = col;
    char first = c[0];
    if (first == '"' || first == '\'') {
      size_t end = 0;
      if (!parse_quoted(c, 0, out, end)) return false;
      return only_comment(c.substr(end));
    }
    if (first == '[' || first == '{') {
      size_t pos = 0;
      if (!parse_flow(c, pos, out, line, col, depth)) return false;
      return only_comment(c.substr(pos));
    }
    if (first == '&' || first == '*' || first == '!' || first == '|' || first == '>' ||
        first == '%' || first == '@' || first == '`' || first == ',' || first == ']' ||
        first == '}' || first == '?') {
      return false;
    }
    if (first == '-' && (c.size() == 1 || c[1] == ' ')) return false;
    std::string_view v = c;
    size_t hash = v.find(" #");
    if (hash != std::string_view::npos) v = v.substr(0, hash);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    // "a: b" inside a value is a YAML error; "key:" at the end too.
    if (v.find(": ") != std::string_view::npos || (!v.empty() && v.back() == ':')) return false;
    if (is_plain_null(v)) {
      out.kind = YNode::Kind::null;
      return true;
    }
    out.kind = YNode::Kind::scalar;
    out.text.assign(v);
    return true;
  }

  static void skip_spaces(std::string_view c, size_t& pos) {
    while (pos < c.size() && c[pos] == ' ') ++pos;
  }

  // One-line flow collections: [a, "b", {k: v}] and {k: v, k2: [x]}.
  static bool parse_flow(std::string_view c, size_t& pos, YNode& out, int line, int col0,
                         int depth) {
    if (++depth > k_max_nesting) return false;
    skip_spaces(c, pos);
    if (pos >= c.size()) return false;
    out.line = line;
    out.column = col0 + static_cast<int>(pos);
    char open = c[pos];
    if (open == '[' || open == '{') {
      bool is_map = open == '{';
      char close = is_map ? '}' : ']';
      out.kind = is_map ? YNode::Kind::map : YNode::Kind::seq;
      ++pos;
      skip_spaces(c, pos);
      if (pos < c.size() && c[pos] == close) {
        ++pos;
        return true;
      }
      while (true) {
        if (is_map) {
          YNode key;
          if (!parse_flow_scalar(c, pos, key, /*is_key=*/true, line, col0)) return false;
          if (key.kind != YNode::Kind::scalar) return false;
          skip_spaces(c, pos);
          if (pos >= c.size() || c[pos] != ':') return false;
          ++pos;
          for (const auto& entry : out.entries) {
            if (entry.first == key.text) return false;
          }
          out.entries.emplace_back(key.text, YNode{});
          if (!parse_flow(c, pos, out.entries.back().second, line, col0, depth)) return false;
        } else {
          out.items.emplace_back();
          if (!parse_flow(c, pos, out.items.back(), line, col0, depth)) return false;
        }
        skip_spaces(c, pos);
        if (pos >= c.size()) return false;
        if (c[pos] == ',') {
          ++pos;
          skip_spaces(c, pos);
          if (pos < c.size() && c[pos] == close) return false;  // trailing comma: yaml-cpp
          continue;
        }
        if (c[pos] == close) {
          ++pos;
          return true;
        }
        return false;
      }
    }
    return parse_flow_scalar(c, pos, out, /*is_key=*/false, line, col0);
  }

  static bool parse_flow_scalar(std::string_view c, size_t& pos, YNode& out, bool is_key, int line,
                                int col0) {
    skip_spaces(c, pos);
    if (pos >= c.size()) return false;
    out.line = line;
    out.column = col0 + static_cast<int>(pos);
    if (c[pos] == '"' || c[pos] == '\'') {
      size_t end = 0;
      if (!parse_quoted(c, pos, out, end)) return false;
      pos = end;
      return true;
    }
    size_t start = pos;
    while (pos < c.size()) {
      char ch = c[pos];
      if (ch == ',' || ch == ']' || ch == '}' || ch == '[' || ch == '{') break;
      if (ch == ':' &&
          (pos + 1 == c.size() || c[pos + 1] == ' ' || c[pos + 1] == ',' || c[pos + 1] == '}')) {
        if (!is_key) return false;
        break;
      }
      if (ch == '#' && pos > start && c[pos - 1] == ' ') return false;
      ++pos;
    }
    std::string_view v = c.substr(start, pos - start);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (!v.empty() && (v[0] == '&' || v[0] == '*' || v[0] == '!' || v[0] == '?')) return false;
    if (is_plain_null(v)) {
      if (is_key) return false;
      out.kind = YNode::Kind::null;
      return true;
    }
    out.kind = YNode::Kind::scalar;
    out.text.assign(v);
    return true;
  }

  std::vector<Line> m_lines;
  size_t m_pos = 0;
  int m_depth = 0;
  bool m_bad = false;
};

// ---------------------------------------------------------------------------------------------
// yaml-cpp path.

// Parses without building nodes, only to count the documents. yaml-cpp 0.7's LoadAll reads a
// document that starts with ',' (", x", or "a, b" after its first scalar) as endless empty
// documents and fills memory (found by fuzz/lock); counting stops past k_max_documents.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

constexpr size_t k_max_documents = 100;

size_t count_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  size_t documents = 0;
  while (documents <= k_max_documents && parser.HandleNextDocument(counter)) ++documents;
  return documents;
}
// What converting one document may still build: aliases make yaml-cpp share nodes, and a tree
// of copies can grow exponentially with the text ("billion laughs").
struct Budget {
  size_t nodes_left;
  int depth = 0;
};

Result<YNode> convert(const YAML::Node& node, const std::string& path, Budget& budget) {
  YNode out;
  const YAML::Mark mark = node.Mark();
  out.line = mark.line >= 0 ? mark.line + 1 : 0;
  out.column = mark.column >= 0 ? mark.column + 1 : 0;
  if (budget.depth >= k_max_nesting) {
    return Error::at(ErrorKind::input,
                     path,
                     out.line,
                     out.column,
                     "nesting deeper than " + std::to_string(k_max_nesting) + " levels");
  }
  if (budget.nodes_left == 0) {
    return Error::at(ErrorKind::input,
                     path,
                     out.line,
                     out.column,
                     "aliases expand to more nodes than the document could hold without them");
  }
  --budget.nodes_left;
  ++budget.depth;
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{budget.depth};
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.kind = YNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      out.kind = YNode::Kind::scalar;
      out.text = node.Scalar();
      out.quoted = node.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      out.kind = YNode::Kind::seq;
      out.items.reserve(node.size());
      for (const auto& item : node) {
        ENVLOCK_TRY(child, convert(item, path, budget));
        out.items.push_back(std::move(child));
      }
      break;
    case YAML::NodeType::Map: {
      out.kind = YNode::Kind::map;
      std::unordered_set<std::string> seen;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          const YAML::Mark m = kv.first.Mark();
          return Error::at(
              ErrorKind::input, path, m.line + 1, m.column + 1, "a map key must be a plain string");
        }
        const std::string& key = kv.first.Scalar();
        if (!seen.insert(key).second) {
          const YAML::Mark m = kv.first.Mark();
          return Error::at(
              ErrorKind::input, path, m.line + 1, m.column + 1, "duplicate key '" + key + "'");
        }
        ENVLOCK_TRY(child, convert(kv.second, path, budget));
        out.entries.emplace_back(key, std::move(child));
      }
      break;
    }
  }
  return out;
}

}  // namespace

Result<YNode> parse_yaml(std::string_view text, const std::string& path, YamlReader reader,
                         YamlPath* used_path) {
  if (reader == YamlReader::automatic) {
    FastReader fast(text);
    if (auto tree = fast.parse()) {
      if (used_path) *used_path = YamlPath::fast;
      return std::move(*tree);
    }
  }
  if (used_path) *used_path = YamlPath::yaml_cpp;
  try {
    std::string owned(text);
    size_t documents = count_documents(owned);
    if (documents > 1) {
      return Error::at(
          ErrorKind::input,
          path,
          0,
          0,
          "expected one YAML document, found " +
              (documents > k_max_documents ? "more than " + std::to_string(k_max_documents)
                                           : std::to_string(documents)));
    }
    if (documents == 0) return YNode{};
    YAML::Node doc = YAML::Load(owned);
    // Without aliases a document has fewer nodes than bytes; the slack admits modest reuse.
    Budget budget{text.size() + 100000};
    return convert(doc, path, budget);
  } catch (const YAML::Exception& e) {
    std::string what = e.msg.empty() ? std::string("invalid YAML") : e.msg;
    return Error::at(ErrorKind::input,
                     path,
                     e.mark.line >= 0 ? e.mark.line + 1 : 0,
                     e.mark.column >= 0 ? e.mark.column + 1 : 0,
                     "invalid YAML: " + what);
  }
}

}  // namespace envlock::lockfile::detail
