// Test support: a database file of this build taken back to an older schema's layout, rows and
// all, to test the migrations and the read-only opens of older files (an auditor's).
#pragma once

#include <string>

namespace gongkai::testing {

// Back to schema 7: the index of items by stage on their stage again, kept by every command, and
// no listed_stage column or listed_seq.
void back_to_schema7(const std::string& path);

// Back to schema 6 (by way of schema 7): each item's content and interpretation inside its state
// document again — where nlohmann's compact dump of the item put it, keys in order; a document that
// is not JSON is left as it is — and no item_texts table.
void back_to_schema6(const std::string& path);

}  // namespace gongkai::testing
