#include "engine/deadlines.h"

#include <algorithm>

#include "engine/strict_json.h"

namespace gongkai {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;

// The triggers that are gongkai's own lifecycle events, and the event each names. Every other
// trigger of a standard ("formed", "approved", "decided", "signed", "evaluation_report_received",
// ...) is an outside fact that forms the information: its deadline runs from the item's
// formed_at and opens when the item is created.
const char* trigger_of(EventType type) {
  switch (type) {
    case EventType::submit:
      return "submitted";
    case EventType::publish:
      return "published";
    case EventType::interpret:
      return "interpreted";
    case EventType::raise_concern:
      return "raised";
    case EventType::respond:
      return "responded";
    case EventType::correct:
      return "corrected";
    default:
      return "";
  }
}

bool is_lifecycle_trigger(const std::string& trigger) {
  return trigger == "submitted" || trigger == "published" || trigger == "interpreted" ||
         trigger == "raised" || trigger == "responded" || trigger == "corrected";
}

// Whether `type` is the act that fulfils a deadline of `kind`.
bool fulfils(EventType type, const std::string& kind) {
  if (kind == "publication") return type == EventType::publish;
  if (kind == "review") return type == EventType::approve || type == EventType::reject;
  if (kind == "interpretation") return type == EventType::interpret;
  if (kind == "concern_response") return type == EventType::respond;
  // response_window and the kinds a standard adds run until the item is closed.
  return type == EventType::close;
}

std::optional<TimeUnit> unit_of(const std::string& name) {
  if (name == "working_days") return TimeUnit::working_days;
  if (name == "calendar_days") return TimeUnit::calendar_days;
  if (name == "hours") return TimeUnit::hours;
  return std::nullopt;
}

ItemDeadline* find(Item& item, const std::string& id) {
  for (auto& d : item.deadlines) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

bool is_open(const ItemDeadline& d) {
  return d.state == DeadlineState::pending || d.state == DeadlineState::breached ||
         d.state == DeadlineState::paused;
}

std::string next_id(const Item& item, const std::string& kind, int concern) {
  if (concern > 0) return kind + "#" + std::to_string(concern);
  int same = 0;
  for (const auto& d : item.deadlines) same += d.kind == kind ? 1 : 0;
  return same == 0 ? kind : kind + "#" + std::to_string(same + 1);
}

Status set_due(ItemDeadline& d, const DeadlineContext& context) {
  if (!context.calendar) {
    return Status(Errc::calendar_not_found, "no calendar is in force for deadline " + d.id);
  }
  auto due = compute_due_date(d, *context.calendar);
  if (!due.ok()) return due.status();
  d.due = due->due;
  d.last_day = due->last_day;
  d.provisional = due->provisional;
  d.calendar = context.calendar_ref;
  d.computed_at = context.at;
  return Status::Ok();
}

void close_deadline(ItemDeadline& d, Instant at) {
  d.state = at < d.due && d.state != DeadlineState::breached ? DeadlineState::met
                                                             : DeadlineState::met_late;
  d.paused_since.reset();
  d.closed_at = at;
}

Status refuse(Errc code, std::string message) {
  return Status(code, std::move(message));
}

}  // namespace

const char* to_string(DeadlineState state) noexcept {
  switch (state) {
    case DeadlineState::pending:
      return "pending";
    case DeadlineState::met:
      return "met";
    case DeadlineState::met_late:
      return "met_late";
    case DeadlineState::breached:
      return "breached";
    case DeadlineState::paused:
      return "paused";
    case DeadlineState::cancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* to_string(DeadlineOrigin origin) noexcept {
  switch (origin) {
    case DeadlineOrigin::original:
      return "original";
    case DeadlineOrigin::extended:
      return "extended";
    case DeadlineOrigin::paused:
      return "paused";
    case DeadlineOrigin::recomputed:
      return "recomputed";
  }
  return "unknown";
}

const ItemDeadline* Item::find_deadline(const std::string& id) const noexcept {
  for (const auto& d : deadlines) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const DeadlineRule* find_rule(const ItemStandard& standard, const std::string& kind) {
  for (const auto& rule : standard.deadlines) {
    if (rule.kind == kind) return &rule;
  }
  return nullptr;
}

Result<Deadline> compute_due(const ItemDeadline& d, const Calendar& calendar) {
  const auto unit = unit_of(d.unit);
  if (!unit) return Status(Errc::internal, "deadline " + d.id + " has unit '" + d.unit + "'");
  if (*unit == TimeUnit::hours) {
    auto due = calendar.add_hours(d.trigger_at, d.amount + d.extended);
    if (!due.ok() || d.paused_ms == 0) return due;
    // The time paused does not count: the end moves by it, and the explanation says so.
    due->due += milliseconds(d.paused_ms);
    due->last_day = local_date(due->due - milliseconds(1));
    for (auto& step : due->steps) {
      if (step.kind != StepKind::due) continue;
      step.date = due->last_day;
      step.what = step.date.to_string() + ": due " + format_local(due->due) + ", " +
                  std::to_string(d.amount + d.extended) + " h after the trigger plus " +
                  std::to_string(d.paused_ms / 60000) + " min paused (not counted)";
    }
    return due;
  }
  return calendar.add(d.trigger_at, Duration{d.amount + d.extended + d.paused_days, *unit});
}

Result<DueDate> compute_due_date(const ItemDeadline& d, const Calendar& calendar) {
  const auto unit = unit_of(d.unit);
  if (!unit) return Status(Errc::internal, "deadline " + d.id + " has unit '" + d.unit + "'");
  if (*unit == TimeUnit::hours) {
    auto due = calendar.due_date(d.trigger_at, Duration{d.amount + d.extended, TimeUnit::hours});
    if (!due.ok() || d.paused_ms == 0) return due;
    due->due += milliseconds(d.paused_ms);
    due->last_day = local_date(due->due - milliseconds(1));
    return due;
  }
  return calendar.due_date(d.trigger_at, Duration{d.amount + d.extended + d.paused_days, *unit});
}

const std::vector<EscalationStep>& ladder_of(const ItemDeadline& d,
                                             const DeadlineContext& context) {
  static const std::vector<EscalationStep> kNone;
  if (context.standard) {
    if (const DeadlineRule* rule = find_rule(*context.standard, d.kind);
        rule && !rule->escalation.empty()) {
      return rule->escalation;
    }
  }
  return context.default_ladder ? *context.default_ladder : kNone;
}

Result<Instant> step_instant(const ItemDeadline& d, const EscalationStep& step,
                             const Calendar& calendar) {
  const std::int64_t n = step.offset.amount;
  if (n == 0) return d.due;
  if (step.before) {
    switch (step.offset.unit) {
      case TimeUnit::hours:
        return d.due - hours(n);
      case TimeUnit::calendar_days:
        return d.due - hours(24 * n);
      case TimeUnit::working_days: {
        // The start of the n-th working day counted back from the last day (n = 1: the last day).
        Date day = d.last_day;
        for (std::int64_t k = 1; k < n;) {
          day = day.plus_days(-1);
          if (calendar.is_working_day(day)) ++k;
        }
        return std::min(local_midnight(day), d.due);
      }
    }
  }
  const Instant from = d.due - milliseconds(1);  // on the last day
  switch (step.offset.unit) {
    case TimeUnit::hours:
      return d.due + hours(n);
    case TimeUnit::calendar_days: {
      auto r = calendar.add_calendar_days(from, n);
      if (!r.ok()) return r.status();
      return r->due;
    }
    case TimeUnit::working_days: {
      auto r = calendar.add_working_days(from, n);
      if (!r.ok()) return r.status();
      return r->due;
    }
  }
  return d.due;
}

Status schedule_steps(Item& item, const DeadlineContext& context) {
  for (auto& d : item.deadlines) {
    d.next_step.clear();
    d.next_step_at.reset();
    if (d.state != DeadlineState::pending && d.state != DeadlineState::breached) continue;
    if (!context.calendar) continue;
    const auto& ladder = ladder_of(d, context);
    // Steps fire in ladder order: the next one comes after the last one fired.
    std::size_t start = 0;
    for (std::size_t i = 0; i < ladder.size(); ++i) {
      if (std::find(d.steps_fired.begin(), d.steps_fired.end(), ladder[i].step) !=
          d.steps_fired.end()) {
        start = i + 1;
      }
    }
    for (std::size_t i = start; i < ladder.size(); ++i) {
      auto at = step_instant(d, ladder[i], *context.calendar);
      if (!at.ok()) return at.status();
      // A reminder that would come before (or at) the trigger is not given.
      if (ladder[i].before && *at <= d.trigger_at) continue;
      d.next_step = ladder[i].step;
      d.next_step_at = *at;
      break;
    }
  }
  return Status::Ok();
}

std::vector<std::pair<EscalationStep, Instant>> due_steps(const ItemDeadline& d,
                                                          const DeadlineContext& context,
                                                          Instant now) {
  std::vector<std::pair<EscalationStep, Instant>> steps;
  if (!context.calendar ||
      (d.state != DeadlineState::pending && d.state != DeadlineState::breached)) {
    return steps;
  }
  const auto& ladder = ladder_of(d, context);
  std::size_t start = 0;
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    if (std::find(d.steps_fired.begin(), d.steps_fired.end(), ladder[i].step) !=
        d.steps_fired.end()) {
      start = i + 1;
    }
  }
  for (std::size_t i = start; i < ladder.size(); ++i) {
    auto at = step_instant(d, ladder[i], *context.calendar);
    if (!at.ok() || *at > now) break;
    if (ladder[i].before && (*at <= d.trigger_at || now >= d.due)) continue;  // too early or late
    steps.emplace_back(ladder[i], *at);
  }
  return steps;
}

Status update_deadlines_after(Item& item, EventType type, const Event& event, int concern,
                              const DeadlineContext& context) {
  const Instant at = event.at;
  // 1. Acts that fulfil open deadlines.
  for (auto& d : item.deadlines) {
    if (!is_open(d)) continue;
    if (type == EventType::withdraw || (type == EventType::correct && d.kind == "interpretation")) {
      d.state = DeadlineState::cancelled;
      d.paused_since.reset();
      d.closed_at = at;
      continue;
    }
    if (!fulfils(type, d.kind)) continue;
    if (d.kind == "concern_response" && d.concern != concern) continue;
    close_deadline(d, at);
  }
  // 2. Deadlines this event triggers.
  const std::string trigger = trigger_of(type);
  if (context.standard) {
    for (const DeadlineRule& rule : context.standard->deadlines) {
      const bool opens = type == EventType::created ? !is_lifecycle_trigger(rule.trigger)
                                                    : rule.trigger == trigger;
      if (!opens) continue;
      ItemDeadline d;
      d.kind = rule.kind;
      d.trigger = rule.trigger;
      d.trigger_at = type == EventType::created ? item.formed_at : at;
      const bool major = type == EventType::raise_concern && concern > 0 &&
                         item.concerns[static_cast<std::size_t>(concern - 1)].major &&
                         rule.major_limit;
      const Duration& limit = major ? *rule.major_limit : rule.limit;
      d.amount = limit.amount;
      d.unit = to_string(limit.unit);
      d.concern = type == EventType::raise_concern ? concern : 0;
      d.id = next_id(item, d.kind, d.concern);
      if (Status s = set_due(d, context); !s.ok()) return s;
      // A deadline triggered by an act that also fulfils it (e.g. published → interpretation is
      // opened by publish) stays open; fulfilment comes from a later act.
      item.deadlines.push_back(std::move(d));
    }
  }
  return schedule_steps(item, context);
}

Result<bool> apply_deadline_event(Item& item, const Event& event, const json& payload,
                                  const DeadlineContext& context) {
  const std::string& type = event.type;
  const bool control =
      type == kDeadlinePaused || type == kDeadlineResumed || type == kDeadlineExtended;
  const bool timer =
      type == kDeadlineDueSoon || type == kDeadlineBreached || type == kDeadlineEscalated;
  if (!control && !timer && type != kDeadlineRecomputed) return false;
  const std::string id = payload.value("deadline", "");
  ItemDeadline* d = find(item, id);
  if (!d)
    return refuse(Errc::deadline_not_found, "item " + item.id + " has no deadline '" + id + "'");
  if (control && event.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return refuse(Errc::reason_required, "'" + type + "' requires a reason");
  }
  if (type == kDeadlinePaused) {
    if (d->state != DeadlineState::pending && d->state != DeadlineState::breached) {
      return refuse(Errc::deadline_not_open, "deadline " + id + " is " + to_string(d->state) +
                                                 "; only a running deadline can be paused");
    }
    d->state = DeadlineState::paused;
    d->paused_since = event.at;
    d->origin = DeadlineOrigin::paused;
  } else if (type == kDeadlineResumed) {
    if (d->state != DeadlineState::paused || !d->paused_since) {
      return refuse(Errc::deadline_not_open, "deadline " + id + " is not paused");
    }
    if (d->unit == "hours") {
      d->paused_ms += (event.at - *d->paused_since).count();
    } else if (d->unit == "calendar_days") {
      d->paused_days +=
          local_date(event.at).days_since_epoch() - local_date(*d->paused_since).days_since_epoch();
    } else if (context.calendar) {
      auto count = context.calendar->working_days_between(*d->paused_since, event.at);
      if (!count.ok()) return count.status();
      d->paused_days += count->count;
    }
    d->paused_since.reset();
    if (Status s = set_due(*d, context); !s.ok()) return s;
    d->state = event.at < d->due ? DeadlineState::pending : DeadlineState::breached;
    if (d->state == DeadlineState::pending) {
      // The steps not yet reached are owed again on the moved due instant.
      auto last_due = std::find(d->steps_fired.begin(), d->steps_fired.end(), "due");
      if (last_due != d->steps_fired.end()) d->steps_fired.erase(last_due, d->steps_fired.end());
    }
    d->origin = DeadlineOrigin::paused;
  } else if (type == kDeadlineExtended) {
    if (!is_open(*d) || d->state == DeadlineState::paused) {
      return refuse(Errc::deadline_not_open, "deadline " + id + " is " + to_string(d->state) +
                                                 "; only a running deadline can be extended");
    }
    if (event.role.empty()) {
      return refuse(Errc::extension_not_allowed, "an extension must name the role that grants it");
    }
    // Anything but an integer (a float, past int64) is no amount: refused below as not positive.
    std::int64_t amount = 0;
    if (auto it = payload.find("amount"); it != payload.end()) {
      amount = strict_json::integer_as<std::int64_t>(*it).value_or(0);
    }
    const DeadlineRule* rule = context.standard ? find_rule(*context.standard, d->kind) : nullptr;
    if (!rule || !rule->max_extension) {
      return refuse(Errc::extension_not_allowed,
                    "the standard does not allow extending its " + d->kind + " deadline");
    }
    if (to_string(rule->max_extension->unit) != d->unit) {
      return refuse(Errc::extension_not_allowed,
                    "the standard's extension cap is not in " + d->unit);
    }
    if (amount <= 0 || amount > rule->max_extension->amount - d->extended) {
      return refuse(Errc::extension_not_allowed,
                    "an extension of " + std::to_string(amount) + " " + d->unit +
                        " exceeds what the standard allows (" +
                        std::to_string(rule->max_extension->amount - d->extended) + " left)");
    }
    d->extended += amount;
    if (Status s = set_due(*d, context); !s.ok()) return s;
    d->origin = DeadlineOrigin::extended;
    if (d->state == DeadlineState::breached && event.at < d->due) {
      d->state = DeadlineState::pending;
      auto last_due = std::find(d->steps_fired.begin(), d->steps_fired.end(), "due");
      if (last_due != d->steps_fired.end()) d->steps_fired.erase(last_due, d->steps_fired.end());
    }
  } else if (type == kDeadlineRecomputed) {
    if (!is_open(*d)) return refuse(Errc::deadline_not_open, "deadline " + id + " is closed");
    if (Status s = set_due(*d, context); !s.ok()) return s;
    d->origin = DeadlineOrigin::recomputed;
    if (d->state == DeadlineState::breached && event.at < d->due) {
      d->state = DeadlineState::pending;
      auto last_due = std::find(d->steps_fired.begin(), d->steps_fired.end(), "due");
      if (last_due != d->steps_fired.end()) d->steps_fired.erase(last_due, d->steps_fired.end());
    }
  } else {  // a timer step
    const std::string step = payload.value("step", "");
    if (std::find(d->steps_fired.begin(), d->steps_fired.end(), step) != d->steps_fired.end()) {
      return refuse(Errc::deadline_not_open,
                    "step " + step + " of " + id + " was recorded already");
    }
    if (d->state != DeadlineState::pending && d->state != DeadlineState::breached) {
      return refuse(Errc::deadline_not_open, "deadline " + id + " is " + to_string(d->state));
    }
    d->steps_fired.push_back(step);
    if (type == kDeadlineBreached) d->state = DeadlineState::breached;
  }
  if (Status s = schedule_steps(item, context); !s.ok()) return s;
  return true;
}

Status check_unit_calendars(const DefinitionSet& definitions, const CalendarSet& calendars) {
  for (const Unit& unit : definitions.units) {
    const std::string id = unit.calendar.empty() ? "cn" : unit.calendar;
    if (!calendars.contains(id)) {
      return Status(Errc::definition_unknown_reference, "units.json: unit " + unit.id +
                                                            " uses calendar '" + id +
                                                            "', which is not under calendars/");
    }
  }
  return Status::Ok();
}

}  // namespace gongkai
