// gongkai — a disclosure item as the engine shows it: the projection of its history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/lifecycle.h"
#include "gongkai/time.h"

namespace gongkai {

// A public concern (回应关切) raised against a released item, and its answer.
struct Concern {
  int number = 0;      // 1, 2, ... in the order raised
  bool major = false;  // a major public-opinion event (重大舆情): 5 h instead of 48 h
  std::string text;
  std::string raised_by;
  Instant raised_at{};
  bool answered = false;
  std::string answer;
  std::string answered_by;
  std::optional<Instant> answered_at;
};

// Where a deadline is.
enum class DeadlineState {
  pending,    // running
  met,        // the act came before the due instant
  met_late,   // the act came at or after the due instant
  breached,   // the due instant passed without the act (recorded by the timer)
  paused,     // stopped, e.g. while waiting for a third party; the time does not count
  cancelled,  // no longer owed (the item was withdrawn or superseded by a correction)
};

// What last set a deadline's due instant.
enum class DeadlineOrigin { original, extended, paused, recomputed };

// "pending", "met", ...; "original", "extended", ...
const char* to_string(DeadlineState state) noexcept;
const char* to_string(DeadlineOrigin origin) noexcept;

// A legal deadline of an item (时限), computed from its standard's rule, a trigger and the
// working-day calendar of its unit. Part of the item's projection: replaying the history recomputes
// it exactly.
struct ItemDeadline {
  std::string id;       // "publication", "review#2", "concern_response#1", ...
  std::string kind;     // the rule's kind
  std::string trigger;  // the rule's trigger ("formed", "published", "raised", ...)
  Instant trigger_at{};
  std::int64_t amount = 0;              // the rule's limit (for a major concern: the major limit)
  std::string unit;                     // "working_days", "calendar_days" or "hours"
  std::int64_t extended = 0;            // added by extensions, in `unit`
  std::int64_t paused_days = 0;         // working or calendar days paused (day units)
  std::int64_t paused_ms = 0;           // time paused (hours unit)
  std::optional<Instant> paused_since;  // set while paused
  Instant due{};                        // an act at or after `due` is late
  Date last_day;                        // the local day in which the period ends
  bool provisional = false;             // computed on weekends alone for an uncovered year
  std::string calendar;                 // the calendar used, "<set>:<id>@<version>"
  Instant computed_at{};                // when `due` was last computed (the calendar in force then)
  DeadlineState state = DeadlineState::pending;
  DeadlineOrigin origin = DeadlineOrigin::original;
  std::optional<Instant> closed_at;      // when it was met or cancelled
  int concern = 0;                       // concern_response: the concern's number
  std::vector<std::string> steps_fired;  // escalation steps recorded, in order
  std::string next_step;                 // the next escalation step, "" when none is due
  std::optional<Instant> next_step_at;   // when it fires
};

// Where a notice period (公示期) is.
enum class NoticeState {
  running,    // on notice; the minimum is not served yet
  served,     // the minimum was served (recorded by the timer, or reached before a later act)
  cut_short,  // ended before the minimum by a withdrawal or a correction
};

// "running", "served", "cut_short".
const char* to_string(NoticeState state) noexcept;

// A notice period (公示期, e.g. "公告时间不得少于30日"): the least time a release must stay on
// public notice. Unlike a deadline it is a minimum duration: it starts at the publication, and
// the item may not be closed before it has been served. Computed like a deadline (the next-day
// rule, 24:00 China time, rest days for calendar days, working days on the unit's calendar, hours
// around the clock). Part of the item's projection: replaying the history recomputes it exactly.
struct ItemNotice {
  std::string id;            // "notice_period", then "notice_period#2" for a later publication
  int revision = 1;          // the revision put on notice
  Instant starts_at{};       // the publication
  std::int64_t amount = 0;   // the standard's notice_period
  std::string unit;          // "working_days", "calendar_days" or "hours"
  Instant ends_at{};         // the minimum is served at this instant (24:00 of `last_day`)
  Date last_day;             // the local day on which the minimum is reached at its end
  bool provisional = false;  // computed on weekends alone for an uncovered year
  std::string calendar;      // the calendar used, "<set>:<id>@<version>"
  Instant computed_at{};     // when `ends_at` was last computed (the calendar in force then)
  NoticeState state = NoticeState::running;
  DeadlineOrigin origin = DeadlineOrigin::original;  // original or recomputed
  std::optional<Instant> served_at;                  // = ends_at once served
  std::optional<Instant> cut_short_at;  // when a withdrawal or correction ended it early
  std::string cut_short_by;             // "withdraw" or "correct"
  std::string cut_short_reason;         // the reason of that event
};

// A disclosure item (公开事项): one instance of an item standard moving through the lifecycle.
// A value type; copies are independent.
struct Item {
  std::string id;                       // assigned by the store, e.g. "gk-000042"
  std::string unit_id;                  // the pilot unit that discloses it
  std::string standard_id;              // its item standard
  std::int64_t definition_version = 0;  // the catalogue version it started with (kept for life)
  std::string title;
  std::string content;  // the current revision's content
  int revision = 1;     // 1, then +1 per correction
  Stage stage = Stage::drafting;
  std::int64_t version = 0;  // number of events in its history (its last item_seq)
  Instant created_at{};
  Instant updated_at{};
  Instant formed_at{};  // when the information was formed (信息形成), default: created
  std::string created_by;
  std::string submitted_by;  // who submitted (or corrected) the revision under review
  std::string approved_by;
  std::optional<std::string> confidentiality_override;  // the reason, when findings were overridden
  std::optional<Instant> publish_at;                    // scheduled publication, if any
  std::optional<Instant> published_at;                  // the latest publication
  std::optional<Instant> response_window_end;  // concerns are taken until then (set on publish)
  std::string interpretation;                  // the interpretation material (解读), if any
  std::optional<Instant> interpreted_at;
  std::vector<Concern> concerns;
  std::string withdrawn_reason;
  std::optional<Instant> closed_at;
  std::vector<ItemDeadline> deadlines;  // in the order they were opened
  std::vector<ItemNotice> notices;      // notice periods, one per publication, in order

  // The number of concerns not yet answered.
  int open_concerns() const noexcept;
  // The deadline with this id; nullptr when there is none.
  const ItemDeadline* find_deadline(const std::string& id) const noexcept;
  // The notice period with this id; nullptr when there is none.
  const ItemNotice* find_notice(const std::string& id) const noexcept;
};

}  // namespace gongkai
