// Internal: outbox rows (channel deliveries) as JSON — the answers of GET /v1/deliveries and
// GET /v1/items/{id}/deliveries. The row's fields are named as in `gongkai delivery list --json`
// and `gongkai item show --json` (tools/cli/commands_delivery.cpp); the API adds the document the
// channel received. Operator data (attempts, last errors): only for callers who see the unit.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "gongkai/channel.h"

namespace gongkai::http {

// One row: id, item_id, item_version, unit_id, channel, kind, state, attempts, last_error,
// created_at, next_attempt_at (null unless pending or retrying), delivered_at (or null), and
// document (the JSON the channel was handed; null if the stored text is not JSON).
nlohmann::json delivery_to_json(const Delivery& delivery);

// How far an item's latest revision reached its channels, from all of the item's rows: the latest
// row of each channel counts. {"state": "none" | "delivered" | "partly_delivered" |
// "not_delivered", "channels", "delivered", "partly_delivered"} — as `item show --json`'s
// "delivery_status".
nlohmann::json delivery_status_json(const std::vector<Delivery>& deliveries);

}  // namespace gongkai::http
