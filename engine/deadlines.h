// Internal: an item's legal deadlines — opened by triggers, met by acts, paused, extended,
// recomputed when the calendar changes, and escalated step by step by the timer.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/calendar.h"
#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/lifecycle.h"
#include "gongkai/status.h"

namespace gongkai {

// System event types recorded in an item's history besides the lifecycle events.
inline constexpr const char* kDeadlinePaused = "deadline_paused";
inline constexpr const char* kDeadlineResumed = "deadline_resumed";
inline constexpr const char* kDeadlineExtended = "deadline_extended";
inline constexpr const char* kDeadlineRecomputed = "deadline_recomputed";
inline constexpr const char* kDeadlineDueSoon = "deadline_due_soon";
inline constexpr const char* kDeadlineBreached = "deadline_breached";
inline constexpr const char* kDeadlineEscalated = "deadline_escalated";

// What deadline arithmetic needs for one event.
struct DeadlineContext {
  const ItemStandard* standard = nullptr;
  const std::vector<EscalationStep>* default_ladder = nullptr;
  const Calendar* calendar = nullptr;  // the unit's calendar in force at the event
  std::string calendar_ref;            // "<set>:<id>@<version>"
  Instant at{};                        // the event's instant
};

// The rule of a standard for a deadline kind; nullptr when the standard has none.
const DeadlineRule* find_rule(const ItemStandard& standard, const std::string& kind);

// The computation of `d`'s end from its trigger, limit, extensions and pauses on `calendar`, with
// its explanation (`item explain`). Errors: those of the calendar arithmetic.
Result<Deadline> compute_due(const ItemDeadline& d, const Calendar& calendar);

// The same end without the explanation: what commands and replays record in `d.due`,
// `d.last_day` and `d.provisional`. Errors: those of the calendar arithmetic.
Result<DueDate> compute_due_date(const ItemDeadline& d, const Calendar& calendar);

// After a lifecycle event has been applied to `item`: meets the deadlines the act fulfils, cancels
// those it ends, and opens those it triggers. `concern` is the concern raised or answered.
Status update_deadlines_after(Item& item, EventType type, const Event& event, int concern,
                              const DeadlineContext& context);

// Applies a deadline system event (paused, resumed, extended, recomputed, due_soon, breached,
// escalated). Returns false when `event.type` is not one of them. Errors: the refusals of the
// clock controls (deadline_not_found, deadline_not_open, extension_not_allowed, reason_required)
// and the calendar's.
Result<bool> apply_deadline_event(Item& item, const Event& event, const nlohmann::json& payload,
                                  const DeadlineContext& context);

// Sets each pending deadline's next escalation step and its instant (none for closed or paused
// deadlines).
Status schedule_steps(Item& item, const DeadlineContext& context);

// The escalation steps due at `now` for deadline `d` in order (reminders are dropped once the due
// instant has passed). Each is (step, scheduled instant).
std::vector<std::pair<EscalationStep, Instant>> due_steps(const ItemDeadline& d,
                                                          const DeadlineContext& context,
                                                          Instant now);

// The instant a ladder step of `d` fires. Errors: the calendar's.
Result<Instant> step_instant(const ItemDeadline& d, const EscalationStep& step,
                             const Calendar& calendar);

// The ladder that applies to `d`.
const std::vector<EscalationStep>& ladder_of(const ItemDeadline& d, const DeadlineContext& context);

// Checks that every unit's calendar exists in `calendars`. Errors: definition_unknown_reference.
Status check_unit_calendars(const DefinitionSet& definitions, const CalendarSet& calendars);

}  // namespace gongkai
