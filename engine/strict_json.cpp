#include "engine/strict_json.h"

#include <exception>
#include <set>
#include <vector>

namespace gongkai::strict_json {
namespace {

using json = nlohmann::json;

// A SAX pass that stops at the first repeated object key (recording its JSON pointer) or at the
// first syntax error (recording nlohmann's message, which has the line and column).
class RepeatedKeySax final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool /*unused*/) override { return value(); }
  bool number_integer(number_integer_t /*unused*/) override { return value(); }
  bool number_unsigned(number_unsigned_t /*unused*/) override { return value(); }
  bool number_float(number_float_t /*unused*/, const string_t& /*unused*/) override {
    return value();
  }
  bool string(string_t& /*unused*/) override { return value(); }
  bool binary(binary_t& /*unused*/) override { return value(); }
  bool start_object(std::size_t /*unused*/) override {
    value();
    frames_.push_back(Frame{true, {}, {}, 0});
    return true;
  }
  bool key(string_t& key) override {
    Frame& frame = frames_.back();
    if (!frame.keys.insert(key).second) {
      error.kind = ParseError::Kind::repeated_key;
      error.pointer = child(path_to_innermost(), key);
      error.key = key;
      stopped = true;
      return false;
    }
    frame.token = pointer_token(key);
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*unused*/) override {
    value();
    frames_.push_back(Frame{false, {}, {}, 0});
    return true;
  }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*unused*/, const std::string& /*unused*/,
                   const nlohmann::detail::exception& ex) override {
    error.kind = ParseError::Kind::syntax;
    error.message = ex.what();
    stopped = true;
    return false;
  }

  ParseError error;
  bool stopped = false;

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string token;  // which child of this container is being read
    std::size_t next_index;
  };

  bool value() {
    if (!frames_.empty() && !frames_.back().object) {
      frames_.back().token = std::to_string(frames_.back().next_index++);
    }
    return true;
  }
  // The pointer of the innermost container (the one whose key is being read).
  std::string path_to_innermost() const {
    std::string path;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) path += "/" + frames_[i].token;
    return path;
  }

  std::vector<Frame> frames_;
};

ParseResult failure(std::string message) {
  ParseResult result;
  result.error.kind = ParseError::Kind::syntax;
  result.error.message = std::move(message);
  return result;
}

}  // namespace

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + pointer_token(key);
}

std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

std::string ParseError::reason() const {
  if (!message.empty() && message[0] == '[') {
    const auto end = message.find("] ");
    if (end != std::string::npos) return message.substr(end + 2);
  }
  return message;
}

ParseResult parse(std::string_view text, bool allow_comments) {
  try {
    RepeatedKeySax sax;
    const bool ok =
        json::sax_parse(text, &sax, json::input_format_t::json, /*strict=*/true, allow_comments);
    if (sax.stopped) {
      ParseResult result;
      result.error = std::move(sax.error);
      return result;
    }
    // Not expected: the parser stops only through the SAX callbacks above.
    if (!ok) return failure("not valid JSON");
    ParseResult result;
    result.document = json::parse(text, nullptr, /*allow_exceptions=*/true, allow_comments);
    return result;
  } catch (const std::exception& ex) {
    return failure(ex.what());
  }
}

}  // namespace gongkai::strict_json
