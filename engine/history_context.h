// Internal: what the engine knew when it accepted an event — the standard of the item's
// definitions version, the escalation ladder, and the calendar in force — resolved again for
// replay, so that replaying a history recomputes exactly what the commands computed.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/deadlines.h"
#include "gongkai/calendar.h"
#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"

namespace gongkai {

// A recorded calendar reference, "<calendars version>:<calendar id>@<calendar version>" (what
// events, deadlines and notice periods record).
struct CalendarRef {
  std::int64_t set = 0;
  std::string id;
  int version = 0;
};

// `text` as a calendar reference, both numbers whole decimal numbers; std::nullopt for anything
// else (the engine never writes anything else).
std::optional<CalendarRef> parse_calendar_ref(const std::string& text);

// The context of one event. Not copyable: `deadlines` points into it (or, when resolved with a
// ResolveMemo, into the memo, which then holds the definitions and calendars instead of it).
struct EventContext {
  std::shared_ptr<const DefinitionSet> definitions;
  std::shared_ptr<const CalendarSet> calendars;
  std::optional<Calendar> calendar;
  DeadlineContext deadlines;

  EventContext() = default;
  EventContext(const EventContext&) = delete;
  EventContext& operator=(const EventContext&) = delete;
};

// What HistoryContext::resolve found for earlier events, reused for later ones in a pass over many
// events (audit verify): each definitions version and the standards found in it, and the calendar
// in force per recorded calendar reference and China-time day (all an event's calendar depends
// on). Failures are not remembered. One thread; valid while the stored versions do not change.
class ResolveMemo {
 private:
  friend class HistoryContext;
  struct Definitions {
    std::shared_ptr<const DefinitionSet> set;  // nullptr: not stored
    std::unordered_map<std::string, const ItemStandard*> standards;
  };
  struct InForce {
    std::shared_ptr<const CalendarSet> set;
    Calendar calendar;
  };
  std::unordered_map<std::int64_t, Definitions> definitions_;
  std::unordered_map<std::string, std::unordered_map<std::int64_t, InForce>> calendars_;
};

// Looks up stored definitions and calendars versions. Thread-safe when the lookups are.
class HistoryContext {
 public:
  using DefinitionsLookup = std::function<std::shared_ptr<const DefinitionSet>(std::int64_t)>;
  using CalendarsLookup = std::function<std::shared_ptr<const CalendarSet>(std::int64_t)>;

  HistoryContext(DefinitionsLookup definitions, CalendarsLookup calendars)
      : definitions_(std::move(definitions)), calendars_(std::move(calendars)) {}

  // The context of `event` applied to `before` (an empty item for the item's first event): the
  // standard named by the item (or by the `created` payload), and the calendar the event records.
  // Errors: audit_replay_mismatch when a recorded version is not stored.
  // `payload`, when given, is parse_payload(event.payload) (to parse it once); `memo`, when given,
  // remembers and reuses what was looked up.
  Status resolve(const Item& before, const Event& event, EventContext& out,
                 const nlohmann::json* payload = nullptr, ResolveMemo* memo = nullptr) const;

  // The calendar reference ("<set>:<id>@<version>") in force for `unit` at `at` with calendars
  // version `calendars_version`; "" when no calendars are stored. Errors: calendar_not_found.
  Result<std::string> calendar_ref(std::int64_t calendars_version, const Unit& unit,
                                   Instant at) const;

  // Replays one stored event onto `item`, in place. Errors: audit_replay_mismatch naming the
  // event; `item` is then partly changed and must be discarded.
  Status replay_step(Item& item, const Event& event) const;
  // The same with `payload` = parse_payload(event.payload), parsed by the caller, and `memo` (if
  // any) given to resolve().
  Status replay_step(Item& item, const Event& event, const nlohmann::json& payload,
                     ResolveMemo* memo = nullptr) const;

  const DefinitionsLookup& definitions() const { return definitions_; }

 private:
  DefinitionsLookup definitions_;
  CalendarsLookup calendars_;
};

}  // namespace gongkai
