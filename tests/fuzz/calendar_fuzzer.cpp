// Fuzz target: calendar arithmetic on the shipped calendars (definitions/calendars: the national
// calendar and a regional layer over it, every version). The input picks a calendar version, an
// instant, an amount, a closing time and dates, and a text to parse; the target checks the
// invariants the deadline rules promise (docs/calendar.md):
//   working days: the last day is a working day after the trigger date, exactly N working days
//     lie in (trigger date, last day], due at its closing time; N = 0 is due at 24:00 that day;
//   calendar days: the last day is the trigger date + N, or the first working day after it when
//     that is a rest day (every day skipped is a rest day);
//   hours: due = trigger + N hours, never provisional;
//   working_days_between is antisymmetric and additive;
//   dates and instants read back what they write.
// Out-of-range arguments must give invalid_argument, never a crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gongkai/calendar.h"
#include "gongkai/time.h"

namespace {

// Reads the input as a sequence of choices (zeros once it is used up).
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint64_t bits(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | (pos_ < size_ ? data_[pos_++] : 0);
    return v;
  }
  // A value in [lo, hi].
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const std::uint64_t v = bits(8);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) +
                                     (span == UINT64_MAX ? v : v % (span + 1)));
  }
  std::int64_t any() { return static_cast<std::int64_t>(bits(8)); }
  std::string rest() {
    std::string out(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
    pos_ = size_;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

using gongkai::Calendar;
using gongkai::Date;
using gongkai::Instant;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "calendar invariant broken: %s\n", what.c_str());
  std::abort();
}

void check(bool condition, const std::string& what) {
  if (!condition) fail(what);
}

const std::vector<Calendar>& calendars() {
  static const std::vector<Calendar> all = [] {
    auto set = gongkai::load_calendar_directory(std::string(GONGKAI_SOURCE_DIR) +
                                                "/definitions/calendars");
    if (!set.ok()) fail("cannot load the shipped calendars: " + set.status().to_string());
    std::vector<Calendar> out;
    for (const std::string& id : set->ids()) {
      for (const auto& version : set->find(id)->versions) {
        auto c = set->version(id, version.version);
        if (!c.ok()) fail(c.status().to_string());
        out.push_back(*c);
      }
    }
    return out;
  }();
  return all;
}

// Years 1900-9000 are accepted; the calendars cover 2017-2026. Mostly near the covered years.
Instant pick_instant(Input& in) {
  const auto kind = in.range(0, 7);
  std::int64_t ms;
  if (kind == 0) {
    ms = in.any();         // anything, also out of range
  } else if (kind == 1) {  // 1899-9001
    ms = in.range(-2240611200000, 221845392000000);
  } else {  // 2015-2028
    ms = in.range(1420041600000, 1861891200000);
  }
  return Instant(std::chrono::milliseconds(ms));
}

std::int64_t pick_amount(Input& in) {
  // Mostly short periods: a long one (tens of thousands of days, each explained) costs ~0.1 s.
  switch (in.range(0, 15)) {
    case 0:
      return in.any();  // mostly refused at once
    case 1:
      return gongkai::kMaxCountedDays + 1;  // refused
    case 2:
      return in.range(0, 5000);
    default:
      return in.range(0, 400);
  }
}

bool in_range(Instant t) {
  const int year = gongkai::local_date(t).year;
  return year >= 1900 && year <= 9000;
}

void check_working_days(const Calendar& cal, Instant t, std::int64_t n,
                        std::chrono::minutes close) {
  auto d = cal.add_working_days(t, n, close);
  const bool valid = n >= 0 && n <= gongkai::kMaxCountedDays && close.count() > 0 &&
                     close <= gongkai::kEndOfDay && in_range(t);
  if (!valid) {
    check(!d.ok() && d.status().code() == gongkai::Errc::invalid_argument,
          "add_working_days accepts invalid arguments");
    return;
  }
  check(d.ok(), "add_working_days refuses valid arguments: " + d.status().to_string());
  const Date start = gongkai::local_date(t);
  check(d->trigger_date == start, "trigger date");
  if (n == 0) {
    check(d->last_day == start, "N = 0: last day is the trigger day");
    check(d->due == gongkai::local_midnight(start.plus_days(1)), "N = 0: due at 24:00");
    return;
  }
  check(d->last_day > start, "the last day is after the trigger date");
  check(cal.is_working_day(d->last_day), "the last day is a working day");
  auto count = cal.working_days_between(start, d->last_day);
  // working_days_between spans at most kMaxCountedDays calendar days (N working days span more).
  if (d->last_day.days_since_epoch() - start.days_since_epoch() <= gongkai::kMaxCountedDays) {
    check(count.ok() && count->count == n, "N working days lie in (trigger, last day]");
  } else {
    check(!count.ok() && count.status().code() == gongkai::Errc::invalid_argument,
          "working_days_between refuses more than kMaxCountedDays");
  }
  check(d->due == gongkai::local_midnight(d->last_day) + close, "due at the closing time");
  check(d->due > t, "due after the trigger");
  std::int64_t counted = 0;
  for (const auto& step : d->steps) counted += step.kind == gongkai::StepKind::counted;
  check(counted == n, "the explanation counts N working days");
  check(!d->steps.empty() && d->steps.back().kind == gongkai::StepKind::due &&
            d->steps.back().date == d->last_day,
        "the explanation ends on the due day");
}

void check_calendar_days(const Calendar& cal, Instant t, std::int64_t n,
                         std::chrono::minutes close) {
  auto d = cal.add_calendar_days(t, n, close);
  const bool valid = n >= 0 && n <= gongkai::kMaxCountedDays && close.count() > 0 &&
                     close <= gongkai::kEndOfDay && in_range(t);
  if (!valid) {
    check(!d.ok() && d.status().code() == gongkai::Errc::invalid_argument,
          "add_calendar_days accepts invalid arguments");
    return;
  }
  check(d.ok(), "add_calendar_days refuses valid arguments: " + d.status().to_string());
  const Date start = gongkai::local_date(t);
  if (n == 0) {
    check(d->last_day == start, "N = 0: last day is the trigger day");
    return;
  }
  const Date nominal = start.plus_days(n);
  check(d->last_day >= nominal, "the period is never shortened");
  check(cal.is_working_day(d->last_day), "a period ends on a working day");
  for (Date day = nominal; day < d->last_day; day = day.plus_days(1)) {
    check(!cal.is_working_day(day), "only rest days extend a period");
  }
  check(d->due == gongkai::local_midnight(d->last_day) + close, "due at the closing time");
}

void check_hours(const Calendar& cal, Instant t, std::int64_t n) {
  auto d = cal.add_hours(t, n);
  const bool valid = n >= 0 && n <= gongkai::kMaxCountedHours && in_range(t);
  if (!valid) {
    check(!d.ok() && d.status().code() == gongkai::Errc::invalid_argument,
          "add_hours accepts invalid arguments");
    return;
  }
  check(d.ok(), "add_hours refuses valid arguments: " + d.status().to_string());
  check(d->due == t + std::chrono::hours(n), "due = trigger + N hours");
  check(!d->provisional, "hours are never provisional");
}

void check_between(const Calendar& cal, Date a, Date b, Date c) {
  auto ab = cal.working_days_between(a, b);
  auto ba = cal.working_days_between(b, a);
  check(ab.ok() == ba.ok(), "working_days_between: both directions or neither");
  if (!ab.ok()) {
    check(ab.status().code() == gongkai::Errc::invalid_argument, "working_days_between error");
    return;
  }
  check(ab->count == -ba->count, "working_days_between is antisymmetric");
  auto aa = cal.working_days_between(a, a);
  check(aa.ok() && aa->count == 0, "no working day between a day and itself");
  auto bc = cal.working_days_between(b, c);
  auto ac = cal.working_days_between(a, c);
  if (bc.ok() && ac.ok()) check(ab->count + bc->count == ac->count, "working days add up");
}

void check_text(const std::string& text) {
  if (auto date = gongkai::parse_date(text); date.ok()) {
    check(date->valid(), "a parsed date is valid");
    auto again = gongkai::parse_date(date->to_string());
    check(again.ok() && *again == *date, "a date reads back: " + date->to_string());
    check(Date::from_days(date->days_since_epoch()) == *date, "days since epoch");
  }
  if (auto t = gongkai::parse_instant(text); t.ok()) {
    auto utc = gongkai::parse_instant(gongkai::format_utc(*t));
    check(utc.ok() && *utc == *t, "an instant reads back: " + gongkai::format_utc(*t));
    auto local = gongkai::parse_instant(gongkai::format_local(*t));
    check(local.ok() && *local == *t, "a local instant reads back: " + gongkai::format_local(*t));
  }
}

Date pick_date(Input& in) {
  return gongkai::local_date(pick_instant(in));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const auto& all = calendars();
  const Calendar& cal =
      all[static_cast<std::size_t>(in.range(0, static_cast<std::int64_t>(all.size()) - 1))];
  const Instant t = pick_instant(in);
  const std::int64_t n = pick_amount(in);
  const std::chrono::minutes close(in.bits(1) % 2 == 0 ? gongkai::kEndOfDay.count()
                                                       : in.range(-1, 1441));
  switch (in.range(0, 4)) {
    case 0:
      check_working_days(cal, t, n, close);
      break;
    case 1:
      check_calendar_days(cal, t, n, close);
      break;
    case 2:
      check_hours(cal, t, n);
      break;
    case 3:
      check_between(cal, pick_date(in), pick_date(in), pick_date(in));
      break;
    default:
      check_text(in.rest());
      break;
  }
  return 0;
}
