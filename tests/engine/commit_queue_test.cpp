// engine/commit_queue: group commit over a real SQLite store. Every caller gets the answer to its
// own request (its own event back), every request lands exactly once in one gapless chain,
// concurrent callers share transactions — also one that is already being written — and a store
// that fails still answers every caller.
#include "engine/commit_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/commit_requests.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

CommitRequest new_item(const std::string& command_id) {
  NewEvent e = testing::test_event("created", command_id, "2026-03-02T09:00:00+08:00");
  e.command_id = command_id;
  CommitRequest r = testing::single_event_commit(e, "", 0, command_id);
  r.command_id = command_id;
  r.command_fingerprint = "create " + command_id;
  return r;
}

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.create = true;
    auto store = open_sqlite_store(dir_.file("queue.db"), options);
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    store_ = std::move(*store);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CommitQueueTest, ALoneCallerCommitsAtOnce) {
  CommitQueue queue(*store_);
  auto first = queue.commit(new_item("c-1"));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(first->events.at(0).seq, 1);
  EXPECT_EQ(queue.batches(), 1u);
  EXPECT_EQ(queue.requests(), 1u);
  // A refusal is the caller's own answer too, and the queue goes on.
  CommitRequest stale = new_item("c-2");
  stale.item_id = first->item_id;
  stale.expected_version = 7;
  EXPECT_EQ(queue.commit(stale).status().code(), Errc::version_conflict);
  auto again = queue.commit(new_item("c-3"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events.at(0).seq, 2);
}

TEST_F(CommitQueueTest, EveryCallerGetsItsOwnAnswerAndEveryRequestLandsOnce) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 25;
  CommitQueue queue(*store_);
  std::vector<std::vector<std::int64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "c-" + std::to_string(t) + "-" + std::to_string(i);
        auto outcome = queue.commit(new_item(id));
        ASSERT_TRUE(outcome.ok()) << outcome.status().to_string();
        ASSERT_EQ(outcome->events.size(), 1u);
        // The answer is this caller's: its event, with its command id and actor.
        EXPECT_EQ(outcome->events[0].command_id, id);
        EXPECT_EQ(outcome->events[0].actor, id);
        EXPECT_FALSE(outcome->repeated);
        seqs[static_cast<std::size_t>(t)].push_back(outcome->events[0].seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::int64_t> all;
  for (const auto& list : seqs) {
    for (std::size_t i = 1; i < list.size(); ++i) EXPECT_LT(list[i - 1], list[i]);
    all.insert(list.begin(), list.end());
  }
  constexpr std::int64_t kTotal = kThreads * kPerThread;
  ASSERT_EQ(static_cast<std::int64_t>(all.size()), kTotal);
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kTotal);  // gapless: kTotal distinct seqs from 1 to kTotal
  EXPECT_EQ(store_->chain_head()->seq, kTotal);
  EXPECT_EQ(queue.requests(), static_cast<std::uint64_t>(kTotal));
  EXPECT_LE(queue.batches(), queue.requests());
}

// A caller that queues while the leader's transaction is being written is pulled into it: one
// transaction, one sync, both answered with their own events.
TEST_F(CommitQueueTest, ACallerQueuedWhileATransactionIsWrittenJoinsIt) {
  std::optional<CommitQueue> queue;
  std::thread late;
  std::optional<Result<CommitOutcome>> late_result;
  queue.emplace([&](const Store::NextRequest& next) {
    bool first = true;
    const CommitRequest* held = nullptr;  // pulled from the queue, handed to the store next
    return store_->commit_pulled([&]() -> const CommitRequest* {
      if (held) return std::exchange(held, nullptr);
      const CommitRequest* request = next();
      if (!first) return request;
      first = false;
      // The leader's own request is pulled; another caller queues now, and is the next pulled.
      late = std::thread([&] { late_result = queue->commit(new_item("late")); });
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!held && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        held = next();
      }
      EXPECT_NE(held, nullptr) << "the late caller never joined the transaction";
      return request;
    });
  });
  auto first = queue->commit(new_item("first"));
  late.join();
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_TRUE(late_result && late_result->ok());
  EXPECT_EQ(first->events.at(0).command_id, "first");
  EXPECT_EQ((*late_result)->events.at(0).command_id, "late");
  EXPECT_EQ((*late_result)->events.at(0).seq, 2);
  EXPECT_EQ(queue->batches(), 1u);
  EXPECT_EQ(queue->requests(), 2u);
}

// A store that throws, or answers with another count, fails the batch it was given — every
// caller in it gets an internal error, none waits for ever — and the queue goes on.
TEST_F(CommitQueueTest, AFailingStoreAnswersEveryCallerAndTheQueueGoesOn) {
  int calls = 0;
  CommitQueue queue([&](const Store::NextRequest& next) -> std::vector<Result<CommitOutcome>> {
    ++calls;
    if (calls == 1) {
      next();
      throw std::runtime_error("the disk went away");
    }
    if (calls == 2) return {};  // pulled nothing, answered nothing
    return store_->commit_pulled(next);
  });
  auto thrown = queue.commit(new_item("c-1"));
  EXPECT_EQ(thrown.status().code(), Errc::internal);
  EXPECT_NE(thrown.status().message().find("the disk went away"), std::string::npos);
  auto unanswered = queue.commit(new_item("c-2"));
  EXPECT_EQ(unanswered.status().code(), Errc::internal);
  auto landed = queue.commit(new_item("c-3"));
  ASSERT_TRUE(landed.ok()) << landed.status().to_string();
  EXPECT_EQ(landed->events.at(0).seq, 1);
  EXPECT_EQ(queue.batches(), 3u);
}

}  // namespace
}  // namespace gongkai
