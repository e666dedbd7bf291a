// gongkai — working-day calendars and legal time limits counted on them.
//
// A calendar says which days are working days: Monday to Friday, minus the public holidays, plus
// the weekend make-up working days (调休上班) that the State Council announces each year. Calendars
// are versioned (one version per published notice, amendments included) and may be layered: a
// regional calendar (e.g. 宁夏回族自治区's 开斋节 and 古尔邦节) names a base calendar ("cn") and
// adds its own holidays on top. The file format, the counting rules and their legal sources are in
// docs/calendar.md.
//
// Counting (民法典 arts. 200-204; 政府信息公开条例):
//   - a period counted in days starts on the day after the trigger's local (UTC+8) date (art. 201);
//   - it ends at 24:00 local time of its last day (art. 203), i.e. at 00:00+08:00 of the next day;
//     a per-unit closing time (art. 203: "有业务时间的，停止业务活动的时间为截止时间") may replace
//     24:00;
//   - a calendar-day period whose last day is a rest day ends on the first working day after it
//     (art. 203); a working-day period cannot end on a rest day anyway;
//   - hour limits run around the clock, holidays included;
//   - an amount of 0 means "the same day" (同步): due at 24:00 of the trigger day, whatever that
//     day is.
// An act at or after a Deadline's `due` instant is late; an act before it is in time.
//
// Calendar and CalendarSet are immutable once built: every method is const, pure and safe to call
// from any number of threads at once. Both are cheap to copy (they share their data).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gongkai/definitions.h"
#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai {

// The end of a day: 24:00, the default closing time of the last day of a period.
inline constexpr std::chrono::minutes kEndOfDay{24 * 60};

// The most days (working or calendar) one computation may count: 100 years. Larger amounts are
// refused with invalid_argument.
inline constexpr std::int64_t kMaxCountedDays = 36525;

// The most hours add_hours() accepts: 100 years.
inline constexpr std::int64_t kMaxCountedHours = kMaxCountedDays * 24;

// What kind of day a date is.
enum class DayKind {
  weekday,         // Monday to Friday, no holiday: a working day
  weekend,         // Saturday or Sunday, not a make-up working day: a rest day
  holiday,         // a day of a holiday range (放假), whatever its weekday: a rest day
  makeup_workday,  // a Saturday or Sunday worked in exchange for a holiday (调休上班): a working
                   // day
};

// "weekday", "weekend", "holiday", "makeup_workday".
const char* to_string(DayKind kind) noexcept;

// One holiday as a calendar version has it in force.
struct Holiday {
  std::string name;  // e.g. "春节", "中秋节、国庆节", "开斋节"
  Date from;         // first day off; may lie in the previous year (2019 元旦: 2018-12-30)
  Date to;           // last day off, inclusive
  // The weekend days worked in exchange for this holiday (调休上班), ascending. May be empty.
  std::vector<Date> makeup_workdays;
  // The version of its calendar that introduced the holiday, and that version's source notice.
  int introduced_in = 0;
  std::string source;
};

// One version of one calendar file: the notice it records and everything in force at it. The
// holidays are the calendar's own (a regional calendar's do not include its base's).
struct CalendarVersion {
  int version = 0;     // 1, 2, 3, ... in order of publication
  Date published;      // the date the notice was signed or dated
  std::string source;  // the notice, e.g. "国办发明电〔2019〕3号"
  std::string title;   // the notice's title (may be empty)
  std::string note;    // remarks on the sources (may be empty)
  // The years whose arrangement is known at this version, ascending. A date in another year is
  // "uncovered": weekends alone decide there and every answer using it is provisional.
  std::vector<int> covered_years;
  // The holidays in force at this version, ordered by `from`.
  std::vector<Holiday> holidays;
  // SHA-256 (lowercase hex) of this version's canonical form (docs/calendar.md "Digests").
  std::string digest;
};

// One calendar file, validated.
struct CalendarDefinition {
  std::string id;           // e.g. "cn", "ningxia"; equals the file name without ".json"
  std::string name;         // e.g. "全国（国务院办公厅部分节假日安排）"
  std::string description;  // may be empty
  std::string file;         // the path it was loaded from
  std::string base;         // the calendar it is layered on; empty for a base calendar
  int base_version = 0;     // a pinned version of `base`; 0 = follow the base's versions
  std::vector<CalendarVersion> versions;  // versions[i].version == i + 1
};

// Names one layer of a resolved calendar: which version of which calendar file was used.
struct CalendarLayerRef {
  std::string id;
  int version = 0;
  Date published;
  std::string source;
  std::string digest;  // CalendarVersion::digest
};

// The answer to "is this date a working day?", with its reason.
struct DayInfo {
  Date date;
  bool working = false;
  DayKind kind = DayKind::weekday;
  // For kind holiday and makeup_workday: the holiday's name and the calendar that declares it.
  std::string holiday;
  std::string calendar_id;
  // False when the date's year is outside the covered years of at least one layer (listed in
  // `uncovered_by`): that layer's holidays for the year are not known yet, so the answer rests on
  // weekends (and on the layers that do cover the year) and is provisional.
  bool covered = true;
  std::vector<std::string> uncovered_by;

  // True when the answer may change once the missing notice is published (!covered).
  bool provisional() const noexcept { return !covered; }
  // "weekday", "weekend", "holiday:春节" or "makeup_workday:春节".
  std::string reason() const;
};

// What an explanation step records.
enum class StepKind {
  trigger,     // the trigger's local date: not counted (民法典 art. 201)
  counted,     // working-day counting: a working day counted, `ordinal` k of N
  skipped,     // a rest day (weekend or holiday) skipped, or passed over by an extension
  period_end,  // calendar-day counting: day N, a rest day, so the period is extended (art. 203)
  crossed,     // hour counting: a day the hours run through (for information; all hours count)
  due,         // the last day; the period ends at `Deadline::due`
};

// "trigger", "counted", "skipped", "period_end", "crossed", "due".
const char* to_string(StepKind kind) noexcept;

// One line of an explanation.
struct ExplanationStep {
  Date date;
  StepKind kind = StepKind::trigger;
  DayKind day_kind = DayKind::weekday;  // the date's kind in the calendar used
  std::string holiday;                  // the holiday's name for day_kind holiday / makeup_workday
  std::int64_t ordinal = 0;             // counted: k; period_end and due: the day's number, if any
  bool provisional = false;             // the date lies outside the covered years
  // One line for people, e.g. "2019-04-29 Mon: working day 1 of 5 (weekday)".
  std::string what;
};

// A computed deadline and the full explanation of how it was reached.
// The end of a period, without the explanation of a Deadline.
struct DueDate {
  Instant due;               // as Deadline::due
  Date last_day;             // as Deadline::last_day
  bool provisional = false;  // as Deadline::provisional
};

struct Deadline {
  TimeUnit unit = TimeUnit::working_days;
  std::int64_t amount = 0;
  Instant trigger;
  Date trigger_date;  // the trigger's local (UTC+8) date
  // The local day in which the period's last moment lies: the N-th working day, the (possibly
  // extended) last calendar day, or for hours the day containing the instant just before `due`.
  // For amount 0: the trigger date.
  Date last_day;
  // The end of the period: closing time of `last_day` (24:00 by default, i.e. 00:00+08:00 of the
  // day after `last_day`), or trigger + N hours. An act at or after `due` is late.
  Instant due;
  std::chrono::minutes closing_time = kEndOfDay;
  // The rule applied, in one sentence, with its legal source.
  std::string rule;
  // The calendar used: the top layer's id and version, the digest of all layers together, and
  // every layer (top first, base last).
  std::string calendar_id;
  int calendar_version = 0;
  std::string calendar_digest;
  std::vector<CalendarLayerRef> calendar_layers;
  // True when a day the computation depended on lies outside the covered years: the due date may
  // move when the missing notice is published.
  bool provisional = false;
  // Every day looked at, in order: the trigger day, each working day counted (k of N), each weekend
  // and holiday skipped (with the holiday's name), each make-up working day counted, and the due
  // day.
  std::vector<ExplanationStep> steps;
};

// A count of working days between two days.
struct WorkingDayCount {
  // The number of working days d with from < d <= to; negative (minus the count of to < d <= from)
  // when `to` is before `from`.
  std::int64_t count = 0;
  bool provisional = false;  // some day counted or examined was outside the covered years
};

// A calendar resolved for use: a version of one calendar file on top of one version of each of its
// bases. Obtained from a CalendarSet.
class Calendar {
 public:
  // The top layer's id and version (e.g. "ningxia", 1).
  const std::string& id() const noexcept;
  int version() const noexcept;
  // The top layer's name.
  const std::string& name() const noexcept;
  // SHA-256 (lowercase hex) over the canonical forms of all layers, top first: equal digests mean
  // equal working days. For a calendar without base it equals its CalendarVersion::digest.
  const std::string& digest() const noexcept;
  // Every layer, top first, base last.
  const std::vector<CalendarLayerRef>& layers() const noexcept;

  // True when every layer covers `year`.
  bool covers(int year) const noexcept;

  // Every holiday in force, all layers, ordered by `from`.
  std::vector<Holiday> holidays() const;

  // What `date` is. The top-most layer that declares the date a holiday or a make-up working day
  // decides; otherwise Saturday and Sunday are rest days and Monday to Friday working days.
  // `date` must be valid (Date::valid()); an invalid date is reported as an uncovered weekday.
  DayInfo day(Date date) const;

  // day(date).working.
  bool is_working_day(Date date) const;

  // The end of "within N working days" of `trigger`: counting starts on the day after the
  // trigger's local date; due at `closing_time` (default 24:00) of the N-th working day. N = 0:
  // due at 24:00 of the trigger day (同步), even when that day is a rest day; the closing time does
  // not apply. Errors: invalid_argument when n < 0, n > kMaxCountedDays, closing_time is not in
  // (0, 24:00], or the trigger's local date is outside years 1900-9000.
  Result<Deadline> add_working_days(Instant trigger, std::int64_t n,
                                    std::chrono::minutes closing_time = kEndOfDay) const;

  // The end of "within N days" of `trigger`: the last day is the trigger's local date + N; when it
  // is a rest day (a weekend day that is not a make-up working day, or a holiday) the period ends
  // on the first working day after it (民法典 art. 203). Due at `closing_time` (default 24:00) of
  // that day. A make-up Saturday is a working day: a period ending on it is not extended. N = 0:
  // due at 24:00 of the trigger day, not extended. Errors: as add_working_days.
  Result<Deadline> add_calendar_days(Instant trigger, std::int64_t n,
                                     std::chrono::minutes closing_time = kEndOfDay) const;

  // The end of "within N hours" of `trigger`: trigger + N hours, around the clock, holidays
  // included. The explanation lists the days crossed. Never provisional. Errors: invalid_argument
  // when n < 0, n > kMaxCountedHours, or the trigger's local date is outside years 1900-9000.
  Result<Deadline> add_hours(Instant trigger, std::int64_t n) const;

  // The end of a period without its explanation: `due`, `last_day` and `provisional` exactly as
  // add(trigger, limit, closing_time) gives them, for callers that need only the instant (the
  // engine, on every command and every replayed event). Errors: as add().
  Result<DueDate> due_date(Instant trigger, const Duration& limit,
                           std::chrono::minutes closing_time = kEndOfDay) const;

  // Dispatches on `limit.unit` to add_working_days, add_calendar_days or add_hours (which ignores
  // `closing_time`). Errors: as those.
  Result<Deadline> add(Instant trigger, const Duration& limit,
                       std::chrono::minutes closing_time = kEndOfDay) const;

  // Working days d with from < d <= to (see WorkingDayCount). E.g. how late an act on local date
  // `done` is against a deadline: working_days_between(deadline.last_day, done). Errors:
  // invalid_argument when a date is invalid or the two are more than kMaxCountedDays apart.
  Result<WorkingDayCount> working_days_between(Date from, Date to) const;

  // The same for the local (UTC+8) dates of two instants.
  Result<WorkingDayCount> working_days_between(Instant from, Instant to) const;

  // Obtained from a CalendarSet only. Copies share the (immutable) data; there is no moved-from
  // state (a move copies).
  Calendar() = delete;
  Calendar(const Calendar&) = default;
  Calendar& operator=(const Calendar&) = default;
  ~Calendar() = default;

 private:
  friend class CalendarSet;
  struct Impl;
  explicit Calendar(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Every calendar of a folder, validated and cross-checked (bases exist, no cycles).
class CalendarSet {
 public:
  // An empty set.
  CalendarSet();

  // The ids of all calendars, ascending.
  std::vector<std::string> ids() const;

  // True when a calendar with `id` exists.
  bool contains(const std::string& id) const noexcept;

  // The definition of `id` (all its versions), or nullptr when there is none. The pointer stays
  // valid as long as this set (or a copy of it) exists.
  const CalendarDefinition* find(const std::string& id) const noexcept;

  // The latest version of `id`, on the version of each base it pins, or the base's latest.
  // Errors: definition_unknown_reference when there is no calendar `id`.
  Result<Calendar> latest(const std::string& id) const;

  // Version `version` of `id`, on its bases as for latest(). Errors: definition_unknown_reference
  // when there is no calendar `id` or it has no such version.
  Result<Calendar> version(const std::string& id, int version) const;

  // The calendar in force for a decision taken at `t`: the latest version of `id` published on or
  // before the local date of `t`, on the pinned version of each base, or on the base's latest
  // version published by then. Errors: definition_unknown_reference when there is no calendar `id`,
  // or when no version of it (or of a base it does not pin) had been published by then.
  Result<Calendar> as_of(const std::string& id, Instant t) const;

  // Copies share the (immutable) data; there is no moved-from state (a move copies).
  CalendarSet(const CalendarSet&) = default;
  CalendarSet& operator=(const CalendarSet&) = default;
  ~CalendarSet() = default;

 private:
  struct Data;
  friend Result<CalendarSet> load_calendar_directory(const std::string& directory);
  friend Result<CalendarSet> calendars_from_json(
      const std::vector<std::pair<std::string, std::string>>& files);
  explicit CalendarSet(std::vector<CalendarDefinition> definitions);
  std::shared_ptr<const Data> data_;
};

// Loads every "*.json" file directly in `directory` (not in subfolders) as a calendar, validates
// each strictly and checks them together. An empty directory gives an empty set.
// Errors (the message names the file, the JSON pointer and what is wrong; details_json has
// {"file", "pointer"}): definition_io_error (a missing or unreadable directory or file),
// definition_parse_error (not JSON, or a key repeated in an object), definition_missing_field,
// definition_wrong_type, definition_invalid_value (also: an id that differs from the file name,
// versions out of order, overlapping holidays, a make-up day on a weekday or inside a holiday, a
// date outside the covered years, a cycle of bases), definition_unknown_field,
// definition_duplicate_id (two files with one id), definition_unknown_reference (an unknown base
// or base version, a withdrawal of a holiday not in force). The first error found, in file-name
// order, is returned.
Result<CalendarSet> load_calendar_directory(const std::string& directory);

// The same from in-memory files: (file name, JSON text) pairs, e.g. as stored in a database.
// Errors: as load_calendar_directory, except definition_io_error.
Result<CalendarSet> calendars_from_json(
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace gongkai
