#include "support/older_schema.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace gongkai::testing {

void back_to_schema6(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  SQLite::Transaction tx(db);
  std::vector<std::pair<std::string, std::string>> states;  // id, the document with its content
  SQLite::Statement q(db,
                      "SELECT id, state, COALESCE((SELECT content FROM item_contents c "
                      "WHERE c.id = items.id), '') FROM items");
  while (q.executeStep()) {
    // A document that is not JSON (a test's stand-in) stays as it is; it has no content.
    nlohmann::json state = nlohmann::json::parse(q.getColumn(1).getString(), nullptr, false);
    if (state.is_discarded()) continue;
    state["content"] = q.getColumn(2).getString();  // std::map: the key goes where it was
    states.emplace_back(q.getColumn(0).getString(), state.dump());
  }
  SQLite::Statement update(db, "UPDATE items SET state = ? WHERE id = ?");
  for (const auto& [id, state] : states) {
    update.reset();
    update.bind(1, state);
    update.bind(2, id);
    update.exec();
  }
  db.exec("DROP TABLE item_contents; PRAGMA user_version = 6");
  tx.commit();
}

}  // namespace gongkai::testing
