// gongkai — instants and civil dates.
//
// Instants are stored in UTC with millisecond precision and shown in China Standard Time (UTC+8,
// no daylight saving since 1991). Civil dates are days in the Asia/Shanghai calendar. All functions
// are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "gongkai/status.h"

namespace gongkai {

// A point in time, milliseconds since 1970-01-01T00:00:00Z.
using Instant = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

// The offset of China Standard Time from UTC: +08:00.
inline constexpr std::chrono::hours kChinaOffset{8};

// A civil date (proleptic Gregorian). Valid when it names a real day in years 1..9999.
struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Days since 1970-01-01 (negative before).
  std::int64_t days_since_epoch() const noexcept;
  // The date `days` days since 1970-01-01.
  static Date from_days(std::int64_t days) noexcept;
  // This date moved by `n` days (n may be negative).
  Date plus_days(std::int64_t n) const noexcept { return from_days(days_since_epoch() + n); }
  // ISO weekday: 1 = Monday ... 7 = Sunday.
  int iso_weekday() const noexcept;
  // True for Saturday and Sunday.
  bool is_weekend() const noexcept { return iso_weekday() >= 6; }
  // "YYYY-MM-DD".
  std::string to_string() const;
  // True when the fields name a real day in years 1..9999.
  bool valid() const noexcept;

  friend bool operator==(const Date& a, const Date& b) noexcept {
    return a.year == b.year && a.month == b.month && a.day == b.day;
  }
  friend bool operator!=(const Date& a, const Date& b) noexcept { return !(a == b); }
  friend bool operator<(const Date& a, const Date& b) noexcept {
    return a.days_since_epoch() < b.days_since_epoch();
  }
  friend bool operator<=(const Date& a, const Date& b) noexcept { return !(b < a); }
  friend bool operator>(const Date& a, const Date& b) noexcept { return b < a; }
  friend bool operator>=(const Date& a, const Date& b) noexcept { return !(a < b); }
};

// Parses "YYYY-MM-DD". Errors: invalid_time.
Result<Date> parse_date(std::string_view text);

// Parses an RFC 3339 instant ("2026-11-27T16:14:42+08:00", "...Z", fractional seconds up to ms
// kept, finer digits truncated) or a bare "YYYY-MM-DD" (00:00 China time). Errors: invalid_time,
// also outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999+08:00 (both forms in years 1-9999).
Result<Instant> parse_instant(std::string_view text);

// "2026-11-27T08:14:42.123Z" — the stored form (always milliseconds, always Z).
std::string format_utc(Instant t);

// "2026-11-27T16:14:42.123+08:00" — the shown form.
std::string format_local(Instant t);

// The China-time civil date of `t`.
Date local_date(Instant t) noexcept;

// 00:00 China time at the start of `d`, as an instant.
Instant local_midnight(Date d) noexcept;

// The current instant from the system clock, truncated to milliseconds.
Instant system_now() noexcept;

}  // namespace gongkai
