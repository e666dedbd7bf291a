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

// The delivery kind an event causes ("release", "interpretation", "response", "withdrawal",
// "correction"), or std::nullopt for events the public does not see.
std::optional<std::string> delivery_kind(const std::string& event_type);

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
