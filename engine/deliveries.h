// Internal: which events reach the public channels, and the document each delivery carries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gongkai/channel.h"
#include "gongkai/definitions.h"
#include "gongkai/item.h"

namespace gongkai {

// System event types recorded for delivery outcomes.
inline constexpr const char* kDeliveryDelivered = "delivery_delivered";
inline constexpr const char* kDeliveryRetrying = "delivery_retrying";
inline constexpr const char* kDeliveryFailed = "delivery_failed";
inline constexpr const char* kDeliveryRetryRequested = "delivery_retry_requested";

// The delivery kind of the end of a notice period (公示期满, the event notice_period_served).
inline constexpr const char* kNoticeServedKind = "notice_served";

// The delivery kind an event causes ("release", "interpretation", "response", "withdrawal",
// "correction", "notice_served" for notice_period_served), or std::nullopt for events the public
// does not see.
std::optional<std::string> delivery_kind(const std::string& event_type);

// The delivery kind of the event `event_type` that took `before` to `after`: delivery_kind
// (event_type), and "notice_served" for a `close` that ended a running notice period as served (at
// or after its end, before the timer recorded it: the timer then has nothing left to record, and
// the public must still learn that the period has ended).
std::optional<std::string> delivery_kind(const std::string& event_type, const Item& before,
                                         const Item& after);

// What the public may see of an item after an event, as JSON text: no actors, no reviewers, no
// internal notes, no content of a withdrawn item.
std::string public_document(const Item& item, const ItemStandard& standard,
                            const DefinitionSet* definitions, const std::string& kind, Instant at);

// One pending delivery per channel of the standard.
std::vector<Delivery> deliveries_for(const Item& item, const ItemStandard& standard,
                                     const DefinitionSet* definitions, const std::string& kind,
                                     Instant at);

// When the next attempt happens after `attempts` failed ones: first_backoff doubled each time,
// capped, with ±50% jitter drawn from `jitter` in [0, 1).
Instant next_attempt(Instant now, int attempts, const DeliveryPolicy& policy, double jitter);

}  // namespace gongkai
