#include "lib/channel/url.h"

#include <cctype>
#include <cstdlib>

namespace envlock::channel {
namespace {

bool is_var_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Calls `on_var(name, begin, end)` for every ${VAR} / $VAR in `text`.
template <class F>
void scan_env(std::string_view text, F on_var) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) continue;
    if (text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) continue;
      on_var(std::string(text.substr(i + 2, close - i - 2)), i, close + 1);
      i = close;
    } else if (is_var_char(text[i + 1])) {
      size_t end = i + 1;
      while (end < text.size() && is_var_char(text[end])) ++end;
      on_var(std::string(text.substr(i + 1, end - i - 1)), i, end);
      i = end - 1;
    }
  }
}

std::string authority(const UrlParts& u, std::string_view user, std::string_view password) {
  std::string out = u.scheme + "://";
  if (u.has_userinfo) {
    out += user;
    if (!password.empty()) out += ":" + std::string(password);
    out += "@";
  }
  return out + u.host;
}

// "${NAME}" or "$NAME" and nothing else: a reference to a secret, not a secret.
bool is_template(std::string_view text) {
  if (text.size() < 2 || text[0] != '$') return false;
  std::string_view name = text.substr(1);
  if (name.front() == '{') {
    if (name.size() < 3 || name.back() != '}') return false;
    name = name.substr(1, name.size() - 2);
  }
  for (char c : name) {
    if (!is_var_char(c)) return false;
  }
  return true;
}

std::string redacted_part(const std::string& value, std::string_view mask) {
  return is_template(value) ? value : std::string(mask);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

bool has_scheme(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (size_t i = 0; i < sep; ++i) {
    char c = text[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

Result<UrlParts> split_url(std::string_view url) {
  if (!has_scheme(url)) return Error{ErrorKind::usage, redact_url(url), "not a URL"};
  UrlParts u;
  size_t sep = url.find("://");
  for (char c : url.substr(0, sep)) u.scheme += static_cast<char>(std::tolower(c));
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string_view auth = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  // The last '@' ends the userinfo: passwords may hold '@' only percent-encoded, but be lenient.
  size_t at = auth.rfind('@');
  if (at != std::string_view::npos) {
    u.has_userinfo = true;
    std::string_view info = auth.substr(0, at);
    size_t colon = info.find(':');
    u.user = std::string(info.substr(0, colon));
    if (colon != std::string_view::npos) u.password = std::string(info.substr(colon + 1));
    auth = auth.substr(at + 1);
  }
  u.host = std::string(auth);
  std::string p(path);
  // An anaconda.org token: the first "/t/<token>" segment pair.
  for (size_t pos = 0; u.scheme != "file" && (pos = p.find("/t/", pos)) != std::string::npos;
       ++pos) {
    size_t end = p.find('/', pos + 3);
    std::string candidate = p.substr(pos + 3, end == std::string::npos ? end : end - pos - 3);
    if (candidate.empty()) continue;
    u.token = candidate;
    p.erase(pos, 3 + candidate.size());
    break;
  }
  while (!p.empty() && p.back() == '/') p.pop_back();
  u.path = p;
  return u;
}

std::string UrlParts::stripped() const {
  UrlParts copy = *this;
  copy.has_userinfo = false;
  return authority(copy, "", "") + path;
}

std::string UrlParts::redacted() const {
  std::string out = authority(
      *this, redacted_part(user, "***"), password.empty() ? "" : redacted_part(password, "***"));
  if (!token.empty()) out += "/t/" + redacted_part(token, "<TOKEN>");
  return out + path;
}

std::string UrlParts::with_credentials() const {
  std::string out = authority(*this, user, password);
  if (!token.empty()) out += "/t/" + token;
  return out + path;
}

std::string strip_credentials(std::string_view url) {
  auto parts = split_url(url);
  return parts ? parts->stripped() : std::string(url);
}

std::string without_credentials(std::string_view url) {
  if (!has_scheme(url)) return std::string(url);
  auto parts = split_url(url);
  if (!parts || (!parts->has_userinfo && parts->token.empty())) return std::string(url);
  return parts->stripped();
}

std::string redact_url(std::string_view url) {
  constexpr std::string_view k_ends = " \t\r\n'\"<>`";
  if (has_scheme(url) && url.find_first_of(k_ends) == std::string_view::npos) {
    auto parts = split_url(url);
    return parts ? parts->redacted() : std::string(url);
  }
  // Free text (a message quoting a spec, say): every "scheme://..." in it that holds a credential.
  std::string out;
  size_t pos = 0;
  for (size_t sep; (sep = url.find("://", pos)) != std::string_view::npos;) {
    size_t begin = sep;
    while (begin > pos &&
           (std::isalnum(static_cast<unsigned char>(url[begin - 1])) || url[begin - 1] == '+' ||
            url[begin - 1] == '-' || url[begin - 1] == '.')) {
      --begin;
    }
    size_t end = url.find_first_of(k_ends, sep);
    if (end == std::string_view::npos) end = url.size();
    std::string_view candidate = url.substr(begin, end - begin);
    out.append(url.substr(pos, begin - pos));
    auto parts = begin < sep ? split_url(candidate) : Result<UrlParts>(Error{});
    if (parts && (parts->has_userinfo || !parts->token.empty())) {
      out += parts->redacted();
    } else {
      out.append(candidate);
    }
    pos = end;
  }
  out.append(url.substr(pos));
  return out;
}

std::vector<std::string> env_references(std::string_view text) {
  std::vector<std::string> names;
  scan_env(text, [&](const std::string& name, size_t, size_t) { names.push_back(name); });
  return names;
}

Result<std::string> expand_env(std::string_view text, const EnvLookup& env,
                               std::string_view context) {
  std::string out;
  size_t copied = 0;
  std::optional<Error> error;
  scan_env(text, [&](const std::string& name, size_t begin, size_t end) {
    if (error) return;
    auto value = env(name);
    if (!value) {
      error = Error{
          ErrorKind::usage, std::string(context), "environment variable " + name + " is not set"};
      return;
    }
    out.append(text.substr(copied, begin - copied));
    out += *value;
    copied = end;
  });
  if (error) return *error;
  out.append(text.substr(copied));
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string path_to_file_url(std::string_view absolute_path) {
  std::string out = "file://";
  for (char c : absolute_path) {
    if (c == ' ') {
      out += "%20";
    } else if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  while (out.size() > 8 && out.back() == '/') out.pop_back();
  return out;
}

std::optional<std::string> file_url_to_path(std::string_view url) {
  constexpr std::string_view prefix = "file://";
  if (url.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = url.substr(prefix.size());
  // file://localhost/abs and file:///abs are the same path.
  if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
  return percent_decode(rest);
}

}  // namespace envlock::channel
