#include "adapters/http/router.h"

#include "engine/utf8.h"

namespace gongkai::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  std::size_t start = 1;
  for (;;) {
    const std::size_t slash = path.find('/', start);
    segments.push_back(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Router::add(std::string method, std::string pattern, std::size_t id) {
  Entry e;
  e.method = std::move(method);
  for (auto s : split_path(pattern)) e.segments.emplace_back(s);
  e.pattern = std::move(pattern);
  e.id = id;
  entries_.push_back(std::move(e));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  std::vector<std::string> segments;
  for (auto raw : split_path(path)) {
    auto decoded = percent_decode(raw, false);
    if (!decoded || decoded->empty() || !is_valid_utf8(*decoded)) return result;
    segments.push_back(std::move(*decoded));
  }
  if (segments.empty()) return result;
  for (const Entry& e : entries_) {
    if (e.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool same = true;
    for (std::size_t i = 0; same && i < segments.size(); ++i) {
      const std::string& p = e.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        same = p == segments[i];
      }
    }
    if (!same) continue;
    if (e.method == method) {
      result.id = e.id;
      result.pattern = e.pattern;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    result.pattern = e.pattern;
    result.allowed.push_back(e.method);
  }
  return result;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Entry& e : entries_) out.emplace_back(e.method, e.pattern);
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value || !is_valid_utf8(*name) || !is_valid_utf8(*value)) {
      return Status(Errc::invalid_argument, "the query string is not valid percent-encoded UTF-8");
    }
    for (const auto& [n, v] : out) {
      if (n == *name) {
        return Status(Errc::invalid_argument,
                      "query parameter '" + *name + "' is given more than once");
      }
    }
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace gongkai::http
