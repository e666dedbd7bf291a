// Internal: how one event changes an item. The same function serves live commands and replay, so
// replaying a history through it gives the state the commands gave.
#pragma once

#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/status.h"

namespace gongkai {

// When the response window of an item published at `published_at` ends.
Instant response_window_end(const ItemStandard& standard, Instant published_at);

// Applies `event` to `before` (an empty Item for the first event): runs the lifecycle machine,
// its guards included, then updates the item's fields. Returns the item after the event, or the
// refusal (illegal_transition, a guard's error). Events that are not lifecycle events (recorded by
// timers and channels) change only the version and updated_at.
Result<Item> apply_event(const Item& before, const ItemStandard& standard, const Event& event);

}  // namespace gongkai
