#include "engine/json_text.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/utf8.h"

namespace gongkai {
namespace {

std::string written(std::string_view text) {
  std::string out = "x";  // appends: what was there stays
  append_json_string(out, text);
  return out;
}

TEST(JsonText, EscapesAsNlohmann) {
  EXPECT_EQ(written(""), "x\"\"");
  EXPECT_EQ(written("公开"), "x\"公开\"");
  EXPECT_EQ(written("a\"b\\c\nd\te\x01\x1f\x7f/"), "x\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\x7f/\"");
  EXPECT_EQ(written(std::string_view("\0", 1)), "x\"\\u0000\"");
}

// The escaping is written for speed (eight bytes at a time where none needs escaping);
// nlohmann's dump of the same string is the oracle, for every position of every special byte in
// runs long and short, with multi-byte characters around them.
TEST(JsonText, MatchesNlohmannsDumpForWellFormedText) {
  const std::vector<std::string> pieces = {"a",
                                           "abcdefgh",
                                           "审核",
                                           "\"",
                                           "\\",
                                           "\b",
                                           "\f",
                                           "\n",
                                           "\r",
                                           "\t",
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "/",
                                           " ",
                                           "\xc3\xa9",
                                           "\xf0\x9f\x98\x80",
                                           std::string(1, '\0'),
                                           std::string(17, 'x')};
  std::mt19937_64 random(20261127);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    const auto n = random() % 12;
    for (std::uint64_t i = 0; i < n; ++i) text += pieces[random() % pieces.size()];
    ASSERT_TRUE(is_valid_utf8(text));
    std::string out;
    append_json_string(out, text);
    ASSERT_EQ(out, nlohmann::json(text).dump()) << "round " << round;
  }
}

TEST(JsonText, IntegersAsNlohmann) {
  for (long long v : {0LL, 1LL, -1LL, 42LL, -1234567890123LL, std::numeric_limits<long long>::max(),
                      std::numeric_limits<long long>::min()}) {
    std::string out;
    append_json_integer(out, v);
    EXPECT_EQ(out, nlohmann::json(v).dump());
  }
}

TEST(JsonText, InstantsAsTheirFormattedString) {
  std::mt19937_64 random(9);
  const std::int64_t kYear = 365LL * 86400000;
  for (int round = 0; round < 20000; ++round) {
    // Around 1970, across the years 0-9999 and beyond them, and the extremes.
    std::int64_t ms = 0;
    switch (round % 4) {
      case 0:
        ms = static_cast<std::int64_t>(random() % (4 * kYear)) - 2 * kYear;
        break;
      case 1:
        ms = static_cast<std::int64_t>(random() % (10000 * kYear)) - 1970 * kYear;
        break;
      case 2:
        ms = static_cast<std::int64_t>(random() % (40000 * kYear)) - 20000 * kYear;
        break;
      default:
        ms = round % 8 == 3 ? std::numeric_limits<std::int64_t>::max() - round
                            : std::numeric_limits<std::int64_t>::min() + round;
    }
    const Instant t{std::chrono::milliseconds(ms)};
    std::string out = "x";
    append_json_utc(out, t);
    ASSERT_EQ(out, "x" + nlohmann::json(format_utc(t)).dump()) << ms;
  }
}

}  // namespace
}  // namespace gongkai
