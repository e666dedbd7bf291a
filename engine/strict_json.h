// Internal: strict JSON for the files gongkai reads — the definitions, the calendars, the channel
// configuration, the simulated pilot's model. nlohmann's parser, plus the refusal of a key named
// twice in one object (nlohmann keeps the last silently, so a typo would override a value unseen),
// and JSON pointers (RFC 6901) to say where a problem is. Each caller words its own messages and
// picks its own error ids from what this unit reports.
//
// Pure functions: thread-safe; nothing here throws (other than std::bad_alloc from strings).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace gongkai::strict_json
