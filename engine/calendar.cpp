// Calendar arithmetic: working days, deadlines and their explanations; the calendar set's look-ups.
// Loading and validation live in calendar_loader.cpp.

#include "gongkai/calendar.h"

#include "engine/sha256.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

namespace gongkai {
namespace calendar_detail {

const char* weekday_name(const Date& d) {
  static const char* const kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const int w = d.iso_weekday();
  return w >= 1 && w <= 7 ? kNames[w - 1] : "???";
}

// A day a layer declares: a holiday or a make-up working day.
struct DayEntry {
  DayKind kind = DayKind::holiday;
  std::string holiday;
};

// One version of one calendar file, indexed by day.
struct Layer {
  CalendarLayerRef ref;
  std::string name;
  std::vector<int> covered_years;  // ascending
  std::unordered_map<std::int64_t, DayEntry> days;
  std::vector<Holiday> holidays;
  std::string canonical;  // the text the version digest is taken over

  bool covers(int year) const {
    return std::binary_search(covered_years.begin(), covered_years.end(), year);
  }
};

// The canonical form of a calendar version (docs/calendar.md "Digests"): only what decides working
// days and identifies the notice, as compact JSON with sorted keys.
std::string canonical_form(const CalendarDefinition& def, const CalendarVersion& v) {
  nlohmann::json holidays = nlohmann::json::array();
  for (const Holiday& h : v.holidays) {
    nlohmann::json makeup = nlohmann::json::array();
    for (const Date& d : h.makeup_workdays) makeup.push_back(d.to_string());
    holidays.push_back({{"name", h.name},
                        {"from", h.from.to_string()},
                        {"to", h.to.to_string()},
                        {"makeup_workdays", makeup}});
  }
  const nlohmann::json j = {{"format", "gongkai.calendar.v1"},
                            {"id", def.id},
                            {"name", def.name},
                            {"base", def.base},
                            {"base_version", def.base_version},
                            {"version", v.version},
                            {"published", v.published.to_string()},
                            {"source", v.source},
                            {"covered_years", v.covered_years},
                            {"holidays", holidays}};
  return j.dump();
}

std::shared_ptr<const Layer> make_layer(const CalendarDefinition& def, const CalendarVersion& v) {
  auto layer = std::make_shared<Layer>();
  layer->ref = CalendarLayerRef{def.id, v.version, v.published, v.source, v.digest};
  layer->name = def.name;
  layer->covered_years = v.covered_years;
  layer->holidays = v.holidays;
  for (const Holiday& h : v.holidays) {
    for (std::int64_t d = h.from.days_since_epoch(); d <= h.to.days_since_epoch(); ++d) {
      layer->days[d] = DayEntry{DayKind::holiday, h.name};
    }
    for (const Date& m : h.makeup_workdays) {
      layer->days[m.days_since_epoch()] = DayEntry{DayKind::makeup_workday, h.name};
    }
  }
  layer->canonical = canonical_form(def, v);
  return layer;
}

bool trigger_in_range(const Date& d) {
  return d.valid() && d.year >= 1900 && d.year <= 9000;
}

std::string with_provisional(std::string line, const DayInfo& info) {
  if (!info.covered) {
    line += " [provisional: " + std::to_string(info.date.year) + " not covered by";
    for (const std::string& id : info.uncovered_by) line += " " + id;
    line += "]";
  }
  return line;
}

// A step for `info`'s day. `decides` is false for days whose kind does not matter (the trigger
// day, the days an hour count runs through): those are never provisional.
ExplanationStep make_step(const DayInfo& info, StepKind kind, std::int64_t ordinal,
                          const std::string& what, bool decides = true) {
  ExplanationStep s;
  s.date = info.date;
  s.kind = kind;
  s.day_kind = info.kind;
  s.holiday = info.holiday;
  s.ordinal = ordinal;
  s.provisional = decides && !info.covered;
  s.what = info.date.to_string() + " " + weekday_name(info.date) + ": " + what;
  if (s.provisional) s.what = with_provisional(std::move(s.what), info);
  return s;
}

std::string closing_text(std::chrono::minutes closing) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(closing.count() / 60),
                static_cast<int>(closing.count() % 60));
  return buf;
}

Status bad_argument(const std::string& message) {
  return Status(Errc::invalid_argument, message);
}

}  // namespace calendar_detail

using calendar_detail::closing_text;
using calendar_detail::Layer;

// ---------------------------------------------------------------------------------------------
// Calendar

struct Calendar::Impl {
  std::vector<std::shared_ptr<const Layer>> layers;  // top first
  std::vector<CalendarLayerRef> refs;
  std::string digest;

  Status check_trigger(Instant trigger, Date* date) const {
    *date = local_date(trigger);
    if (!calendar_detail::trigger_in_range(*date)) {
      return calendar_detail::bad_argument("the trigger " + format_utc(trigger) +
                                           " is outside the years 1900-9000");
    }
    return Status();
  }

  // Whether `date` is a working day, and whether every layer covers its year: Calendar::day()
  // without building the explanation.
  bool working(Date date, bool* covered) const {
    if (!date.valid()) {
      *covered = false;
      return true;
    }
    *covered = true;
    for (const auto& layer : layers) {
      if (!layer->covers(date.year)) *covered = false;
    }
    const std::int64_t key = date.days_since_epoch();
    for (const auto& layer : layers) {
      auto it = layer->days.find(key);
      if (it != layer->days.end()) return it->second.kind == DayKind::makeup_workday;
    }
    return !date.is_weekend();
  }

  Deadline start(TimeUnit unit, std::int64_t amount, Instant trigger, Date trigger_date,
                 std::chrono::minutes closing) const {
    Deadline d;
    d.unit = unit;
    d.amount = amount;
    d.trigger = trigger;
    d.trigger_date = trigger_date;
    d.closing_time = closing;
    d.calendar_id = refs.front().id;
    d.calendar_version = refs.front().version;
    d.calendar_digest = digest;
    d.calendar_layers = refs;
    return d;
  }
};

namespace {

const char* const kArt201 = "民法典 art. 201";
const char* const kArt203 = "民法典 art. 203";

Status check_closing(std::chrono::minutes closing) {
  if (closing.count() <= 0 || closing > kEndOfDay) {
    return calendar_detail::bad_argument("closing time " + std::to_string(closing.count()) +
                                         " min is not in (00:00, 24:00]");
  }
  return Status();
}

Status check_days(std::int64_t n) {
  if (n < 0 || n > kMaxCountedDays) {
    return calendar_detail::bad_argument(
        "a day count must be 0.." + std::to_string(kMaxCountedDays) + ", not " + std::to_string(n));
  }
  return Status();
}

// The trigger step and, for amount 0, the whole same-day result.
void add_trigger_step(const Calendar& cal, Deadline& d, bool counted_from_next_day) {
  const DayInfo info = cal.day(d.trigger_date);
  std::string what = "trigger day (" + format_local(d.trigger) + ")";
  if (counted_from_next_day) what += std::string(", not counted (") + kArt201 + ")";
  what += " (" + info.reason() + ")";
  d.steps.push_back(calendar_detail::make_step(info, StepKind::trigger, 0, what, false));
}

void finish_same_day(const Calendar& cal, Deadline& d) {
  d.last_day = d.trigger_date;
  d.closing_time = kEndOfDay;
  d.due = local_midnight(d.trigger_date.plus_days(1));
  d.steps.push_back(calendar_detail::make_step(
      cal.day(d.trigger_date), StepKind::due, 0,
      "same day (同步); due " + format_local(d.due) + " (24:00)", false));
}

std::string ordinal_suffix(std::int64_t n) {
  if (n % 100 >= 11 && n % 100 <= 13) return "th";
  switch (n % 10) {
    case 1:
      return "st";
    case 2:
      return "nd";
    case 3:
      return "rd";
    default:
      return "th";
  }
}

}  // namespace

const std::string& Calendar::id() const noexcept {
  return impl_->refs.front().id;
}
int Calendar::version() const noexcept {
  return impl_->refs.front().version;
}
const std::string& Calendar::name() const noexcept {
  return impl_->layers.front()->name;
}
const std::string& Calendar::digest() const noexcept {
  return impl_->digest;
}
const std::vector<CalendarLayerRef>& Calendar::layers() const noexcept {
  return impl_->refs;
}

bool Calendar::covers(int year) const noexcept {
  for (const auto& layer : impl_->layers) {
    if (!layer->covers(year)) return false;
  }
  return true;
}

std::vector<Holiday> Calendar::holidays() const {
  std::vector<Holiday> all;
  for (const auto& layer : impl_->layers) {
    all.insert(all.end(), layer->holidays.begin(), layer->holidays.end());
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Holiday& a, const Holiday& b) { return a.from < b.from; });
  return all;
}

DayInfo Calendar::day(Date date) const {
  DayInfo info;
  info.date = date;
  if (!date.valid()) {
    info.covered = false;
    for (const auto& layer : impl_->layers) info.uncovered_by.push_back(layer->ref.id);
    info.working = true;
    return info;
  }
  for (const auto& layer : impl_->layers) {
    if (!layer->covers(date.year)) {
      info.covered = false;
      info.uncovered_by.push_back(layer->ref.id);
    }
  }
  const std::int64_t key = date.days_since_epoch();
  for (const auto& layer : impl_->layers) {
    auto it = layer->days.find(key);
    if (it != layer->days.end()) {
      info.kind = it->second.kind;
      info.holiday = it->second.holiday;
      info.calendar_id = layer->ref.id;
      info.working = info.kind == DayKind::makeup_workday;
      return info;
    }
  }
  info.kind = date.is_weekend() ? DayKind::weekend : DayKind::weekday;
  info.working = !date.is_weekend();
  return info;
}

bool Calendar::is_working_day(Date date) const {
  return day(date).working;
}

Result<Deadline> Calendar::add_working_days(Instant trigger, std::int64_t n,
                                            std::chrono::minutes closing_time) const {
  Date td;
  if (Status s = impl_->check_trigger(trigger, &td); !s.ok()) return s;
  if (Status s = check_days(n); !s.ok()) return s;
  if (Status s = check_closing(closing_time); !s.ok()) return s;
  Deadline d = impl_->start(TimeUnit::working_days, n, trigger, td, closing_time);
  if (n == 0) {
    d.rule = "0 working days: the same day (同步); due at 24:00 China time of the trigger day";
    add_trigger_step(*this, d, false);
    finish_same_day(*this, d);
    return d;
  }
  d.rule = std::to_string(n) + " working days: counting starts on the day after the trigger day (" +
           kArt201 + "), weekends and holidays skipped, make-up working days counted; due at " +
           closing_text(closing_time) + " China time of the " + std::to_string(n) +
           ordinal_suffix(n) + " working day (" + kArt203 + ")";
  add_trigger_step(*this, d, true);
  Date day_cursor = td;
  std::int64_t k = 0;
  while (k < n) {
    day_cursor = day_cursor.plus_days(1);
    const DayInfo info = day(day_cursor);
    if (!info.covered) d.provisional = true;
    if (info.working) {
      ++k;
      d.steps.push_back(calendar_detail::make_step(info, StepKind::counted, k,
                                                   "working day " + std::to_string(k) + " of " +
                                                       std::to_string(n) + " (" + info.reason() +
                                                       ")"));
    } else {
      d.steps.push_back(calendar_detail::make_step(info, StepKind::skipped, 0,
                                                   "skipped (" + info.reason() + ")"));
    }
  }
  d.last_day = day_cursor;
  d.due = local_midnight(day_cursor) + closing_time;
  const DayInfo last = day(day_cursor);
  d.steps.push_back(calendar_detail::make_step(
      last, StepKind::due, n,
      "last day; due " + format_local(d.due) + " (" + closing_text(closing_time) + ")"));
  return d;
}

Result<Deadline> Calendar::add_calendar_days(Instant trigger, std::int64_t n,
                                             std::chrono::minutes closing_time) const {
  Date td;
  if (Status s = impl_->check_trigger(trigger, &td); !s.ok()) return s;
  if (Status s = check_days(n); !s.ok()) return s;
  if (Status s = check_closing(closing_time); !s.ok()) return s;
  Deadline d = impl_->start(TimeUnit::calendar_days, n, trigger, td, closing_time);
  if (n == 0) {
    d.rule = "0 days: the same day (同步); due at 24:00 China time of the trigger day";
    add_trigger_step(*this, d, false);
    finish_same_day(*this, d);
    return d;
  }
  d.rule = std::to_string(n) + " days: counting starts on the day after the trigger day (" +
           kArt201 + "); the last day is the " + std::to_string(n) + ordinal_suffix(n) +
           " day, moved to the first working day after it when it is a rest day; due at " +
           closing_text(closing_time) + " China time of the last day (" + kArt203 + ")";
  add_trigger_step(*this, d, true);
  Date cursor = td.plus_days(n);
  DayInfo info = day(cursor);
  if (!info.covered) d.provisional = true;
  std::int64_t ordinal = n;
  if (!info.working) {
    d.steps.push_back(calendar_detail::make_step(
        info, StepKind::period_end, n,
        "day " + std::to_string(n) + " of " + std::to_string(n) + " is a rest day (" +
            info.reason() + "): the period ends on the next working day (" + kArt203 + ")"));
    ordinal = 0;
    while (true) {
      cursor = cursor.plus_days(1);
      info = day(cursor);
      if (!info.covered) d.provisional = true;
      if (info.working) break;
      d.steps.push_back(calendar_detail::make_step(info, StepKind::skipped, 0,
                                                   "skipped (" + info.reason() + ")"));
    }
  }
  d.last_day = cursor;
  d.due = local_midnight(cursor) + closing_time;
  std::string what =
      ordinal > 0 ? "day " + std::to_string(n) + " of " + std::to_string(n) + " (" + info.reason() +
                        "), the last day; "
                  : "first working day after the period (" + info.reason() + "), the last day; ";
  d.steps.push_back(calendar_detail::make_step(
      info, StepKind::due, ordinal,
      what + "due " + format_local(d.due) + " (" + closing_text(closing_time) + ")"));
  return d;
}

Result<Deadline> Calendar::add_hours(Instant trigger, std::int64_t n) const {
  Date td;
  if (Status s = impl_->check_trigger(trigger, &td); !s.ok()) return s;
  if (n < 0 || n > kMaxCountedHours) {
    return calendar_detail::bad_argument("an hour count must be 0.." +
                                         std::to_string(kMaxCountedHours) + ", not " +
                                         std::to_string(n));
  }
  Deadline d = impl_->start(TimeUnit::hours, n, trigger, td, kEndOfDay);
  d.rule = std::to_string(n) +
           " hours: counted around the clock from the trigger instant, weekends and holidays "
           "included";
  d.due = trigger + std::chrono::hours(n);
  d.last_day = n == 0 ? td : local_date(d.due - std::chrono::milliseconds(1));
  add_trigger_step(*this, d, false);
  for (Date cursor = td.plus_days(1); cursor < d.last_day; cursor = cursor.plus_days(1)) {
    const DayInfo info = day(cursor);
    d.steps.push_back(calendar_detail::make_step(
        info, StepKind::crossed, 0, "hours run through (" + info.reason() + ")", false));
  }
  const DayInfo last = day(d.last_day);
  d.steps.push_back(calendar_detail::make_step(last, StepKind::due, 0,
                                               "due " + format_local(d.due) + ", " +
                                                   std::to_string(n) + " h after the trigger (" +
                                                   last.reason() + ")",
                                               false));
  return d;
}

Result<DueDate> Calendar::due_date(Instant trigger, const Duration& limit,
                                   std::chrono::minutes closing_time) const {
  // The same rules and checks as add_working_days, add_calendar_days and add_hours, in the same
  // order, without the steps and the rule text (a test holds the two to the same results).
  Date td;
  if (Status s = impl_->check_trigger(trigger, &td); !s.ok()) return s;
  const std::int64_t n = limit.amount;
  DueDate out;
  if (limit.unit == TimeUnit::hours) {
    if (n < 0 || n > kMaxCountedHours) {
      return calendar_detail::bad_argument("an hour count must be 0.." +
                                           std::to_string(kMaxCountedHours) + ", not " +
                                           std::to_string(n));
    }
    out.due = trigger + std::chrono::hours(n);
    out.last_day = n == 0 ? td : local_date(out.due - std::chrono::milliseconds(1));
    return out;
  }
  if (limit.unit != TimeUnit::working_days && limit.unit != TimeUnit::calendar_days) {
    return calendar_detail::bad_argument("unknown time unit");
  }
  if (Status s = check_days(n); !s.ok()) return s;
  if (Status s = check_closing(closing_time); !s.ok()) return s;
  if (n == 0) {
    out.last_day = td;
    out.due = local_midnight(td.plus_days(1));
    return out;
  }
  bool covered = true;
  Date cursor = td;
  if (limit.unit == TimeUnit::working_days) {
    for (std::int64_t k = 0; k < n;) {
      cursor = cursor.plus_days(1);
      if (impl_->working(cursor, &covered)) ++k;
      if (!covered) out.provisional = true;
    }
  } else {
    cursor = td.plus_days(n);
    bool working = impl_->working(cursor, &covered);
    if (!covered) out.provisional = true;
    while (!working) {
      cursor = cursor.plus_days(1);
      working = impl_->working(cursor, &covered);
      if (!covered) out.provisional = true;
    }
  }
  out.last_day = cursor;
  out.due = local_midnight(cursor) + closing_time;
  return out;
}

Result<Deadline> Calendar::add(Instant trigger, const Duration& limit,
                               std::chrono::minutes closing_time) const {
  switch (limit.unit) {
    case TimeUnit::working_days:
      return add_working_days(trigger, limit.amount, closing_time);
    case TimeUnit::calendar_days:
      return add_calendar_days(trigger, limit.amount, closing_time);
    case TimeUnit::hours:
      return add_hours(trigger, limit.amount);
  }
  return calendar_detail::bad_argument("unknown time unit");
}

Result<WorkingDayCount> Calendar::working_days_between(Date from, Date to) const {
  if (!from.valid() || !to.valid()) {
    return calendar_detail::bad_argument("working_days_between needs two valid dates");
  }
  const std::int64_t a = from.days_since_epoch();
  const std::int64_t b = to.days_since_epoch();
  if ((a > b ? a - b : b - a) > kMaxCountedDays) {
    return calendar_detail::bad_argument("the dates are more than " +
                                         std::to_string(kMaxCountedDays) + " days apart");
  }
  WorkingDayCount out;
  const std::int64_t lo = std::min(a, b);
  const std::int64_t hi = std::max(a, b);
  for (std::int64_t x = lo + 1; x <= hi; ++x) {
    const DayInfo info = day(Date::from_days(x));
    if (!info.covered) out.provisional = true;
    if (info.working) ++out.count;
  }
  if (b < a) out.count = -out.count;
  return out;
}

Result<WorkingDayCount> Calendar::working_days_between(Instant from, Instant to) const {
  return working_days_between(local_date(from), local_date(to));
}

// ---------------------------------------------------------------------------------------------
// Names

const char* to_string(DayKind kind) noexcept {
  switch (kind) {
    case DayKind::weekday:
      return "weekday";
    case DayKind::weekend:
      return "weekend";
    case DayKind::holiday:
      return "holiday";
    case DayKind::makeup_workday:
      return "makeup_workday";
  }
  return "weekday";
}

const char* to_string(StepKind kind) noexcept {
  switch (kind) {
    case StepKind::trigger:
      return "trigger";
    case StepKind::counted:
      return "counted";
    case StepKind::skipped:
      return "skipped";
    case StepKind::period_end:
      return "period_end";
    case StepKind::crossed:
      return "crossed";
    case StepKind::due:
      return "due";
  }
  return "trigger";
}

std::string DayInfo::reason() const {
  std::string r = to_string(kind);
  if (kind == DayKind::holiday || kind == DayKind::makeup_workday) r += ":" + holiday;
  return r;
}

// ---------------------------------------------------------------------------------------------
// CalendarSet

struct CalendarSet::Data {
  std::map<std::string, CalendarDefinition> definitions;
  // Per calendar id, one layer per version (index version - 1).
  std::map<std::string, std::vector<std::shared_ptr<const Layer>>> layers;
  // Calendars already resolved, by their layers ("id@version" from top to bottom): resolving is
  // asked for on every command and every replayed event, and the data never changes.
  mutable std::mutex resolved_mutex;
  mutable std::map<std::string, Calendar> resolved;

  // The version of `def` published by `date`: 0 when none.
  static int version_as_of(const CalendarDefinition& def, Date date) {
    int found = 0;
    for (const CalendarVersion& v : def.versions) {
      if (v.published <= date) found = v.version;
    }
    return found;
  }

  // Version `top` of `def` on its bases: each base at the version its child pins, else at the
  // latest version (as_of empty) or the latest published by `as_of`. The loader has ruled out
  // cycles and dangling references.
  Result<Calendar> resolve(const CalendarDefinition& def, int top,
                           std::optional<Date> as_of) const {
    std::vector<std::shared_ptr<const Layer>> chosen{
        layers.at(def.id)[static_cast<std::size_t>(top - 1)]};
    std::string key = def.id + "@" + std::to_string(top);
    for (const CalendarDefinition* cur = &def; !cur->base.empty();) {
      const CalendarDefinition& base = definitions.at(cur->base);
      int v = cur->base_version;
      if (v == 0) {
        v = as_of ? version_as_of(base, *as_of) : static_cast<int>(base.versions.size());
      }
      if (v == 0) {
        return Status(Errc::definition_unknown_reference,
                      "no version of calendar '" + base.id + "' (the base of '" + cur->id +
                          "') had been published by " + as_of->to_string());
      }
      chosen.push_back(layers.at(base.id)[static_cast<std::size_t>(v - 1)]);
      key += "/" + base.id + "@" + std::to_string(v);
      cur = &base;
    }
    std::lock_guard<std::mutex> lock(resolved_mutex);
    if (auto found = resolved.find(key); found != resolved.end()) return found->second;
    auto impl = std::make_shared<Calendar::Impl>();
    impl->layers = std::move(chosen);
    std::string all;
    for (const auto& layer : impl->layers) {
      impl->refs.push_back(layer->ref);
      all += layer->canonical;
      all += '\n';
    }
    impl->digest =
        impl->layers.size() == 1 ? impl->layers.front()->ref.digest : gongkai::sha256_hex(all);
    return resolved.emplace(key, Calendar(std::move(impl))).first->second;
  }
};

CalendarSet::CalendarSet() : data_(std::make_shared<Data>()) {}

CalendarSet::CalendarSet(std::vector<CalendarDefinition> definitions) {
  auto data = std::make_shared<Data>();
  for (CalendarDefinition& def : definitions) {
    std::vector<std::shared_ptr<const Layer>> layers;
    for (CalendarVersion& v : def.versions) {
      v.digest = gongkai::sha256_hex(calendar_detail::canonical_form(def, v));
      layers.push_back(calendar_detail::make_layer(def, v));
    }
    data->layers[def.id] = std::move(layers);
    std::string id = def.id;
    data->definitions.emplace(std::move(id), std::move(def));
  }
  data_ = std::move(data);
}

std::vector<std::string> CalendarSet::ids() const {
  std::vector<std::string> out;
  for (const auto& entry : data_->definitions) out.push_back(entry.first);
  return out;
}

bool CalendarSet::contains(const std::string& id) const noexcept {
  return data_->definitions.count(id) > 0;
}

const CalendarDefinition* CalendarSet::find(const std::string& id) const noexcept {
  auto it = data_->definitions.find(id);
  return it == data_->definitions.end() ? nullptr : &it->second;
}

namespace {

Status unknown_calendar(const std::string& id) {
  return Status(Errc::definition_unknown_reference, "no calendar with id '" + id + "'");
}

}  // namespace

Result<Calendar> CalendarSet::latest(const std::string& id) const {
  const CalendarDefinition* def = find(id);
  if (def == nullptr) return unknown_calendar(id);
  return version(id, static_cast<int>(def->versions.size()));
}

Result<Calendar> CalendarSet::version(const std::string& id, int version) const {
  const CalendarDefinition* def = find(id);
  if (def == nullptr) return unknown_calendar(id);
  if (version < 1 || version > static_cast<int>(def->versions.size())) {
    return Status(Errc::definition_unknown_reference,
                  "calendar '" + id + "' has no version " + std::to_string(version) +
                      " (it has 1.." + std::to_string(def->versions.size()) + ")");
  }
  return data_->resolve(*def, version, std::nullopt);
}

Result<Calendar> CalendarSet::as_of(const std::string& id, Instant t) const {
  const CalendarDefinition* def = find(id);
  if (def == nullptr) return unknown_calendar(id);
  const Date when = local_date(t);
  const int top = Data::version_as_of(*def, when);
  if (top == 0) {
    return Status(Errc::definition_unknown_reference,
                  "no version of calendar '" + id + "' had been published by " + when.to_string() +
                      " (the first is of " + def->versions.front().published.to_string() + ")");
  }
  return data_->resolve(*def, top, when);
}

}  // namespace gongkai
