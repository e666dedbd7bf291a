// engine/utf8.h: where well-formed UTF-8 ends (RFC 3629, table 3-7 of the Unicode standard).
#include "engine/utf8.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

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

// A byte-at-a-time decoder of RFC 3629, the oracle for is_valid_utf8 (which skips ASCII eight
// bytes at a time).
bool reference_valid(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// After a run of ASCII (which is skipped eight bytes at a time) the offset is still exact.
TEST(Utf8, OffsetsAfterLongAsciiRuns) {
  EXPECT_EQ(first_invalid_utf8("abcdefgh\xff"), 8u);
  EXPECT_EQ(first_invalid_utf8("abcdefghijklmno\xc3"), 15u);
  EXPECT_EQ(first_invalid_utf8("abcdefghijklmnop"), npos);
  EXPECT_EQ(first_invalid_utf8("abcdefgh\xed\xa0\x80"), 8u);
  EXPECT_EQ(first_invalid_utf8("abcdefg县abcdefgh\x80"), 18u);
}

TEST(Utf8, MatchesAByteAtATimeDecoder) {
  const std::vector<std::string> pieces = {"a",        "abcdefgh",         "审核",     "\xc3\xa9",
                                           "\xc3",     "\xf0\x9f\x98\x80", "\xff",     "\x80",
                                           "\xed\xa0", "\xe0\x80\xaf",     "\xf4\x90", " "};
  std::mt19937_64 random(11);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const auto n = random() % 8;
    for (std::uint64_t i = 0; i < n; ++i) text += pieces[random() % pieces.size()];
    ASSERT_EQ(is_valid_utf8(text), reference_valid(text)) << "round " << round;
    ASSERT_EQ(first_invalid_utf8(text) == npos, reference_valid(text)) << "round " << round;
    if (const auto bad = first_invalid_utf8(text); bad != npos) {
      // Everything before the offset is well-formed; the sequence at it is not.
      ASSERT_TRUE(reference_valid(text.substr(0, bad))) << "round " << round;
      ASSERT_FALSE(reference_valid(text.substr(bad))) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace gongkai
