// The background scheduler in-process: scheduled publications fired by its thread while other
// threads send commands to the same engine (ThreadSanitizer runs these), each exactly once.
#include "gongkai/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::init(dir_.file("gongkai.db"), kDefinitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
  }

  Item create(const std::string& title) {
    CreateItemRequest c;
    c.standard_id = "test.with_interpretation";
    c.unit_id = "alpha.one";
    c.title = title;
    c.actor = "drafter";
    auto item = engine_->create_item(c);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  Result<Item> fire(const std::string& id, EventType event, const std::string& actor,
                    std::optional<Instant> publish_at = std::nullopt) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = actor;
    r.publish_at = publish_at;
    return engine_->fire(r);
  }

  // An item approved for publication at `at`.
  Item scheduled(const std::string& title, Instant at) {
    Item item = create(title);
    EXPECT_TRUE(fire(item.id, EventType::submit, "drafter").ok());
    auto approved = fire(item.id, EventType::approve, "reviewer", at);
    EXPECT_TRUE(approved.ok()) << approved.status().to_string();
    return item;
  }

  int publications(const std::string& id) {
    auto events = engine_->history(id);
    EXPECT_TRUE(events.ok()) << events.status().to_string();
    if (!events.ok()) return -1;
    int n = 0;
    for (const Event& e : *events) n += e.type == "publish";
    return n;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(SchedulerTest, SchedulerFiresPublicationsOnceWhileCommandsRun) {
  // Each a moment after its approval (a publication time before the approval is refused, and
  // under the sanitizers three items take a while to set up).
  std::vector<Item> items;
  for (int i = 0; i < 3; ++i) {
    items.push_back(scheduled("定时发布 " + std::to_string(i), system_now() + 300ms));
  }
  Scheduler scheduler(*engine_, 50ms);
  scheduler.start();
  scheduler.start();  // idempotent
  // Other writers meanwhile: their commits wake the scheduler from their threads.
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        Item item = create("其他 " + std::to_string(t) + "-" + std::to_string(i));
        EXPECT_TRUE(fire(item.id, EventType::submit, "drafter").ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  // Wait for the publications (a bound, not a timing assertion: they are due in 300 ms).
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  auto all_published = [&] {
    for (const Item& item : items) {
      if (engine_->get_item(item.id)->stage != Stage::interpretation) return false;
    }
    return true;
  };
  while (!all_published() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(20ms);
  }
  scheduler.stop();
  scheduler.stop();  // idempotent
  ASSERT_TRUE(all_published());
  EXPECT_EQ(scheduler.published(), 3);
  for (const Item& item : items) EXPECT_EQ(publications(item.id), 1) << item.id;

  // A second scheduler on the same store finds nothing left to publish.
  Scheduler again(*engine_, 50ms);
  again.start();
  again.stop();
  EXPECT_EQ(again.published(), 0);
  for (const Item& item : items) EXPECT_EQ(publications(item.id), 1) << item.id;
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(SchedulerTest, SchedulerStopsWithTimersPendingAndTheyStayInTheStore) {
  Item item = scheduled("明年发布", system_now() + 24h);
  {
    Scheduler scheduler(*engine_, 50ms);
    scheduler.start();
    // The destructor stops it while it sleeps towards the far timer.
  }
  auto still = engine_->get_item(item.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->stage, Stage::release);
  EXPECT_TRUE(still->publish_at.has_value());
  EXPECT_EQ(publications(item.id), 0);
}

}  // namespace
}  // namespace gongkai
