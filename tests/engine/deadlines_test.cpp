// Legal time through the engine: deadlines on the unit's calendar, hour limits, pauses and
// extensions, escalation by the timer exactly once, calendar changes under running items.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <limits>
#include <map>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

Instant t(const char* text) {
  auto parsed = parse_instant(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

class DeadlinesTest : public ::testing::Test {
 protected:
  void SetUp() override { open(kDefinitions, "deadlines.db"); }

  void open(const std::string& definitions, const std::string& name) {
    engine_.reset();
    db_ = dir_.file(name);
    auto engine = Engine::init(db_, definitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
  }

  Item create(Instant at, const std::string& standard = "test.with_interpretation") {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = "alpha.one";
    r.title = "标题";
    r.actor = "drafter";
    r.at = at;
    auto item = engine_->create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  Item fire(const std::string& id, EventType event, Instant at,
            std::function<void(FireRequest&)> set = {}) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = event == EventType::submit ? "drafter" : "reviewer";
    r.text = "文字";
    r.reason = "理由";
    r.at = at;
    if (set) set(r);
    auto item = engine_->fire(r);
    EXPECT_TRUE(item.ok()) << to_string(event) << ": " << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  Result<Item> control(const std::string& id, const std::string& deadline, DeadlineControl action,
                       Instant at, std::int64_t amount = 0, std::string role = "reviewer") {
    DeadlineControlRequest r;
    r.item_id = id;
    r.deadline_id = deadline;
    r.action = action;
    r.amount = amount;
    r.actor = "officer";
    r.role = std::move(role);
    r.reason = "等待第三方意见";
    r.at = at;
    return engine_->control_deadline(r);
  }

  // The item's publication deadline as stored now: a copy, not a pointer into a temporary item.
  ItemDeadline stored_publication(const std::string& id) {
    auto now = engine_->get_item(id);
    EXPECT_TRUE(now.ok()) << now.status().to_string();
    const ItemDeadline* d = now.ok() ? now->find_deadline("publication") : nullptr;
    EXPECT_NE(d, nullptr) << id;
    return d ? *d : ItemDeadline{};
  }

  std::vector<Event> events_of_type(const std::string& id, const std::string& type) {
    std::vector<Event> out;
    const auto history = engine_->history(id);
    for (const Event& e : *history) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DeadlinesTest, PublicationCountsWorkingDaysAcrossTheSpringFestival) {
  // Formed Tue 2026-02-10. Counted from Wed 02-11: 11, 12, 13, Sat 14 (make-up) = 4; 15-23 春节;
  // 24-27 = 8; Sat 28 (make-up) = 9; Mar 2-6 = 14; 9-13 = 19; Mon 16 = 20.
  Item item = create(t("2026-02-10T10:00:00+08:00"));
  const ItemDeadline* d = item.find_deadline("publication");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->last_day, (Date{2026, 3, 16}));
  EXPECT_EQ(d->due, t("2026-03-17T00:00:00+08:00"));
  EXPECT_EQ(d->state, DeadlineState::pending);
  EXPECT_EQ(d->origin, DeadlineOrigin::original);
  EXPECT_FALSE(d->provisional);
  EXPECT_EQ(d->calendar, "1:cn@12");
  auto explained = engine_->explain(item.id);
  ASSERT_TRUE(explained.ok()) << explained.status().to_string();
  ASSERT_EQ(explained->size(), 1u);
  bool makeup = false, holiday = false;
  for (const auto& step : explained->front().computation.steps) {
    makeup |= step.day_kind == DayKind::makeup_workday && step.date == Date{2026, 2, 14};
    holiday |= step.day_kind == DayKind::holiday && step.holiday == "春节";
  }
  EXPECT_TRUE(makeup) << "the make-up Saturday is counted";
  EXPECT_TRUE(holiday) << "the Spring Festival is skipped";
  EXPECT_EQ(explained->front().computation.calendar_version, 12);
}

// A stored deadline whose recorded calendar was rewritten into nonsense is explained as a corrupt
// row (storage_corrupt), never by an exception out of the engine.
TEST_F(DeadlinesTest, ExplainingATamperedCalendarReferenceIsACorruptRow) {
  Item item = create(t("2026-02-10T10:00:00+08:00"));
  engine_.reset();
  std::string previous = "1:cn@12";
  for (const char* forged : {"x:cn@12", ":cn@12", "99999999999999999999:cn@12", "1x:cn@12"}) {
    {
      SQLite::Database db(db_, SQLite::OPEN_READWRITE);
      SQLite::Statement q(db,
                          "UPDATE items SET state = replace(state, '\"calendar\":\"' || ? || "
                          "'\"', '\"calendar\":\"' || ? || '\"') WHERE id = ?");
      q.bind(1, previous);
      q.bind(2, forged);
      q.bind(3, item.id);
      ASSERT_EQ(q.exec(), 1);
      previous = forged;
    }
    auto engine = Engine::open(db_);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    auto explained = (*engine)->explain(item.id);
    ASSERT_FALSE(explained.ok()) << forged;
    EXPECT_EQ(explained.status().code(), Errc::storage_corrupt) << forged;
  }
}

// Explaining reads the deadline events' payloads: one whose "deadline" is not a string (rewritten
// behind the engine's back) is simply not about the deadline, never an exception.
TEST_F(DeadlinesTest, ExplainingSkipsAControlWhosePayloadHasAnotherShape) {
  Item item = create(t("2026-03-02T09:00:00+08:00"));
  ASSERT_TRUE(
      control(item.id, "publication", DeadlineControl::pause, t("2026-03-04T09:00:00+08:00")).ok());
  ASSERT_EQ(engine_->explain(item.id)->front().controls.size(), 1u);
  engine_.reset();
  {
    SQLite::Database db(db_, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_append_only_update");
    ASSERT_EQ(
        db.exec("UPDATE events SET payload = '{\"deadline\":5}' WHERE type LIKE 'deadline_%'"), 1);
  }
  auto engine = Engine::open(db_);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto explained = (*engine)->explain(item.id);
  ASSERT_TRUE(explained.ok()) << explained.status().to_string();
  EXPECT_TRUE(explained->front().controls.empty());
}

TEST_F(DeadlinesTest, NationalDayAndInterpretationOnTheSameDay) {
  Item item = create(t("2026-09-28T09:00:00+08:00"));
  const ItemDeadline* d = item.find_deadline("publication");
  ASSERT_NE(d, nullptr);
  // 29, 30 (2), Oct 8 (3), 9 (4), 10 Sat make-up (5), 12-16 (10), 19-23 (15), 26-30 (20).
  EXPECT_EQ(d->last_day, (Date{2026, 10, 30}));
  item = fire(item.id, EventType::submit, t("2026-09-29T09:00:00+08:00"));
  item = fire(item.id, EventType::approve, t("2026-09-29T10:00:00+08:00"));
  item = fire(item.id, EventType::publish, t("2026-09-30T17:00:00+08:00"));
  EXPECT_EQ(item.find_deadline("publication")->state, DeadlineState::met);
  const ItemDeadline* interp = item.find_deadline("interpretation");
  ASSERT_NE(interp, nullptr);
  EXPECT_EQ(interp->due, t("2026-10-01T00:00:00+08:00")) << "同步: 24:00 of the publication day";
  item = fire(item.id, EventType::interpret, t("2026-10-01T09:00:00+08:00"));
  EXPECT_EQ(item.find_deadline("interpretation")->state, DeadlineState::met_late);
}

TEST_F(DeadlinesTest, ConcernHoursRunAroundTheClockThroughHolidays) {
  Item item = create(t("2026-09-25T09:00:00+08:00"), "test.without_interpretation");
  fire(item.id, EventType::submit, t("2026-09-25T10:00:00+08:00"));
  fire(item.id, EventType::approve, t("2026-09-25T11:00:00+08:00"));
  fire(item.id, EventType::publish, t("2026-09-25T12:00:00+08:00"));
  item = fire(item.id, EventType::raise_concern, t("2026-09-30T20:00:00+08:00"));
  item = fire(item.id, EventType::raise_concern, t("2026-09-30T22:30:00+08:00"),
              [](FireRequest& r) { r.major = true; });
  const ItemDeadline* general = item.find_deadline("concern_response#1");
  const ItemDeadline* major = item.find_deadline("concern_response#2");
  ASSERT_TRUE(general && major);
  EXPECT_EQ(general->due, t("2026-10-02T20:00:00+08:00"));  // 48 h, across midnight and 国庆
  EXPECT_EQ(major->due, t("2026-10-01T03:30:00+08:00"));    // 5 h
  item = fire(item.id, EventType::respond, t("2026-10-01T03:00:00+08:00"),
              [](FireRequest& r) { r.concern = 2; });
  EXPECT_EQ(item.find_deadline("concern_response#2")->state, DeadlineState::met);
  EXPECT_EQ(item.find_deadline("concern_response#1")->state, DeadlineState::pending);
}

TEST_F(DeadlinesTest, ExplainCitesEachDeadlineKindsOwnWordingAndBasis) {
  const auto explained_by_kind = [&](const std::string& id) {
    std::map<std::string, DeadlineExplanation> out;
    auto explained = engine_->explain(id);
    EXPECT_TRUE(explained.ok()) << explained.status().to_string();
    for (const auto& x : *explained) out[x.deadline.kind] = x;
    return out;
  };
  Item item = create(t("2026-03-02T09:00:00+08:00"));
  fire(item.id, EventType::submit, t("2026-03-02T10:00:00+08:00"));
  fire(item.id, EventType::approve, t("2026-03-02T11:00:00+08:00"));
  fire(item.id, EventType::publish, t("2026-03-02T12:00:00+08:00"));
  fire(item.id, EventType::interpret, t("2026-03-02T13:00:00+08:00"));
  fire(item.id, EventType::raise_concern, t("2026-03-02T14:00:00+08:00"));
  auto x = explained_by_kind(item.id);
  ASSERT_EQ(x.size(), 3u);
  // The publication rule names none of its own: the standard's 公开时限 and first 公开依据.
  EXPECT_EQ(x["publication"].time_limit_text, "信息形成或者变更之日起20个工作日内");
  EXPECT_EQ(x["publication"].legal_basis, "《社会救助暂行办法》");
  EXPECT_EQ(x["interpretation"].time_limit_text, "政策解读与政策文件同步组织、同步审签、同步部署");
  EXPECT_EQ(x["interpretation"].legal_basis,
            "《〈关于全面推进政务公开工作的意见〉实施细则》（国办发〔2016〕80号）");
  EXPECT_EQ(x["concern_response"].time_limit_text,
            "一般政务舆情最迟在48小时内予以回应；重大政务舆情最迟在5小时内发布权威信息");
  EXPECT_EQ(
      x["concern_response"].legal_basis,
      "《国务院办公厅关于在政务公开工作中进一步做好政务舆情回应的通知》（国办发〔2016〕61号）");

  // A concern rule without wording or basis of its own cites nothing rather than the publication's.
  Item other = create(t("2026-03-03T09:00:00+08:00"), "test.without_interpretation");
  fire(other.id, EventType::submit, t("2026-03-03T10:00:00+08:00"));
  fire(other.id, EventType::approve, t("2026-03-03T11:00:00+08:00"));
  fire(other.id, EventType::publish, t("2026-03-03T12:00:00+08:00"));
  fire(other.id, EventType::raise_concern, t("2026-03-03T13:00:00+08:00"));
  x = explained_by_kind(other.id);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x["publication"].legal_basis, "《中华人民共和国预算法》第十四条");
  EXPECT_EQ(x["concern_response"].time_limit_text, "");
  EXPECT_EQ(x["concern_response"].legal_basis, "");
}

TEST_F(DeadlinesTest, AnUncoveredYearIsCountedOnWeekendsAloneAndProvisional) {
  Item item = create(t("2026-12-21T10:00:00+08:00"));
  const ItemDeadline* d = item.find_deadline("publication");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->provisional);
  // Dec 22-25 (4), 28-31 (8), Jan 1 2027 (9, no 2027 notice yet), 4-8 (14), 11-15 (19), 18 (20).
  EXPECT_EQ(d->last_day, (Date{2027, 1, 18}));
}

TEST_F(DeadlinesTest, PauseResumeAndExtend) {
  // Formed Mon 03-02; counted from Tue 03-03: 03-06 (4), 03-13 (9), 03-20 (14), 03-27 (19),
  // Mon 03-30 (20).
  Item item = create(t("2026-03-02T09:00:00+08:00"));
  ASSERT_EQ(item.find_deadline("publication")->last_day, (Date{2026, 3, 30}));
  EXPECT_EQ(control(item.id, "publication", DeadlineControl::resume, t("2026-03-03T09:00:00+08:00"))
                .status()
                .code(),
            Errc::deadline_not_open);
  auto paused =
      control(item.id, "publication", DeadlineControl::pause, t("2026-03-04T09:00:00+08:00"));
  ASSERT_TRUE(paused.ok()) << paused.status().to_string();
  EXPECT_EQ(paused->find_deadline("publication")->state, DeadlineState::paused);
  // Paused Wed 03-04 to Mon 03-09: Thu, Fri, Mon = 3 working days do not count.
  auto resumed =
      control(item.id, "publication", DeadlineControl::resume, t("2026-03-09T15:00:00+08:00"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().to_string();
  const ItemDeadline* d = resumed->find_deadline("publication");
  EXPECT_EQ(d->state, DeadlineState::pending);
  EXPECT_EQ(d->paused_days, 3);
  EXPECT_EQ(d->last_day, (Date{2026, 4, 2}));  // 03-30 + 3 working days
  EXPECT_EQ(d->origin, DeadlineOrigin::paused);

  EXPECT_EQ(control(item.id, "publication", DeadlineControl::extend, t("2026-03-10T09:00:00+08:00"),
                    5, /*role=*/"")
                .status()
                .code(),
            Errc::extension_not_allowed);
  EXPECT_EQ(
      control(item.id, "publication", DeadlineControl::extend, t("2026-03-10T09:00:00+08:00"), 11)
          .status()
          .code(),
      Errc::extension_not_allowed)
      << "the standard caps extensions at 10 working days";
  auto extended =
      control(item.id, "publication", DeadlineControl::extend, t("2026-03-10T09:00:00+08:00"), 6);
  ASSERT_TRUE(extended.ok()) << extended.status().to_string();
  d = extended->find_deadline("publication");
  EXPECT_EQ(d->extended, 6);
  EXPECT_EQ(d->origin, DeadlineOrigin::extended);
  // 04-02 + 6 working days: Fri 04-03, (清明 04-04..06), 04-07, 08, 09, 10, Mon 04-13.
  EXPECT_EQ(d->last_day, (Date{2026, 4, 13}));
  EXPECT_EQ(
      control(item.id, "publication", DeadlineControl::extend, t("2026-03-10T10:00:00+08:00"), 5)
          .status()
          .code(),
      Errc::extension_not_allowed)
      << "6 + 5 exceeds the cap of 10";
  // An amount so large that 6 + amount overflows int64 is refused, not wrapped into a small sum.
  EXPECT_EQ(control(item.id, "publication", DeadlineControl::extend, t("2026-03-10T10:00:00+08:00"),
                    std::numeric_limits<std::int64_t>::max())
                .status()
                .code(),
            Errc::extension_not_allowed);
  EXPECT_EQ(control(item.id, "nonsense", DeadlineControl::pause, t("2026-03-10T10:00:00+08:00"))
                .status()
                .code(),
            Errc::deadline_not_found);
  DeadlineControlRequest no_reason;
  no_reason.item_id = item.id;
  no_reason.deadline_id = "publication";
  no_reason.actor = "officer";
  no_reason.at = t("2026-03-10T10:00:00+08:00");
  EXPECT_EQ(engine_->control_deadline(no_reason).status().code(), Errc::reason_required);
  auto explained = engine_->explain(item.id);
  ASSERT_TRUE(explained.ok());
  EXPECT_EQ(explained->front().controls.size(), 3u) << "pause, resume, extend";
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

TEST_F(DeadlinesTest, EscalationStepsFireInOrderExactlyOnce) {
  Item item = create(t("2026-03-02T09:00:00+08:00"));  // due 24:00 Mon 03-30
  auto tick = [&](const char* when) {
    auto report = engine_->run_due(t(when));
    EXPECT_TRUE(report.ok()) << report.status().to_string();
    return report.ok() ? report->steps_fired : -1;
  };
  EXPECT_EQ(tick("2026-03-29T23:59:00+08:00"), 0);
  EXPECT_EQ(tick("2026-03-30T00:00:00+08:00"), 1);  // reminder: the start of the last day
  EXPECT_EQ(tick("2026-03-30T12:00:00+08:00"), 0);
  EXPECT_EQ(tick("2026-03-31T00:00:00+08:00"), 1);  // due: breached
  EXPECT_EQ(tick("2026-03-31T00:00:01+08:00"), 0);
  EXPECT_EQ(tick("2026-04-01T00:00:00+08:00"), 1);  // overdue: end of Tue 03-31
  // very overdue: 5 working days after 03-30 — 31, 04-01, 02, 03, (清明), 07 — end of 04-07.
  EXPECT_EQ(tick("2026-04-07T23:59:59+08:00"), 0);
  EXPECT_EQ(tick("2026-04-08T00:00:00+08:00"), 1);
  EXPECT_EQ(tick("2026-05-01T00:00:00+08:00"), 0);
  const auto soon = events_of_type(item.id, "deadline_due_soon");
  const auto breached = events_of_type(item.id, "deadline_breached");
  const auto escalated = events_of_type(item.id, "deadline_escalated");
  ASSERT_EQ(soon.size(), 1u);
  ASSERT_EQ(breached.size(), 1u);
  ASSERT_EQ(escalated.size(), 2u);
  EXPECT_EQ(json::parse(escalated[0].payload)["step"], "overdue");
  EXPECT_EQ(json::parse(escalated[0].payload)["notify"], "supervisor");
  EXPECT_EQ(json::parse(escalated[0].payload)["notify_body"], "县人民政府办公室");
  EXPECT_EQ(json::parse(escalated[1].payload)["step"], "very_overdue");
  EXPECT_EQ(json::parse(breached[0].payload)["notify_body"], "县民政局");
  Item now = *engine_->get_item(item.id);
  EXPECT_EQ(now.find_deadline("publication")->state, DeadlineState::breached);
  auto overdue = engine_->overdue(t("2026-05-01T00:00:00+08:00"));
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ(overdue->front().deadline.id, "publication");
  // Published late: met_late, and nothing more fires.
  fire(item.id, EventType::submit, t("2026-05-06T09:00:00+08:00"));
  fire(item.id, EventType::approve, t("2026-05-06T10:00:00+08:00"));
  now = fire(item.id, EventType::publish, t("2026-05-06T11:00:00+08:00"));
  EXPECT_EQ(now.find_deadline("publication")->state, DeadlineState::met_late);
  EXPECT_TRUE(engine_->overdue(t("2026-05-06T11:00:00+08:00"))->empty() ||
              engine_->overdue(t("2026-05-06T11:00:00+08:00"))->front().deadline.id !=
                  "publication");
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

TEST_F(DeadlinesTest, ADeadlinePassedWhileDownFiresOnceRecordingBothInstants) {
  Item item = create(t("2026-03-02T09:00:00+08:00"));
  auto report = engine_->run_due(t("2026-04-02T09:30:00+08:00"));  // long after the due instant
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->steps_fired, 2) << "breached and overdue; the stale reminder is not given";
  const auto breached = events_of_type(item.id, "deadline_breached");
  ASSERT_EQ(breached.size(), 1u);
  const json payload = json::parse(breached[0].payload);
  EXPECT_EQ(payload["scheduled_at"], format_utc(t("2026-03-31T00:00:00+08:00")));
  EXPECT_EQ(breached[0].at, t("2026-04-02T09:30:00+08:00"));
  EXPECT_TRUE(events_of_type(item.id, "deadline_due_soon").empty());
  EXPECT_EQ(engine_->run_due(t("2026-04-02T09:30:00+08:00"))->steps_fired, 0);
}

TEST_F(DeadlinesTest, TwoTickersAtOnceFireEachStepOnce) {
  for (int i = 0; i < 6; ++i) create(t("2026-03-02T09:00:00+08:00") + std::chrono::minutes(i));
  engine_.reset();
  auto a = Engine::open(db_);
  auto b = Engine::open(db_);
  ASSERT_TRUE(a.ok() && b.ok());
  std::int64_t fired_a = 0, fired_b = 0;
  std::thread ta([&] { fired_a = (*a)->run_due(t("2026-04-02T09:30:00+08:00"))->steps_fired; });
  std::thread tb([&] { fired_b = (*b)->run_due(t("2026-04-02T09:30:00+08:00"))->steps_fired; });
  ta.join();
  tb.join();
  EXPECT_EQ(fired_a + fired_b, 12) << "6 items × (breached, overdue)";
  for (int i = 1; i <= 6; ++i) {
    const std::string id = "gk-00000" + std::to_string(i);
    int breached = 0, escalated = 0;
    const auto history = (*a)->history(id);
    for (const Event& e : *history) {
      breached += e.type == "deadline_breached";
      escalated += e.type == "deadline_escalated";
    }
    EXPECT_EQ(breached, 1) << id;
    EXPECT_EQ(escalated, 1) << id;
  }
  EXPECT_TRUE((*a)->verify().ok());
}

TEST_F(DeadlinesTest, ScheduledPublicationIsFiredByTheTimer) {
  Item item = create(t("2026-03-02T09:00:00+08:00"), "test.without_interpretation");
  fire(item.id, EventType::submit, t("2026-03-02T10:00:00+08:00"));
  fire(item.id, EventType::approve, t("2026-03-02T11:00:00+08:00"),
       [](FireRequest& r) { r.publish_at = *parse_instant("2026-03-04T09:00:00+08:00"); });
  EXPECT_EQ(engine_->run_due(t("2026-03-04T08:59:59+08:00"))->published, 0);
  auto next = engine_->next_timer();
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ(**next, t("2026-03-04T09:00:00+08:00"));
  EXPECT_EQ(engine_->run_due(t("2026-03-04T09:00:00+08:00"))->published, 1);
  Item published = *engine_->get_item(item.id);
  EXPECT_EQ(published.stage, Stage::response);
  EXPECT_EQ(published.published_at, t("2026-03-04T09:00:00+08:00"));
  const auto history = *engine_->history(item.id);
  EXPECT_EQ(history.back().actor, "gongkai.timer");
  EXPECT_EQ(engine_->run_due(t("2026-03-05T09:00:00+08:00"))->published, 0);
}

// A copy of the test definitions whose national calendar stops at `last_version`.
std::string definitions_with_calendar_up_to(const fs::path& root, int last_version) {
  fs::copy(kDefinitions, root, fs::copy_options::recursive);
  const fs::path cn = root / "calendars" / "cn.json";
  json calendar = json::parse(testing::read_file(cn));
  json kept = json::array();
  for (const auto& v : calendar["versions"]) {
    if (v["version"].get<int>() <= last_version) kept.push_back(v);
  }
  calendar["versions"] = kept;
  testing::write_file(cn, calendar.dump(2));
  return root.string();
}

TEST_F(DeadlinesTest, TheLabourDayAmendmentRecomputesARunningDeadline) {
  // The database starts with the notices up to the original 2019 one (cn v3).
  testing::TempDir defs;
  open(definitions_with_calendar_up_to(defs.path(), 3), "amended.db");
  // Formed Wed 2019-04-03, 20 working days. Original: Apr 4 (1), 8-12, 15-19, 22-26 (16), 29, 30,
  // May 2, 3 (20) -> Fri 05-03. Amended: ..., Sun 04-28 (17), 29, 30, Sun 05-05 (20) -> 05-05.
  Item item = create(t("2019-04-03T10:00:00+08:00"));
  const ItemDeadline before = *item.find_deadline("publication");
  EXPECT_EQ(before.calendar, "1:cn@3");
  EXPECT_EQ(before.last_day, (Date{2019, 5, 3}));
  // Then 国办发明电〔2019〕3号 is loaded: Labour Day becomes May 1-4, with Sun Apr 28 and Sun May 5
  // worked. The deadline is recomputed and the change recorded.
  auto loaded = engine_->load_calendars(kDefinitions + "/calendars");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_TRUE(loaded->changed);
  EXPECT_EQ(loaded->recomputed, 1);
  Item after = *engine_->get_item(item.id);
  const ItemDeadline* d = after.find_deadline("publication");
  EXPECT_EQ(d->origin, DeadlineOrigin::recomputed);
  EXPECT_EQ(d->last_day, (Date{2019, 5, 5}));
  EXPECT_EQ(d->calendar, "2:cn@12");
  auto full = load_calendar_directory(kDefinitions + "/calendars");
  ASSERT_TRUE(full.ok());
  auto expected = full->latest("cn")->add_working_days(before.trigger_at, 20);
  EXPECT_EQ(d->due, expected->due);
  auto original = full->version("cn", 3)->add_working_days(before.trigger_at, 20);
  EXPECT_EQ(before.due, original->due);
  const auto recomputed = events_of_type(item.id, "deadline_recomputed");
  ASSERT_EQ(recomputed.size(), 1u);
  const json payload = json::parse(recomputed[0].payload);
  EXPECT_EQ(payload["old_due"], format_utc(before.due));
  EXPECT_EQ(payload["new_due"], format_utc(d->due));
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

// A wrong calendar set can be undone: loading the right files again puts their content back in
// force as a new version (the history stays append-only) and moves the deadline back.
TEST_F(DeadlinesTest, ReloadingAnEarlierCalendarSetPutsItBackInForce) {
  testing::TempDir defs;
  const std::string original = definitions_with_calendar_up_to(defs.path(), 3);
  open(original, "reloaded.db");
  Item item = create(t("2019-04-03T10:00:00+08:00"));
  EXPECT_EQ(item.find_deadline("publication")->last_day, (Date{2019, 5, 3}));
  auto wrong = engine_->load_calendars(kDefinitions + "/calendars");
  ASSERT_TRUE(wrong.ok()) << wrong.status().to_string();
  EXPECT_EQ(wrong->version, 2);
  EXPECT_EQ(engine_->get_item(item.id)->find_deadline("publication")->last_day, (Date{2019, 5, 5}));

  auto back = engine_->load_calendars(original + "/calendars");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(back->changed);
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->recomputed, 1);
  const ItemDeadline d = stored_publication(item.id);
  EXPECT_EQ(d.last_day, (Date{2019, 5, 3}));
  EXPECT_EQ(d.calendar, "3:cn@3");
  EXPECT_EQ(events_of_type(item.id, "deadline_recomputed").size(), 2u);
  // The set in force loaded again changes nothing.
  auto same = engine_->load_calendars(original + "/calendars");
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->version, 3);
  EXPECT_EQ(same->recomputed, 0);
  EXPECT_EQ(events_of_type(item.id, "deadline_recomputed").size(), 2u);
  // Another engine on the same file (another process) sees version 3 in force.
  engine_.reset();
  auto reopened = Engine::open(db_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  auto run = (*reopened)->run_due(std::nullopt);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->recomputed, 0) << "the versions in force were recorded by the load";
  EXPECT_EQ((*reopened)->get_item(item.id)->find_deadline("publication")->last_day,
            (Date{2019, 5, 3}));
  EXPECT_TRUE((*reopened)->verify().ok()) << (*reopened)->verify().status().to_string();
}

// A running server (engine A) beside the CLI (engine B, another process on the same file): what B
// loads, A picks up at its next tick — it neither recomputes the deadlines back onto the calendar
// set it read at start nor keeps creating items on the catalogue it read then.
TEST_F(DeadlinesTest, AnEngineBesideAnotherPicksUpTheVersionsItLoads) {
  testing::TempDir defs;
  const std::string original = definitions_with_calendar_up_to(defs.path(), 3);
  open(original, "two.db");
  Item item = create(t("2019-04-03T10:00:00+08:00"));
  auto other = Engine::open(db_);
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  auto loaded = (*other)->load_calendars(kDefinitions + "/calendars");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  ASSERT_EQ(loaded->recomputed, 1);
  testing::TempDir changed;
  fs::copy(original, changed.path(), fs::copy_options::recursive);
  const fs::path catalogue = changed.path() / "catalogue" / "standards.json";
  std::string text = testing::read_file(catalogue);
  const std::string body = "\"responsible_body\": \"县民政局\"";
  ASSERT_NE(text.find(body), std::string::npos);
  text.replace(text.find(body), body.size(), "\"responsible_body\": \"县财政局\"");
  testing::write_file(catalogue, text);
  auto catalogue_load = (*other)->load_definitions(changed.path().string());
  ASSERT_TRUE(catalogue_load.ok()) << catalogue_load.status().to_string();
  ASSERT_EQ(catalogue_load->version, 2);

  auto tick = engine_->run_due(std::nullopt);
  ASSERT_TRUE(tick.ok()) << tick.status().to_string();
  EXPECT_EQ(tick->recomputed, 0) << "the other engine recomputed already";
  const ItemDeadline d = stored_publication(item.id);
  EXPECT_EQ(d.last_day, (Date{2019, 5, 5}));
  EXPECT_EQ(d.calendar, "2:cn@12");
  EXPECT_EQ(events_of_type(item.id, "deadline_recomputed").size(), 1u);
  EXPECT_EQ(engine_->definitions_version(), 2);
  EXPECT_EQ(create(t("2019-04-04T10:00:00+08:00")).definition_version, 2);
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

TEST_F(DeadlinesTest, ANoticeComingIntoForceRecomputesOnTheNextTick) {
  // All notices are loaded; an item formed before the amendment was published (2019-03-22) uses
  // the original notice. 20 + 9 working days from Thu 03-21: original Fri 05-03, amended Sun 05-05.
  Item item = create(t("2019-03-21T10:00:00+08:00"));
  fire(item.id, EventType::submit, t("2019-03-21T11:00:00+08:00"));
  ASSERT_TRUE(engine_
                  ->control_deadline([&] {
                    DeadlineControlRequest r;
                    r.item_id = item.id;
                    r.deadline_id = "publication";
                    r.action = DeadlineControl::extend;
                    r.amount = 9;
                    r.actor = "head";
                    r.role = "reviewer";
                    r.reason = "征求第三方意见";
                    r.at = t("2019-03-21T12:00:00+08:00");
                    return r;
                  }())
                  .ok());
  Item before = *engine_->get_item(item.id);
  EXPECT_EQ(before.find_deadline("publication")->calendar, "1:cn@3");
  EXPECT_EQ(before.find_deadline("publication")->last_day, (Date{2019, 5, 3}));
  ASSERT_TRUE(engine_->run_due(t("2019-03-21T13:00:00+08:00")).ok());  // records what is in force
  auto report = engine_->run_due(t("2019-03-25T00:00:00+08:00"));      // after 2019-03-22
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  Item after = *engine_->get_item(item.id);
  const ItemDeadline* d = after.find_deadline("publication");
  EXPECT_EQ(d->calendar, "1:cn@4");
  EXPECT_EQ(d->last_day, (Date{2019, 5, 5}));
  EXPECT_EQ(report->recomputed, 1);
  EXPECT_EQ(d->origin, DeadlineOrigin::recomputed);
  EXPECT_EQ(events_of_type(item.id, "deadline_recomputed").size(), 1u);
  EXPECT_TRUE(engine_->verify().ok()) << engine_->verify().status().to_string();
}

}  // namespace
}  // namespace gongkai
