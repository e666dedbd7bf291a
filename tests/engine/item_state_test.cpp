// How an event changes an item: applying in place (the replay) gives exactly what applying to a
// copy (the commands) gives, event by event, over real histories written by the engine.
#include "engine/item_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "engine/history_context.h"
#include "engine/item_json.h"
#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

Instant at(const char* text) {
  return *parse_instant(text);
}

class ItemStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::init(dir_.file("state.db"), kDefinitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
  }

  std::string create(const std::string& standard, Instant when) {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = "alpha.one";
    r.title = "标题 \"引号\"";
    r.content = "公开内容。";
    r.actor = "drafter";
    r.at = when;
    auto item = engine_->create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? item->id : "";
  }

  void fire(const std::string& id, EventType event, Instant when, const std::string& text = "") {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = event == EventType::submit || event == EventType::correct ? "drafter" : "reviewer";
    r.text = text;
    r.reason = "理由";
    r.at = when;
    auto item = engine_->fire(r);
    EXPECT_TRUE(item.ok()) << to_string(event) << ": " << item.status().to_string();
  }

  void control(const std::string& id, DeadlineControl action, Instant when, std::int64_t n = 0) {
    DeadlineControlRequest r;
    r.item_id = id;
    r.deadline_id = "publication";
    r.action = action;
    r.amount = n;
    r.actor = "officer";
    r.role = "reviewer";
    r.reason = "等待第三方意见";
    r.at = when;
    auto item = engine_->control_deadline(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
  }

  HistoryContext history() const {
    Engine* engine = engine_.get();
    return HistoryContext([engine](std::int64_t v) { return engine->definitions(v); },
                          [engine](std::int64_t v) {
                            return v == 1 ? engine->calendars() : nullptr;  // one load
                          });
  }

  gongkai::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ItemStateTest, InPlaceGivesWhatTheCopyGivesAtEveryEvent) {
  const std::string a = create("test.with_interpretation", at("2026-03-02T09:00:00+08:00"));
  control(a, DeadlineControl::pause, at("2026-03-02T10:00:00+08:00"));
  control(a, DeadlineControl::resume, at("2026-03-03T10:00:00+08:00"));
  fire(a, EventType::submit, at("2026-03-03T11:00:00+08:00"));
  fire(a, EventType::reject, at("2026-03-03T12:00:00+08:00"));
  fire(a, EventType::submit, at("2026-03-03T13:00:00+08:00"));
  fire(a, EventType::approve, at("2026-03-03T14:00:00+08:00"));
  fire(a, EventType::publish, at("2026-03-03T15:00:00+08:00"));
  fire(a, EventType::interpret, at("2026-03-03T16:00:00+08:00"), "解读");
  fire(a, EventType::raise_concern, at("2026-03-04T09:00:00+08:00"), "多久？");
  fire(a, EventType::respond, at("2026-03-04T10:00:00+08:00"), "二十日");
  const std::string b = create("test.without_interpretation", at("2026-03-05T09:00:00+08:00"));
  fire(b, EventType::submit, at("2026-03-05T10:00:00+08:00"));
  fire(b, EventType::approve, at("2026-03-05T11:00:00+08:00"));
  fire(b, EventType::publish, at("2026-03-05T12:00:00+08:00"));
  fire(b, EventType::correct, at("2026-03-05T13:00:00+08:00"), "更正后的内容");
  fire(b, EventType::approve, at("2026-03-05T14:00:00+08:00"));
  fire(b, EventType::publish, at("2026-03-05T15:00:00+08:00"));
  fire(b, EventType::withdraw, at("2026-03-05T16:00:00+08:00"));

  const HistoryContext context = history();
  for (const std::string& id : {a, b}) {
    auto events = engine_->history(id);
    ASSERT_TRUE(events.ok()) << events.status().to_string();
    Item copied, in_place;
    for (const Event& e : *events) {
      EventContext resolved;
      ASSERT_TRUE(context.resolve(copied, e, resolved).ok());
      auto next = apply_event(copied, e, resolved.deadlines);
      ASSERT_TRUE(next.ok()) << e.type << ": " << next.status().to_string();
      copied = std::move(*next);
      ASSERT_TRUE(context.replay_step(in_place, e).ok()) << e.type;
      ASSERT_EQ(item_to_json(in_place, TimeStyle::utc), item_to_json(copied, TimeStyle::utc))
          << id << " after " << e.type;
    }
    auto stored = engine_->get_item(id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(item_record(in_place).state_json, item_record(*stored).state_json);
  }
}

TEST_F(ItemStateTest, ARefusedEventIsRefusedAliveAndInPlace) {
  const std::string id = create("test.with_interpretation", at("2026-03-02T09:00:00+08:00"));
  auto events = engine_->history(id);
  ASSERT_TRUE(events.ok());
  const HistoryContext context = history();
  Item item;
  ASSERT_TRUE(context.replay_step(item, events->front()).ok());
  Event approve = events->front();  // approving a draft: the lifecycle refuses it
  approve.seq = 2;
  approve.item_seq = 2;
  approve.type = "approve";
  approve.payload = "{}";
  EventContext resolved;
  ASSERT_TRUE(context.resolve(item, approve, resolved).ok());
  const std::string before = item_to_json(item, TimeStyle::utc).dump();
  auto copied = apply_event(item, approve, resolved.deadlines);
  EXPECT_EQ(copied.status().code(), Errc::illegal_transition);
  EXPECT_EQ(item_to_json(item, TimeStyle::utc).dump(), before);
  Item in_place = item;
  EXPECT_EQ(apply_event_in_place(in_place, approve, resolved.deadlines).code(),
            Errc::illegal_transition);
  Event garbled = approve;
  garbled.payload = "[1";
  EXPECT_EQ(apply_event_in_place(in_place, garbled, resolved.deadlines).code(),
            Errc::storage_corrupt);
}

TEST(ParsePayload, ParsesAsTheParserDoes) {
  EXPECT_EQ(parse_payload("{}"), nlohmann::json::object());
  EXPECT_EQ(parse_payload(R"({"text":"文字","concern":2})"),
            nlohmann::json::parse(R"({"text":"文字","concern":2})"));
  EXPECT_EQ(parse_payload("{ }"), nlohmann::json::object());
  EXPECT_TRUE(parse_payload("").is_discarded());
  EXPECT_TRUE(parse_payload("{").is_discarded());
  EXPECT_TRUE(parse_payload("[]").is_array());
}

// Equal values of equal types (nlohmann's == takes 1 and 1u, or 0 and false... as it likes).
::testing::AssertionResult Same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.dump() != b.dump()) {
    return ::testing::AssertionFailure() << a.dump() << " (" << a.type_name() << ") vs " << b.dump()
                                         << " (" << b.type_name() << ")";
  }
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (auto same = Same(it.value(), b.at(it.key())); !same) return same;
    }
  }
  return ::testing::AssertionSuccess();
}

// Flat compact objects are read without the parser; the parser is the oracle, for those and for
// every near miss (a byte changed, dropped or added anywhere).
TEST(ParsePayload, FlatObjectsAsTheParserReadsThem) {
  const std::vector<std::string> keys = {"text", "concern", "major", "", "审核", "a b"};
  const std::vector<std::string> values = {"\"文字\"",
                                           "\"\"",
                                           "0",
                                           "7",
                                           "-3",
                                           "-0",
                                           "01",
                                           "123456789012345678",
                                           "1234567890123456789",
                                           "true",
                                           "false",
                                           "null",
                                           "1.5",
                                           "1e3",
                                           "\"a\\\"b\"",
                                           "\"\x01\"",
                                           "[1]",
                                           "{}",
                                           "\"\xff\"",
                                           "tru",
                                           "\"x\""};
  std::mt19937_64 random(3);
  auto flat = [&] {
    std::string text = "{";
    for (auto n = random() % 4; n > 0; --n) {
      if (text.size() > 1) text += ",";
      text += "\"" + keys[random() % keys.size()] + "\":" + values[random() % values.size()];
    }
    return text + "}";
  };
  const std::string specials = "{}[]\",: -01e.tfnul\\";
  for (int round = 0; round < 20000; ++round) {
    std::string text = flat();
    switch (random() % 4) {
      case 0:
        break;
      case 1:
        text[random() % text.size()] = specials[random() % specials.size()];
        break;
      case 2:
        text.erase(random() % text.size(), 1);
        break;
      default:
        text.insert(random() % (text.size() + 1), 1, specials[random() % specials.size()]);
    }
    const nlohmann::json expected = nlohmann::json::parse(text, nullptr, false);
    const nlohmann::json parsed = parse_payload(text);
    ASSERT_EQ(parsed.is_discarded(), expected.is_discarded()) << text;
    if (!expected.is_discarded()) {
      ASSERT_TRUE(Same(parsed, expected)) << text;
    }
  }
}

}  // namespace
}  // namespace gongkai
