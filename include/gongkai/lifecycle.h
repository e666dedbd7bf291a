// gongkai — the fixed lifecycle of a disclosure item: its stages and the events that move it.
//
// The transition table (docs/lifecycle.md, DESIGN.md) is fixed in code; definitions configure it
// (is interpretation required, how long the response window is) but never add stages.
#pragma once

#include <optional>
#include <string_view>

namespace gongkai {

// Where an item is in its course: release, then interpretation, then response.
enum class Stage { drafting, review, release, interpretation, response, closed, withdrawn };

// All stages, in lifecycle order.
inline constexpr Stage kAllStages[] = {Stage::drafting,       Stage::review,   Stage::release,
                                       Stage::interpretation, Stage::response, Stage::closed,
                                       Stage::withdrawn};

// The commands an operator may fire at an item (plus `created`, the first event of every item).
enum class EventType {
  created,
  submit,
  approve,
  reject,
  publish,
  interpret,
  raise_concern,
  respond,
  close,
  withdraw,
  correct
};

// The events that can be fired at an existing item (every EventType but `created`).
inline constexpr EventType kFireableEvents[] = {
    EventType::submit,    EventType::approve,       EventType::reject,  EventType::publish,
    EventType::interpret, EventType::raise_concern, EventType::respond, EventType::close,
    EventType::withdraw,  EventType::correct};

// The stage's name, e.g. "interpretation".
std::string_view to_string(Stage stage) noexcept;
// The event's name, e.g. "raise_concern".
std::string_view to_string(EventType type) noexcept;
// Parses a stage name; std::nullopt if unknown.
std::optional<Stage> parse_stage(std::string_view name) noexcept;
// Parses an event name (including "created"); std::nullopt if unknown.
std::optional<EventType> parse_event_type(std::string_view name) noexcept;
// True for closed and withdrawn: no event is accepted any more.
bool is_terminal(Stage stage) noexcept;

}  // namespace gongkai
