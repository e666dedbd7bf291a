// engine/item_cache: items as the last command left them, bounded, oldest out first; an older
// version never replaces a newer one; an item found stays valid whatever the cache does next.
#include "engine/item_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace gongkai {
namespace {

Item item(const std::string& id, std::int64_t version) {
  Item i;
  i.id = id;
  i.version = version;
  i.title = id + " v" + std::to_string(version);
  return i;
}

TEST(ItemCacheTest, KeepsFindsAndForgets) {
  ItemCache cache(1024);
  EXPECT_EQ(cache.find("gk-000001"), nullptr);
  cache.put(item("gk-000001", 1));
  auto found = cache.find("gk-000001");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->title, "gk-000001 v1");
  cache.put(item("gk-000001", 2));
  EXPECT_EQ(cache.find("gk-000001")->version, 2);
  EXPECT_EQ(found->version, 1);  // what a caller holds does not change under it
  cache.forget("gk-000001");
  EXPECT_EQ(cache.find("gk-000001"), nullptr);
  EXPECT_EQ(found->title, "gk-000001 v1");
  cache.forget("gk-000001");  // forgetting what is not kept is nothing
}

TEST(ItemCacheTest, AnOlderVersionDoesNotReplaceANewerOne) {
  ItemCache cache(1024);
  cache.put(item("gk-000001", 3));
  cache.put(item("gk-000001", 2));
  EXPECT_EQ(cache.find("gk-000001")->version, 3);
  cache.put(item("gk-000001", 3));  // the same version again is kept (a re-read of the row)
  EXPECT_EQ(cache.find("gk-000001")->version, 3);
}

TEST(ItemCacheTest, IsBoundedOldestOutFirst) {
  constexpr std::size_t kCapacity = 128;
  ItemCache cache(kCapacity);
  constexpr int kItems = 5000;
  for (int i = 1; i <= kItems; ++i) cache.put(item("gk-" + std::to_string(i), 1));
  std::size_t kept = 0;
  for (int i = 1; i <= kItems; ++i) kept += cache.find("gk-" + std::to_string(i)) != nullptr;
  EXPECT_LE(kept, kCapacity);
  EXPECT_GT(kept, 0u);
  // The newest one is kept, the very first ones are gone.
  EXPECT_NE(cache.find("gk-" + std::to_string(kItems)), nullptr);
  EXPECT_EQ(cache.find("gk-1"), nullptr);
}

TEST(ItemCacheTest, IsSafeFromManyThreads) {
  ItemCache cache(256);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&cache, t] {
      for (int r = 1; r <= 2000; ++r) {
        const std::string id = "gk-" + std::to_string((t * 7 + r) % 300);
        cache.put(item(id, r));
        if (auto found = cache.find(id)) {
          EXPECT_EQ(found->id, id);
        }
        if (r % 5 == 0) cache.forget(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace
}  // namespace gongkai
