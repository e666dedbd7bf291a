// Internal: strict JSON for the files gongkai reads — the definitions, the calendars, the channel
// configuration, the simulated pilot's model. nlohmann's parser, plus the refusal of a key named
// twice in one object (nlohmann keeps the last silently, so a typo would override a value unseen),
// and JSON pointers (RFC 6901) to say where a problem is. Each caller words its own messages and
// picks its own error ids from what this unit reports.
//
// It also reads integers safely: nlohmann's get<int>() on a JSON number that is a float or out of
// the type's range converts with a plain cast (undefined behaviour for 1e300), so every integer
// gongkai reads from a text it did not just build goes through integer_as / integer_at /
// integer_or.
//
// Pure functions: thread-safe; nothing here throws (other than std::bad_alloc from strings)
// except integer_at and integer_or, which say so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace gongkai::strict_json {

// A JSON pointer reference token (RFC 6901): "~" becomes "~0", "/" becomes "~1".
std::string pointer_token(std::string_view key);

// `pointer` extended by an object member or an array element: child("/a", "b/c") == "/a/b~1c",
// child("/a", 2) == "/a/2". The root's pointer is "".
std::string child(const std::string& pointer, std::string_view key);
std::string child(const std::string& pointer, std::size_t index);

// Why a text was refused.
struct ParseError {
  enum class Kind {
    syntax,        // not one well-formed JSON document (or, without comments allowed, a comment)
    repeated_key,  // an object names a key twice
  };
  Kind kind = Kind::syntax;
  // syntax: nlohmann's message with its id, e.g. "[json.exception.parse_error.101] parse error at
  // line 1, column 2: syntax error while parsing value - ...".
  std::string message;
  // repeated_key: the JSON pointer of the key's second occurrence, and the key.
  std::string pointer;
  std::string key;

  // `message` without its leading "[json.exception.<name>.<number>] " id (unchanged when it has
  // none).
  std::string reason() const;
};

// What parse gives: the document, or the first problem in the text.
struct ParseResult {
  std::optional<nlohmann::json> document;  // set when the text was accepted
  ParseError error;                        // meaningful only when `document` is empty

  bool ok() const noexcept { return document.has_value(); }
};

// Parses `text` as exactly one JSON document (RFC 8259; with `allow_comments`, `//` and `/* */`
// comments are skipped as white space), refusing an object with a repeated key. The first problem
// in text order is reported — a repeated key before a later syntax error and vice versa. Invalid
// UTF-8 inside a string is a syntax error (nlohmann's); callers that want to name the byte check
// the text before.
ParseResult parse(std::string_view text, bool allow_comments = false);

// `v` as a T when `v` is a JSON integer (signed or unsigned) that T holds exactly; std::nullopt
// for anything else: a float (even 3.0), a string, a boolean, null, or an integer out of T's range.
template <class T>
std::optional<T> integer_as(const nlohmann::json& v) noexcept {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "an integer type");
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  if (!v.is_number_integer()) return std::nullopt;
  const auto n = v.get<std::int64_t>();
  if constexpr (std::is_signed_v<T>) {
    if (n < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        n > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
      return std::nullopt;
    }
  } else {
    if (n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max()) return std::nullopt;
  }
  return static_cast<T>(n);
}

// The member `key` of the object `j` as a T (integer_as). Throws std::invalid_argument naming the
// key when `j` is not an object, has no such member, or the member is not such an integer.
template <class T>
T integer_at(const nlohmann::json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  if (it == j.end()) throw std::invalid_argument(std::string("'") + key + "' is missing");
  if (auto n = integer_as<T>(*it)) return *n;
  throw std::invalid_argument(std::string("'") + key + "' is not an integer in range");
}

// As integer_at, but `fallback` when `j` has no member `key` (an object is still required).
template <class T>
T integer_or(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.is_object()) throw std::invalid_argument(std::string("no object to read '") + key + "'");
  if (!j.contains(key)) return fallback;
  return integer_at<T>(j, key);
}

}  // namespace gongkai::strict_json
