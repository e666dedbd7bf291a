// The reading side of `audit verify`, on a real SQLite store: the order of what it hands over, the
// checks it attaches, stopping early, and how a read that fails ends the stream.
#include "engine/audit_stream.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  return testing::single_event_commit(e, item, expected, "事项 " + std::to_string(n),
                                      R"({"n":)" + std::to_string(n) + "}");
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
  std::vector<ItemRecord> rows;
  std::vector<Event> events;
  ASSERT_TRUE(store
                  ->scan_items([&](const ItemRecord& r) {
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
        ASSERT_EQ(batch.row[i].id, rows[row].id);
        ASSERT_EQ(batch.row[i].state_json, rows[row].state_json);
        ASSERT_EQ(batch.row_digest[i], record_digest(rows[row]));
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
  EXPECT_EQ(batch.row_digest[0], record_digest(batch.row[0]));
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
