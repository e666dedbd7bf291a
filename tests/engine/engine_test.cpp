// The engine through its public API, on a real SQLite file.
#include "gongkai/engine.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "engine/item_json.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("gongkai.db");
    auto engine = Engine::init(db_, kDefinitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
    now_ = *parse_instant("2026-03-02T09:00:00+08:00");  // a Monday
  }

  Instant later(std::chrono::milliseconds d = 1h) { return now_ += d; }

  Item create(const std::string& standard = "test.with_interpretation",
              const std::string& content = "内容") {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = standard == "test.planning" ? "beta.three" : "alpha.one";
    r.title = "标题";
    r.content = content;
    r.actor = "drafter";
    r.at = later();
    auto item = engine_->create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  Result<Item> fire(const std::string& id, EventType event, std::string actor = "",
                    std::function<void(FireRequest&)> set = {}) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = actor.empty() ? (event == EventType::submit ? "drafter" : "reviewer") : actor;
    if (event == EventType::reject || event == EventType::withdraw || event == EventType::correct) {
      r.reason = "理由";
    }
    if (event == EventType::interpret || event == EventType::raise_concern ||
        event == EventType::respond) {
      r.text = "文字";
    }
    if (set) set(r);
    if (!r.at) r.at = later();
    return engine_->fire(r);
  }

  Item must(const std::string& id, EventType event, std::string actor = "",
            std::function<void(FireRequest&)> set = {}) {
    auto item = fire(id, event, std::move(actor), std::move(set));
    EXPECT_TRUE(item.ok()) << to_string(event) << ": " << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  // Drives a new item (with interpretation) to `stage`.
  Item item_in(Stage stage) {
    Item item = create();
    auto go = [&](EventType e) { item = must(item.id, e); };
    switch (stage) {
      case Stage::drafting:
        break;
      case Stage::review:
        go(EventType::submit);
        break;
      case Stage::release:
        go(EventType::submit);
        go(EventType::approve);
        break;
      case Stage::interpretation:
        go(EventType::submit);
        go(EventType::approve);
        go(EventType::publish);
        break;
      case Stage::response:
        go(EventType::submit);
        go(EventType::approve);
        go(EventType::publish);
        go(EventType::interpret);
        break;
      case Stage::closed:
        go(EventType::submit);
        go(EventType::approve);
        go(EventType::publish);
        go(EventType::interpret);
        now_ += 24h * 20;  // past the 10-day window, however holidays extend it
        go(EventType::close);
        break;
      case Stage::withdrawn:
        go(EventType::submit);
        go(EventType::approve);
        go(EventType::withdraw);
        break;
    }
    EXPECT_EQ(item.stage, stage);
    return item;
  }

  testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<Engine> engine_;
  Instant now_{};
};

TEST_F(EngineTest, FullCourseWithInterpretationAndConcerns) {
  Item item = create();
  EXPECT_EQ(item.id, "gk-000001");
  EXPECT_EQ(item.stage, Stage::drafting);
  EXPECT_EQ(item.version, 1);
  item = must(item.id, EventType::submit);
  EXPECT_EQ(item.submitted_by, "drafter");
  item = must(item.id, EventType::approve);
  EXPECT_EQ(item.stage, Stage::release);
  item = must(item.id, EventType::publish);
  EXPECT_EQ(item.stage, Stage::interpretation);
  ASSERT_TRUE(item.published_at.has_value());
  item = must(item.id, EventType::interpret, "interpreter",
              [](FireRequest& r) { r.text = "解读材料"; });
  EXPECT_EQ(item.stage, Stage::response);
  EXPECT_EQ(item.interpretation, "解读材料");
  item = must(item.id, EventType::raise_concern, "responder");
  item =
      must(item.id, EventType::raise_concern, "responder", [](FireRequest& r) { r.major = true; });
  ASSERT_EQ(item.concerns.size(), 2u);
  EXPECT_TRUE(item.concerns[1].major);
  EXPECT_EQ(item.open_concerns(), 2);
  EXPECT_EQ(fire(item.id, EventType::close).status().code(), Errc::concerns_open);
  item = must(item.id, EventType::respond, "responder");  // the oldest open concern
  EXPECT_TRUE(item.concerns[0].answered);
  EXPECT_FALSE(item.concerns[1].answered);
  item = must(item.id, EventType::respond, "responder", [](FireRequest& r) { r.concern = 2; });
  EXPECT_EQ(fire(item.id, EventType::respond, "responder").status().code(), Errc::concern_not_open);
  EXPECT_EQ(fire(item.id, EventType::close).status().code(), Errc::response_window_open);
  now_ = *item.published_at + 24h * 20;
  item = must(item.id, EventType::close);
  EXPECT_EQ(item.stage, Stage::closed);
  EXPECT_EQ(item.version, 10);

  auto history = engine_->history(item.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 10u);
  EXPECT_EQ(history->front().type, "created");
  EXPECT_EQ(history->back().type, "close");
  for (std::size_t i = 1; i < history->size(); ++i) {
    EXPECT_EQ((*history)[i].item_prev_hash, (*history)[i - 1].hash);
    EXPECT_EQ((*history)[i].item_seq, static_cast<std::int64_t>(i + 1));
  }
  auto report = engine_->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->events, 10);
  EXPECT_EQ(report->items, 1);
}

TEST_F(EngineTest, WithoutInterpretationPublishGoesToResponse) {
  Item item = create("test.without_interpretation");
  must(item.id, EventType::submit);
  must(item.id, EventType::approve);
  item = must(item.id, EventType::publish);
  EXPECT_EQ(item.stage, Stage::response);
  EXPECT_EQ(fire(item.id, EventType::interpret).status().code(), Errc::illegal_transition);
  now_ = *item.published_at + 46h;  // the command lands an hour later: 47 h after publication
  EXPECT_EQ(fire(item.id, EventType::close).status().code(), Errc::response_window_open);
  now_ = *item.published_at + 47h;  // 48 h: the window is over
  EXPECT_EQ(must(item.id, EventType::close).stage, Stage::closed);
}

TEST_F(EngineTest, EveryStageTimesEveryEventThroughTheStore) {
  for (Stage stage : kAllStages) {
    for (EventType event : kFireableEvents) {
      SCOPED_TRACE(std::string(to_string(stage)) + " × " + std::string(to_string(event)));
      Item item = item_in(stage);
      if (event == EventType::respond && stage == Stage::response) {
        item = must(item.id, EventType::raise_concern, "responder");
      }
      if (event == EventType::close) now_ += 24h * 20;
      const std::size_t events_before = engine_->history(item.id)->size();
      auto result = fire(item.id, event);
      const bool allowed =
          (stage == Stage::drafting && event == EventType::submit) ||
          (stage == Stage::review && (event == EventType::approve || event == EventType::reject)) ||
          (stage == Stage::release &&
           (event == EventType::publish || event == EventType::withdraw)) ||
          (stage == Stage::interpretation &&
           (event == EventType::interpret || event == EventType::withdraw ||
            event == EventType::correct)) ||
          (stage == Stage::response &&
           (event == EventType::raise_concern || event == EventType::respond ||
            event == EventType::close || event == EventType::withdraw ||
            event == EventType::correct));
      if (allowed) {
        EXPECT_TRUE(result.ok()) << result.status().to_string();
        EXPECT_EQ(engine_->history(item.id)->size(), events_before + 1);
      } else {
        EXPECT_EQ(result.status().code(), Errc::illegal_transition);
        EXPECT_EQ(engine_->history(item.id)->size(), events_before) << "a refusal appends nothing";
        EXPECT_EQ(engine_->get_item(item.id)->version, static_cast<std::int64_t>(events_before));
      }
    }
  }
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(EngineTest, FourEyesAfterCorrection) {
  Item item = item_in(Stage::interpretation);
  EXPECT_EQ(item.revision, 1);
  item = must(item.id, EventType::correct, "corrector",
              [](FireRequest& r) { r.text = "更正后的内容"; });
  EXPECT_EQ(item.stage, Stage::review);
  EXPECT_EQ(item.revision, 2);
  EXPECT_EQ(item.content, "更正后的内容");
  EXPECT_EQ(fire(item.id, EventType::approve, "corrector").status().code(),
            Errc::four_eyes_violation);
  EXPECT_EQ(must(item.id, EventType::approve, "drafter").stage, Stage::release);
}

// The long texts (the content, the interpretation) are a row of their own, written when an item is
// created and when a command changes them — not by every command, as the projection row is.
TEST_F(EngineTest, TheLongTextsAreWrittenOnlyWhenTheyChange) {
  const std::string body = "第一条　" + std::string(20000, 'x');
  Item item = create("test.with_interpretation", body);
  {
    SQLite::Database db(db_, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TABLE content_writes (id TEXT); "
        "CREATE TRIGGER content_inserted AFTER INSERT ON item_texts "
        "BEGIN INSERT INTO content_writes VALUES (NEW.id); END; "
        "CREATE TRIGGER content_updated AFTER UPDATE ON item_texts "
        "BEGIN INSERT INTO content_writes VALUES (NEW.id); END; "
        "CREATE TRIGGER content_deleted AFTER DELETE ON item_texts "
        "BEGIN INSERT INTO content_writes VALUES (OLD.id); END");
  }
  auto writes = [&] {
    SQLite::Database db(db_, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM content_writes").getInt();
  };
  item = must(item.id, EventType::submit);
  item = must(item.id, EventType::approve);
  item = must(item.id, EventType::publish);
  EXPECT_EQ(writes(), 0);
  EXPECT_EQ(item.content, body);
  EXPECT_EQ(engine_->get_item(item.id)->content, body);
  item = must(item.id, EventType::correct, "corrector",
              [](FireRequest& r) { r.text = "更正后的内容"; });
  EXPECT_EQ(writes(), 1);
  EXPECT_EQ(engine_->get_item(item.id)->content, "更正后的内容");
  EXPECT_EQ(engine_->list_items({})->at(0).content, "更正后的内容");
  // The interpretation material is a long text too.
  must(item.id, EventType::approve, "drafter");
  must(item.id, EventType::publish);
  item = must(item.id, EventType::interpret, "interpreter",
              [](FireRequest& r) { r.text = "解读材料" + std::string(5000, 'y'); });
  EXPECT_EQ(writes(), 2);
  item = must(item.id, EventType::raise_concern, "public");
  EXPECT_EQ(writes(), 2);
  EXPECT_EQ(engine_->get_item(item.id)->interpretation, "解读材料" + std::string(5000, 'y'));
  EXPECT_TRUE(engine_->verify().ok());
  // Read back by another engine (no cached item): the same content.
  engine_.reset();
  auto again = Engine::open(db_);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ((*again)->get_item(item.id)->content, "更正后的内容");
  EXPECT_EQ((*again)->get_item(item.id)->interpretation, "解读材料" + std::string(5000, 'y'));
}

TEST_F(EngineTest, ConfidentialityScanBlocksApprovalUnlessOverridden) {
  Item item =
      create("test.with_interpretation", "申请人身份证号 11010519491231002X，电话13812345678");
  must(item.id, EventType::submit);
  auto refused = fire(item.id, EventType::approve);
  ASSERT_EQ(refused.status().code(), Errc::confidentiality_findings);
  EXPECT_NE(refused.status().details_json().find("resident_id"), std::string::npos);
  EXPECT_NE(refused.status().details_json().find("mobile"), std::string::npos);
  EXPECT_EQ(engine_->get_item(item.id)->version, 2);
  item = must(item.id, EventType::approve, "reviewer",
              [](FireRequest& r) { r.reason = "经保密审查，当事人同意公开"; });
  ASSERT_TRUE(item.confidentiality_override.has_value());
  EXPECT_EQ(*item.confidentiality_override, "经保密审查，当事人同意公开");
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(EngineTest, ConfidentialityScanCoversTheTitle) {
  CreateItemRequest c;
  c.standard_id = "test.with_interpretation";
  c.unit_id = "alpha.one";
  c.title = "张三 身份证11010519491231002X 手机13812345678";
  c.content = "内容";
  c.actor = "drafter";
  c.at = later();
  auto created = engine_->create_item(c);
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  must(created->id, EventType::submit);
  auto refused = fire(created->id, EventType::approve);
  ASSERT_EQ(refused.status().code(), Errc::confidentiality_findings);
  EXPECT_NE(refused.status().message().find("2 possible"), std::string::npos)
      << refused.status().message();
  const std::string details = refused.status().details_json();
  EXPECT_NE(details.find(R"("field":"title")"), std::string::npos) << details;
  EXPECT_NE(details.find("138****5678"), std::string::npos) << details;
  EXPECT_EQ(details.find("13812345678"), std::string::npos) << "the full number never leaves";
  Item item = must(created->id, EventType::approve, "reviewer",
                   [](FireRequest& r) { r.reason = "当事人书面同意公开"; });
  ASSERT_TRUE(item.confidentiality_override.has_value());
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(EngineTest, ConfidentialityScanCoversInterpretationAndResponseTexts) {
  Item item = item_in(Stage::interpretation);
  auto refused = fire(item.id, EventType::interpret, "",
                      [](FireRequest& r) { r.text = "请联系13812345678了解详情"; });
  ASSERT_EQ(refused.status().code(), Errc::confidentiality_findings);
  EXPECT_NE(refused.status().details_json().find(R"("field":"text")"), std::string::npos);
  EXPECT_EQ(engine_->get_item(item.id)->version, item.version) << "nothing appended";
  // A blank reason is no override.
  EXPECT_EQ(fire(item.id, EventType::interpret, "",
                 [](FireRequest& r) {
                   r.text = "请联系13812345678了解详情";
                   r.reason = "  ";
                 })
                .status()
                .code(),
            Errc::confidentiality_findings);
  // The stage is checked first: an interpretation the stage does not take is illegal, whatever
  // its text holds.
  Item drafting = create();
  EXPECT_EQ(fire(drafting.id, EventType::interpret, "",
                 [](FireRequest& r) { r.text = "请联系13812345678"; })
                .status()
                .code(),
            Errc::illegal_transition);
  item = must(item.id, EventType::interpret, "", [](FireRequest& r) {
    r.text = "请联系13812345678了解详情";
    r.reason = "该号码为公开的政策咨询热线";
  });
  EXPECT_EQ(item.stage, Stage::response);

  item = must(item.id, EventType::raise_concern, "public",
              [](FireRequest& r) { r.text = "我的电话13812345678，请回复"; });  // the public's own
  refused = fire(item.id, EventType::respond, "",
                 [](FireRequest& r) { r.text = "办理人电话13812345678"; });
  ASSERT_EQ(refused.status().code(), Errc::confidentiality_findings);
  EXPECT_EQ(fire(item.id, EventType::respond, "",
                 [](FireRequest& r) { r.text = "办理人电话138****5678"; })
                .status()
                .code(),
            Errc::ok)
      << "a masked number is no finding";
  // Histories with scanned texts replay to the same state.
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

TEST_F(EngineTest, ScheduledPublication) {
  Item item = item_in(Stage::review);
  const Instant at = now_ + 48h;
  item = must(item.id, EventType::approve, "", [&](FireRequest& r) { r.publish_at = at; });
  ASSERT_TRUE(item.publish_at.has_value());
  EXPECT_EQ(fire(item.id, EventType::publish).status().code(), Errc::publish_not_due);
  now_ = at;
  item = must(item.id, EventType::publish, "", [&](FireRequest& r) { r.at = at; });
  EXPECT_EQ(item.stage, Stage::interpretation);
  EXPECT_FALSE(item.publish_at.has_value());
  EXPECT_EQ(*item.published_at, at);
}

TEST_F(EngineTest, IdempotentCommands) {
  CreateItemRequest c;
  c.standard_id = "test.with_interpretation";
  c.unit_id = "alpha.one";
  c.title = "标题";
  c.actor = "drafter";
  c.command_id = "create-1";
  c.at = later();
  auto first = engine_->create_item(c);
  auto again = engine_->create_item(c);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(first->id, again->id);
  EXPECT_EQ(engine_->list_items({})->size(), 1u);
  // A retry later on the clock (formed_at defaulted to now each time) is still the same command.
  c.at = later();
  auto later_retry = engine_->create_item(c);
  ASSERT_TRUE(later_retry.ok()) << later_retry.status().to_string();
  EXPECT_EQ(later_retry->id, first->id);
  EXPECT_EQ(engine_->list_items({})->size(), 1u);

  auto submit = [&](const std::string& actor) {
    FireRequest r;
    r.item_id = first->id;
    r.event = EventType::submit;
    r.actor = actor;
    r.command_id = "submit-1";
    r.at = later();
    return engine_->fire(r);
  };
  auto s1 = submit("drafter");
  auto s2 = submit("drafter");  // a retry: the first answer, nothing appended
  ASSERT_TRUE(s1.ok()) << s1.status().to_string();
  ASSERT_TRUE(s2.ok()) << s2.status().to_string();
  EXPECT_EQ(s2->version, 2);
  EXPECT_EQ(s2->stage, Stage::review);
  EXPECT_EQ(engine_->history(first->id)->size(), 2u);
  must(first->id, EventType::approve);
  auto s3 = submit("drafter");  // still the first answer, though the item has moved on
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->version, 2);
  EXPECT_EQ(s3->stage, Stage::review);
  EXPECT_EQ(submit("somebody else").status().code(), Errc::idempotency_key_reused);
  EXPECT_EQ(engine_->history(first->id)->size(), 3u);
}

TEST_F(EngineTest, ExpectedVersion) {
  Item item = create();
  EXPECT_EQ(fire(item.id, EventType::submit, "", [](FireRequest& r) { r.expected_version = 5; })
                .status()
                .code(),
            Errc::version_conflict);
  EXPECT_TRUE(
      fire(item.id, EventType::submit, "", [](FireRequest& r) { r.expected_version = 1; }).ok());
}

TEST_F(EngineTest, TwoWritersRaceOnTheSameExpectedVersion) {
  Item item = item_in(Stage::review);
  engine_.reset();
  for (int round = 0; round < 10; ++round) {
    auto a = Engine::open(db_);
    auto b = Engine::open(db_);
    ASSERT_TRUE(a.ok() && b.ok());
    const std::int64_t version = (*a)->get_item(item.id)->version;
    std::atomic<int> wins{0}, conflicts{0};
    auto race = [&](Engine& engine, const char* actor, bool approve) {
      FireRequest r;
      r.item_id = item.id;
      r.event = approve ? EventType::approve : EventType::reject;
      r.actor = actor;
      r.reason = "理由";
      r.expected_version = version;
      auto result = engine.fire(r);
      if (result.ok()) ++wins;
      if (result.status().code() == Errc::version_conflict) ++conflicts;
    };
    std::thread ta(race, std::ref(**a), "reviewer-a", round % 2 == 0);
    std::thread tb(race, std::ref(**b), "reviewer-b", false);
    ta.join();
    tb.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), 1);
    EXPECT_EQ((*a)->get_item(item.id)->version, version + 1);
    // Back to review for the next round.
    auto current = (*a)->get_item(item.id);
    FireRequest back;
    back.item_id = item.id;
    back.actor = "drafter";
    if (current->stage == Stage::release) {
      back.event = EventType::withdraw;
      back.reason = "重来";
      ASSERT_TRUE((*a)->fire(back).ok());
      item = [&] {
        CreateItemRequest c;
        c.standard_id = "test.with_interpretation";
        c.unit_id = "alpha.one";
        c.title = "新";
        c.actor = "drafter";
        auto created = (*a)->create_item(c);
        FireRequest s;
        s.item_id = created->id;
        s.event = EventType::submit;
        s.actor = "drafter";
        return *(*a)->fire(s);
      }();
    } else {
      back.event = EventType::submit;
      ASSERT_TRUE((*a)->fire(back).ok());
    }
  }
  auto engine = Engine::open(db_);
  EXPECT_TRUE((*engine)->verify().ok()) << (*engine)->verify().status().to_string();
}

TEST_F(EngineTest, ConcurrentCommandsWithoutExpectedVersionAllLand) {
  std::vector<Item> items;
  for (int i = 0; i < 4; ++i) items.push_back(item_in(Stage::response));
  engine_.reset();
  auto a = Engine::open(db_);
  auto b = Engine::open(db_);
  ASSERT_TRUE(a.ok() && b.ok());
  auto raise = [&](Engine& engine, const char* who) {
    for (int i = 0; i < 20; ++i) {
      FireRequest r;
      r.item_id = items[static_cast<std::size_t>(i) % items.size()].id;
      r.event = EventType::raise_concern;
      r.actor = who;
      r.text = "关切";
      auto result = engine.fire(r);
      EXPECT_TRUE(result.ok()) << result.status().to_string();
    }
  };
  std::thread ta(raise, std::ref(**a), "a");
  std::thread tb(raise, std::ref(**b), "b");
  ta.join();
  tb.join();
  std::size_t concerns = 0;
  for (const Item& item : items) concerns += (*a)->get_item(item.id)->concerns.size();
  EXPECT_EQ(concerns, 40u);
  EXPECT_TRUE((*a)->verify().ok());
}

// Group commit: many threads on one engine share transactions; every command lands once, each
// caller gets its own answer, and the chains verify. (ThreadSanitizer runs this one.)
TEST_F(EngineTest, GroupCommitManyThreadsOnOneEngine) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 6;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        CreateItemRequest c;
        c.standard_id = "test.with_interpretation";
        c.unit_id = "alpha.one";
        c.title = "并发 " + std::to_string(t) + "-" + std::to_string(i);
        c.actor = "drafter";
        auto created = engine_->create_item(c);
        ASSERT_TRUE(created.ok()) << created.status().to_string();
        FireRequest submit;
        submit.item_id = created->id;
        submit.event = EventType::submit;
        submit.actor = "drafter";
        auto submitted = engine_->fire(submit);
        ASSERT_TRUE(submitted.ok()) << submitted.status().to_string();
        EXPECT_EQ(submitted->stage, Stage::review);
        EXPECT_EQ(submitted->version, created->version + 1);
        ids[static_cast<std::size_t>(t)].push_back(created->id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const auto& list : ids) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kPerThread));
  ItemFilter in_review;
  in_review.stage = Stage::review;
  EXPECT_EQ(engine_->list_items(in_review)->size(), distinct.size());
  for (const std::string& id : distinct) {
    auto events = engine_->history(id);
    ASSERT_TRUE(events.ok());
    int created = 0, submitted = 0;
    for (const Event& e : *events) {
      created += e.type == "created";
      submitted += e.type == "submit";
    }
    EXPECT_EQ(created, 1) << id;
    EXPECT_EQ(submitted, 1) << id;
  }
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

// The engine evaluates a command on the item its last command left (kept in memory): every answer
// must be the item exactly as stored, field for field.
TEST_F(EngineTest, EveryAnswerIsTheItemAsStored) {
  Item item = create();
  auto same_as_stored = [&](const Item& answer) {
    auto stored = engine_->get_item(answer.id);
    ASSERT_TRUE(stored.ok()) << stored.status().to_string();
    EXPECT_EQ(item_record(answer).state_json, item_record(*stored).state_json);
    EXPECT_EQ(answer.version, stored->version);
  };
  same_as_stored(item);
  for (EventType e :
       {EventType::submit, EventType::reject, EventType::submit, EventType::approve,
        EventType::publish, EventType::interpret, EventType::raise_concern, EventType::respond,
        EventType::correct, EventType::approve, EventType::publish}) {
    item = must(item.id, e,
                e == EventType::raise_concern ? "public"
                : e == EventType::correct     ? "drafter"
                                              : "");
    ASSERT_FALSE(item.id.empty());
    same_as_stored(item);
  }
  auto report = engine_->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
}

// Another engine (another process, in production) moves an item this engine has in memory: each
// command is still judged on the item as stored — never refused, nor accepted, on the stale copy —
// and nothing is appended twice or out of order.
TEST_F(EngineTest, AnotherWriterMovesAnItemThisEngineHolds) {
  Item item = item_in(Stage::review);  // this engine holds it at version 2
  auto other = Engine::open(db_);
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  auto fire_on = [&](Engine& engine, EventType event, std::string actor = "",
                     std::optional<std::int64_t> expected = std::nullopt) {
    FireRequest r;
    r.item_id = item.id;
    r.event = event;
    r.actor = actor.empty() ? (event == EventType::submit ? "drafter" : "reviewer") : actor;
    if (event == EventType::reject) r.reason = "理由";
    if (event == EventType::interpret || event == EventType::raise_concern) r.text = "文字";
    r.expected_version = expected;
    r.at = later();
    return engine.fire(r);
  };

  // The other engine approves: `publish` is illegal on the held copy (review) but legal as stored.
  ASSERT_TRUE(fire_on(**other, EventType::approve).ok());
  auto published = fire_on(*engine_, EventType::publish);
  ASSERT_TRUE(published.ok()) << published.status().to_string();
  EXPECT_EQ(published->stage, Stage::interpretation);
  EXPECT_EQ(published->version, 4);

  // The other engine interprets (version 5): an expected version the held copy does not have.
  ASSERT_TRUE(fire_on(**other, EventType::interpret, "interpreter").ok());
  auto concern = fire_on(*engine_, EventType::raise_concern, "public", 5);
  ASSERT_TRUE(concern.ok()) << concern.status().to_string();
  EXPECT_EQ(concern->version, 6);
  EXPECT_EQ(concern->stage, Stage::response);
  // ... and an expected version the held copy has but the stored item no longer does.
  ASSERT_TRUE(fire_on(**other, EventType::raise_concern, "public").ok());  // version 7
  EXPECT_EQ(fire_on(*engine_, EventType::raise_concern, "public", 6).status().code(),
            Errc::version_conflict);

  // A concern is legal on the held copy (response) but not on the stored item (withdrawn by the
  // other engine): refused as the stored item refuses it, nothing appended.
  {
    FireRequest w;
    w.item_id = item.id;
    w.event = EventType::withdraw;
    w.actor = "reviewer";
    w.reason = "理由";
    w.at = later();
    ASSERT_TRUE((*other)->fire(w).ok());
  }
  EXPECT_EQ(fire_on(*engine_, EventType::raise_concern, "public").status().code(),
            Errc::illegal_transition);
  auto stored = (*other)->get_item(item.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->stage, Stage::withdrawn);
  const std::int64_t version = stored->version;
  EXPECT_EQ(version, 8);

  auto history = engine_->history(item.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(static_cast<std::int64_t>(history->size()), version);
  for (std::size_t i = 0; i < history->size(); ++i) {
    EXPECT_EQ((*history)[i].item_seq, static_cast<std::int64_t>(i + 1));
  }
  auto report = engine_->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
}

TEST_F(EngineTest, SurvivesReopen) {
  Item item = item_in(Stage::response);
  engine_.reset();
  auto reopened = Engine::open(db_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  auto again = (*reopened)->get_item(item.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stage, Stage::response);
  EXPECT_EQ(again->version, item.version);
  EXPECT_EQ(again->interpretation, item.interpretation);
  EXPECT_TRUE((*reopened)->verify().ok());
}

TEST_F(EngineTest, BadRequests) {
  Item item = create();
  CreateItemRequest c;
  c.standard_id = "no.such";
  c.unit_id = "alpha.one";
  c.title = "t";
  c.actor = "a";
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::standard_not_found);
  c.standard_id = "test.with_interpretation";
  c.unit_id = "nowhere";
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::unit_not_found);
  c.unit_id = "beta.three";  // group 2 has no social assistance
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::invalid_argument);
  c.unit_id = "alpha.one";
  c.title = "bad \xC3\x28 utf-8";
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::invalid_argument);
  c.title = "";
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::invalid_argument);
  EXPECT_EQ(fire("gk-999999", EventType::submit).status().code(), Errc::item_not_found);
  EXPECT_EQ(
      fire(item.id, EventType::submit, "", [&](FireRequest& r) { r.at = item.created_at - 1s; })
          .status()
          .code(),
      Errc::clock_went_backwards);
  EXPECT_EQ(engine_->get_item("gk-999999").status().code(), Errc::item_not_found);
  EXPECT_EQ(engine_->history("gk-999999").status().code(), Errc::item_not_found);
  EXPECT_EQ(engine_->list_items({})->size(), 1u);
}

TEST_F(EngineTest, AFormationAfterTheCommandIsRefused) {
  CreateItemRequest c;
  c.standard_id = "test.with_interpretation";
  c.unit_id = "alpha.one";
  c.title = "t";
  c.actor = "a";
  c.at = later();
  c.formed_at = *c.at + 1s;
  auto refused = engine_->create_item(c);
  ASSERT_EQ(refused.status().code(), Errc::invalid_time);
  EXPECT_NE(refused.status().message().find("formed_at"), std::string::npos);
  EXPECT_TRUE(engine_->list_items({})->empty()) << "a refused create appends nothing";
  c.formed_at = *c.at;  // formed at the very instant of the command: a fact already
  EXPECT_TRUE(engine_->create_item(c).ok());
  c.formed_at = *c.at - 24h * 3;
  EXPECT_TRUE(engine_->create_item(c).ok());
  // On a production database the command's instant is the clock's now.
  testing::TempDir other;
  auto production = Engine::init(other.file("prod.db"), kDefinitions, /*simulation=*/false);
  ASSERT_TRUE(production.ok());
  c.at.reset();
  c.formed_at = *parse_instant("2099-01-01T00:00:00+08:00");
  EXPECT_EQ((*production)->create_item(c).status().code(), Errc::invalid_time);
}

TEST_F(EngineTest, APublicationScheduledBeforeTheApprovalIsRefused) {
  Item item = item_in(Stage::review);
  const Instant at = later();
  auto refused = fire(item.id, EventType::approve, "", [&](FireRequest& r) {
    r.at = at;
    r.publish_at = at - 72h;
  });
  ASSERT_EQ(refused.status().code(), Errc::invalid_time);
  EXPECT_NE(refused.status().message().find("publish_at"), std::string::npos);
  EXPECT_EQ(engine_->get_item(item.id)->stage, Stage::review);
  refused = fire(item.id, EventType::approve, "", [&](FireRequest& r) {
    r.at = at;
    r.publish_at = at - 1s;
  });
  EXPECT_EQ(refused.status().code(), Errc::invalid_time);
  // At the approval's own instant it is allowed (publish at once, by the timer).
  item = must(item.id, EventType::approve, "", [&](FireRequest& r) {
    r.at = at;
    r.publish_at = at;
  });
  EXPECT_EQ(item.stage, Stage::release);
  ASSERT_TRUE(item.publish_at.has_value());
  EXPECT_EQ(*item.publish_at, at);
}

TEST_F(EngineTest, TextsOverTheirLimitAreRefused) {
  const std::string long_name(kMaxNameChars + 1, 'x');
  const std::string name_in_chinese = [] {
    std::string s;
    for (std::size_t i = 0; i < kMaxNameChars; ++i) s += "标";  // 3 bytes, 1 character each
    return s;
  }();
  const std::string long_body(kMaxTextBytes + 1, 'x');
  CreateItemRequest c;
  c.standard_id = "test.with_interpretation";
  c.unit_id = "alpha.one";
  c.title = long_name;
  c.actor = "a";
  c.at = later();
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::text_too_long);
  c.title = name_in_chinese;  // the limit counts characters, not bytes
  c.content = long_body;
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::text_too_long);
  c.content = std::string(kMaxTextBytes, 'x');
  auto created = engine_->create_item(c);
  ASSERT_TRUE(created.ok()) << created.status().to_string();
  c.title = "t";
  c.content.clear();
  c.actor = long_name;
  EXPECT_EQ(engine_->create_item(c).status().code(), Errc::text_too_long);

  Item item = item_in(Stage::response);
  auto concern = fire(item.id, EventType::raise_concern, "public",
                      [&](FireRequest& r) { r.text = long_body; });
  ASSERT_EQ(concern.status().code(), Errc::text_too_long);
  EXPECT_NE(concern.status().message().find("text"), std::string::npos);
  EXPECT_EQ(fire(item.id, EventType::withdraw, "", [&](FireRequest& r) { r.reason = long_body; })
                .status()
                .code(),
            Errc::text_too_long);
  EXPECT_EQ(fire(item.id, EventType::raise_concern, "public",
                 [&](FireRequest& r) { r.command_id = long_name; })
                .status()
                .code(),
            Errc::text_too_long);
  DeadlineControlRequest control;
  control.item_id = item.id;
  control.deadline_id = "publication";
  control.action = DeadlineControl::pause;
  control.actor = "officer";
  control.reason = long_body;
  control.at = later();
  EXPECT_EQ(engine_->control_deadline(control).status().code(), Errc::text_too_long);
  EXPECT_EQ(engine_->get_item(item.id)->version, item.version) << "nothing was appended";
}

TEST_F(EngineTest, AnExtensionByNothingOrLessIsAnInvalidArgument) {
  Item item = create();
  for (std::int64_t amount : {std::int64_t{-3}, std::int64_t{0}}) {
    DeadlineControlRequest r;
    r.item_id = item.id;
    r.deadline_id = "publication";
    r.action = DeadlineControl::extend;
    r.amount = amount;
    r.actor = "officer";
    r.role = "approver";
    r.reason = "理由";
    r.at = later();
    auto refused = engine_->control_deadline(r);
    EXPECT_EQ(refused.status().code(), Errc::invalid_argument) << amount;
    EXPECT_NE(refused.status().message().find("positive"), std::string::npos);
  }
}

TEST_F(EngineTest, ProductionRefusesBackdating) {
  testing::TempDir other;
  auto production = Engine::init(other.file("prod.db"), kDefinitions, /*simulation=*/false);
  ASSERT_TRUE(production.ok());
  EXPECT_FALSE((*production)->is_simulation());
  CreateItemRequest c;
  c.standard_id = "test.with_interpretation";
  c.unit_id = "alpha.one";
  c.title = "t";
  c.actor = "a";
  c.at = now_;
  EXPECT_EQ((*production)->create_item(c).status().code(), Errc::simulation_only);
  c.at.reset();
  EXPECT_TRUE((*production)->create_item(c).ok());
  // Nor can an existing production database be turned into a simulation.
  production->reset();
  EXPECT_EQ(Engine::init(other.file("prod.db"), kDefinitions, true).status().code(),
            Errc::simulation_only);
}

TEST_F(EngineTest, ChangedDefinitionsBecomeANewVersionAndItemsKeepTheirs) {
  Item old_item = create();
  EXPECT_EQ(old_item.definition_version, 1);
  // The same folder again: no new version.
  auto same = engine_->load_definitions(kDefinitions);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, 1);
  // A changed copy: interpretation no longer required for the standard.
  testing::TempDir copy;
  fs::copy(kDefinitions, copy.path(), fs::copy_options::recursive);
  const fs::path catalogue = copy.path() / "catalogue" / "standards.json";
  nlohmann::json document = nlohmann::json::parse(testing::read_file(catalogue));
  nlohmann::json& standard = document["standards"][0];
  ASSERT_EQ(standard["id"], "test.with_interpretation");
  ASSERT_EQ(standard["deadlines"][1]["kind"], "interpretation");
  standard["interpretation_required"] = false;
  standard["deadlines"].erase(1);
  testing::write_file(catalogue, document.dump(2));
  auto changed = engine_->load_definitions(copy.path().string());
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_TRUE(changed->changed);
  EXPECT_EQ(changed->version, 2);
  EXPECT_EQ(engine_->definitions_version(), 2);

  Item new_item = create();
  EXPECT_EQ(new_item.definition_version, 2);
  for (auto* item : {&old_item, &new_item}) {
    must(item->id, EventType::submit);
    must(item->id, EventType::approve);
    *item = must(item->id, EventType::publish);
  }
  EXPECT_EQ(old_item.stage, Stage::interpretation) << "the old item keeps version 1's rule";
  EXPECT_EQ(new_item.stage, Stage::response);
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
  // A broken folder changes nothing.
  testing::write_file(catalogue, "{ not json");
  EXPECT_EQ(engine_->load_definitions(copy.path().string()).status().code(),
            Errc::definition_parse_error);
  EXPECT_EQ(engine_->definitions_version(), 2);
}

// A bad catalogue load is undone by loading the right folder again: its content comes back in
// force as a new version (3, with version 1's digest); items keep the version they started with.
TEST_F(EngineTest, ReloadingAnEarlierCatalogueBringsItBackAsANewVersion) {
  testing::TempDir copy;
  fs::copy(kDefinitions, copy.path(), fs::copy_options::recursive);
  const fs::path catalogue = copy.path() / "catalogue" / "standards.json";
  std::string text = testing::read_file(catalogue);
  const auto pos = text.find("\"responsible_body\": \"县民政局\"");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string("\"responsible_body\": \"县民政局\"").size(),
               "\"responsible_body\": \"县财政局\"");
  testing::write_file(catalogue, text);
  auto wrong = engine_->load_definitions(copy.path().string());
  ASSERT_TRUE(wrong.ok()) << wrong.status().to_string();
  ASSERT_EQ(wrong->version, 2);
  Item on_wrong = create();
  EXPECT_EQ(on_wrong.definition_version, 2);

  auto back = engine_->load_definitions(kDefinitions);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(back->changed);
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->digest, engine_->definitions(1)->digest);
  EXPECT_EQ(engine_->definitions_version(), 3);
  EXPECT_EQ(engine_->definitions()->find_standard("test.with_interpretation")->responsible_body,
            "县民政局");
  EXPECT_EQ(create().definition_version, 3);
  EXPECT_EQ(engine_->definitions(2)->find_standard("test.with_interpretation")->responsible_body,
            "县财政局")
      << "version 2 stays stored for the items that use it";
  auto same = engine_->load_definitions(kDefinitions);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, 3);
  must(on_wrong.id, EventType::submit);
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
  // Another process opening the file sees the same version in force.
  engine_.reset();
  auto reopened = Engine::open(db_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  EXPECT_EQ((*reopened)->definitions_version(), 3);
}

TEST_F(EngineTest, ReplayAsOf) {
  Item item = create();
  const Instant created = now_;
  must(item.id, EventType::submit);
  const Instant submitted = now_;
  must(item.id, EventType::approve);
  auto r1 = engine_->replay(item.id, created);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->item.stage, Stage::drafting);
  EXPECT_EQ(r1->item.version, 1);
  auto r2 = engine_->replay(item.id, submitted + 1min);
  EXPECT_EQ(r2->item.stage, Stage::review);
  EXPECT_EQ(r2->item.version, 2);
  auto r3 = engine_->replay(item.id, now_ + 24h);
  EXPECT_EQ(r3->item.stage, Stage::release);
  EXPECT_EQ(engine_->replay(item.id, created - 1s).status().code(), Errc::item_not_found);
}

TEST(EngineOpen, MissingAndForeignDatabases) {
  testing::TempDir dir;
  EXPECT_EQ(Engine::open(dir.file("none.db")).status().code(), Errc::database_missing);
  testing::write_file(dir.path() / "text.db", "this is not a database, just some text\n");
  EXPECT_EQ(Engine::open(dir.file("text.db")).status().code(), Errc::not_a_gongkai_database);
  // A bad definitions folder creates no database.
  EXPECT_EQ(Engine::init(dir.file("new.db"), dir.file("no-such-folder"), false).status().id(),
            "definition_io_error");
  EXPECT_FALSE(fs::exists(dir.file("new.db")));
}

}  // namespace
}  // namespace gongkai
