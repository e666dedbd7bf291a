// Black-box tests of notice periods (公示期) through the built `gongkai` binary on the shipped
// definitions: `item show` and `item explain` (text and JSON), closing refused before the minimum,
// `tick` recording it served, a withdrawal cutting one short, and `audit verify`.
//
// urban_planning.approved_plan: at least 30 working days on notice (建规〔2013〕166号), published
// Mon 2026-09-07 09:00: the 中秋节 (09-25..27) and 国庆节 (10-01..07) holidays are skipped, the
// make-up days 09-20 and 10-10 count; day 30 is Fri 2026-10-23 (the shipped calendar's 2026
// notice).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using nlohmann::json;
using testing::CliProcess;
using testing::CliResult;
using testing::Failed;
using ::testing::HasSubstr;
using testing::Succeeded;

class NoticeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("notice.db");
    ASSERT_TRUE(Succeeded(run({"init", "--simulation"})));
  }

  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    CliProcess p(args, dir_.path());
    return p.wait();
  }

  // Created, submitted, approved and published at `published` (China time).
  std::string published(const std::string& standard, const std::string& published) {
    auto created =
        run({"item", "create", "--standard", standard, "--unit", "beijing.dongcheng", "--title",
             "规划公示", "--actor", "张三", "--now", published + "+08:00", "--json"});
    EXPECT_TRUE(Succeeded(created)) << created;
    const std::string id = created.json_out().value("id", "");
    EXPECT_TRUE(Succeeded(
        run({"item", "fire", id, "submit", "--actor", "张三", "--now", published + "+08:00"})));
    EXPECT_TRUE(Succeeded(
        run({"item", "fire", id, "approve", "--actor", "李四", "--now", published + "+08:00"})));
    EXPECT_TRUE(Succeeded(
        run({"item", "fire", id, "publish", "--actor", "李四", "--now", published + "+08:00"})));
    return id;
  }

  testing::TempDir dir_;
  std::string db_;
};

TEST_F(NoticeCliTest, ExplainShowsTheNoticePeriodAndCloseWaitsForIt) {
  const std::string id = published("urban_planning.approved_plan", "2026-09-07T09:00:00");

  auto shown = run({"item", "show", id, "--json"});
  ASSERT_TRUE(Succeeded(shown)) << shown;
  const json notice = shown.json_out().at("notice_periods").at(0);
  EXPECT_EQ(notice.at("id"), "notice_period");
  EXPECT_EQ(notice.at("state"), "running");
  EXPECT_EQ(notice.at("amount"), 30);
  EXPECT_EQ(notice.at("unit"), "working_days");
  EXPECT_EQ(notice.at("starts_at"), "2026-09-07T09:00:00.000+08:00");
  EXPECT_EQ(notice.at("ends_at"), "2026-10-24T00:00:00.000+08:00");
  EXPECT_EQ(notice.at("last_day"), "2026-10-23");
  EXPECT_EQ(notice.at("calendar"), "1:cn@12");

  auto text = run({"item", "explain", id});
  ASSERT_TRUE(Succeeded(text)) << text;
  EXPECT_THAT(text.out, HasSubstr("notice_period  [running, original]  ends 2026-10-23 "
                                  "(2026-10-24T00:00:00.000+08:00)"));
  EXPECT_THAT(text.out, HasSubstr("rule: notice_period: at least 30 working_days from published"));
  EXPECT_THAT(text.out, HasSubstr("批后公布时间不少于30日"));
  EXPECT_THAT(text.out, HasSubstr("2026-09-25 Fri: skipped (holiday:中秋节)"));
  EXPECT_THAT(text.out, HasSubstr("2026-10-10 Sat: working day 20 of 30 (makeup_workday:国庆节)"));
  EXPECT_THAT(text.out, HasSubstr("2026-10-23 Fri: working day 30 of 30 (weekday)"));

  auto explained = run({"item", "explain", id, "--json"});
  ASSERT_TRUE(Succeeded(explained)) << explained;
  const json list = explained.json_out();
  json entry;
  for (const json& x : list) {
    if (x.contains("notice_period")) entry = x;
  }
  ASSERT_TRUE(entry.is_object()) << list.dump(1);
  EXPECT_EQ(entry.at("kind"), "notice_period");
  EXPECT_EQ(entry.at("ends"), "2026-10-23");
  EXPECT_EQ(entry.at("ends_at"), "2026-10-24T00:00:00.000+08:00");
  EXPECT_EQ(entry.at("computation").at("calendar_version"), 12);
  EXPECT_EQ(entry.at("computation").at("due_at"), "2026-10-24T00:00:00.000+08:00");
  ASSERT_EQ(entry.at("records").size(), 1u);
  EXPECT_EQ(entry.at("records")[0].at("type"), "publish");

  // The response window (30 calendar days, to 10-08) is over; the notice period is not.
  ASSERT_TRUE(Succeeded(run({"item", "fire", id, "interpret", "--actor", "王五", "--text",
                             "批后公布说明", "--now", "2026-09-07T10:00:00+08:00"})));
  EXPECT_TRUE(Failed(
      run({"item", "fire", id, "close", "--actor", "李四", "--now", "2026-10-23T23:59:59+08:00"}),
      3, "notice_period_running"));

  auto tick = run({"tick", "--now", "2026-10-24T08:00:00+08:00", "--json"});
  ASSERT_TRUE(Succeeded(tick)) << tick;
  EXPECT_EQ(tick.json_out().at("notices_served"), 1);
  auto again = run({"tick", "--now", "2026-10-24T08:30:00+08:00", "--json"});
  EXPECT_EQ(again.json_out().at("notices_served"), 0);
  auto history = run({"item", "history", id, "--json"});
  const json last = history.json_out().back();
  EXPECT_EQ(last.at("type"), "notice_period_served");
  EXPECT_EQ(last.at("actor"), "gongkai.timer");
  EXPECT_EQ(last.at("payload").at("scheduled_at"), "2026-10-23T16:00:00.000Z");

  auto closed =
      run({"item", "fire", id, "close", "--actor", "李四", "--now", "2026-10-24T09:00:00+08:00"});
  ASSERT_TRUE(Succeeded(closed)) << closed;
  EXPECT_THAT(closed.out, HasSubstr("notice notice_period  served"));
  EXPECT_TRUE(Succeeded(run({"audit", "verify"})));
}

TEST_F(NoticeCliTest, AWithdrawalDuringTheNoticeIsShownAsCuttingItShort) {
  const std::string id = published("urban_planning.draft_plan_notice", "2026-11-02T09:00:00");
  auto withdrawn = run({"item", "fire", id, "withdraw", "--actor", "李四", "--reason",
                        "规划条件调整", "--now", "2026-11-10T15:00:00+08:00"});
  ASSERT_TRUE(Succeeded(withdrawn)) << withdrawn;
  EXPECT_THAT(withdrawn.out, HasSubstr("CUT SHORT by withdraw at 2026-11-10T15:00:00.000+08:00"));
  auto shown = run({"item", "show", id, "--json"});
  const json notice = shown.json_out().at("notice_periods").at(0);
  EXPECT_EQ(notice.at("state"), "cut_short");
  EXPECT_EQ(notice.at("cut_short_by"), "withdraw");
  EXPECT_EQ(notice.at("cut_short_reason"), "规划条件调整");
  auto text = run({"item", "explain", id});
  EXPECT_THAT(text.out, HasSubstr("CUT SHORT by withdraw"));
  EXPECT_TRUE(Succeeded(run({"audit", "verify"})));
}

}  // namespace
}  // namespace gongkai
