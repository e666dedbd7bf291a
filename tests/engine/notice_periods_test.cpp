// Notice periods (公示期) through the engine: a minimum duration counted like a deadline from the
// publication (calendar days with the rest-day rule, working days across a holiday, hours), served
// by a durable timer, closing refused before it is served, a withdrawal or correction cutting it
// short, calendar changes recomputing it, its end delivered to the item's channels (公示期满, by
// the timer's record or a close that serves it) but not an end cut short, and replay and audit
// verify reproducing all of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

Instant t(const char* text) {
  auto parsed = parse_instant(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

// A standard of the urban_planning domain (unit beta.three) with a notice period and a response
// window of one hour, so that only the notice period can hold closing back.
json standard(const std::string& id, std::int64_t amount, const std::string& unit,
              const std::vector<std::string>& channels = {"website"}) {
  return json{{"id", id},
              {"name", {{"level1", "城乡规划"}, {"level2", "公示 " + id}}},
              {"kind", "decision"},
              {"domain", "urban_planning"},
              {"legal_basis", {"《中华人民共和国城乡规划法》第二十六条"}},
              {"content", {"规划草案"}},
              {"responsible_body", "县自然资源局"},
              {"supervisor", "县人民政府办公室"},
              {"time_limit", "公告时间不得少于" + std::to_string(amount) + "日"},
              {"deadlines",
               {{{"kind", "publication"},
                 {"trigger", "formed"},
                 {"limit", {{"amount", 20}, {"unit", "working_days"}}}},
                {{"kind", "concern_response"},
                 {"trigger", "raised"},
                 {"limit", {{"amount", 48}, {"unit", "hours"}}},
                 {"major_limit", {{"amount", 5}, {"unit", "hours"}}}}}},
              {"channels", channels},
              {"audience", "全社会"},
              {"mode", "主动"},
              {"levels", {"县级"}},
              {"interpretation_required", false},
              {"response_window", {{"amount", 1}, {"unit", "hours"}}},
              {"notice_period", {{"amount", amount}, {"unit", unit}}}};
}

// The engine test definitions plus the notice standards; the calendar cut at `last_version`
// (0: all of it).
std::string notice_definitions(const fs::path& root, int last_version = 0) {
  fs::copy(kDefinitions, root, fs::copy_options::recursive);
  const fs::path catalogue = root / "catalogue" / "standards.json";
  json set = json::parse(testing::read_file(catalogue));
  set["standards"].push_back(standard("test.notice_days", 30, "calendar_days"));
  set["standards"].push_back(standard("test.notice_working", 10, "working_days"));
  set["standards"].push_back(standard("test.notice_hours", 72, "hours"));
  set["standards"].push_back(standard("test.notice_three_channels", 72, "hours",
                                      {"website", "new_media", "bulletin_board"}));
  testing::write_file(catalogue, set.dump(2));
  if (last_version > 0) {
    const fs::path cn = root / "calendars" / "cn.json";
    json calendar = json::parse(testing::read_file(cn));
    json kept = json::array();
    for (const auto& v : calendar["versions"]) {
      if (v["version"].get<int>() <= last_version) kept.push_back(v);
    }
    calendar["versions"] = kept;
    testing::write_file(cn, calendar.dump(2));
  }
  return root.string();
}

class NoticePeriodsTest : public ::testing::Test {
 protected:
  void SetUp() override { open(0); }

  void open(int last_version) {
    engine_.reset();
    defs_ = std::make_unique<testing::TempDir>();
    auto engine = Engine::init(dir_.file("notice" + std::to_string(last_version) + ".db"),
                               notice_definitions(defs_->path() / "defs", last_version),
                               /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
  }

  Result<Item> fire(const std::string& id, EventType event, Instant at,
                    const std::string& reason = "理由") {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = event == EventType::submit || event == EventType::correct ? "drafter" : "reviewer";
    r.text = "修改后的规划草案";
    r.reason = reason;
    r.at = at;
    return engine_->fire(r);
  }

  // Created, submitted and approved an hour before `published`, then published at `published`.
  Item published(const std::string& standard, Instant published) {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = "beta.three";
    r.title = "规划草案公示";
    r.content = "规划草案全文。";
    r.actor = "drafter";
    r.at = published - std::chrono::hours(1);
    auto item = engine_->create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    if (!item.ok()) return {};
    EXPECT_TRUE(fire(item->id, EventType::submit, *r.at).ok());
    EXPECT_TRUE(fire(item->id, EventType::approve, *r.at).ok());
    auto after = fire(item->id, EventType::publish, published);
    EXPECT_TRUE(after.ok()) << after.status().to_string();
    return after.ok() ? *after : Item{};
  }

  std::vector<Event> events_of_type(const std::string& id, const std::string& type) {
    std::vector<Event> out;
    const auto history = engine_->history(id);
    EXPECT_TRUE(history.ok()) << history.status().to_string();
    if (!history.ok()) return out;
    for (const Event& e : *history) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  // The item's outbox rows of `kind`, in the order of their channels' ids.
  std::vector<Delivery> deliveries_of_kind(const std::string& id, const std::string& kind) {
    DeliveryQuery q;
    q.item_id = id;
    auto rows = engine_->deliveries(q);
    EXPECT_TRUE(rows.ok()) << rows.status().to_string();
    std::vector<Delivery> out;
    if (!rows.ok()) return out;
    for (const Delivery& d : *rows) {
      if (d.kind == kind) out.push_back(d);
    }
    std::sort(out.begin(), out.end(),
              [](const Delivery& a, const Delivery& b) { return a.channel < b.channel; });
    return out;
  }

  void expect_verified() {
    auto report = engine_->verify();
    EXPECT_TRUE(report.ok()) << report.status().to_string();
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::TempDir> defs_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(NoticePeriodsTest, CalendarDaysEndingOnTheSpringFestivalRunToTheNextWorkingDay) {
  // Published Fri 2026-01-16: day 30 is Sun 02-15, in the Spring Festival (02-15..02-23), so the
  // minimum is reached at the end of Tue 02-24 (民法典 art. 203), as for a deadline.
  Item item = published("test.notice_days", t("2026-01-16T10:00:00+08:00"));
  ASSERT_EQ(item.notices.size(), 1u);
  const ItemNotice& n = item.notices.front();
  EXPECT_EQ(n.id, "notice_period");
  EXPECT_EQ(n.state, NoticeState::running);
  EXPECT_EQ(n.starts_at, t("2026-01-16T10:00:00+08:00"));
  EXPECT_EQ(n.amount, 30);
  EXPECT_EQ(n.unit, "calendar_days");
  EXPECT_EQ(n.last_day, (Date{2026, 2, 24}));
  EXPECT_EQ(n.ends_at, t("2026-02-25T00:00:00+08:00"));
  EXPECT_EQ(n.calendar, "1:cn@12");
  EXPECT_EQ(n.revision, 1);
  EXPECT_FALSE(n.provisional);
  EXPECT_EQ(item.stage, Stage::response);

  // The response window (1 h) is over; the notice period is not.
  auto early = fire(item.id, EventType::close, t("2026-02-24T23:59:59+08:00"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), Errc::notice_period_running);
  EXPECT_NE(early.status().message().find("2026-02-25T00:00:00.000+08:00"), std::string::npos)
      << early.status().message();
  EXPECT_EQ(engine_->get_item(item.id)->version, item.version) << "a refusal appends nothing";

  auto closed = fire(item.id, EventType::close, t("2026-02-25T00:00:00+08:00"));
  ASSERT_TRUE(closed.ok()) << closed.status().to_string();
  EXPECT_EQ(closed->stage, Stage::closed);
  EXPECT_EQ(closed->notices.front().state, NoticeState::served);
  EXPECT_EQ(closed->notices.front().served_at, t("2026-02-25T00:00:00+08:00"));
  // Served by the close: the timer has nothing left to record, so the close delivers the end.
  auto tick = engine_->run_due(t("2026-02-26T00:00:00+08:00"));
  ASSERT_TRUE(tick.ok());
  EXPECT_EQ(tick->notices_served, 0);
  const auto ends = deliveries_of_kind(item.id, "notice_served");
  ASSERT_EQ(ends.size(), 1u) << "one channel (website)";
  EXPECT_EQ(ends[0].item_version, closed->version);
  EXPECT_EQ(ends[0].created_at, t("2026-02-25T00:00:00+08:00"));
  const json doc = json::parse(ends[0].document);
  EXPECT_EQ(doc.at("kind"), "notice_served");
  EXPECT_EQ(doc.at("notice_period").at("state"), "served");
  EXPECT_EQ(doc.at("notice_period").at("last_day"), "2026-02-24");
  expect_verified();
}

TEST_F(NoticePeriodsTest, WorkingDaysSkipTheNationalDayHolidayAndCountTheMakeUpSaturday) {
  // Published Wed 2026-09-30: 10-01..10-07 holiday; Thu 10-08 (1), Fri 10-09 (2), Sat 10-10
  // make-up (3), Mon 10-12 .. Fri 10-16 (8), Mon 10-19 (9), Tue 10-20 (10).
  Item item = published("test.notice_working", t("2026-09-30T10:00:00+08:00"));
  ASSERT_EQ(item.notices.size(), 1u);
  EXPECT_EQ(item.notices.front().last_day, (Date{2026, 10, 20}));
  EXPECT_EQ(item.notices.front().ends_at, t("2026-10-21T00:00:00+08:00"));

  auto explained = engine_->explain_notices(item.id);
  ASSERT_TRUE(explained.ok()) << explained.status().to_string();
  ASSERT_EQ(explained->size(), 1u);
  const NoticeExplanation& x = explained->front();
  EXPECT_EQ(x.rule, "notice_period: at least 10 working_days from published");
  EXPECT_EQ(x.time_limit_text, "公告时间不得少于10日");
  EXPECT_EQ(x.legal_basis, "《中华人民共和国城乡规划法》第二十六条");
  EXPECT_EQ(x.computation.due, item.notices.front().ends_at);
  EXPECT_EQ(x.computation.calendar_version, 12);
  bool makeup = false, holiday = false;
  for (const auto& step : x.computation.steps) {
    makeup |= step.kind == StepKind::counted && step.date == Date{2026, 10, 10};
    holiday |= step.kind == StepKind::skipped && step.holiday == "国庆节";
  }
  EXPECT_TRUE(makeup) << "the make-up Saturday counts";
  EXPECT_TRUE(holiday) << "the National Day holiday is skipped";
  ASSERT_EQ(x.records.size(), 1u);
  EXPECT_EQ(x.records.front().type, "publish");

  // The durable timer records the minimum served, once, at its instant.
  auto before_end = engine_->run_due(t("2026-10-20T23:59:59+08:00"));
  ASSERT_TRUE(before_end.ok());
  EXPECT_EQ(before_end->notices_served, 0);
  EXPECT_EQ(before_end->next_timer, t("2026-10-21T00:00:00+08:00"));
  auto at_end = engine_->run_due(t("2026-10-21T08:00:00+08:00"));
  ASSERT_TRUE(at_end.ok()) << at_end.status().to_string();
  EXPECT_EQ(at_end->notices_served, 1);
  EXPECT_EQ(engine_->run_due(t("2026-10-21T09:00:00+08:00"))->notices_served, 0);
  const auto served = events_of_type(item.id, "notice_period_served");
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].actor, "gongkai.timer");
  EXPECT_EQ(served[0].at, t("2026-10-21T08:00:00+08:00"));
  const json payload = json::parse(served[0].payload);
  EXPECT_EQ(payload["notice"], "notice_period");
  EXPECT_EQ(payload["scheduled_at"], format_utc(t("2026-10-21T00:00:00+08:00")));
  EXPECT_EQ(payload["starts_at"], format_utc(t("2026-09-30T10:00:00+08:00")));
  Item after = *engine_->get_item(item.id);
  EXPECT_EQ(after.notices.front().state, NoticeState::served);
  EXPECT_EQ(after.notices.front().served_at, t("2026-10-21T00:00:00+08:00"));
  EXPECT_EQ(engine_->explain_notices(item.id)->front().records.size(), 2u);
  EXPECT_EQ(deliveries_of_kind(item.id, "notice_served").size(), 1u);
  EXPECT_TRUE(fire(item.id, EventType::close, t("2026-10-21T09:00:00+08:00")).ok());
  EXPECT_EQ(deliveries_of_kind(item.id, "notice_served").size(), 1u)
      << "a close after the timer recorded the end delivers nothing";
  expect_verified();
}

TEST_F(NoticePeriodsTest, HoursRunAroundTheClockThroughTheHoliday) {
  Item item = published("test.notice_hours", t("2026-09-30T22:00:00+08:00"));
  ASSERT_EQ(item.notices.size(), 1u);
  EXPECT_EQ(item.notices.front().ends_at, t("2026-10-03T22:00:00+08:00"));
  EXPECT_EQ(item.notices.front().last_day, (Date{2026, 10, 3}));
  auto early = fire(item.id, EventType::close, t("2026-10-03T21:59:59+08:00"));
  EXPECT_EQ(early.status().code(), Errc::notice_period_running);
  EXPECT_EQ(engine_->run_due(t("2026-10-03T22:00:00+08:00"))->notices_served, 1);
  EXPECT_TRUE(fire(item.id, EventType::close, t("2026-10-03T22:00:01+08:00")).ok());
  expect_verified();
}

TEST_F(NoticePeriodsTest, AWithdrawalDuringTheNoticeCutsItShort) {
  Item item = published("test.notice_days", t("2026-03-02T09:00:00+08:00"));
  auto no_reason = fire(item.id, EventType::withdraw, t("2026-03-10T09:00:00+08:00"), "");
  EXPECT_EQ(no_reason.status().code(), Errc::reason_required);
  auto withdrawn = fire(item.id, EventType::withdraw, t("2026-03-10T09:00:00+08:00"), "规划调整");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status().to_string();
  EXPECT_EQ(withdrawn->stage, Stage::withdrawn);
  const ItemNotice& n = withdrawn->notices.front();
  EXPECT_EQ(n.state, NoticeState::cut_short);
  EXPECT_EQ(n.cut_short_at, t("2026-03-10T09:00:00+08:00"));
  EXPECT_EQ(n.cut_short_by, "withdraw");
  EXPECT_EQ(n.cut_short_reason, "规划调整");
  EXPECT_FALSE(n.served_at.has_value());
  // No timer is left for it: nothing is recorded as served later.
  auto tick = engine_->run_due(t("2026-05-01T00:00:00+08:00"));
  ASSERT_TRUE(tick.ok());
  EXPECT_EQ(tick->notices_served, 0);
  EXPECT_TRUE(events_of_type(item.id, "notice_period_served").empty());
  // ... and so the public is told of no end (公示期满): the release and the withdrawal only.
  EXPECT_TRUE(deliveries_of_kind(item.id, "notice_served").empty());
  EXPECT_EQ(deliveries_of_kind(item.id, "release").size(), 1u);
  EXPECT_EQ(deliveries_of_kind(item.id, "withdrawal").size(), 1u);
  auto explained = engine_->explain_notices(item.id);
  ASSERT_TRUE(explained.ok());
  ASSERT_EQ(explained->front().records.size(), 2u);
  EXPECT_EQ(explained->front().records.back().type, "withdraw");
  expect_verified();
}

TEST_F(NoticePeriodsTest, AWithdrawalAfterTheMinimumIsNotCountedAsCuttingItShort) {
  // The timer has not run yet, but the minimum was reached before the withdrawal.
  Item item = published("test.notice_hours", t("2026-03-02T09:00:00+08:00"));
  auto withdrawn = fire(item.id, EventType::withdraw, t("2026-03-05T09:00:00+08:00"), "已结束");
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(withdrawn->notices.front().state, NoticeState::served);
  EXPECT_FALSE(withdrawn->notices.front().cut_short_at.has_value());
  expect_verified();
}

TEST_F(NoticePeriodsTest, ACorrectionCutsTheNoticeShortAndTheRepublicationStartsAFullOne) {
  Item item = published("test.notice_days", t("2026-03-02T09:00:00+08:00"));
  auto corrected = fire(item.id, EventType::correct, t("2026-03-05T09:00:00+08:00"), "数据有误");
  ASSERT_TRUE(corrected.ok()) << corrected.status().to_string();
  EXPECT_EQ(corrected->notices.front().state, NoticeState::cut_short);
  EXPECT_EQ(corrected->notices.front().cut_short_by, "correct");
  EXPECT_EQ(corrected->stage, Stage::review);
  ASSERT_TRUE(fire(item.id, EventType::approve, t("2026-03-05T11:00:00+08:00")).ok());
  auto republished = fire(item.id, EventType::publish, t("2026-03-06T09:00:00+08:00"));
  ASSERT_TRUE(republished.ok()) << republished.status().to_string();
  ASSERT_EQ(republished->notices.size(), 2u);
  const ItemNotice& second = republished->notices.back();
  EXPECT_EQ(second.id, "notice_period#2");
  EXPECT_EQ(second.revision, 2);
  EXPECT_EQ(second.state, NoticeState::running);
  // 30 days from Fri 03-06: Sun 04-05, in the Qingming holiday (04-04..04-06) -> Tue 04-07.
  EXPECT_EQ(second.last_day, (Date{2026, 4, 7}));
  EXPECT_EQ(fire(item.id, EventType::close, t("2026-04-07T12:00:00+08:00")).status().code(),
            Errc::notice_period_running);
  EXPECT_EQ(engine_->run_due(t("2026-04-08T00:00:00+08:00"))->notices_served, 1);
  Item after = *engine_->get_item(item.id);
  EXPECT_EQ(after.notices.front().state, NoticeState::cut_short) << "the first one stays counted";
  EXPECT_EQ(after.notices.back().state, NoticeState::served);
  // One end delivered: the republication's, not the one cut short.
  const auto ends = deliveries_of_kind(item.id, "notice_served");
  ASSERT_EQ(ends.size(), 1u);
  const json notice = json::parse(ends[0].document).at("notice_period");
  EXPECT_EQ(notice.at("revision"), 2);
  EXPECT_EQ(notice.at("state"), "served");
  EXPECT_EQ(notice.at("last_day"), "2026-04-07");
  expect_verified();
}

TEST_F(NoticePeriodsTest, ReplayAsOfAnInstantShowsTheNoticeAsItWasThen) {
  Item item = published("test.notice_working", t("2026-09-30T10:00:00+08:00"));
  ASSERT_EQ(engine_->run_due(t("2026-10-21T00:00:00+08:00"))->notices_served, 1);
  auto during = engine_->replay(item.id, t("2026-10-20T12:00:00+08:00"));
  ASSERT_TRUE(during.ok()) << during.status().to_string();
  ASSERT_EQ(during->item.notices.size(), 1u);
  EXPECT_EQ(during->item.notices.front().state, NoticeState::running);
  auto after = engine_->replay(item.id, t("2026-10-21T00:00:00+08:00"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->item.notices.front().state, NoticeState::served);
  EXPECT_EQ(after->item.notices.front().ends_at, item.notices.front().ends_at);
  expect_verified();
}

TEST_F(NoticePeriodsTest, AStandardWithoutANoticePeriodOpensNone) {
  CreateItemRequest r;
  r.standard_id = "test.without_interpretation";
  r.unit_id = "alpha.one";
  r.title = "部门决算";
  r.actor = "drafter";
  r.at = t("2026-03-02T09:00:00+08:00");
  auto item = engine_->create_item(r);
  ASSERT_TRUE(item.ok());
  ASSERT_TRUE(fire(item->id, EventType::submit, t("2026-03-02T09:00:00+08:00")).ok());
  ASSERT_TRUE(fire(item->id, EventType::approve, t("2026-03-02T09:00:00+08:00")).ok());
  auto published = fire(item->id, EventType::publish, t("2026-03-02T10:00:00+08:00"));
  ASSERT_TRUE(published.ok());
  EXPECT_TRUE(published->notices.empty());
  EXPECT_TRUE(engine_->explain_notices(item->id)->empty());
  EXPECT_EQ(engine_->explain_notices("gk-999999").status().code(), Errc::item_not_found);
}

TEST_F(NoticePeriodsTest, TheLabourDayAmendmentMovesARunningNoticePeriod) {
  // Calendars up to the original 2019 notice (cn v3): Labour Day is 05-01 alone.
  open(3);
  // Published Tue 2019-04-16, 10 working days. Original: 17-19 (3), 22-26 (8), 29 (9), 30 (10)
  // -> 04-30. Amended (cn v4): Sun 04-28 is worked (9), Mon 04-29 (10) -> 04-29.
  Item item = published("test.notice_working", t("2019-04-16T10:00:00+08:00"));
  const ItemNotice before = item.notices.front();
  EXPECT_EQ(before.last_day, (Date{2019, 4, 30}));
  EXPECT_EQ(before.calendar, "1:cn@3");
  auto loaded =
      engine_->load_calendars(kDefinitions + "/calendars", t("2019-04-20T09:00:00+08:00"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_GE(loaded->recomputed, 1);
  Item after = *engine_->get_item(item.id);
  const ItemNotice& n = after.notices.front();
  EXPECT_EQ(n.last_day, (Date{2019, 4, 29}));
  EXPECT_EQ(n.ends_at, t("2019-04-30T00:00:00+08:00"));
  EXPECT_EQ(n.origin, DeadlineOrigin::recomputed);
  EXPECT_EQ(n.calendar, "2:cn@4") << "the amendment in force at the load";
  const auto recomputed = events_of_type(item.id, "notice_period_recomputed");
  ASSERT_EQ(recomputed.size(), 1u);
  const json payload = json::parse(recomputed[0].payload);
  EXPECT_EQ(payload["old_ends_at"], format_utc(before.ends_at));
  EXPECT_EQ(payload["new_ends_at"], format_utc(n.ends_at));
  EXPECT_EQ(payload["old_calendar"], "1:cn@3");
  EXPECT_EQ(payload["new_calendar"], "2:cn@4");
  // The moved end is what closing and the timer go by.
  EXPECT_TRUE(fire(item.id, EventType::close, t("2019-04-30T00:00:00+08:00")).ok());
  // Explained on the calendar recorded for it.
  auto explained = engine_->explain_notices(item.id);
  ASSERT_TRUE(explained.ok()) << explained.status().to_string();
  EXPECT_EQ(explained->front().computation.due, n.ends_at);
  EXPECT_EQ(explained->front().computation.calendar_version, 4);
  expect_verified();
}

// The end of a notice period is public (公示期满): recording it puts one delivery per channel of
// the standard in the outbox, in the same commit as the event (its version), carrying the public
// document as of the event — the notice period served. Channels the deployment does not serve fail
// at once, as for every other kind.
TEST_F(NoticePeriodsTest, ServingTheNoticePeriodDeliversItsEndToEveryChannel) {
  Item item = published("test.notice_three_channels", t("2026-03-02T09:00:00+08:00"));
  ASSERT_EQ(item.notices.size(), 1u);
  EXPECT_EQ(deliveries_of_kind(item.id, "release").size(), 3u);
  // Before the end (72 hours): nothing served, nothing to deliver.
  ASSERT_EQ(engine_->run_due(t("2026-03-05T08:59:59+08:00"))->notices_served, 0);
  EXPECT_TRUE(deliveries_of_kind(item.id, "notice_served").empty());

  ASSERT_EQ(engine_->run_due(t("2026-03-05T09:00:00+08:00"))->notices_served, 1);
  const auto served = events_of_type(item.id, "notice_period_served");
  ASSERT_EQ(served.size(), 1u);
  const auto rows = deliveries_of_kind(item.id, "notice_served");
  ASSERT_EQ(rows.size(), 3u);
  const std::vector<std::string> channels = {"bulletin_board", "new_media", "website"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Delivery& d = rows[i];
    EXPECT_EQ(d.channel, channels[i]);
    EXPECT_EQ(d.item_version, served[0].item_seq) << "written with the event";
    EXPECT_EQ(d.id, item.id + "-v" + std::to_string(served[0].item_seq) + "-" + channels[i]);
    EXPECT_EQ(d.unit_id, "beta.three");
    EXPECT_EQ(d.state, "pending");
    EXPECT_EQ(d.attempts, 0);
    EXPECT_EQ(d.created_at, served[0].at);
    EXPECT_EQ(d.next_attempt_at, served[0].at);
    EXPECT_EQ(d.document, rows[0].document) << "one document for every channel";
  }
  const json doc = json::parse(rows[0].document);
  EXPECT_EQ(doc.at("kind"), "notice_served");
  EXPECT_EQ(doc.at("at"), "2026-03-05T09:00:00.000+08:00");
  EXPECT_EQ(doc.at("item_id"), item.id);
  EXPECT_EQ(doc.at("version"), served[0].item_seq);
  EXPECT_EQ(doc.at("content"), "规划草案全文。") << "the released text stays public";
  EXPECT_EQ(doc.at("withdrawn"), false);
  EXPECT_EQ(doc.at("notice_period"), json({{"revision", 1},
                                           {"amount", 72},
                                           {"unit", "hours"},
                                           {"starts_at", "2026-03-02T09:00:00.000+08:00"},
                                           {"ends_at", "2026-03-05T09:00:00.000+08:00"},
                                           {"last_day", "2026-03-05"},
                                           {"state", "served"},
                                           {"cut_short_at", nullptr},
                                           {"cut_short_by", nullptr}}));
  // Run again: served once, delivered once.
  EXPECT_EQ(engine_->run_due(t("2026-03-06T09:00:00+08:00"))->notices_served, 0);
  EXPECT_EQ(deliveries_of_kind(item.id, "notice_served").size(), 3u);

  // A deployment that serves none of these channels: each fails at once, naming it.
  struct NoChannels : ChannelRegistry {
    Channel* find(const std::string&, const std::string&) override { return nullptr; }
  } none;
  DeliveryPolicy policy;
  policy.batch = 100;
  auto report = engine_->run_deliveries(none, policy, t("2026-03-06T10:00:00+08:00"));
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->failed, 6) << "the release's three and the end's three";
  for (const Delivery& d : deliveries_of_kind(item.id, "notice_served")) {
    EXPECT_EQ(d.state, "failed") << d.id;
    EXPECT_EQ(d.last_error,
              "no adapter is configured for channel '" + d.channel + "' in unit 'beta.three'");
  }
  expect_verified();
}

}  // namespace
}  // namespace gongkai
