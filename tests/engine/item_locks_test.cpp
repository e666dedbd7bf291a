// engine/item_locks: one lock per item id. Commands on one item never overlap; a command on
// another item does not wait for them; a lock nobody holds or waits for is dropped.
#include "engine/item_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gongkai {
namespace {

using namespace std::chrono_literals;

TEST(ItemLocksTest, AnotherItemDoesNotWaitForAHeldOne) {
  ItemLocks locks;
  auto held = locks.lock("gk-000001");
  // Every id but the held one is taken at once, however the ids fall into the lock's stripes.
  for (int i = 2; i < 600; ++i) {
    auto other =
        std::async(std::launch::async, [&] { auto g = locks.lock("gk-" + std::to_string(i)); });
    ASSERT_EQ(other.wait_for(10s), std::future_status::ready) << "gk-" << i << " waited";
  }
  EXPECT_EQ(locks.size(), 1u);
}

TEST(ItemLocksTest, TheSameItemWaitsUntilReleased) {
  ItemLocks locks;
  std::optional<ItemLocks::Guard> held(locks.lock("gk-000001"));
  std::atomic<bool> entered{false};
  std::thread second([&] {
    auto g = locks.lock("gk-000001");
    entered = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(entered);  // still waiting
  EXPECT_EQ(locks.size(), 1u);
  held.reset();
  second.join();
  EXPECT_TRUE(entered);
  EXPECT_EQ(locks.size(), 0u);  // dropped once nobody holds or waits
}

TEST(ItemLocksTest, CommandsOnOneItemNeverOverlap) {
  ItemLocks locks;
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::vector<int> inside(3, 0);  // per item: threads inside its lock (guarded by that lock)
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        const int item = (t + r) % 3;
        auto g = locks.lock("gk-00000" + std::to_string(item));
        if (++inside[static_cast<std::size_t>(item)] != 1) ++overlaps;
        std::this_thread::yield();
        --inside[static_cast<std::size_t>(item)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(locks.size(), 0u);
}

TEST(ItemLocksTest, AMovedGuardReleasesOnce) {
  ItemLocks locks;
  {
    auto first = locks.lock("gk-000001");
    ItemLocks::Guard moved(std::move(first));
    EXPECT_EQ(locks.size(), 1u);
  }
  EXPECT_EQ(locks.size(), 0u);
  auto again = locks.lock("gk-000001");  // free again: the moved-from guard released nothing
  EXPECT_EQ(locks.size(), 1u);
}

}  // namespace
}  // namespace gongkai
