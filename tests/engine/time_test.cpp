#include "gongkai/time.h"

#include <gtest/gtest.h>

namespace gongkai {
namespace {

TEST(Time, ParsesRfc3339WithOffsets) {
  auto a = parse_instant("2026-11-27T16:14:42+08:00");
  auto b = parse_instant("2026-11-27T08:14:42Z");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(format_utc(*a), "2026-11-27T08:14:42.000Z");
  EXPECT_EQ(format_local(*a), "2026-11-27T16:14:42.000+08:00");
}

TEST(Time, KeepsMillisecondsAndTruncatesFinerDigits) {
  EXPECT_EQ(format_utc(*parse_instant("2026-01-01T00:00:00.5Z")), "2026-01-01T00:00:00.500Z");
  EXPECT_EQ(format_utc(*parse_instant("2026-01-01T00:00:00.123456Z")), "2026-01-01T00:00:00.123Z");
}

TEST(Time, ABareDateIsMidnightInChina) {
  auto t = parse_instant("2026-10-01");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(format_utc(*t), "2026-09-30T16:00:00.000Z");
  EXPECT_EQ(local_date(*t), (Date{2026, 10, 1}));
}

TEST(Time, LocalDateCrossesMidnightAtUtcSixteen) {
  EXPECT_EQ(local_date(*parse_instant("2026-03-01T15:59:59Z")), (Date{2026, 3, 1}));
  EXPECT_EQ(local_date(*parse_instant("2026-03-01T16:00:00Z")), (Date{2026, 3, 2}));
}

TEST(Time, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2026-02-28T25:00:00Z",
                          "2026-02-28T10:00:00", "2026-02-28T10:00:00+8", "yesterday",
                          "2026-02-28T10:00:00Zjunk", "2026-02-28T10:00:00.Z"}) {
    auto t = parse_instant(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), Errc::invalid_time) << bad;
    }
  }
}

// Regression (fuzz target calendar): an instant is accepted only when both its stored (UTC) and
// its shown (China time) forms lie in years 1-9999 and so read back to the same instant.
TEST(Time, InstantsReadBackFromBothFormsAtTheEndsOfTheRange) {
  for (const char* edge :
       {"0001-01-01T00:00:00Z", "0001-01-01T08:00:00+08:00", "0001-01-02",
        "9999-12-31T15:59:59.999Z", "9999-12-31T23:59:59.999+08:00", "9999-12-31"}) {
    auto t = parse_instant(edge);
    ASSERT_TRUE(t.ok()) << edge << ": " << t.status().to_string();
    EXPECT_EQ(*parse_instant(format_utc(*t)), *t) << edge;
    EXPECT_EQ(*parse_instant(format_local(*t)), *t) << edge;
  }
  EXPECT_EQ(format_local(*parse_instant("9999-12-31T15:59:59.999Z")),
            "9999-12-31T23:59:59.999+08:00");
  for (const char* beyond :
       {"9999-12-31T16:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+08:00",
        "0001-01-01T07:59:59.999+08:00", "0001-01-01T00:00:00+00:01", "0001-01-01"}) {
    auto t = parse_instant(beyond);
    EXPECT_FALSE(t.ok()) << beyond << " read as " << (t.ok() ? format_utc(*t) : "");
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), Errc::invalid_time) << beyond;
    }
  }
}

// Regression (fuzz target calendar): every Instant has a local date and written forms; none of
// the arithmetic overflows at the ends of the int64 range (UBSan caught one in local_date).
TEST(Time, TheExtremeInstantsHaveDatesWithoutOverflow) {
  EXPECT_EQ(format_utc(Instant::max()), "292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(format_local(Instant::max()), "292278994-08-17T15:12:55.807+08:00");
  EXPECT_EQ(local_date(Instant::max()), (Date{292278994, 8, 17}));
  EXPECT_EQ(format_utc(Instant::min()), "-292275055-05-16T16:47:04.192Z");
  EXPECT_EQ(format_local(Instant::min()), "-292275055-05-17T00:47:04.192+08:00");
  EXPECT_EQ(local_date(Instant::min()), (Date{-292275055, 5, 17}));
  // Just before China-time midnight and just after, on both sides of the epoch.
  EXPECT_EQ(local_date(*parse_instant("1969-12-31T15:59:59.999Z")), (Date{1969, 12, 31}));
  EXPECT_EQ(local_date(*parse_instant("1969-12-31T16:00:00Z")), (Date{1970, 1, 1}));
  EXPECT_EQ(format_local(*parse_instant("1969-12-31T16:00:00Z")), "1970-01-01T00:00:00.000+08:00");
  EXPECT_EQ(format_utc(*parse_instant("1969-12-31T23:59:59.999Z")), "1969-12-31T23:59:59.999Z");
}

TEST(Date, WeekdaysAndArithmetic) {
  EXPECT_EQ((Date{2026, 11, 27}).iso_weekday(), 5);  // a Friday
  EXPECT_EQ((Date{2017, 1, 1}).iso_weekday(), 7);    // a Sunday
  EXPECT_TRUE((Date{2026, 11, 28}).is_weekend());
  EXPECT_EQ((Date{2024, 2, 28}).plus_days(1), (Date{2024, 2, 29}));
  EXPECT_EQ((Date{2023, 2, 28}).plus_days(1), (Date{2023, 3, 1}));
  EXPECT_EQ((Date{2026, 12, 31}).plus_days(1), (Date{2027, 1, 1}));
  EXPECT_EQ(Date::from_days((Date{1999, 12, 31}).days_since_epoch()), (Date{1999, 12, 31}));
  EXPECT_EQ((Date{2026, 3, 2}).to_string(), "2026-03-02");
  EXPECT_FALSE((Date{2026, 2, 29}).valid());
}

}  // namespace
}  // namespace gongkai

namespace gongkai {
namespace {

// format_utc has a hand-written fast path for years 0-9999; any instant in 0001-9999 must read back
// through parse_instant to itself, and sort as text in the order of time.
TEST(Time, FormatUtcRoundTripsAcrossTheYears) {
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const std::int64_t first = parse_instant("0001-01-01T00:00:00.000Z")->time_since_epoch().count();
  // The last instant parse_instant accepts: later ones would be shown in year 10000 (see
  // InstantsReadBackFromBothFormsAtTheEndsOfTheRange).
  const std::int64_t last =
      parse_instant("9999-12-31T23:59:59.999+08:00")->time_since_epoch().count();
  std::string previous;
  for (std::int64_t ms : {first, last, std::int64_t{0}, std::int64_t{-1}, std::int64_t{86399999}}) {
    const Instant t{std::chrono::milliseconds(ms)};
    auto back = parse_instant(format_utc(t));
    ASSERT_TRUE(back.ok()) << format_utc(t);
    EXPECT_EQ(*back, t) << format_utc(t);
  }
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t ms =
        first + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(last - first + 1));
    const Instant t{std::chrono::milliseconds(ms)};
    const std::string text = format_utc(t);
    ASSERT_EQ(text.size(), 24u) << text;
    auto back = parse_instant(text);
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(*back, t) << text;
  }
  EXPECT_EQ(format_utc(*parse_instant("1999-12-31T23:59:59.999Z")), "1999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_utc(*parse_instant("2024-02-29T08:05:09.007Z")), "2024-02-29T08:05:09.007Z");
}

}  // namespace
}  // namespace gongkai
