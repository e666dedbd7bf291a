// The SQLite store on real files: schema, pragmas, atomic commits, chains, foreign files, batches
// of commits on simulation databases.
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gongkai/store.h"
#include "support/commit_requests.h"
#include "support/older_schema.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

namespace fs = std::filesystem;

CommitRequest new_item(const std::string& command_id = "") {
  CommitRequest r = testing::single_event_commit(
      testing::test_event("created", "drafter", "2026-03-02T09:00:00+08:00", R"({"title":"t"})"));
  r.command_id = command_id;
  r.command_fingerprint = "create";
  return r;
}

CommitRequest next_event(const std::string& item, std::int64_t expected, Stage stage) {
  CommitRequest r = new_item();
  r.item_id = item;
  r.expected_version = expected;
  r.events[0].type = "submit";
  r.events[0].payload = "{}";
  r.projection.stage = stage;
  return r;
}

// Takes a file of this build back to schema 5's layout, rows and all: the events with their
// UNIQUE (item_id, item_seq) index and without locators, the items without last_seq.
void back_to_schema5(const std::string& path) {
  testing::back_to_schema6(path);
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.exec(
      "CREATE TABLE events_v5 (seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL, "
      "item_seq INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, "
      "reason TEXT NOT NULL, command_id TEXT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL, "
      "definition_version INTEGER NOT NULL, calendar_version TEXT NOT NULL, "
      "item_prev_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, "
      "UNIQUE (item_id, item_seq)); "
      "INSERT INTO events_v5 SELECT seq, item_id, item_seq, type, actor, role, reason, "
      "command_id, at, payload, definition_version, calendar_version, item_prev_hash, prev_hash, "
      "hash FROM events ORDER BY seq; "
      "DROP TABLE events; ALTER TABLE events_v5 RENAME TO events; "
      "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
      "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END; "
      "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
      "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END; "
      "ALTER TABLE items DROP COLUMN last_seq; PRAGMA user_version = 5");
}

// Events in the file as another connection sees them.
std::int64_t events_on_disk(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM events").getInt64();
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(SqliteOptions options = {}) {
    options.create = true;
    auto store = open_sqlite_store(path_, options);
    EXPECT_TRUE(store.ok()) << store.status().to_string();
    return store.ok() ? std::move(*store) : nullptr;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("store.db");
};

TEST_F(SqliteStoreTest, CreatesARealWalFileWithFullSync) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::exists(path_));
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_EQ(db.execAndGet("PRAGMA application_id").getInt(), 0x676B6169);
  // The events have no index but their seq: an item's history is found by locators.
  EXPECT_EQ(db.execAndGet(
                  "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'")
                .getInt(),
            0);
}

TEST_F(SqliteStoreTest, CommitsAssignIdsSeqsAndChains) {
  auto store = open();
  auto first = store->commit({new_item(), new_item()});
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(first[0].ok() && first[1].ok());
  EXPECT_EQ(first[0]->item_id, "gk-000001");
  EXPECT_EQ(first[1]->item_id, "gk-000002");
  const Event& a = first[0]->events[0];
  const Event& b = first[1]->events[0];
  EXPECT_EQ(a.seq, 1);
  EXPECT_EQ(b.seq, 2);
  EXPECT_EQ(a.prev_hash, "");
  EXPECT_EQ(b.prev_hash, a.hash);
  EXPECT_EQ(a.hash, event_hash(a));
  auto second = store->commit({next_event("gk-000001", 1, Stage::review)});
  ASSERT_TRUE(second[0].ok());
  const Event& c = second[0]->events[0];
  EXPECT_EQ(c.item_seq, 2);
  EXPECT_EQ(c.item_prev_hash, a.hash);
  EXPECT_EQ(c.prev_hash, b.hash);
  auto head = store->chain_head();
  EXPECT_EQ(head->seq, 3);
  EXPECT_EQ(head->hash, c.hash);
  auto row = store->get_item("gk-000001");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->version, 2);
  EXPECT_EQ((*row)->stage, Stage::review);
}

// Three items' events interleaved (one request with two events): each history is read back
// through the locators, whole and up to an item_seq, and each event records where its item's
// previous one is.
std::vector<std::string> interleave_three_items(Store& store) {
  std::vector<std::string> ids;
  for (const auto& r : store.commit({new_item(), new_item(), new_item()}))
    ids.push_back(r->item_id);
  std::vector<std::int64_t> versions(3, 1);
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (round == 1 && i == 1) continue;  // B falls behind
      CommitRequest r = next_event(ids[i], versions[i], Stage::review);
      if (round == 2 && i == 0) r.events.push_back(r.events[0]);  // two events in one commit
      versions[i] += static_cast<std::int64_t>(r.events.size());
      EXPECT_TRUE(store.commit({r})[0].ok());
    }
  }
  return ids;
}

TEST_F(SqliteStoreTest, HistoriesAreReadThroughLocators) {
  auto store = open();
  const auto ids = interleave_three_items(*store);
  std::map<std::string, std::vector<std::int64_t>> seqs;  // item -> its events' seqs, in order
  ASSERT_TRUE(store
                  ->scan_events([&](const Event& e) {
                    auto& mine = seqs[e.item_id];
                    EXPECT_EQ(e.item_prev_seq, mine.empty() ? 0 : mine.back()) << e.seq;
                    mine.push_back(e.seq);
                    return true;
                  })
                  .ok());
  for (const std::string& id : ids) {
    auto history = store->history(id);
    ASSERT_TRUE(history.ok()) << history.status().to_string();
    ASSERT_EQ(history->size(), seqs[id].size()) << id;
    for (std::size_t i = 0; i < history->size(); ++i) {
      EXPECT_EQ((*history)[i].seq, seqs[id][i]);
      EXPECT_EQ((*history)[i].item_seq, static_cast<std::int64_t>(i + 1));
      EXPECT_EQ((*history)[i].hash, event_hash((*history)[i]));
    }
    EXPECT_EQ((*store->get_item(id))->last_seq, seqs[id].back());
    auto first_two = store->history(id, 2);
    ASSERT_TRUE(first_two.ok());
    ASSERT_EQ(first_two->size(), 2u);
    EXPECT_EQ((*first_two)[1].seq, seqs[id][1]);
  }
  EXPECT_EQ(seqs[ids[0]].size(), 6u);
  EXPECT_EQ(seqs[ids[1]].size(), 4u);
  EXPECT_TRUE(store->history("gk-000099")->empty());
}

// A history that does not link from the projection row back to the item's first event is
// storage_corrupt naming the item — never a shorter or another item's history.
TEST_F(SqliteStoreTest, AHistoryThatDoesNotLinkIsCorruptNamingTheItem) {
  const std::vector<std::pair<const char*, std::string>> tampers = {
      {"a locator to another item's event", "UPDATE events SET item_prev_seq = 2 WHERE seq = 7"},
      {"a locator to the item's earlier event",
       "UPDATE events SET item_prev_seq = 1 WHERE seq = 7"},
      {"a locator to no event", "UPDATE events SET item_prev_seq = 999 WHERE seq = 7"},
      {"a first event that links back", "UPDATE events SET item_prev_seq = 2 WHERE seq = 1"},
      {"a projection row locating no event",
       "UPDATE items SET last_seq = 999 WHERE id = 'gk-000001'"},
      {"a projection row locating another item's event",
       "UPDATE items SET last_seq = 2 WHERE id = 'gk-000001'"},
      {"an event's hash rewritten", "UPDATE events SET hash = 'x' WHERE seq = 4"},
  };
  for (const auto& [what, sql] : tampers) {
    SCOPED_TRACE(what);
    fs::remove(path_);
    fs::remove(path_ + "-wal");
    fs::remove(path_ + "-shm");
    {
      auto store = open();
      interleave_three_items(*store);
      ASSERT_TRUE(store->history("gk-000001").ok());
    }
    {
      SQLite::Database db(path_, SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER events_append_only_update");
      db.exec(sql);
    }
    auto store = open();
    auto history = store->history("gk-000001");
    ASSERT_FALSE(history.ok()) << history->size() << " events";
    EXPECT_EQ(history.status().code(), Errc::storage_corrupt);
    EXPECT_NE(history.status().message().find("gk-000001"), std::string::npos)
        << history.status().to_string();
  }
}

// The rows an item's timers and deadlines are stored in follow each commit, whether the store
// reads the stored rows to compare or the caller says what they are (schedule_before).
TEST_F(SqliteStoreTest, ScheduleRowsFollowEachCommitReadOrGiven) {
  const Instant at = *parse_instant("2026-03-02T09:00:00+08:00");
  const auto hours = [&](int h) { return at + std::chrono::hours(h); };
  const auto rows = [&](Store& store) {
    std::string all;
    store.scan_projection([&](StoredProjection& p) {
      for (const auto& t : p.timers) all += "T " + t.key + " " + format_utc(t.fire_at) + "\n";
      for (const auto& d : p.deadlines) {
        all += "D " + d.deadline_id + " " + d.kind + " " + d.state + " " + format_utc(d.due) + "\n";
      }
      return true;
    });
    return all;
  };
  ScheduleRows first;
  first.timers = {TimerRecord{"", "deadline:review:due", hours(1)},
                  TimerRecord{"", "publish", hours(2)}};
  first.deadlines = {DeadlineRecord{"", "review", "review", "pending", hours(1)},
                     DeadlineRecord{"", "publication", "publication", "pending", hours(3)}};
  ScheduleRows second;
  second.timers = {TimerRecord{"", "deadline:review:due", hours(4)},
                   TimerRecord{"", "notice:notice_period", hours(5)}};
  second.deadlines = {DeadlineRecord{"", "review", "review", "met", hours(1)}};
  for (const bool given : {false, true}) {
    SCOPED_TRACE(given ? "given" : "read");
    fs::remove(path_);
    fs::remove(path_ + "-wal");
    fs::remove(path_ + "-shm");
    auto store = open();
    CommitRequest create = new_item();
    create.timers = first.timers;
    create.deadlines = first.deadlines;
    ASSERT_TRUE(store->commit({create})[0].ok());
    CommitRequest change = next_event("gk-000001", 1, Stage::review);
    change.timers = second.timers;
    change.deadlines = second.deadlines;
    if (given) change.schedule_before = first;
    ASSERT_TRUE(store->commit({change})[0].ok());
    EXPECT_EQ(rows(*store), "T deadline:review:due " + format_utc(hours(4)) +
                                "\nT notice:notice_period " + format_utc(hours(5)) +
                                "\nD review review met " + format_utc(hours(1)) + "\n");
    CommitRequest clear = next_event("gk-000001", 2, Stage::closed);
    if (given) clear.schedule_before = second;
    ASSERT_TRUE(store->commit({clear})[0].ok());
    EXPECT_EQ(rows(*store), "");
  }
}

// A stored time that does not read is written again, not taken for the same time; a row listed
// twice is written as the last listing says (as INSERT OR REPLACE of both would leave it).
TEST_F(SqliteStoreTest, ScheduleRowsAreRepairedAndTheLastListingWins) {
  const Instant at = *parse_instant("2026-03-02T09:00:00+08:00");
  const auto hours = [&](int h) { return at + std::chrono::hours(h); };
  const auto fire_at = [&] {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT fire_at FROM timers WHERE key = 'publish'").getString();
  };
  auto store = open();
  CommitRequest create = new_item();
  create.timers = {TimerRecord{"", "publish", hours(1)}};
  ASSERT_TRUE(store->commit({create})[0].ok());
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("UPDATE timers SET fire_at = 'garbage' WHERE key = 'publish'");
  }
  CommitRequest same = next_event("gk-000001", 1, Stage::review);
  same.timers = create.timers;
  ASSERT_TRUE(store->commit({same})[0].ok());
  EXPECT_EQ(fire_at(), format_utc(hours(1)));
  CommitRequest twice = next_event("gk-000001", 2, Stage::review);
  twice.timers = {TimerRecord{"", "publish", hours(2)}, TimerRecord{"", "publish", hours(1)},
                  TimerRecord{"", "publish", hours(3)}};
  twice.schedule_before = ScheduleRows{create.timers, {}};
  ASSERT_TRUE(store->commit({twice})[0].ok());
  EXPECT_EQ(fire_at(), format_utc(hours(3)));
  CommitRequest back = next_event("gk-000001", 3, Stage::review);
  back.timers = {TimerRecord{"", "publish", hours(3)}, TimerRecord{"", "publish", hours(1)}};
  ASSERT_TRUE(store->commit({back})[0].ok());
  EXPECT_EQ(fire_at(), format_utc(hours(1)));
}

// Requests of one transaction are refused one by one, without savepoints: a refused request has
// written nothing — not its event, not a number from the item counter — whatever comes after it.
TEST_F(SqliteStoreTest, AFailedRequestDoesNotAffectItsBatch) {
  auto store = open();
  store->commit({new_item()});
  CommitRequest missing_delivery = new_item();
  Delivery missing;
  missing.id = "gk-000001-v9-website";
  missing.state = "delivered";
  missing_delivery.delivery_updates.push_back(missing);
  CommitRequest new_expecting_1 = new_item();
  new_expecting_1.expected_version = 1;
  auto results = store->commit({next_event("gk-000001", 7, Stage::review), missing_delivery,
                                next_event("gk-000001", 1, Stage::review), new_expecting_1,
                                next_event("gk-000042", 0, Stage::review), new_item()});
  EXPECT_EQ(results[0].status().code(), Errc::version_conflict);
  EXPECT_EQ(results[1].status().code(), Errc::internal);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].status().code(), Errc::internal);
  EXPECT_EQ(results[4].status().code(), Errc::item_not_found);
  ASSERT_TRUE(results[5].ok());
  EXPECT_EQ(results[5]->item_id, "gk-000002");  // no number was taken by the refused creations
  EXPECT_EQ(store->history("gk-000001")->size(), 2u);
  EXPECT_EQ(store->chain_head()->seq, 3);
  EXPECT_EQ(store->chain_head()->items, 2);
}

// A request committed alone has no savepoint: when it fails after writing its event (here an
// update of a delivery that does not exist), its whole transaction is rolled back.
TEST_F(SqliteStoreTest, ALoneRequestThatFailsLeavesNothing) {
  auto store = open();
  store->commit({new_item()});
  CommitRequest failing = next_event("gk-000001", 1, Stage::review);
  Delivery missing;
  missing.id = "gk-000001-v9-website";
  missing.state = "delivered";
  failing.delivery_updates.push_back(missing);
  auto failed = store->commit({failing});
  EXPECT_EQ(failed[0].status().code(), Errc::internal);
  EXPECT_EQ(store->history("gk-000001")->size(), 1u);
  EXPECT_EQ(store->chain_head()->seq, 1);
  EXPECT_EQ((*store->get_item("gk-000001"))->version, 1);
  EXPECT_EQ(store->commit({next_event("gk-000001", 7, Stage::review)})[0].status().code(),
            Errc::version_conflict);
  auto next = store->commit({next_event("gk-000001", 1, Stage::review)});
  ASSERT_TRUE(next[0].ok()) << next[0].status().to_string();
  EXPECT_EQ(next[0]->events.at(0).seq, 2);
  EXPECT_EQ(store->chain_head()->seq, 2);
}

// commit_pulled takes requests while its transaction is open, one at a time until there are
// none, and answers each in the order pulled; no other connection sees any of them before the
// transaction commits, and then it sees them all.
TEST_F(SqliteStoreTest, PulledRequestsJoinTheOpenTransaction) {
  auto store = open();
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  const std::vector<CommitRequest> arriving = {
      next_event("gk-000001", 1, Stage::review), next_event("gk-000001", 1, Stage::review),
      new_item(), next_event("gk-000001", 2, Stage::drafting)};
  std::size_t pulled = 0;
  std::vector<std::int64_t> seen;  // the events another connection sees at each pull
  auto results = store->commit_pulled([&]() -> const CommitRequest* {
    seen.push_back(events_on_disk(path_));
    return pulled < arriving.size() ? &arriving[pulled++] : nullptr;
  });
  EXPECT_EQ(seen, std::vector<std::int64_t>(arriving.size() + 1, 1));
  ASSERT_EQ(results.size(), arriving.size());
  ASSERT_TRUE(results[0].ok()) << results[0].status().to_string();
  EXPECT_EQ(results[0]->events.at(0).seq, 2);
  // A request sees the ones pulled before it: the second expected version 1 too late.
  EXPECT_EQ(results[1].status().code(), Errc::version_conflict);
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[2]->item_id, "gk-000002");
  ASSERT_TRUE(results[3].ok());
  EXPECT_EQ(results[3]->version, 3);
  EXPECT_EQ(events_on_disk(path_), 4);
  EXPECT_EQ(store->chain_head()->seq, 4);
}

// A transaction whose every request is refused writes nothing, and one that fails as a whole
// answers every request pulled and every request still offered with its error, leaving what was
// stored as it was.
TEST_F(SqliteStoreTest, PulledRequestsAllRefusedOrAllFailed) {
  {
    auto store = open();
    ASSERT_TRUE(store->commit({new_item()})[0].ok());
  }
  {
    // The third item's projection row cannot be written: its statement fails.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER fail_third BEFORE INSERT ON items WHEN NEW.id = 'gk-000003' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  }
  auto store = open();
  const std::vector<CommitRequest> refused = {next_event("gk-000001", 5, Stage::review),
                                              next_event("gk-000009", 0, Stage::review)};
  std::size_t pulled = 0;
  auto none = store->commit_pulled([&]() -> const CommitRequest* {
    return pulled < refused.size() ? &refused[pulled++] : nullptr;
  });
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0].status().code(), Errc::version_conflict);
  EXPECT_EQ(none[1].status().code(), Errc::item_not_found);
  EXPECT_EQ(events_on_disk(path_), 1);

  const std::vector<CommitRequest> failing = {next_event("gk-000001", 1, Stage::review), new_item(),
                                              new_item(), new_item(),
                                              next_event("gk-000001", 2, Stage::drafting)};
  pulled = 0;
  auto failed = store->commit_pulled([&]() -> const CommitRequest* {
    return pulled < failing.size() ? &failing[pulled++] : nullptr;
  });
  EXPECT_EQ(pulled, failing.size());  // the ones after the failure were pulled to be answered
  ASSERT_EQ(failed.size(), failing.size());
  for (const auto& result : failed) {
    EXPECT_EQ(result.status().code(), Errc::storage_error) << result.status().to_string();
  }
  EXPECT_EQ(events_on_disk(path_), 1);
  EXPECT_EQ(store->chain_head()->seq, 1);
  EXPECT_EQ((*store->get_item("gk-000001"))->version, 1);
  // The store goes on: the same change commits once the trigger is gone.
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER fail_third");
  }
  auto next = store->commit({next_event("gk-000001", 1, Stage::review), new_item(), new_item()});
  for (const auto& result : next) ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_EQ(next[2]->item_id, "gk-000003");
}

// The long texts are a row of their own (none when both are empty), written when an item is
// created and when a commit says they changed; every read of a projection row brings them along.
TEST_F(SqliteStoreTest, TheLongTextsAreARowOfTheirOwnWrittenOnlyWhenAsked) {
  auto store = open();
  auto contents = [&] {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM item_texts").getInt();
  };
  CommitRequest first = new_item();
  first.projection.content = "正文 \"一\"\n";
  ASSERT_TRUE(store->commit({first, new_item()})[0].ok());
  EXPECT_EQ(contents(), 1);  // the second item's content is empty: no row
  EXPECT_EQ((*store->get_item("gk-000001"))->content, "正文 \"一\"\n");
  EXPECT_EQ((*store->get_item("gk-000002"))->content, "");
  // Not asked to: the content stays as stored, whatever the request carries.
  CommitRequest unchanged = next_event("gk-000001", 1, Stage::review);
  unchanged.projection.content = "ignored";
  unchanged.write_texts = false;
  ASSERT_TRUE(store->commit({unchanged})[0].ok());
  EXPECT_EQ((*store->get_item("gk-000001"))->content, "正文 \"一\"\n");
  // Asked to: written, in both directions.
  CommitRequest changed = next_event("gk-000001", 2, Stage::review);
  changed.projection.content = "更正";
  ASSERT_TRUE(store->commit({changed})[0].ok());
  CommitRequest filled = next_event("gk-000002", 1, Stage::review);
  filled.projection.content = "后补";
  ASSERT_TRUE(store->commit({filled})[0].ok());
  EXPECT_EQ(contents(), 2);
  CommitRequest interpreted = next_event("gk-000001", 3, Stage::review);
  interpreted.projection.content.clear();
  interpreted.projection.interpretation = "解读";
  ASSERT_TRUE(store->commit({interpreted})[0].ok());
  EXPECT_EQ(contents(), 2);  // the interpretation keeps the row
  EXPECT_EQ((*store->get_item("gk-000001"))->content, "");
  EXPECT_EQ((*store->get_item("gk-000001"))->interpretation, "解读");
  CommitRequest emptied = next_event("gk-000001", 4, Stage::review);
  ASSERT_TRUE(store->commit({emptied})[0].ok());
  EXPECT_EQ(contents(), 1);
  EXPECT_EQ((*store->get_item("gk-000001"))->interpretation, "");
  ItemQuery all;
  auto listed = store->list_items(all);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].content, "后补");
  std::vector<std::string> scanned;
  ASSERT_TRUE(store
                  ->scan_items([&](const ItemRecord& r) {
                    scanned.push_back(r.content);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(scanned, (std::vector<std::string>{"", "后补"}));
}

// A file of schema 6 keeps each item's content in its state document. Opened read-only (as an
// auditor opens it: no migration) and after its migration, every row reads as schema 7 stores
// it: the same document, byte for byte, and the same content.
TEST_F(SqliteStoreTest, ReadsASchema6FileAsSchema7StoresIt) {
  const std::vector<std::string> bodies = {"", "正文", "q\"b\\s/\n\t\x01\x1f 😀 \u2028 </script>",
                                           std::string(9000, 'x')};
  std::vector<ItemRecord> before;
  {
    auto store = open();
    for (const std::string& body : bodies) {
      CommitRequest r = new_item();
      // A document such as the engine writes: compact, keys in order, nlohmann's escapes.
      nlohmann::json state = {{"a", 1}, {"title", "t\"\u00e9"}, {"z", "\x01"}};
      r.projection.state_json = state.dump();
      r.projection.content = body;
      r.projection.interpretation = body.size() > 2 ? body.substr(0, 3) : "";
      ASSERT_TRUE(store->commit({r})[0].ok());
    }
    ItemQuery all;
    before = *store->list_items(all);
  }
  testing::back_to_schema6(path_);
  auto same = [&](Store& store) {
    ItemQuery all;
    auto rows = store.list_items(all);
    ASSERT_TRUE(rows.ok()) << rows.status().to_string();
    ASSERT_EQ(rows->size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ((*rows)[i].state_json, before[i].state_json) << i;
      EXPECT_EQ((*rows)[i].content, before[i].content) << i;
      EXPECT_EQ((*rows)[i].interpretation, before[i].interpretation) << i;
      EXPECT_EQ((*store.get_item(before[i].id))->content, before[i].content) << i;
    }
  };
  {
    SqliteOptions read_only;
    read_only.read_only = true;
    auto store = open_sqlite_store(path_, read_only);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    same(**store);
  }
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 6);
    EXPECT_NE(db.execAndGet("SELECT state FROM items WHERE id = 'gk-000002'")
                  .getString()
                  .find("\"content\":\"正文\""),
              std::string::npos);
  }
  auto store = open();  // migrates
  same(*store);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM item_texts").getInt(), 3);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM items WHERE state LIKE '%\"content\"%' "
                          "OR state LIKE '%\"interpretation\"%'")
                .getInt(),
            0);
}

TEST_F(SqliteStoreTest, RepeatedCommandIdsWriteNothing) {
  auto store = open();
  auto first = store->commit({new_item("k1")});
  auto again = store->commit({new_item("k1")});
  ASSERT_TRUE(first[0].ok() && again[0].ok());
  EXPECT_FALSE(first[0]->repeated);
  EXPECT_TRUE(again[0]->repeated);
  EXPECT_EQ(again[0]->item_id, first[0]->item_id);
  EXPECT_EQ(again[0]->command_fingerprint, "create");
  EXPECT_EQ(store->chain_head()->seq, 1);
  auto found = store->find_command("k1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->item_version, 1);
  EXPECT_FALSE(store->find_command("k2")->has_value());
}

TEST_F(SqliteStoreTest, EventsAreAppendOnly) {
  auto store = open();
  store->commit({new_item()});
  store.reset();
  SQLite::Database db(path_, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE events SET actor = 'mallory'"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM events"), SQLite::Exception);
}

TEST_F(SqliteStoreTest, ReopensWithEverything) {
  {
    auto store = open();
    store->commit({new_item()});
    store->add_definitions("d1", "{}", *parse_instant("2026-01-01"));
  }
  auto store = open_sqlite_store(path_, {});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->history("gk-000001")->size(), 1u);
  EXPECT_EQ((*store)->definition_versions()->size(), 1u);
  auto more = (*store)->commit({new_item()});
  EXPECT_EQ(more[0]->item_id, "gk-000002");
  EXPECT_EQ(more[0]->events[0].seq, 2);
}

TEST_F(SqliteStoreTest, DefinitionsAreVersionedByDigest) {
  auto store = open();
  auto t = *parse_instant("2026-01-01");
  EXPECT_EQ(store->add_definitions("aaa", "{\"a\":1}", t)->version, 1);
  EXPECT_EQ(store->add_definitions("aaa", "{\"a\":1}", t)->version, 1);
  EXPECT_EQ(store->add_definitions("bbb", "{\"b\":1}", t)->version, 2);
  EXPECT_EQ(store->definition_versions()->size(), 2u);
  // An earlier digest loaded again is in force again: a new version, the history kept.
  auto again = store->add_definitions("aaa", "{\"a\":1}", t + std::chrono::hours(1));
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->version, 3);
  EXPECT_EQ(store->add_definitions("aaa", "{\"a\":1}", t)->version, 3) << "the latest: unchanged";
  auto versions = store->definition_versions();
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].digest, "aaa");
  EXPECT_EQ((*versions)[1].digest, "bbb");
  EXPECT_EQ((*versions)[2].digest, "aaa");
  EXPECT_EQ((*versions)[2].loaded_at, t + std::chrono::hours(1));
}

TEST_F(SqliteStoreTest, CalendarSetsAreVersionedByTheLatestDigest) {
  auto store = open();
  auto t = *parse_instant("2026-01-01");
  EXPECT_EQ(store->add_calendars("c1", "{}", t)->version, 1);
  EXPECT_EQ(store->add_calendars("c1", "{}", t)->version, 1);
  EXPECT_EQ(store->add_calendars("c2", "{\"x\":1}", t)->version, 2);
  EXPECT_EQ(store->add_calendars("c1", "{}", t)->version, 3);
  EXPECT_EQ(store->add_calendars("c1", "{}", t)->version, 3);
  EXPECT_EQ(store->calendar_versions()->size(), 3u);
}

// Schema 4 had UNIQUE digests; 5 keeps every version as it was and lets a digest come back.
TEST_F(SqliteStoreTest, MigratesSchema4DigestsWithoutLosingAVersion) {
  auto t = *parse_instant("2026-01-01");
  {
    auto store = open();
    store->add_definitions("aaa", "{\"a\":1}", t);
    store->add_definitions("bbb", "{\"b\":1}", t);
    store->add_calendars("c1", "{}", t);
  }
  back_to_schema5(path_);
  {
    // Back to schema 4's tables, rows and all.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TABLE d4 (version INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
        "loaded_at TEXT NOT NULL, canonical_json TEXT NOT NULL); "
        "INSERT INTO d4 SELECT * FROM definitions; DROP TABLE definitions; "
        "ALTER TABLE d4 RENAME TO definitions; "
        "CREATE TABLE c4 (version INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
        "loaded_at TEXT NOT NULL, files_json TEXT NOT NULL); "
        "INSERT INTO c4 SELECT * FROM calendar_sets; DROP TABLE calendar_sets; "
        "ALTER TABLE c4 RENAME TO calendar_sets; PRAGMA user_version = 4");
    EXPECT_THROW(db.exec("INSERT INTO definitions VALUES (3, 'aaa', 'x', '{}')"),
                 SQLite::Exception);
  }
  auto store = open_sqlite_store(path_, {});
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  auto versions = (*store)->definition_versions();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].digest, "aaa");
  EXPECT_EQ((*versions)[0].canonical_json, "{\"a\":1}");
  EXPECT_EQ((*versions)[1].digest, "bbb");
  EXPECT_EQ((*store)->calendar_versions()->size(), 1u);
  EXPECT_EQ((*store)->add_definitions("aaa", "{\"a\":1}", t)->version, 3);
  EXPECT_EQ((*store)->add_calendars("c2", "{\"y\":1}", t)->version, 2);
  EXPECT_EQ((*store)->add_calendars("c1", "{}", t)->version, 3);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
}

TEST_F(SqliteStoreTest, SimulationFlagIsFixedAtCreation) {
  SqliteOptions sim;
  sim.simulation = true;
  EXPECT_TRUE(open(sim)->is_simulation());
  EXPECT_TRUE(open({})->is_simulation());
}

TEST_F(SqliteStoreTest, ListsWithFiltersAndPages) {
  auto store = open();
  for (int i = 0; i < 5; ++i) store->commit({new_item()});
  store->commit({next_event("gk-000003", 1, Stage::review)});
  ItemQuery q;
  EXPECT_EQ(store->list_items(q)->size(), 5u);
  q.stage = Stage::review;
  ASSERT_EQ(store->list_items(q)->size(), 1u);
  EXPECT_EQ(store->list_items(q)->front().id, "gk-000003");
  q = {};
  q.limit = 2;
  q.offset = 3;
  auto page = store->list_items(q);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->front().id, "gk-000004");
  q = {};
  q.unit_id = "elsewhere";
  EXPECT_TRUE(store->list_items(q)->empty());
}

// The ids list_items gives for `stage` (and `unit`, "" for any), `limit` and `offset`, checking
// that each row is in that stage.
std::vector<std::string> listed(Store& store, Stage stage, const std::string& unit = "",
                                std::int64_t limit = 0, std::int64_t offset = 0) {
  ItemQuery q;
  q.stage = stage;
  q.unit_id = unit;
  q.limit = limit;
  q.offset = offset;
  auto rows = store.list_items(q);
  EXPECT_TRUE(rows.ok()) << rows.status().to_string();
  std::vector<std::string> ids;
  if (!rows.ok()) return ids;
  for (const ItemRecord& r : *rows) {
    EXPECT_EQ(r.stage, stage) << r.id;
    ids.push_back(r.id);
  }
  return ids;
}

// meta's listed_seq: where the index of items by stage stands.
std::int64_t listed_seq(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return std::stoll(db.execAndGet("SELECT value FROM meta WHERE key = 'listed_seq'").getString());
}

// Items whose last event is at or before listed_seq but that the index lists under another stage
// than theirs (the invariant of schema 8: none).
std::int64_t misindexed(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db
      .execAndGet(
          "SELECT count(*) FROM items WHERE listed_stage <> stage AND last_seq <= "
          "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'listed_seq')")
      .getInt64();
}

// The index of items by stage is brought up to date every stage_index_lag events, not by each
// command: a listing by stage is current whatever the index lags behind — by the writer, by
// another connection to the file, after a reopen — in id order, by pages and within a unit.
TEST_F(SqliteStoreTest, ListsByStageWhateverTheStageIndexLagsBehind) {
  SqliteOptions options;
  options.stage_index_lag = 4;
  auto store = open(options);
  std::map<std::string, Stage> stage_of;  // what the listings must say
  std::map<std::string, std::string> unit_of;
  std::map<std::string, std::int64_t> version_of;
  for (int i = 0; i < 6; ++i) {
    CommitRequest r = new_item();
    r.projection.unit_id = i % 2 ? "alpha.one" : "alpha.two";
    auto outcome = store->commit({r});
    ASSERT_TRUE(outcome[0].ok()) << outcome[0].status().to_string();
    stage_of[outcome[0]->item_id] = Stage::drafting;
    unit_of[outcome[0]->item_id] = r.projection.unit_id;
    version_of[outcome[0]->item_id] = 1;
  }
  const auto check = [&](Store& s, const std::string& when) {
    for (Stage stage : kAllStages) {
      for (const std::string unit : {"", "alpha.one", "alpha.two"}) {
        std::vector<std::string> expected;
        for (const auto& [id, at] : stage_of) {
          if (at == stage && (unit.empty() || unit_of[id] == unit)) expected.push_back(id);
        }
        const std::string what = when + ", " + std::string(to_string(stage)) + " in '" + unit + "'";
        EXPECT_EQ(listed(s, stage, unit), expected) << what;
        for (std::size_t offset = 0; offset <= expected.size(); ++offset) {
          const auto end =
              expected.begin() + static_cast<std::ptrdiff_t>(std::min(offset + 2, expected.size()));
          EXPECT_EQ(
              listed(s, stage, unit, 2, static_cast<std::int64_t>(offset)),
              std::vector<std::string>(expected.begin() + static_cast<std::ptrdiff_t>(offset), end))
              << what << ", 2 from " << offset;
        }
      }
    }
  };
  check(*store, "new items");
  const Stage moves[] = {Stage::review, Stage::drafting, Stage::release, Stage::closed};
  std::uint32_t seed = 7;
  bool lagged = false;  // an item was seen listed under a stage it had left
  for (int step = 0; step < 40; ++step) {
    seed = seed * 1103515245u + 12345u;
    auto it = stage_of.begin();
    std::advance(it, (seed >> 8) % stage_of.size());
    const Stage to = moves[(seed >> 16) % 4];
    const std::string id = it->first;
    auto outcome = store->commit({next_event(id, version_of[id]++, to)});
    ASSERT_TRUE(outcome[0].ok()) << outcome[0].status().to_string();
    it->second = to;
    check(*store, "step " + std::to_string(step));
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM items WHERE listed_stage <> stage");
    lagged = lagged || (q.executeStep() && q.getColumn(0).getInt() > 0);
    EXPECT_EQ(misindexed(path_), 0) << "step " << step;
  }
  EXPECT_TRUE(lagged);
  // 46 events: the index was brought up to date at least as far as the 43rd.
  EXPECT_GE(listed_seq(path_), 43);
  SqliteOptions read_only;
  read_only.read_only = true;
  auto reader = open_sqlite_store(path_, read_only);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  check(**reader, "read-only");
  store = open(options);
  check(*store, "reopened");
}

// A listed_seq that does not read, or none at all (altered behind the store's back): the listings
// read every item from its events, commits go on and bring the index up to date again, and a scan
// of the projection (audit verify's) reports it until then.
TEST_F(SqliteStoreTest, AListedSeqThatDoesNotReadIsHealedByTheNextCommitDue) {
  const std::vector<std::pair<std::string, std::string>> alterations = {
      {"UPDATE meta SET value = 'garbage' WHERE key = 'listed_seq'", "listed_seq is 'garbage'"},
      {"DELETE FROM meta WHERE key = 'listed_seq'", "meta has no listed_seq"},
  };
  for (const auto& [alteration, reported] : alterations) {
    SCOPED_TRACE(alteration);
    const std::string path = dir_.file(std::to_string(reported.size()) + ".db");
    SqliteOptions options;
    options.create = true;
    options.stage_index_lag = 3;
    auto opened = open_sqlite_store(path, options);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    std::unique_ptr<Store> store = std::move(*opened);
    ASSERT_TRUE(store->commit({new_item(), new_item()})[0].ok());
    ASSERT_TRUE(store->commit({next_event("gk-000001", 1, Stage::review)})[0].ok());  // due: 3
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec(alteration);
    }
    auto reopened = open_sqlite_store(path, options);
    ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
    store = std::move(*reopened);
    EXPECT_EQ(listed(*store, Stage::review), std::vector<std::string>{"gk-000001"});
    EXPECT_EQ(listed(*store, Stage::drafting), std::vector<std::string>{"gk-000002"});
    const Status scanned = store->scan_projection([](StoredProjection&) { return true; });
    EXPECT_EQ(scanned.code(), Errc::storage_corrupt);
    EXPECT_NE(scanned.message().find(reported), std::string::npos) << scanned.to_string();
    ASSERT_TRUE(store->commit({next_event("gk-000002", 1, Stage::review)})[0].ok());  // due: 4
    EXPECT_EQ(listed_seq(path), 4);
    EXPECT_EQ(misindexed(path), 0);
    EXPECT_TRUE(store->scan_projection([](StoredProjection&) { return true; }).ok());
    EXPECT_EQ(listed(*store, Stage::review), (std::vector<std::string>{"gk-000001", "gk-000002"}));
  }
}

// Two stores writing the same file (as `gongkai serve` and the CLI beside it): each brings the
// index up to date from where meta says when its own count is due, and the listings of both stay
// current.
TEST_F(SqliteStoreTest, TwoWritersKeepTheStageIndexTogether) {
  SqliteOptions options;
  options.stage_index_lag = 3;
  auto first = open(options);
  auto second = open(options);
  std::map<std::string, Stage> stage_of;
  std::map<std::string, std::int64_t> version_of;
  for (int i = 0; i < 4; ++i) {
    auto outcome = (i % 2 ? second : first)->commit({new_item()});
    ASSERT_TRUE(outcome[0].ok()) << outcome[0].status().to_string();
    stage_of[outcome[0]->item_id] = Stage::drafting;
    version_of[outcome[0]->item_id] = 1;
  }
  const Stage moves[] = {Stage::review, Stage::drafting, Stage::release};
  for (int step = 0; step < 30; ++step) {
    Store& writer = step % 3 == 2 ? *second : *first;  // the first writes twice as much
    auto it = stage_of.begin();
    std::advance(it, (step * 7) % 4);
    const Stage to = moves[(step * 5) % 3];
    auto outcome = writer.commit({next_event(it->first, version_of[it->first]++, to)});
    ASSERT_TRUE(outcome[0].ok()) << outcome[0].status().to_string();
    it->second = to;
    for (Stage stage : {Stage::drafting, Stage::review, Stage::release}) {
      std::vector<std::string> expected;
      for (const auto& [id, at] : stage_of) {
        if (at == stage) expected.push_back(id);
      }
      EXPECT_EQ(listed(*first, stage), expected) << "step " << step;
      EXPECT_EQ(listed(*second, stage), expected) << "step " << step;
    }
    EXPECT_EQ(misindexed(path_), 0) << "step " << step;
  }
  EXPECT_GE(listed_seq(path_), 34 - 3 + 1);
}

// A command that moves its item to another stage writes no entry of the index of items by stage
// (the page it cost); the command that gathers stage_index_lag events lists every item of them.
TEST_F(SqliteStoreTest, TheStageIndexIsBroughtUpToDateInBulk) {
  SqliteOptions options;
  options.stage_index_lag = 3;
  auto store = open(options);
  ASSERT_TRUE(store->commit({new_item(), new_item()})[0].ok());  // events 1, 2
  EXPECT_EQ(listed_seq(path_), 0);
  ASSERT_TRUE(store->commit({next_event("gk-000001", 1, Stage::review)})[0].ok());  // 3: due
  EXPECT_EQ(listed_seq(path_), 3);
  ASSERT_TRUE(store->commit({next_event("gk-000001", 2, Stage::drafting)})[0].ok());
  ASSERT_TRUE(store->commit({next_event("gk-000002", 1, Stage::review)})[0].ok());
  const auto listed_stage = [&](const std::string& id) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT listed_stage FROM items WHERE id = '" + id + "'").getString();
  };
  EXPECT_EQ(listed_stage("gk-000001"), "review");  // not yet brought up to date
  EXPECT_EQ(listed_stage("gk-000002"), "drafting");
  EXPECT_EQ(listed(*store, Stage::review), std::vector<std::string>{"gk-000002"});
  EXPECT_EQ(listed(*store, Stage::drafting), std::vector<std::string>{"gk-000001"});
  EXPECT_EQ(listed_seq(path_), 3);
  ASSERT_TRUE(store->commit({next_event("gk-000002", 2, Stage::release)})[0].ok());  // 6: due
  EXPECT_EQ(listed_seq(path_), 6);
  EXPECT_EQ(listed_stage("gk-000001"), "drafting");
  EXPECT_EQ(listed_stage("gk-000002"), "release");
  EXPECT_EQ(listed(*store, Stage::release), std::vector<std::string>{"gk-000002"});
  // Refused commands write nothing, and do not bring the index up to date.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(store->commit({next_event("gk-000001", 1, Stage::review)})[0].status().code(),
              Errc::version_conflict);
  }
  EXPECT_EQ(listed_seq(path_), 6);
  SqliteOptions zero;
  zero.stage_index_lag = 0;
  EXPECT_EQ(open_sqlite_store(path_, zero).status().code(), Errc::invalid_argument);
}

// In a batch (a simulation's), the index is brought up to date inside the batch's transaction,
// and the listings read the batch's own writes.
TEST_F(SqliteStoreTest, BatchesBringTheStageIndexUpToDateToo) {
  SqliteOptions options;
  options.simulation = true;
  options.stage_index_lag = 2;
  auto store = open(options);
  ASSERT_TRUE(store->begin_batch().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->commit({new_item()})[0].ok());
  for (int i = 1; i <= 3; ++i) {
    const std::string id = "gk-00000" + std::to_string(i);
    ASSERT_TRUE(store->commit({next_event(id, 1, Stage::review)})[0].ok());
    EXPECT_EQ(listed(*store, Stage::review).size(), static_cast<std::size_t>(i));
    EXPECT_EQ(listed(*store, Stage::drafting).size(), static_cast<std::size_t>(3 - i));
  }
  ASSERT_TRUE(store->end_batch().ok());
  EXPECT_GE(listed_seq(path_), 5);
  EXPECT_EQ(misindexed(path_), 0);
  EXPECT_EQ(listed(*store, Stage::review).size(), 3u);
}

// A file of schema 7 (the index of items on their stage, kept by every command): opened read-only
// (an auditor's) it lists by stage as it is; opened read-write it is migrated — every item listed
// under its stage, listed_seq at the last event — and lists the same.
TEST_F(SqliteStoreTest, MigratesSchema7ToTheStageIndexKeptInBulk) {
  {
    auto store = open();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(store->commit({new_item()})[0].ok());
    ASSERT_TRUE(store->commit({next_event("gk-000002", 1, Stage::review)})[0].ok());
    ASSERT_TRUE(store->commit({next_event("gk-000004", 1, Stage::closed)})[0].ok());
  }
  testing::back_to_schema7(path_);
  const std::vector<std::string> review{"gk-000002"}, drafting{"gk-000001", "gk-000003"},
      closed{"gk-000004"};
  {
    SqliteOptions read_only;
    read_only.read_only = true;
    auto reader = open_sqlite_store(path_, read_only);
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    EXPECT_EQ(listed(**reader, Stage::review), review);
    EXPECT_EQ(listed(**reader, Stage::drafting), drafting);
    EXPECT_EQ(listed(**reader, Stage::drafting, "alpha.one", 1, 1),
              std::vector<std::string>{"gk-000003"});
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 7);
  }
  auto store = open();
  EXPECT_EQ(listed(*store, Stage::review), review);
  EXPECT_EQ(listed(*store, Stage::drafting), drafting);
  EXPECT_EQ(listed(*store, Stage::closed), closed);
  EXPECT_EQ(listed_seq(path_), 6);
  EXPECT_EQ(misindexed(path_), 0);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(listed_stage) FROM (SELECT listed_stage FROM items "
                          "ORDER BY id)")
                .getString(),
            "drafting,review,drafting,closed");
}

TEST_F(SqliteStoreTest, RefusesFilesThatAreNotGongkais) {
  EXPECT_EQ(open_sqlite_store(dir_.file("missing.db"), {}).status().code(), Errc::database_missing);
  testing::write_file(dir_.path() / "text.db", std::string(5000, 'x'));
  EXPECT_EQ(open_sqlite_store(dir_.file("text.db"), {}).status().code(),
            Errc::not_a_gongkai_database);
  testing::write_file(dir_.path() / "empty.db", "");
  EXPECT_EQ(open_sqlite_store(dir_.file("empty.db"), {}).status().code(),
            Errc::not_a_gongkai_database);
  {
    SQLite::Database other(dir_.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  }
  SqliteOptions create;
  create.create = true;
  EXPECT_EQ(open_sqlite_store(dir_.file("other.db"), create).status().code(),
            Errc::not_a_gongkai_database);
  EXPECT_EQ(open_sqlite_store(dir_.path().string(), {}).status().code(),
            Errc::not_a_gongkai_database);
}

TEST_F(SqliteStoreTest, RefusesANewerSchema) {
  open();
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 99");
  }
  EXPECT_EQ(open_sqlite_store(path_, {}).status().code(), Errc::schema_too_new);
}

TEST_F(SqliteStoreTest, ReadOnlyOpenReadsButDoesNotWrite) {
  open()->commit({new_item()});
  SqliteOptions ro;
  ro.read_only = true;
  auto store = open_sqlite_store(path_, ro);
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ((*store)->history("gk-000001")->size(), 1u);
  auto result = (*store)->commit({new_item()});
  EXPECT_EQ(result[0].status().code(), Errc::storage_read_only);
  EXPECT_EQ((*store)->chain_head()->seq, 1);
}

TEST_F(SqliteStoreTest, MigratesAnOlderSchemaForward) {
  open()->commit({new_item()});
  back_to_schema5(path_);
  {
    // Take the file back to schema 1: the tables later versions added are gone.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "DROP TABLE deliveries; DROP TABLE timers; DROP TABLE deadlines; "
        "DROP TABLE calendar_sets; PRAGMA user_version = 1");
  }
  {
    SqliteOptions ro;
    ro.read_only = true;
    auto reader = open_sqlite_store(path_, ro);  // an auditor reads it without migrating
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    EXPECT_EQ((*reader)->history("gk-000001")->size(), 1u);
    EXPECT_TRUE((*reader)->calendar_versions()->empty());
  }
  auto store = open_sqlite_store(path_, {});
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_TRUE((*store)->calendar_versions()->empty());
  EXPECT_TRUE((*store)->due_deliveries(*parse_instant("2030-01-01"), 10)->empty());
  EXPECT_EQ((*store)->history("gk-000001")->size(), 1u);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
}

// Schema 3 kept items and deliveries in WITHOUT ROWID tables; 4 moves their rows, unchanged, into
// rowid tables (so a long row no longer spills to an overflow page) with indexes that end with
// the id.
// Schema 5 found a history through a UNIQUE (item_id, item_seq) index; 6 writes the locators
// that index gave. A read-only open of schema 5 (an auditor's, which does not migrate) reads the
// same histories and locators; a read-write open migrates, and both read the same afterwards.
TEST_F(SqliteStoreTest, MigratesSchema5HistoriesToLocators) {
  std::vector<std::string> ids;
  std::map<std::string, std::vector<Event>> before;
  std::vector<std::int64_t> last_seqs;
  {
    auto store = open();
    ids = interleave_three_items(*store);
    for (const auto& id : ids) {
      before[id] = *store->history(id);
      last_seqs.push_back((*store->get_item(id))->last_seq);
    }
  }
  const auto same_histories = [&](Store& store) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto history = store.history(ids[i]);
      ASSERT_TRUE(history.ok()) << history.status().to_string();
      ASSERT_EQ(history->size(), before[ids[i]].size());
      for (std::size_t k = 0; k < history->size(); ++k) {
        EXPECT_EQ((*history)[k].seq, before[ids[i]][k].seq);
        EXPECT_EQ((*history)[k].hash, before[ids[i]][k].hash);
        EXPECT_EQ((*history)[k].item_prev_seq, before[ids[i]][k].item_prev_seq);
      }
      EXPECT_EQ((*store.get_item(ids[i]))->last_seq, last_seqs[i]);
    }
  };
  back_to_schema5(path_);
  {
    SqliteOptions ro;
    ro.read_only = true;
    auto reader = open_sqlite_store(path_, ro);
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    same_histories(**reader);
  }
  auto store = open_sqlite_store(path_, {});
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  same_histories(**store);
  ASSERT_TRUE((*store)->commit({next_event(ids[1], 4, Stage::drafting)})[0].ok());
  EXPECT_EQ((*store)->history(ids[1])->size(), 5u);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_EQ(db.execAndGet(
                  "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events'")
                .getInt(),
            0);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND "
                          "tbl_name = 'events'")
                .getInt(),
            2);
}

TEST_F(SqliteStoreTest, MigratesSchema3ItemsAndDeliveriesIntoRowidTables) {
  {
    auto store = open();
    CommitRequest first = new_item();
    first.projection.state_json = std::string(3000, 'x');  // longer than a page's local share
    Delivery d;
    d.id = "gk-000001-v1-website";
    d.item_id = "gk-000001";
    d.item_version = 1;
    d.unit_id = "alpha.one";
    d.channel = "website";
    d.kind = "release";
    d.document = "{\"title\":\"" + std::string(2000, 'y') + "\"}";
    d.state = "pending";
    d.created_at = first.events[0].at;
    d.next_attempt_at = d.created_at;
    first.new_deliveries.push_back(d);
    ASSERT_TRUE(store->commit({first})[0].ok());
    ASSERT_TRUE(store->commit({new_item()})[0].ok());
  }
  auto dump = [&](const char* table) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, std::string("SELECT * FROM ") + table + " ORDER BY id");
    std::string all;
    while (q.executeStep()) {
      for (int c = 0; c < q.getColumnCount(); ++c) all += q.getColumn(c).getString() + "|";
      all += "\n";
    }
    return all;
  };
  const std::string items = dump("items"), deliveries = dump("deliveries");
  back_to_schema5(path_);
  {
    // Back to schema 3's layout, rows and all.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    for (const char* table : {"items", "deliveries"}) {
      const std::string t = table;
      std::string sql =
          db.execAndGet("SELECT sql FROM sqlite_schema WHERE name = '" + t + "'").getString();
      sql.replace(sql.find(t), t.size(), t + "_v3");
      db.exec(sql + " WITHOUT ROWID");
      db.exec("INSERT INTO " + t + "_v3 SELECT * FROM " + t + "; DROP TABLE " + t +
              "; ALTER TABLE " + t + "_v3 RENAME TO " + t);
    }
    db.exec(
        "CREATE INDEX items_by_unit_stage ON items (unit_id, stage); "
        "CREATE INDEX items_by_stage ON items (stage); "
        "CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at); "
        "CREATE INDEX deliveries_by_item ON deliveries (item_id, created_at); "
        "PRAGMA user_version = 3");
    EXPECT_THROW(db.exec("SELECT rowid FROM items"), SQLite::Exception);
  }
  auto store = open_sqlite_store(path_, {});
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  EXPECT_EQ(dump("items"), items);
  EXPECT_EQ(dump("deliveries"), deliveries);
  auto read = (*store)->get_item("gk-000001");
  ASSERT_TRUE(read.ok() && *read);
  EXPECT_EQ((*read)->state_json, std::string(3000, 'x'));
  EXPECT_EQ((*store)->due_deliveries(*parse_instant("2030-01-01"), 10)->size(), 1u);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_NO_THROW(db.execAndGet("SELECT rowid FROM items"));
  EXPECT_NO_THROW(db.execAndGet("SELECT rowid FROM deliveries"));
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM dbstat WHERE pagetype = 'overflow' AND name IN "
                          "('items', 'deliveries')")
                .getInt(),
            0);
  // The indexes end with the id: a listing by stage reads in id order from the index (on
  // listed_stage from schema 8 on).
  EXPECT_EQ(
      db.execAndGet("SELECT group_concat(name) FROM pragma_index_info('items_by_listed_stage')")
          .getString(),
      "listed_stage,id");
  EXPECT_EQ(
      db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'items_by_stage'").getInt(),
      0);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(name) FROM pragma_index_info('items_by_unit')")
                .getString(),
            "unit_id,id");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'items_by_unit_stage'")
                .getInt(),
            0);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_index_info('deliveries_due')").getInt(), 3);
}

TEST_F(SqliteStoreTest, CountsDeliveriesAsItListsThem) {
  auto store = open();
  int n = 0;
  for (const char* channel : {"website", "new_media"}) {
    for (const char* state : {"pending", "delivered", "failed"}) {
      CommitRequest r = new_item();
      Delivery d;
      d.id = "d-" + std::to_string(++n);
      d.item_version = 1;
      d.unit_id = n % 2 == 0 ? "alpha.one" : "beta.three";  // d-1 beta, d-2 alpha, ...
      d.channel = channel;
      d.kind = "release";
      d.document = "{}";
      d.state = state;
      d.created_at = r.events[0].at;
      d.next_attempt_at = d.created_at;
      r.new_deliveries.push_back(d);
      ASSERT_TRUE(store->commit({r})[0].ok());
    }
  }
  std::vector<DeliveryQuery> queries(11);
  queries[1].channel = "website";
  queries[2].state = "failed";
  queries[3].channel = "new_media";
  queries[3].state = "pending";
  queries[4].item_id = "gk-000002";
  queries[5].channel = "print";
  queries[6].units = std::vector<std::string>{"alpha.one"};
  queries[7].units = std::vector<std::string>{"alpha.one", "beta.three"};
  queries[8].units = std::vector<std::string>{};  // no unit: no row
  queries[9].units = std::vector<std::string>{"beta.three"};
  queries[9].channel = "website";  // d-1, d-3 of website's three
  queries[10].units = std::vector<std::string>{"gamma.nowhere"};
  const std::int64_t expected[] = {6, 3, 2, 1, 1, 0, 3, 6, 0, 2, 0};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(*store->count_deliveries(queries[i]), expected[i]) << i;
    EXPECT_EQ(static_cast<std::int64_t>(store->list_deliveries(queries[i])->size()), expected[i]);
  }
  queries[0].limit = 2;  // a limit is for listing only
  EXPECT_EQ(*store->count_deliveries(queries[0]), 6);
  EXPECT_EQ(store->list_deliveries(queries[0])->size(), 2u);
}

// Reads go through reader connections opened on demand; one that cannot be opened (here the file
// was moved away under the running store) is a storage error for that read and for a snapshot —
// not a crash, and nothing stored is lost: the writer, which has the file open, goes on, and
// reads work again once the file is back.
TEST_F(SqliteStoreTest, AReaderThatCannotBeOpenedIsAStorageError) {
  auto store = open();
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  const std::string moved = path_ + ".moved";
  fs::rename(path_, moved);
  auto item = store->get_item("gk-000001");
  ASSERT_FALSE(item.ok());
  EXPECT_EQ(item.status().code(), Errc::storage_error) << item.status().to_string();
  bool ran = false;
  const Status snapshot = store->read_snapshot([&] {
    ran = true;
    return Status::Ok();
  });
  EXPECT_EQ(snapshot.code(), Errc::storage_error) << snapshot.to_string();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(store->commit({new_item()})[0].ok());  // the writer has the file open
  fs::rename(moved, path_);
  auto back = store->get_item("gk-000002");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(store->chain_head()->seq, 2);
}

TEST_F(SqliteStoreTest, RejectsAnUnknownSynchronousSetting) {
  SqliteOptions bad;
  bad.create = true;
  bad.synchronous = "OFF";
  EXPECT_EQ(open_sqlite_store(path_, bad).status().code(), Errc::invalid_argument);
}

SqliteOptions simulation() {
  SqliteOptions options;
  options.simulation = true;
  return options;
}

TEST_F(SqliteStoreTest, ABatchCommitsItsCommandsTogetherWithTheSameHistory) {
  // The same commands without a batch, in another file: the reference history.
  const std::string plain_path = dir_.file("plain.db");
  SqliteOptions plain_options = simulation();
  plain_options.create = true;
  auto plain = open_sqlite_store(plain_path, plain_options);
  ASSERT_TRUE(plain.ok());
  auto commands = [](Store& store) {
    std::vector<Result<CommitOutcome>> all;
    for (auto& r : store.commit({new_item(), new_item("k2")})) all.push_back(std::move(r));
    for (auto& r : store.commit({next_event("gk-000001", 1, Stage::review),
                                 next_event("gk-000002", 5, Stage::review)})) {
      all.push_back(std::move(r));
    }
    for (auto& r : store.commit({new_item("k2")})) all.push_back(std::move(r));  // repeated
    return all;
  };
  const auto reference = commands(**plain);

  auto store = open(simulation());
  ASSERT_TRUE(store->begin_batch().ok());
  const auto batched = commands(*store);
  ASSERT_EQ(batched.size(), reference.size());
  for (std::size_t i = 0; i < batched.size(); ++i) {
    ASSERT_EQ(batched[i].ok(), reference[i].ok()) << i;
    if (!batched[i].ok()) {
      EXPECT_EQ(batched[i].status().code(), Errc::version_conflict);
      continue;
    }
    EXPECT_EQ(batched[i]->repeated, reference[i]->repeated) << i;
    ASSERT_EQ(batched[i]->events.size(), reference[i]->events.size()) << i;
    for (std::size_t e = 0; e < batched[i]->events.size(); ++e) {
      EXPECT_EQ(batched[i]->events[e].hash, reference[i]->events[e].hash) << i;
    }
  }
  // This store reads what the batch wrote; the file does not have it yet.
  EXPECT_EQ(store->chain_head()->seq, 3);
  EXPECT_EQ(store->chain_head()->hash, (*plain)->chain_head()->hash);
  ASSERT_TRUE(store->get_item("gk-000001")->has_value());
  EXPECT_EQ((*store->get_item("gk-000001"))->version, 2);
  EXPECT_EQ(events_on_disk(path_), 0);
  // A snapshot read (an audit) inside the batch reads the batch too.
  const Status snapshot = store->read_snapshot([&]() -> Status {
    auto head = store->chain_head();
    if (!head.ok()) return head.status();
    return head->seq == 3 ? Status::Ok() : Status(Errc::internal, "the snapshot missed the batch");
  });
  EXPECT_TRUE(snapshot.ok()) << snapshot.to_string();
  ASSERT_TRUE(store->end_batch().ok());
  EXPECT_EQ(events_on_disk(path_), 3);
  // Back to a transaction per commit.
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  EXPECT_EQ(events_on_disk(path_), 4);
}

TEST_F(SqliteStoreTest, BatchesAreForSimulationDatabasesOnly) {
  auto production = open();
  EXPECT_EQ(production->begin_batch().code(), Errc::simulation_only);
  EXPECT_EQ(production->end_batch().code(), Errc::invalid_argument);
  production.reset();
  fs::remove(path_);
  auto store = open(simulation());
  EXPECT_EQ(store->end_batch().code(), Errc::invalid_argument);  // none open
  ASSERT_TRUE(store->begin_batch().ok());
  EXPECT_EQ(store->begin_batch().code(), Errc::invalid_argument);  // one open already
  EXPECT_TRUE(store->end_batch().ok());
  EXPECT_EQ(store->end_batch().code(), Errc::invalid_argument);
}

TEST_F(SqliteStoreTest, ABatchNotEndedIsRolledBack) {
  auto store = open(simulation());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  ASSERT_TRUE(store->begin_batch().ok());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  store.reset();  // a crash before end_batch
  EXPECT_EQ(events_on_disk(path_), 1);
  auto reopened = open(simulation());
  EXPECT_EQ(reopened->chain_head()->seq, 1);
  EXPECT_FALSE(reopened->get_item("gk-000002")->has_value());
}

TEST_F(SqliteStoreTest, ACommitThatFailsInABatchLeavesTheBatchsOtherCommits) {
  { auto store = open(simulation()); }
  {
    // The third event's commit fails after writing its event (a statement aborted by a trigger).
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER fail_third BEFORE INSERT ON items WHEN NEW.id = 'gk-000003' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  }
  auto store = open(simulation());
  ASSERT_TRUE(store->begin_batch().ok());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  auto failed = store->commit({new_item()});
  EXPECT_EQ(failed[0].status().code(), Errc::storage_error);
  EXPECT_EQ(store->chain_head()->seq, 2);  // its event was undone, the others kept
  ASSERT_TRUE(store->end_batch().ok());
  EXPECT_EQ(events_on_disk(path_), 2);
}

TEST_F(SqliteStoreTest, ABatchSqliteRolledBackFailsToTheEnd) {
  { auto store = open(simulation()); }
  {
    // The second commit makes SQLite roll back the whole transaction.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER roll_back BEFORE INSERT ON items WHEN NEW.id = 'gk-000002' "
        "BEGIN SELECT RAISE(ROLLBACK, 'rolled back by the test'); END");
  }
  auto store = open(simulation());
  ASSERT_TRUE(store->begin_batch().ok());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  auto failed = store->commit({new_item()});
  EXPECT_EQ(failed[0].status().code(), Errc::storage_error);
  // The first commit went with the batch: nothing more is accepted until the batch ends, and
  // ending it reports the loss.
  auto after = store->commit({new_item()});
  EXPECT_EQ(after[0].status().code(), Errc::storage_error);
  EXPECT_NE(after[0].status().message().find("the batch was rolled back"), std::string::npos);
  const Status ended = store->end_batch();
  EXPECT_EQ(ended.code(), Errc::storage_error);
  EXPECT_EQ(events_on_disk(path_), 0);
  // A new batch starts clean.
  ASSERT_TRUE(store->begin_batch().ok());
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  ASSERT_TRUE(store->end_batch().ok());
  EXPECT_EQ(events_on_disk(path_), 1);
}

// scan_projection: the items, timers and deadlines tables merged by item id, in id order, each
// item with all of its rows; rows of an item without a projection row come alone; it starts at
// from_id and stops when asked.
TEST_F(SqliteStoreTest, ScansTheProjectionWithTheScheduleRowsMergedByItem) {
  auto store = open();
  const Instant at = *parse_instant("2026-03-02T09:00:00+08:00");
  std::vector<CommitRequest> created;
  for (int i = 0; i < 4; ++i) created.push_back(new_item());
  // gk-000001: two timers and a deadline; gk-000002: none; gk-000003: a deadline only;
  // gk-000004: a timer only. The rows are listed out of key order.
  created[0].timers = {TimerRecord{"", "publish", at + std::chrono::hours(3)},
                       TimerRecord{"", "deadline:publication:due", at + std::chrono::hours(2)}};
  created[0].deadlines = {
      DeadlineRecord{"", "publication", "publication", "pending", at + std::chrono::hours(2)}};
  created[2].deadlines = {
      DeadlineRecord{"", "review", "review", "breached", at + std::chrono::hours(1)},
      DeadlineRecord{"", "concern_response#1", "concern_response", "met", at}};
  created[3].timers = {TimerRecord{"", "notice:notice_period", at + std::chrono::hours(5)}};
  for (const auto& o : store->commit(created)) ASSERT_TRUE(o.ok()) << o.status().to_string();
  store.reset();
  {
    // Rows a tamperer left for items without a projection row, before, between and after.
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO timers VALUES ('gk-000000', 'publish', '2026-03-02T01:00:00.000Z')");
    db.exec(
        "INSERT INTO deadlines VALUES ('gk-0000025', 'x', 'x', 'pending', "
        "'2026-03-02T01:00:00.000Z')");
    db.exec("INSERT INTO timers VALUES ('gk-000009', 'publish', '2026-03-02T01:00:00.000Z')");
  }
  store = open();
  std::vector<StoredProjection> seen;
  auto collect = [&](const StoredProjection& p) {
    seen.push_back(p);
    return true;
  };
  ASSERT_TRUE(store->read_snapshot([&] { return store->scan_projection(collect); }).ok());
  std::vector<std::string> ids;
  for (const auto& p : seen) ids.push_back(p.id + (p.has_row ? "" : "(rows only)"));
  EXPECT_EQ(ids, (std::vector<std::string>{"gk-000000(rows only)", "gk-000001", "gk-000002",
                                           "gk-0000025(rows only)", "gk-000003", "gk-000004",
                                           "gk-000009(rows only)"}));
  ASSERT_EQ(seen.size(), 7u);
  const StoredProjection& first = seen[1];
  EXPECT_EQ(first.row.id, "gk-000001");
  EXPECT_EQ(first.row.version, 1);
  ASSERT_EQ(first.timers.size(), 2u);
  EXPECT_EQ(first.timers[0].key, "deadline:publication:due");  // by key
  EXPECT_EQ(first.timers[0].fire_at, at + std::chrono::hours(2));
  EXPECT_EQ(first.timers[0].item_id, "gk-000001");
  EXPECT_EQ(first.timers[1].key, "publish");
  ASSERT_EQ(first.deadlines.size(), 1u);
  EXPECT_EQ(first.deadlines[0].state, "pending");
  EXPECT_TRUE(seen[2].timers.empty());
  EXPECT_TRUE(seen[2].deadlines.empty());
  ASSERT_EQ(seen[4].deadlines.size(), 2u);
  EXPECT_EQ(seen[4].deadlines[0].deadline_id, "concern_response#1");
  EXPECT_EQ(seen[4].deadlines[1].deadline_id, "review");
  EXPECT_EQ(seen[4].deadlines[1].state, "breached");
  EXPECT_TRUE(seen[4].timers.empty());
  ASSERT_EQ(seen[5].timers.size(), 1u);
  EXPECT_EQ(seen[5].timers[0].key, "notice:notice_period");

  // From an id on, and stopping early.
  seen.clear();
  ASSERT_TRUE(store->scan_projection(collect, "gk-000003").ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, "gk-000003");
  int calls = 0;
  ASSERT_TRUE(store->scan_projection([&](const StoredProjection&) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SqliteStoreTest, AScheduleRowThatDoesNotReadIsCorruptNamingTheItem) {
  auto store = open();
  ASSERT_TRUE(store->commit({new_item()})[0].ok());
  store.reset();
  for (const char* sql :
       {"INSERT INTO timers VALUES ('gk-000001', 'publish', 'soon')",
        "INSERT INTO deadlines VALUES ('gk-000001', 'p', 'p', 'pending', 'later')",
        // An id stored as a blob sorts after every text: the table is out of id order.
        "INSERT INTO timers VALUES ('gk-000002', 'publish', '2026-03-02T01:00:00.000Z'); "
        "INSERT INTO timers VALUES (CAST('gk-000000' AS BLOB), 'publish', "
        "'2026-03-02T01:00:00.000Z')"}) {
    SCOPED_TRACE(sql);
    {
      SQLite::Database db(path_, SQLite::OPEN_READWRITE);
      db.exec("DELETE FROM timers; DELETE FROM deadlines;");
      db.exec(sql);
    }
    store = open();
    const Status s = store->scan_projection([](const StoredProjection&) { return true; });
    EXPECT_EQ(s.code(), Errc::storage_corrupt) << s.to_string();
    EXPECT_NE(s.message().find("gk-00000"), std::string::npos) << s.to_string();
    store.reset();
  }
}

}  // namespace
}  // namespace gongkai
