// Internal: outbox rows (channel deliveries) as JSON — one builder for `gongkai delivery list
// --json`, `gongkai item show --json` and GET /v1/deliveries, /v1/items/{id}/deliveries (which add
// the document the channel received). Operator data (attempts, last errors): only for callers who
// see the unit.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "gongkai/channel.h"

namespace gongkai {

// One row: id, item_id, item_version, unit_id, channel, kind, state, attempts, last_error,
// created_at, next_attempt_at (null unless pending or retrying), delivered_at (or null), and with
// `with_document` the document (the JSON the channel was handed; null if the text is not JSON).
nlohmann::json delivery_to_json(const Delivery& delivery, bool with_document = true);

// How far an item's latest revision reached its channels, from all of the item's rows: the latest
// row of each channel counts. {"state": "none" | "delivered" | "partly_delivered" |
// "not_delivered", "channels", "delivered", "partly_delivered"} — as `item show --json`'s
// "delivery_status".
nlohmann::json delivery_status_json(const std::vector<Delivery>& deliveries);

}  // namespace gongkai
