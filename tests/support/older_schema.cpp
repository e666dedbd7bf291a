#include "support/older_schema.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace gongkai::testing {

void back_to_schema7(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  SQLite::Transaction tx(db);
  db.exec(
      "DROP INDEX items_by_listed_stage; ALTER TABLE items DROP COLUMN listed_stage; "
      "CREATE INDEX items_by_stage ON items (stage, id); "
      "DELETE FROM meta WHERE key = 'listed_seq'; PRAGMA user_version = 7");
  tx.commit();
}

void back_to_schema6(const std::string& path) {
  back_to_schema7(path);
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  SQLite::Transaction tx(db);
  std::vector<std::pair<std::string, std::string>> states;  // id, the document with its texts
  SQLite::Statement q(
      db,
      "SELECT items.id, state, COALESCE(t.content, ''), COALESCE(t.interpretation, '') "
      "FROM items LEFT JOIN item_texts t ON t.id = items.id");
  while (q.executeStep()) {
    // A document that is not JSON (a test's stand-in) stays as it is; it has no content.
    nlohmann::json state = nlohmann::json::parse(q.getColumn(1).getString(), nullptr, false);
    if (state.is_discarded()) continue;
    state["content"] = q.getColumn(2).getString();  // std::map: each key goes where it was
    state["interpretation"] = q.getColumn(3).getString();
    states.emplace_back(q.getColumn(0).getString(), state.dump());
  }
  SQLite::Statement update(db, "UPDATE items SET state = ? WHERE id = ?");
  for (const auto& [id, state] : states) {
    update.reset();
    update.bind(1, state);
    update.bind(2, id);
    update.exec();
  }
  db.exec("DROP TABLE item_texts; PRAGMA user_version = 6");
  tx.commit();
}

}  // namespace gongkai::testing
