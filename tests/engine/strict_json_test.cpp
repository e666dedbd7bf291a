// engine/strict_json: the JSON pointers it builds, the documents it accepts, and what it reports
// for repeated keys (where, which key) and for syntax errors (nlohmann's message and id).
#include "engine/strict_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace gongkai::strict_json {
namespace {

using nlohmann::json;

TEST(StrictJsonPointer, EscapesTildeAndSlash) {
  EXPECT_EQ(pointer_token("plain"), "plain");
  EXPECT_EQ(pointer_token(""), "");
  EXPECT_EQ(pointer_token("a~b/c"), "a~0b~1c");
  // "~1" in a key is a tilde and a one, not a slash: it must not read back as "/".
  EXPECT_EQ(pointer_token("~1"), "~01");
  EXPECT_EQ(pointer_token("//~~"), "~1~1~0~0");
  EXPECT_EQ(pointer_token("县"), "县");
}

TEST(StrictJsonPointer, ChildAppendsAKeyOrAnIndex) {
  EXPECT_EQ(child("", "a"), "/a");
  EXPECT_EQ(child("/a", "b/c"), "/a/b~1c");
  EXPECT_EQ(child("/a", std::size_t{0}), "/a/0");
  EXPECT_EQ(child("/a", std::size_t{12}), "/a/12");
  EXPECT_EQ(child("", ""), "/");  // the empty key is a member too
}

TEST(StrictJsonParse, AcceptsWhatNlohmannAccepts) {
  const std::string text =
      R"({"a": [1, 2.5, -3, true, null, "县"], "b": {"c": {}}, "d": [], "e": 18446744073709551615})";
  const ParseResult parsed = parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  EXPECT_EQ(*parsed.document, json::parse(text));
  // Any value is a document, not only an object.
  for (const char* scalar : {"1", "\"x\"", "null", "[]", "  true \n"}) {
    const ParseResult p = parse(scalar);
    ASSERT_TRUE(p.ok()) << scalar;
    EXPECT_EQ(*p.document, json::parse(scalar)) << scalar;
  }
}

TEST(StrictJsonParse, TheSameKeyInDifferentObjectsIsFine) {
  const ParseResult parsed = parse(R"({"k": {"k": 1}, "a": [{"k": 1}, {"k": 2}], "b": {"k": 3}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error.message;
  EXPECT_EQ(parsed.document->at("b").at("k"), 3);
}

TEST(StrictJsonParse, RefusesARepeatedKeyAtTheRoot) {
  const ParseResult parsed = parse(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.kind, ParseError::Kind::repeated_key);
  EXPECT_EQ(parsed.error.pointer, "/a");
  EXPECT_EQ(parsed.error.key, "a");
}

TEST(StrictJsonParse, NamesWhereANestedRepeatedKeyIs) {
  const ParseResult parsed = parse(R"({"x": [{"a": 1}, [0, 1], {"b": 1, "c": [], "b": 2}]})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.kind, ParseError::Kind::repeated_key);
  EXPECT_EQ(parsed.error.pointer, "/x/2/b");
  EXPECT_EQ(parsed.error.key, "b");

  // Inside an array at the root, after a nested array.
  const ParseResult in_array = parse(R"([[1, 2], {"a": 1, "a": 2}])");
  ASSERT_FALSE(in_array.ok());
  EXPECT_EQ(in_array.error.pointer, "/1/a");
}

TEST(StrictJsonParse, EscapesTheRepeatedKeyInItsPointer) {
  const ParseResult parsed = parse(R"({"p/q": {"~k": 1, "~k": 2}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.pointer, "/p~1q/~0k");
  EXPECT_EQ(parsed.error.key, "~k");
}

TEST(StrictJsonParse, KeysThatDifferOnlyAfterEscapesAreDifferentKeys) {
  // "\u0041" is "A": the same key written two ways is repeated.
  const ParseResult same = parse(R"({"A": 1, "\u0041": 2})");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error.key, "A");
  EXPECT_TRUE(parse(R"({"a": 1, "A": 2, "a ": 3})").ok());
}

TEST(StrictJsonParse, ReportsSyntaxErrorsWithNlohmannsIdAndPosition) {
  const ParseResult parsed = parse("{\n  \"a\": 1,\n}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.kind, ParseError::Kind::syntax);
  EXPECT_EQ(parsed.error.message.rfind("[json.exception.parse_error.101] parse error at line 3", 0),
            0u)
      << parsed.error.message;
  EXPECT_EQ(parsed.error.reason().rfind("parse error at line 3, column 1", 0), 0u)
      << parsed.error.reason();
  EXPECT_TRUE(parsed.error.pointer.empty());
  EXPECT_TRUE(parsed.error.key.empty());
}

TEST(StrictJsonParse, RefusesEverythingThatIsNotExactlyOneDocument) {
  for (const char* bad : {"", "   ", "{", "}", "{} {}", "[1,]", "{'a': 1}", "nul", "01", "1 x",
                          "{\"a\" 1}", "\"unterminated", "[1, 2"}) {
    const ParseResult parsed = parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error.kind, ParseError::Kind::syntax) << bad;
    EXPECT_FALSE(parsed.error.reason().empty()) << bad;
  }
}

TEST(StrictJsonParse, InvalidUtf8InAStringIsASyntaxError) {
  const ParseResult parsed = parse("{\"a\": \"\xC3\x28\"}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error.kind, ParseError::Kind::syntax);
  EXPECT_NE(parsed.error.message.find("UTF-8"), std::string::npos) << parsed.error.message;
}

TEST(StrictJsonParse, CommentsOnlyWhenAllowed) {
  const std::string text = "// the header\n{\"a\": /* one */ 1}\n";
  const ParseResult refused = parse(text);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error.kind, ParseError::Kind::syntax);
  const ParseResult allowed = parse(text, /*allow_comments=*/true);
  ASSERT_TRUE(allowed.ok()) << allowed.error.message;
  EXPECT_EQ(*allowed.document, json({{"a", 1}}));
  // Comments do not hide a repeated key.
  const ParseResult repeated = parse("{\"a\": 1, // x\n \"a\": 2}", true);
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error.kind, ParseError::Kind::repeated_key);
  // An unterminated comment is a syntax error.
  EXPECT_FALSE(parse("{} /* open", true).ok());
}

TEST(StrictJsonParse, TheFirstProblemInTheTextWins) {
  const ParseResult repeat_first = parse(R"({"a": 1, "a": 2, "b": })");
  ASSERT_FALSE(repeat_first.ok());
  EXPECT_EQ(repeat_first.error.kind, ParseError::Kind::repeated_key);
  const ParseResult syntax_first = parse(R"({"b": , "a": 1, "a": 2})");
  ASSERT_FALSE(syntax_first.ok());
  EXPECT_EQ(syntax_first.error.kind, ParseError::Kind::syntax);
}

TEST(StrictJsonParseError, ReasonDropsOnlyALeadingId) {
  ParseError e;
  e.message = "[json.exception.parse_error.101] parse error at line 1";
  EXPECT_EQ(e.reason(), "parse error at line 1");
  e.message = "no id here";
  EXPECT_EQ(e.reason(), "no id here");
  e.message = "[unclosed id";
  EXPECT_EQ(e.reason(), "[unclosed id");
  e.message = "";
  EXPECT_EQ(e.reason(), "");
}

TEST(StrictJsonInteger, TakesOnlyIntegersTheTypeHolds) {
  EXPECT_EQ(integer_as<int>(json(7)), 7);
  EXPECT_EQ(integer_as<int>(json(-7)), -7);
  EXPECT_EQ(integer_as<std::int64_t>(json(std::numeric_limits<std::int64_t>::min())),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(integer_as<std::uint64_t>(json(std::numeric_limits<std::uint64_t>::max())),
            std::numeric_limits<std::uint64_t>::max());
  // Floats, even whole ones, and floats no integer holds (a plain cast of 1e300 is undefined).
  EXPECT_EQ(integer_as<int>(json::parse("3.0")), std::nullopt);
  EXPECT_EQ(integer_as<std::int64_t>(json::parse("1e300")), std::nullopt);
  EXPECT_EQ(integer_as<std::int64_t>(json::parse("-1e300")), std::nullopt);
  // Out of range, on either side.
  EXPECT_EQ(integer_as<int>(json(std::int64_t{1} << 31)), std::nullopt);
  EXPECT_EQ(integer_as<int>(json(-(std::int64_t{1} << 31) - 1)), std::nullopt);
  EXPECT_EQ(integer_as<std::int64_t>(json::parse("9223372036854775808")), std::nullopt);
  EXPECT_EQ(integer_as<unsigned>(json(-1)), std::nullopt);
  EXPECT_EQ(integer_as<std::uint8_t>(json(256)), std::nullopt);
  // Not numbers.
  for (const char* text : {"\"7\"", "true", "null", "[7]", "{}"}) {
    EXPECT_EQ(integer_as<int>(json::parse(text)), std::nullopt) << text;
  }
}

TEST(StrictJsonInteger, AtAndOrNameTheKey) {
  const json j = json::parse(R"({"a": 5, "f": 2.5, "big": 1e300})");
  EXPECT_EQ(integer_at<int>(j, "a"), 5);
  EXPECT_EQ(integer_or<int>(j, "missing", 9), 9);
  EXPECT_EQ(integer_or<int>(j, "a", 9), 5);
  for (const char* key : {"f", "big", "missing"}) {
    try {
      (void)integer_at<std::int64_t>(j, key);
      ADD_FAILURE() << key << " was read";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)integer_or<int>(j, "big", 0), std::invalid_argument);
  EXPECT_THROW((void)integer_or<int>(json::array(), "a", 0), std::invalid_argument);
  EXPECT_THROW((void)integer_at<int>(json(3), "a"), std::invalid_argument);
}

}  // namespace
}  // namespace gongkai::strict_json
