// Internal: an Item to and from JSON (the projection's state column, the CLI's and API's output).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/status.h"
#include "gongkai/store.h"

namespace gongkai {

// How instants are written.
enum class TimeStyle { utc, local };

// The item as a JSON object. `utc` is the stored form; `local` shows +08:00.
nlohmann::json item_to_json(const Item& item, TimeStyle style);

// Reads the stored form back. Errors: storage_corrupt when the document is not an item.
Result<Item> item_from_json(const std::string& text);

// An event as a JSON object (payload parsed), instants in `style`.
nlohmann::json event_to_json(const Event& event, TimeStyle style);

// The projection row of an item, as the engine stores it (state without the id and the long texts,
// the long texts beside it).
ItemRecord item_record(const Item& item);

// The item a projection row stores: its state document, its id and its long texts. Errors:
// storage_corrupt when the document is not an item.
Result<Item> item_from_record(const ItemRecord& record);

// A digest over every column of a projection row, to compare rows.
std::string record_digest(const ItemRecord& record);

// record_digest(item_record(item)) without building the record: what `audit verify` compares with
// the stored row of each item it replays. Throws as item_record does.
std::string item_record_digest(const Item& item);

// A digest over an item's whole stored projection: every column of its row, then its deadline rows
// and its timers, each list in the store's order (sort_as_stored). What `audit verify` compares,
// one digest per item.
std::string projection_digest(const ItemRecord& record, const std::vector<TimerRecord>& timers,
                              const std::vector<DeadlineRecord>& deadlines);

// projection_digest of what the engine stores for `item`: item_record(item) and the rows
// schedule_of(item) implies. Throws as item_record does.
std::string item_projection_digest(const Item& item);

// Formats an instant in `style`.
std::string format_instant(Instant t, TimeStyle style);

}  // namespace gongkai
