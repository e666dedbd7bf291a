// The reading side of `audit verify`, on a real SQLite store: the order of what it hands over, the
// checks it attaches, stopping early, and how a read that fails ends the stream.
#include "engine/audit_stream.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/item_json.h"
#include "engine/item_state.h"
#include "gongkai/store.h"
#include "support/commit_requests.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

constexpr int kItems = 700;        // more rows than a batch holds
constexpr int kEventsPerItem = 4;  // 2,800 events: more than the batches allowed in flight
constexpr int kEvents = kItems * kEventsPerItem;

CommitRequest request(const std::string& item, std::int64_t expected, int n) {
  NewEvent e = testing::test_event(
      expected == 0 ? "created" : "submit", "drafter \"引号\"", "2026-03-02T09:00:00+08:00",
      expected == 0 ? R"({"title":"t)" + std::to_string(n) + R"("})" : "{}");
  e.at += std::chrono::minutes(n);
  CommitRequest r = testing::single_event_commit(e, item, expected, "事项 " + std::to_string(n),
                                                 R"({"n":)" + std::to_string(n) + "}");
  // Every third item with a deadline row and a timer, every fifth with another timer.
  if (n % 3 == 0) {
    r.deadlines.push_back(DeadlineRecord{"", "publication", "publication", "pending",
                                         e.at + std::chrono::hours(24 * 20 + expected)});
    r.timers.push_back(
        TimerRecord{"", "deadline:publication:reminder", e.at + std::chrono::hours(1)});
  }
  if (n % 5 == 0) r.timers.push_back(TimerRecord{"", "publish", e.at + std::chrono::hours(2)});
  return r;
}

class AuditStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open();
    ASSERT_TRUE(store);
    std::vector<CommitRequest> created;
    for (int i = 0; i < kItems; ++i) created.push_back(request("", 0, i));
    auto outcomes = store->commit(created);
    std::vector<std::string> ids;
    for (auto& o : outcomes) {
      ASSERT_TRUE(o.ok()) << o.status().to_string();
      ids.push_back(o->item_id);
    }
    // The events of the items interleaved, as concurrent commands leave them.
    for (int v = 1; v < kEventsPerItem; ++v) {
      std::vector<CommitRequest> next;
      for (int i = 0; i < kItems; ++i) next.push_back(request(ids[i], v, i));
      for (auto& o : store->commit(next)) ASSERT_TRUE(o.ok()) << o.status().to_string();
    }
  }

  std::unique_ptr<Store> open() {
    SqliteOptions options;
    options.create = true;
    options.synchronous = "NORMAL";
    auto store = open_sqlite_store(path_, options);
    EXPECT_TRUE(store.ok()) << store.status().to_string();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // Alters the closed file behind the store's back.
  void tamper(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER IF EXISTS events_append_only_update");
    db.exec(sql);
  }

  gongkai::testing::TempDir dir_;
  std::string path_ = dir_.file("stream.db");
};

TEST_F(AuditStreamTest, HandsOverEveryRowThenEveryEventInSeqOrderChecked) {
  auto store = open();
  std::vector<StoredProjection> rows;
  std::vector<Event> events;
  ASSERT_TRUE(store
                  ->scan_projection([&](const StoredProjection& r) {
                    rows.push_back(r);
                    return true;
                  })
                  .ok());
  ASSERT_TRUE(store
                  ->scan_events([&](const Event& e) {
                    events.push_back(e);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kItems));
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kEvents));

  std::size_t row = 0, event = 0, batches = 0;
  {
    AuditStream stream(*store);
    AuditStream::Batch batch;
    while (stream.next(batch)) {
      ++batches;
      ASSERT_TRUE(batch.checked);
      ASSERT_TRUE(batch.rows == 0 || batch.events == 0) << "a batch holds rows or events";
      ASSERT_TRUE(batch.rows == 0 || event == 0) << "a row after an event";
      ASSERT_LE(batch.rows, AuditStream::kBatch);
      ASSERT_LE(batch.events, AuditStream::kBatch);
      for (std::size_t i = 0; i < batch.rows; ++i, ++row) {
        const StoredProjection& r = rows[row];
        ASSERT_EQ(batch.row[i].id, r.id);
        ASSERT_TRUE(batch.row[i].has_row);
        ASSERT_EQ(batch.row[i].row.state_json, r.row.state_json);
        ASSERT_EQ(batch.row[i].timers.size(), r.timers.size());
        ASSERT_EQ(batch.row[i].deadlines.size(), r.deadlines.size());
        ASSERT_EQ(batch.row_digest[i], projection_digest(r.row, r.timers, r.deadlines));
      }
      for (std::size_t i = 0; i < batch.events; ++i, ++event) {
        ASSERT_EQ(batch.event[i].seq, static_cast<std::int64_t>(event) + 1);
        ASSERT_EQ(batch.event[i].hash, events[event].hash);
        ASSERT_EQ(batch.event[i].payload, events[event].payload);
        ASSERT_TRUE(batch.hash_ok[i]) << "seq " << batch.event[i].seq;
        ASSERT_EQ(batch.payload[i], parse_payload(events[event].payload));
      }
    }
    EXPECT_TRUE(stream.rows_status().ok());
    EXPECT_TRUE(stream.events_status().ok());
  }
  EXPECT_EQ(row, rows.size());
  EXPECT_EQ(event, events.size());
  EXPECT_GE(batches, 2u + static_cast<std::size_t>(kEvents) / AuditStream::kBatch);
}

TEST_F(AuditStreamTest, AnAlteredEventFailsItsHashCheck) {
  tamper("UPDATE events SET actor = 'mallory' WHERE seq = 1500");
  auto store = open();
  AuditStream stream(*store);
  AuditStream::Batch batch;
  std::vector<std::int64_t> failed;
  while (stream.next(batch)) {
    for (std::size_t i = 0; i < batch.events; ++i) {
      if (!batch.hash_ok[i]) failed.push_back(batch.event[i].seq);
    }
  }
  EXPECT_EQ(failed, std::vector<std::int64_t>{1500});
  EXPECT_TRUE(stream.events_status().ok());
}

TEST_F(AuditStreamTest, AnAlteredRowChangesItsDigest) {
  auto store = open();
  std::string before;
  {
    AuditStream stream(*store);
    AuditStream::Batch batch;
    ASSERT_TRUE(stream.next(batch));
    ASSERT_GT(batch.rows, 0u);
    before = batch.row_digest[0];
  }
  store.reset();
  tamper("UPDATE items SET state = '{\"n\":1}' WHERE id = 'gk-000001'");
  store = open();
  AuditStream stream(*store);
  AuditStream::Batch batch;
  ASSERT_TRUE(stream.next(batch));
  EXPECT_EQ(batch.row[0].id, "gk-000001");
  EXPECT_NE(batch.row_digest[0], before);
  const StoredProjection& p = batch.row[0];
  EXPECT_EQ(batch.row_digest[0], projection_digest(p.row, p.timers, p.deadlines));
}

// The digest covers the item's timer and deadline rows: each one altered, added or removed changes
// it, and rows of an item without a projection row come with no digest.
TEST_F(AuditStreamTest, AnAlteredScheduleRowChangesItsItemsDigest) {
  auto digests = [&] {
    auto store = open();
    std::map<std::string, std::string> out;
    AuditStream stream(*store);
    AuditStream::Batch batch;
    while (stream.next(batch)) {
      for (std::size_t i = 0; i < batch.rows; ++i) {
        EXPECT_EQ(batch.row[i].has_row, !batch.row_digest[i].empty()) << batch.row[i].id;
        out[batch.row[i].id] = batch.row_digest[i];
      }
    }
    EXPECT_TRUE(stream.rows_status().ok()) << stream.rows_status().to_string();
    return out;
  };
  const auto before = digests();
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kItems));
  // gk-000001 is item 0 (a deadline row and two timers), gk-000002 item 1 (none).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"gk-000001", "DELETE FROM timers WHERE item_id = 'gk-000001' AND key = 'publish'"},
      {"gk-000001",
       "UPDATE timers SET fire_at = '2027-01-01T00:00:00.000Z' "
       "WHERE item_id = 'gk-000001' AND key = 'publish'"},
      {"gk-000001", "UPDATE deadlines SET state = 'met' WHERE item_id = 'gk-000001'"},
      {"gk-000001", "UPDATE deadlines SET kind = 'review' WHERE item_id = 'gk-000001'"},
      {"gk-000001", "DELETE FROM deadlines WHERE item_id = 'gk-000001'"},
      {"gk-000002",
       "INSERT INTO timers VALUES ('gk-000002', 'publish', "
       "'2027-01-01T00:00:00.000Z')"},
      {"gk-000002",
       "INSERT INTO deadlines VALUES ('gk-000002', 'publication', 'publication', "
       "'pending', '2027-01-01T00:00:00.000Z')"},
  };
  const std::string pristine = gongkai::testing::read_file(path_);
  for (const auto& [id, sql] : cases) {
    SCOPED_TRACE(sql);
    tamper(sql);
    auto after = digests();
    EXPECT_NE(after.at(id), before.at(id));
    after[id] = before.at(id);
    EXPECT_EQ(after, before) << "only the altered item's digest changes";
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    gongkai::testing::write_file(path_, pristine);
  }
  tamper("INSERT INTO timers VALUES ('gk-999999', 'publish', '2027-01-01T00:00:00.000Z')");
  auto after = digests();
  ASSERT_EQ(after.count("gk-999999"), 1u);
  EXPECT_EQ(after.at("gk-999999"), "");
}

// The consumer may stop at any point (a finding): the reader ends and the stream closes.
TEST_F(AuditStreamTest, StopsEarly) {
  auto store = open();
  for (int taken = 0; taken < 4; ++taken) {
    AuditStream stream(*store);
    AuditStream::Batch batch;
    for (int i = 0; i < taken; ++i) ASSERT_TRUE(stream.next(batch));
    stream.stop();
    EXPECT_FALSE(stream.next(batch));
    EXPECT_TRUE(stream.rows_status().ok());
    EXPECT_TRUE(stream.events_status().ok());
  }
  { AuditStream untouched(*store); }  // destroyed without a batch taken
  // The store is free again once the stream is gone.
  std::int64_t count = 0;
  ASSERT_TRUE(store->scan_events([&](const Event&) { return ++count < 10; }).ok());
  EXPECT_EQ(count, 10);
}

// A projection row that does not read ends the stream before any event is read.
TEST_F(AuditStreamTest, AnUnreadableRowEndsTheStreamBeforeTheEvents) {
  tamper("UPDATE items SET created_at = 'yesterday' WHERE id = 'gk-000600'");
  auto store = open();
  AuditStream stream(*store);
  AuditStream::Batch batch;
  std::size_t rows = 0, events = 0;
  while (stream.next(batch)) {
    rows += batch.rows;
    events += batch.events;
  }
  EXPECT_EQ(stream.rows_status().code(), Errc::storage_corrupt);
  EXPECT_TRUE(stream.events_status().ok());
  EXPECT_LT(rows, static_cast<std::size_t>(kItems));
  EXPECT_EQ(events, 0u);
}

TEST_F(AuditStreamTest, AnUnreadableEventEndsTheStreamWithItsStatus) {
  tamper("UPDATE events SET at = 'tomorrow' WHERE seq = 2000");
  auto store = open();
  AuditStream stream(*store);
  AuditStream::Batch batch;
  std::int64_t last = 0;
  while (stream.next(batch)) {
    if (batch.events > 0) last = batch.event[batch.events - 1].seq;
  }
  EXPECT_TRUE(stream.rows_status().ok());
  EXPECT_EQ(stream.events_status().code(), Errc::storage_corrupt);
  EXPECT_THAT(stream.events_status().message(), ::testing::HasSubstr("seq 2000"));
  EXPECT_LT(last, 2000);
}

}  // namespace
}  // namespace gongkai
