// Internal: how one event changes an item. The same function serves live commands and replay, so
// replaying a history through it gives the state the commands gave.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/deadlines.h"
#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/status.h"

namespace gongkai {

// When the response window of an item published at `published_at` ends (days counted as the
// calendar counts them). Errors: calendar_not_found, the calendar's.
Result<Instant> response_window_end(const ItemStandard& standard, Instant published_at,
                                    const Calendar* calendar);

// Applies `event` to `before` (an empty Item for the first event): runs the lifecycle machine,
// its guards included, then updates the item's fields and its deadlines (with `context`'s
// calendar, the one in force at the event). Returns the item after the event, or the refusal
// (illegal_transition, a guard's error, a clock control's error). System events other than the
// deadline events (e.g. recorded by channels) change only the version and updated_at.
Result<Item> apply_event(const Item& before, const Event& event, const DeadlineContext& context);

// apply_event without the copy: changes `item` into the item after `event` (the replay of a
// history, which keeps no earlier state). On an error `item` is left partly changed and must be
// discarded; callers that need the state before the event use apply_event.
Status apply_event_in_place(Item& item, const Event& event, const DeadlineContext& context);

// The same with `payload` = parse_payload(event.payload), for a caller that has parsed it already.
// A payload that is not an object, or whose members have another type than the engine writes, is
// storage_corrupt (never an exception).
Status apply_event_in_place(Item& item, const Event& event, const nlohmann::json& payload,
                            const DeadlineContext& context);

// An event payload parsed as apply_event parses it: json::parse(text, nullptr, false), so a
// discarded value (is_discarded()) when it is not JSON. "{}", the payload of most lifecycle
// events, is answered without the parser.
nlohmann::json parse_payload(const std::string& text);

}  // namespace gongkai
