// engine/utf8.h: where well-formed UTF-8 ends (RFC 3629, table 3-7 of the Unicode standard).
#include "engine/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace gongkai {
namespace {

using namespace std::string_literals;
constexpr auto npos = std::string_view::npos;

TEST(Utf8, WellFormedTextHasNoInvalidByte) {
  for (const std::string& good : {""s, "ascii"s, "\0nul inside"s, "é"s, "县人民政府"s, "𠀀"s,
                                  "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "\xED\x9F\xBF"s /* U+D7FF */,
                                  "\xEE\x80\x80"s /* U+E000 */, "\xEF\xBF\xBF"s /* U+FFFF */}) {
    EXPECT_EQ(first_invalid_utf8(good), npos) << good;
    EXPECT_TRUE(is_valid_utf8(good)) << good;
  }
}

TEST(Utf8, NamesTheOffsetOfTheFirstBadSequence) {
  EXPECT_EQ(first_invalid_utf8("ab\x80"), 2u);            // a stray continuation byte
  EXPECT_EQ(first_invalid_utf8("县\xC3\x28"), 3u);        // a lead byte without its continuation
  EXPECT_EQ(first_invalid_utf8("x\xE5\x8E"), 1u);         // cut short at the end
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);          // overlong "/"
  EXPECT_EQ(first_invalid_utf8("\xC1\xBF"), 0u);          // overlong
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong in three bytes
  EXPECT_EQ(first_invalid_utf8("\xF0\x80\x80\xAF"), 0u);  // overlong in four bytes
  EXPECT_EQ(first_invalid_utf8("ok\xED\xA0\x80"), 2u);    // U+D800, a surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // U+110000, above the range
  EXPECT_EQ(first_invalid_utf8("\xF5\x80\x80\x80"), 0u);  // no such lead byte
  EXPECT_EQ(first_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(first_invalid_utf8("é\xE4\xB8\x41"), 2u);  // a third byte that is ASCII
  EXPECT_FALSE(is_valid_utf8("ab\x80"));
}

}  // namespace
}  // namespace gongkai
