// Internal: what the engine knew when it accepted an event — the standard of the item's
// definitions version, the escalation ladder, and the calendar in force — resolved again for
// replay, so that replaying a history recomputes exactly what the commands computed.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/deadlines.h"
#include "gongkai/calendar.h"
#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"

namespace gongkai {

// The context of one event. Not copyable: `deadlines` points into it.
struct EventContext {
  std::shared_ptr<const DefinitionSet> definitions;
  std::shared_ptr<const CalendarSet> calendars;
  std::optional<Calendar> calendar;
  DeadlineContext deadlines;

  EventContext() = default;
  EventContext(const EventContext&) = delete;
  EventContext& operator=(const EventContext&) = delete;
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
  // `payload`, when given, is parse_payload(event.payload) (to parse it once).
  Status resolve(const Item& before, const Event& event, EventContext& out,
                 const nlohmann::json* payload = nullptr) const;

  // The calendar reference ("<set>:<id>@<version>") in force for `unit` at `at` with calendars
  // version `calendars_version`; "" when no calendars are stored. Errors: calendar_not_found.
  Result<std::string> calendar_ref(std::int64_t calendars_version, const Unit& unit,
                                   Instant at) const;

  // Replays one stored event onto `item`, in place. Errors: audit_replay_mismatch naming the
  // event; `item` is then partly changed and must be discarded.
  Status replay_step(Item& item, const Event& event) const;

  const DefinitionsLookup& definitions() const { return definitions_; }

 private:
  DefinitionsLookup definitions_;
  CalendarsLookup calendars_;
};

}  // namespace gongkai
