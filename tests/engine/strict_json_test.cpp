// engine/strict_json: the JSON pointers it builds, the documents it accepts, and what it reports
// for repeated keys (where, which key) and for syntax errors (nlohmann's message and id).
#include "engine/strict_json.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace gongkai::strict_json
