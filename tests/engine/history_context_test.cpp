// Resolving what an event was accepted with, with and without a ResolveMemo: the memo must give
// exactly what the lookups give, and never turn an event that does not resolve into one that does.
#include "engine/history_context.h"

#include <gtest/gtest.h>

#include "engine/item_json.h"
#include "engine/item_state.h"
#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

Instant at(const char* text) {
  return *parse_instant(text);
}

class HistoryContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::init(dir_.file("history.db"), kDefinitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
    CreateItemRequest r;
    r.standard_id = "test.with_interpretation";
    r.unit_id = "alpha.one";
    r.title = "标题";
    r.actor = "drafter";
    r.at = at("2026-03-02T09:00:00+08:00");
    auto item = engine_->create_item(r);
    ASSERT_TRUE(item.ok()) << item.status().to_string();
    id_ = item->id;
    const char* times[] = {"2026-03-02T10:00:00+08:00", "2026-03-02T11:00:00+08:00",
                           "2026-03-03T09:00:00+08:00"};
    const EventType types[] = {EventType::submit, EventType::approve, EventType::publish};
    for (int i = 0; i < 3; ++i) {
      FireRequest f;
      f.item_id = id_;
      f.event = types[i];
      f.actor = i == 0 ? "drafter" : "reviewer";
      f.at = at(times[i]);
      ASSERT_TRUE(engine_->fire(f).ok());
    }
    auto events = engine_->history(id_);
    ASSERT_TRUE(events.ok());
    events_ = *events;
  }

  HistoryContext context() const {
    Engine* engine = engine_.get();
    return HistoryContext(
        [engine](std::int64_t v) { return engine->definitions(v); },
        [engine](std::int64_t v) { return v == 1 ? engine->calendars() : nullptr; });
  }

  gongkai::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::string id_;
  std::vector<Event> events_;
};

TEST_F(HistoryContextTest, AMemoReplaysToTheSameState) {
  const HistoryContext history = context();
  ResolveMemo memo;
  Item plain, memoised;
  for (const Event& e : events_) {
    ASSERT_FALSE(e.calendar_version.empty());
    ASSERT_TRUE(history.replay_step(plain, e).ok());
    ASSERT_TRUE(history.replay_step(memoised, e, parse_payload(e.payload), &memo).ok());
    ASSERT_EQ(item_record(memoised).state_json, item_record(plain).state_json) << e.type;
  }
  // Twice through the same memo: what it remembered gives the same again.
  Item again;
  for (const Event& e : events_) {
    ASSERT_TRUE(history.replay_step(again, e, parse_payload(e.payload), &memo).ok());
  }
  EXPECT_EQ(item_record(again).state_json, item_record(plain).state_json);
}

// The calendar in force depends on the day: a reference remembered for one day is not taken for
// another on which another version was in force, and a failure is not remembered as a success.
TEST_F(HistoryContextTest, AMemoKeepsTheCalendarOfEachDay) {
  const HistoryContext history = context();
  ResolveMemo memo;
  const Event& created = events_.front();
  EventContext resolved;
  ASSERT_TRUE(history.resolve(Item{}, created, resolved, nullptr, &memo).ok());
  const std::string ref = created.calendar_version;  // the version in force in 2026

  Event early = created;
  early.at = at("2019-01-02T09:00:00+08:00");  // cn@3 was in force then, not the 2026 version
  for (int round = 0; round < 2; ++round) {
    EventContext out;
    const Status s = history.resolve(Item{}, early, out, nullptr, &memo);
    EXPECT_EQ(s.code(), Errc::audit_replay_mismatch) << "round " << round;
    EXPECT_NE(s.message().find("not the version in force"), std::string::npos) << s.message();
  }
  early.calendar_version = "1:cn@3";
  EventContext out;
  ASSERT_TRUE(history.resolve(Item{}, early, out, nullptr, &memo).ok());
  ASSERT_NE(out.deadlines.calendar, nullptr);
  EXPECT_EQ(out.deadlines.calendar->version(), 3);
  Event late = created;
  late.calendar_version = "1:cn@3";  // remembered for 2019, not in force in 2026
  EventContext wrong;
  EXPECT_EQ(history.resolve(Item{}, late, wrong, nullptr, &memo).code(),
            Errc::audit_replay_mismatch);
  Event missing = created;
  missing.calendar_version = "2:cn@3";  // no calendars version 2
  EventContext none;
  EXPECT_EQ(history.resolve(Item{}, missing, none, nullptr, &memo).code(),
            Errc::audit_replay_mismatch);
  Event unknown = created;
  unknown.definition_version = 99;  // the created event names its definitions version
  EventContext no_definitions;
  EXPECT_EQ(history.resolve(Item{}, unknown, no_definitions, nullptr, &memo).code(),
            Errc::audit_replay_mismatch);
}

}  // namespace
}  // namespace gongkai
