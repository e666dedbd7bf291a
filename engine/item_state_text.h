// Internal: the stored state document of an item (the projection's `state` column), written
// directly instead of through a JSON tree — commands store it and `audit verify` recomputes it for
// every item it replays.
#pragma once

#include <string>

#include "gongkai/item.h"

namespace gongkai {

// Replaces `out` with the state document of `item`: byte for byte nlohmann's compact dump of
// item_to_json(item, TimeStyle::utc) without its "id", "content" and "interpretation" members (keys
// in byte order, no whitespace): the id is a column of the projection row, the long texts a row of
// their own.
// When a text of the item is not well-formed UTF-8 (the engine never stores such text) the
// document is produced by that dump itself, which throws nlohmann::json::type_error.
void write_item_state(const Item& item, std::string& out);

}  // namespace gongkai
