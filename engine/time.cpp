#include "gongkai/time.h"

#include <cctype>
#include <cstdio>

namespace gongkai {
namespace {

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int days_in_month(int y, int m) noexcept {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Both written forms of an instant (UTC and China time) must name a day of years 1-9999, or it
// could not be read back from them (found by fuzzing: "9999-12-31T23:59:59Z" was shown as
// 10000-01-01T07:59:59+08:00, "0001-01-01T00:00:00+08:00" stored as 0000-12-31T16:00:00Z).
constexpr std::int64_t kFirstInstantMs = -62135596800000;  // 0001-01-01T00:00:00Z
constexpr std::int64_t kLastInstantMs = 253402271999999;   // 9999-12-31T23:59:59.999+08:00
constexpr const char* kOutOfRange = "outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999+08:00";

bool in_written_range(Instant t) {
  const std::int64_t ms = t.time_since_epoch().count();
  return ms >= kFirstInstantMs && ms <= kLastInstantMs;
}

Status bad_time(std::string_view text, const char* why) {
  return Status(Errc::invalid_time, "'" + std::string(text) + "' is not a valid time: " + why +
                                        " (expected RFC 3339 such as 2026-11-27T16:00:00+08:00, "
                                        "or YYYY-MM-DD)");
}

constexpr std::int64_t kDayMs = 86400000;

// The day (since 1970-01-01) and the milliseconds into it of `t` seen at UTC + `offset`
// (|offset| < one day). Defined for every Instant: no intermediate value overflows (found by
// fuzzing: an instant within a day of the int64 range overflowed, undefined behaviour).
void split_day(Instant t, std::chrono::minutes offset, std::int64_t& days, std::int64_t& rem) {
  const std::int64_t ms = t.time_since_epoch().count();
  days = ms / kDayMs;
  rem = ms % kDayMs;
  if (rem < 0) {
    rem += kDayMs;
    --days;
  }
  rem += static_cast<std::int64_t>(offset.count()) * 60000;
  if (rem >= kDayMs) {
    rem -= kDayMs;
    ++days;
  } else if (rem < 0) {
    rem += kDayMs;
    --days;
  }
}

std::string format_with_offset(Instant t, std::chrono::minutes offset, bool zulu) {
  std::int64_t days = 0, rem = 0;
  split_day(t, offset, days, rem);
  const Date d = Date::from_days(days);
  const int h = static_cast<int>(rem / 3600000);
  const int mi = static_cast<int>(rem / 60000 % 60);
  const int s = static_cast<int>(rem / 1000 % 60);
  const int milli = static_cast<int>(rem % 1000);
  if (d.year >= 0 && d.year <= 9999 && zulu) {
    // The common case without snprintf: timestamps are formatted for every stored event.
    char out[] = "0000-00-00T00:00:00.000Z";
    auto put = [&out](int at, int value, int width) {
      for (int i = at + width - 1; i >= at; --i, value /= 10)
        out[i] = static_cast<char>('0' + value % 10);
    };
    put(0, d.year, 4);
    put(5, d.month, 2);
    put(8, d.day, 2);
    put(11, h, 2);
    put(14, mi, 2);
    put(17, s, 2);
    put(20, milli, 3);
    return std::string(out, sizeof out - 1);
  }
  char buf[48];
  if (zulu) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day, h,
                  mi, s, milli);
  } else {
    const int off = static_cast<int>(offset.count());
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", d.year, d.month,
                  d.day, h, mi, s, milli, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
                  (off < 0 ? -off : off) % 60);
  }
  return buf;
}

}  // namespace

std::int64_t Date::days_since_epoch() const noexcept {
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

Date Date::from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

int Date::iso_weekday() const noexcept {
  const std::int64_t z = days_since_epoch();     // 1970-01-01 was a Thursday (4)
  const std::int64_t w = ((z % 7) + 7 + 3) % 7;  // 0 = Monday
  return static_cast<int>(w) + 1;
}

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

bool Date::valid() const noexcept {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

Result<Date> parse_date(std::string_view text) {
  Date d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !read_digits(text, 0, 4, d.year) ||
      !read_digits(text, 5, 2, d.month) || !read_digits(text, 8, 2, d.day)) {
    return bad_time(text, "not YYYY-MM-DD");
  }
  if (!d.valid()) return bad_time(text, "no such day");
  return d;
}

Result<Instant> parse_instant(std::string_view text) {
  if (text.size() == 10) {
    auto d = parse_date(text);
    if (!d.ok()) return d.status();
    const Instant t = local_midnight(*d);
    if (!in_written_range(t)) return bad_time(text, kOutOfRange);
    return t;
  }
  if (text.size() < 20) return bad_time(text, "too short");
  auto date = parse_date(text.substr(0, 10));
  if (!date.ok()) return bad_time(text, "bad date part");
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return bad_time(text, "missing 'T'");
  int h = 0, mi = 0, s = 0;
  if (!read_digits(text, 11, 2, h) || text[13] != ':' || !read_digits(text, 14, 2, mi) ||
      text[16] != ':' || !read_digits(text, 17, 2, s)) {
    return bad_time(text, "bad time of day");
  }
  if (h > 23 || mi > 59 || s > 60) return bad_time(text, "time of day out of range");
  if (s == 60) s = 59;  // a leap second is read as the last second of its minute
  std::size_t pos = 19;
  int milli = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 3) milli = milli * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad_time(text, "empty fraction");
    for (int i = digits; i < 3; ++i) milli *= 10;
  }
  int offset_min = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad_time(text, "bad UTC offset");
    }
    offset_min = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return bad_time(text, "missing UTC offset (Z or +08:00)");
  }
  if (pos != text.size()) return bad_time(text, "trailing characters");
  const std::int64_t ms = ((date->days_since_epoch() * 86400 + h * 3600 + mi * 60 + s) * 1000) +
                          milli - static_cast<std::int64_t>(offset_min) * 60000;
  const Instant t{std::chrono::milliseconds(ms)};
  if (!in_written_range(t)) return bad_time(text, kOutOfRange);
  return t;
}

std::string format_utc(Instant t) {
  return format_with_offset(t, std::chrono::minutes(0), true);
}

std::string format_local(Instant t) {
  return format_with_offset(t, kChinaOffset, false);
}

Date local_date(Instant t) noexcept {
  std::int64_t days = 0, rem = 0;
  split_day(t, kChinaOffset, days, rem);
  return Date::from_days(days);
}

Instant local_midnight(Date d) noexcept {
  return Instant(std::chrono::milliseconds(d.days_since_epoch() * 86400000)) - kChinaOffset;
}

Instant system_now() noexcept {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace gongkai
