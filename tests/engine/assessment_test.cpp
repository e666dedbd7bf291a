// The assessment's figures against a small history computed by hand (tests/support/
// assessment_scenario.cpp builds it). The period is March 2026 in China time, [03-01, 04-01).
//
// The items (times +08:00; March 2026 has no holiday in the test calendar):
//   A gk-000001 alpha.one  social_assistance  formed 03-02; published 03-04 10:00 (publication due
//     03-31 00:00: 20 working days), interpreted 03-04 15:00 (due 03-05 00:00: same day);
//     concern 1 raised 03-05 10:00, answered 13:00 (3 h; due 03-07 10:00, on time);
//     concern 2 (major, 5 h) raised 03-06 10:00, answered 18:00 (8 h; due 15:00, late);
//     after March: concern 3 raised 04-03 10:00.
//   B gk-000002 alpha.one  social_assistance  formed 03-02; published 03-10 10:00 (on time);
//     interpretation due 03-11 00:00, interpreted 03-12 10:00 (late, but covered);
//     concern 1 raised 03-13 10:00 (due 03-15 10:00), breach recorded by the timer on 03-20,
//     answered only on 04-02.
//   C gk-000003 alpha.two  fiscal_budget  formed 03-02; publication due 03-24 00:00 (20 calendar
//     days end on Sunday 03-22 → Monday 03-23); approved, never published, withdrawn 03-25.
//   D gk-000004 alpha.two  social_assistance  formed 02-02, published and interpreted 02-03 (both
//     outside March); corrected 03-16, published again 03-17 10:00; its second interpretation
//     deadline (due 03-18 00:00) breached, recorded by the timer.
//   E gk-000005 beta.three urban_planning (no interpretation) formed 03-02; published 03-20
//     (publication due 03-31 00:00, on time); concern 1 raised 03-23 10:00, answered 03-24 10:00
//     (24 h, on time); concern 2 raised 03-25 09:00, answered 03-27 09:00 (48 h: exactly at the
//     due instant, so late).
//   F gk-000006 beta.three urban_planning formed and created 04-02 (after March).
#include "gongkai/assessment.h"

#include <gtest/gtest.h>

#include "gongkai/engine.h"
#include "support/assessment_scenario.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using gongkai::testing::at;

constexpr std::int64_t kHour = 3600000;

DeadlineKindFigures kind(std::int64_t settled, std::int64_t on_time, std::int64_t late,
                         std::int64_t late_open) {
  return DeadlineKindFigures{settled, on_time, late, late_open};
}

void expect_kind(const DeadlineKindFigures& actual, const DeadlineKindFigures& expected,
                 const std::string& what) {
  EXPECT_EQ(actual.settled, expected.settled) << what;
  EXPECT_EQ(actual.on_time, expected.on_time) << what;
  EXPECT_EQ(actual.late, expected.late) << what;
  EXPECT_EQ(actual.late_open, expected.late_open) << what;
}

class AssessmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = gongkai::testing::build_scenario(dir_.file("scenario.db"));
    ASSERT_TRUE(engine_);
  }

  Assessment march(const std::string& province = "", const std::string& unit = "") {
    AssessmentQuery q;
    q.from = at("2026-03-01T00:00:00+08:00");
    q.to = at("2026-04-01T00:00:00+08:00");
    q.province = province;
    q.unit = unit;
    auto result = assess(*engine_, q);
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    return result.ok() ? *result : Assessment{};
  }

  gongkai::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(AssessmentTest, OverallFiguresOfMarchMatchTheHandComputation) {
  const Assessment a = march();
  EXPECT_EQ(a.to, at("2026-04-01T00:00:00+08:00"));
  EXPECT_FALSE(a.to_defaulted);
  const AssessmentFigures& f = a.overall;
  // Formed in March: A, B, C, E (D in February, F in April).
  EXPECT_EQ(f.items_formed, 4);
  // Latest publication in March: A 03-04, B 03-10, D 03-17, E 03-20.
  EXPECT_EQ(f.items_published, 4);
  // Publication deadlines settled in March: A on time (03-04), B on time (03-10), E on time
  // (03-20); C late at its due instant 03-24 (withdrawn after it: not open). D's settled in
  // February.
  expect_kind(f.publication, kind(4, 3, 1, 0), "publication");
  // Published in March, not withdrawn, interpretation required: A, B, D. Interpreted after the
  // latest publication: A, B (D's interpretation of 02-03 predates its publication of 03-17).
  EXPECT_EQ(f.interpretation_required, 3);
  EXPECT_EQ(f.interpretation_covered, 2);
  // Interpretation deadlines settled in March: A on time; B late (met 03-12 after 03-11 00:00);
  // D's interpretation#2 late and still open (breached).
  expect_kind(f.interpretation, kind(3, 1, 2, 1), "interpretation");
  // Concerns raised in March: A1, A2, B1, E1, E2 = 5; answered in March: A1, A2, E1, E2 = 4;
  // open at the end of March: B1 (answered in April; A3 not raised yet).
  EXPECT_EQ(f.concerns_raised, 5);
  EXPECT_EQ(f.concerns_answered, 4);
  EXPECT_EQ(f.concerns_open, 1);
  // Response times sorted: 3 h, 8 h, 24 h, 48 h. Nearest rank: median = the ceil(0.5·4) = 2nd
  // = 8 h; p90 = the ceil(0.9·4) = 4th = 48 h.
  ASSERT_TRUE(f.response_median_ms && f.response_p90_ms);
  EXPECT_EQ(*f.response_median_ms, 8 * kHour);
  EXPECT_EQ(*f.response_p90_ms, 48 * kHour);
  // Buckets [0,1) [1,5) [5,24) [24,48) [48,∞): 3 h, 8 h, 24 h, 48 h one each.
  const std::int64_t buckets[] = {0, 1, 1, 1, 1};
  for (std::size_t i = 0; i < kResponseBuckets; ++i)
    EXPECT_EQ(f.response_buckets[i], buckets[i]) << i;
  // Concern deadlines settled in March: A1 on time, A2 late (met after 15:00), B1 late and open
  // (breach recorded), E1 on time, E2 late (met at the due instant).
  expect_kind(f.concern_response, kind(5, 2, 3, 1), "concern_response");
  ASSERT_EQ(f.deadlines_by_kind.size(), 3u);
  expect_kind(f.deadlines_by_kind.at("publication"), kind(4, 3, 1, 0), "by kind publication");
  expect_kind(f.deadlines_by_kind.at("interpretation"), kind(3, 1, 2, 1), "by kind interp.");
  expect_kind(f.deadlines_by_kind.at("concern_response"), kind(5, 2, 3, 1), "by kind concern");
  // Breached: 1 + 2 + 3.
  EXPECT_EQ(f.deadlines_breached, 6);
  EXPECT_EQ(f.withdrawals, 1);  // C on 03-25
  EXPECT_EQ(f.corrections, 1);  // D on 03-16
  // Score = (40·3/4 + 20·2/3 + 20·1/3 + 20·2/5) / 100 = (30 + 13.33 + 6.67 + 8) / 100 = 58.00.
  EXPECT_EQ(f.score_x100, 5800);
}

TEST_F(AssessmentTest, UnitsProvincesAndDomainsAreRankedByScore) {
  const Assessment a = march();
  ASSERT_EQ(a.units.size(), 3u);
  // In units.json order.
  EXPECT_EQ(a.units[0].id, "alpha.one");
  EXPECT_EQ(a.units[1].id, "alpha.two");
  EXPECT_EQ(a.units[2].id, "beta.three");
  EXPECT_EQ(a.units[0].name, "一县");
  EXPECT_EQ(a.units[0].province, "alpha");

  // alpha.one (A, B): publication 2 of 2; coverage 2 of 2; interpretation 1 of 2 on time;
  // concerns A1 on time, A2 late, B1 late and open; response times 3 h, 8 h: median the 1st
  // (ceil(0.5·2) = 1) = 3 h, p90 the 2nd = 8 h.
  const AssessmentFigures& one = a.units[0].figures;
  EXPECT_EQ(one.items_formed, 2);
  expect_kind(one.publication, kind(2, 2, 0, 0), "alpha.one publication");
  EXPECT_EQ(one.interpretation_required, 2);
  EXPECT_EQ(one.interpretation_covered, 2);
  expect_kind(one.interpretation, kind(2, 1, 1, 0), "alpha.one interpretation");
  expect_kind(one.concern_response, kind(3, 1, 2, 1), "alpha.one concerns");
  EXPECT_EQ(one.concerns_open, 1);
  EXPECT_EQ(one.response_median_ms, 3 * kHour);
  EXPECT_EQ(one.response_p90_ms, 8 * kHour);
  EXPECT_EQ(one.deadlines_breached, 3);
  // (40·1 + 20·1 + 20·1/2 + 20·1/3) / 100 = 76.667 → 76.67.
  EXPECT_EQ(one.score_x100, 7667);

  // alpha.two (C, D): C formed in March; publication C late; coverage D not covered; D's
  // interpretation#2 late and open; no concern deadline. (40·0 + 20·0 + 20·0) / 60 = 0.
  const AssessmentFigures& two = a.units[1].figures;
  EXPECT_EQ(two.items_formed, 1);
  EXPECT_EQ(two.items_published, 1);
  expect_kind(two.publication, kind(1, 0, 1, 0), "alpha.two publication");
  EXPECT_EQ(two.interpretation_required, 1);
  EXPECT_EQ(two.interpretation_covered, 0);
  expect_kind(two.interpretation, kind(1, 0, 1, 1), "alpha.two interpretation");
  expect_kind(two.concern_response, kind(0, 0, 0, 0), "alpha.two concerns");
  EXPECT_FALSE(two.response_median_ms);
  EXPECT_EQ(two.withdrawals, 1);
  EXPECT_EQ(two.corrections, 1);
  EXPECT_EQ(two.score_x100, 0);

  // beta.three (E): publication 1 of 1; no interpretation; concerns 1 of 2 on time; response
  // times 24 h, 48 h. (40·1 + 20·1/2) / 60 = 0.83333 → 83.33.
  const AssessmentFigures& three = a.units[2].figures;
  expect_kind(three.publication, kind(1, 1, 0, 0), "beta.three publication");
  EXPECT_EQ(three.interpretation_required, 0);
  expect_kind(three.concern_response, kind(2, 1, 1, 0), "beta.three concerns");
  EXPECT_EQ(three.response_median_ms, 24 * kHour);
  EXPECT_EQ(three.response_p90_ms, 48 * kHour);
  EXPECT_EQ(three.score_x100, 8333);

  // Ranking: beta.three 83.33, alpha.one 76.67, alpha.two 0.00.
  EXPECT_EQ(a.units[2].rank, 1);
  EXPECT_EQ(a.units[0].rank, 2);
  EXPECT_EQ(a.units[1].rank, 3);

  // Provinces. alpha = alpha.one + alpha.two: publication 2/3, coverage 2/3, interpretation 1/3,
  // concerns 1/3: (40·2/3 + 20·2/3 + 20·1/3 + 20·1/3) / 100 = 53.333 → 53.33.
  ASSERT_EQ(a.provinces.size(), 2u);
  EXPECT_EQ(a.provinces[0].id, "alpha");
  EXPECT_EQ(a.provinces[0].name, "甲省");
  EXPECT_EQ(a.provinces[0].figures.score_x100, 5333);
  EXPECT_EQ(a.provinces[0].figures.items_formed, 3);
  EXPECT_EQ(a.provinces[0].rank, 2);
  EXPECT_EQ(a.provinces[1].id, "beta");
  EXPECT_EQ(a.provinces[1].figures.score_x100, 8333);
  EXPECT_EQ(a.provinces[1].rank, 1);

  // Domains, in domains.json order: fiscal_budget (C: 0/1 publication → 0.00), social_assistance
  // (A, B, D: publication 2/2, coverage 2/3, interpretation 1/3, concerns 1/3 → (40 + 13.33 +
  // 6.67 + 6.67) / 100 = 66.67), urban_planning (E: 83.33).
  ASSERT_EQ(a.domains.size(), 3u);
  EXPECT_EQ(a.domains[0].id, "fiscal_budget");
  EXPECT_EQ(a.domains[0].name, "财政预决算");
  EXPECT_EQ(a.domains[0].figures.score_x100, 0);
  EXPECT_EQ(a.domains[0].figures.withdrawals, 1);
  EXPECT_EQ(a.domains[0].rank, 3);
  EXPECT_EQ(a.domains[1].id, "social_assistance");
  EXPECT_EQ(a.domains[1].figures.score_x100, 6667);
  EXPECT_EQ(a.domains[1].figures.items_formed, 2);
  EXPECT_EQ(a.domains[1].rank, 2);
  EXPECT_EQ(a.domains[2].id, "urban_planning");
  EXPECT_EQ(a.domains[2].figures.score_x100, 8333);
  EXPECT_EQ(a.domains[2].rank, 1);
}

TEST_F(AssessmentTest, AProvinceOrAUnitLimitsEveryList) {
  const Assessment beta = march("beta");
  EXPECT_EQ(beta.scope_name, "乙省");
  ASSERT_EQ(beta.units.size(), 1u);
  EXPECT_EQ(beta.units[0].id, "beta.three");
  ASSERT_EQ(beta.provinces.size(), 1u);
  ASSERT_EQ(beta.domains.size(), 1u);
  EXPECT_EQ(beta.domains[0].id, "urban_planning");
  // Overall = E alone.
  EXPECT_EQ(beta.overall.items_formed, 1);
  EXPECT_EQ(beta.overall.concerns_answered, 2);
  EXPECT_EQ(beta.overall.withdrawals, 0);
  EXPECT_EQ(beta.overall.score_x100, 8333);

  const Assessment two = march("", "alpha.two");
  EXPECT_EQ(two.scope_name, "二县");
  ASSERT_EQ(two.units.size(), 1u);
  ASSERT_EQ(two.provinces.size(), 1u);
  EXPECT_EQ(two.provinces[0].id, "alpha");
  // The domains of alpha's group, in domains.json order; only items of alpha.two counted.
  ASSERT_EQ(two.domains.size(), 2u);
  EXPECT_EQ(two.domains[0].id, "fiscal_budget");
  EXPECT_EQ(two.domains[1].id, "social_assistance");
  EXPECT_EQ(two.domains[1].figures.interpretation_required, 1);
  EXPECT_EQ(two.overall.corrections, 1);
  EXPECT_EQ(two.overall.publication.late, 1);
  EXPECT_EQ(two.overall.score_x100, 0);
}

TEST_F(AssessmentTest, EachItemIsTakenAsItStoodAtTheEndOfThePeriod) {
  // Ending the period at 03-20 12:00 (the timer's own events at 12:00 fall outside it): B's
  // concern is late and open all the same, C's publication not yet due (03-24), E's concerns not
  // yet raised.
  AssessmentQuery q;
  q.from = at("2026-03-01T00:00:00+08:00");
  q.to = at("2026-03-20T12:00:00+08:00");
  auto a = assess(*engine_, q);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  // Publication: A, B on time, E published 03-20 10:00 on time; C not settled yet.
  expect_kind(a->overall.publication, kind(3, 3, 0, 0), "publication to 03-20");
  // Concerns: A1 on time, A2 late, B1 late and open.
  expect_kind(a->overall.concern_response, kind(3, 1, 2, 1), "concerns to 03-20");
  EXPECT_EQ(a->overall.concerns_open, 1);
  EXPECT_EQ(a->overall.withdrawals, 0);
  EXPECT_EQ(a->overall.corrections, 1);

  // April alone: B's concern answered (04-02), A's third raised (04-03), F formed.
  q.from = at("2026-04-01T00:00:00+08:00");
  q.to = at("2026-05-01T00:00:00+08:00");
  a = assess(*engine_, q);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->overall.items_formed, 1);
  EXPECT_EQ(a->overall.concerns_raised, 1);
  EXPECT_EQ(a->overall.concerns_answered, 1);
  // B1: raised 03-13 10:00, answered 04-02 10:00 = 20 days = 480 h.
  EXPECT_EQ(a->overall.response_median_ms, 480 * kHour);
  EXPECT_EQ(a->overall.concerns_open, 1);  // A3
  // A3 is due 04-05 10:00 (before 05-01) and unanswered: late and open. B1 settled in March.
  expect_kind(a->overall.concern_response, kind(1, 0, 1, 1), "concerns in April");
  // F's publication is due after April (20 working days from 04-02 with Qingming and Labour
  // Day): not settled.
  EXPECT_EQ(a->overall.publication.settled, 0);
}

TEST_F(AssessmentTest, WithoutAPeriodEveryEventCounts) {
  auto a = assess(*engine_, AssessmentQuery{});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  // The end is just after the latest instant: A's third concern, 04-03 10:00.
  EXPECT_TRUE(a->to_defaulted);
  EXPECT_FALSE(a->from);
  EXPECT_EQ(a->to, at("2026-04-03T10:00:00.001+08:00"));
  EXPECT_EQ(a->overall.items_formed, 6);
  EXPECT_EQ(a->overall.concerns_raised, 6);
  EXPECT_EQ(a->overall.concerns_answered, 5);
  EXPECT_EQ(a->overall.concerns_open, 1);
  // D's February publication and interpretation count too.
  expect_kind(a->overall.publication, kind(5, 4, 1, 0), "publication, all time");
  expect_kind(a->overall.interpretation, kind(4, 2, 2, 1), "interpretation, all time");
}

TEST_F(AssessmentTest, AnEmptyPeriodHasNoRatesAndNoRanking) {
  AssessmentQuery q;
  q.from = at("2025-01-01T00:00:00+08:00");
  q.to = at("2025-02-01T00:00:00+08:00");
  auto a = assess(*engine_, q);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->overall.items_formed, 0);
  EXPECT_FALSE(a->overall.score_x100);
  EXPECT_FALSE(a->overall.response_median_ms);
  for (const auto& u : a->units) EXPECT_EQ(u.rank, 0) << u.id;
}

TEST_F(AssessmentTest, BadQueriesAreRefused) {
  AssessmentQuery q;
  q.unit = "nowhere.none";
  EXPECT_EQ(assess(*engine_, q).status().code(), Errc::unit_not_found);
  q = {};
  q.province = "gamma";
  EXPECT_EQ(assess(*engine_, q).status().code(), Errc::province_not_found);
  q = {};
  q.province = "alpha";
  q.unit = "alpha.one";
  EXPECT_EQ(assess(*engine_, q).status().code(), Errc::invalid_argument);
  q = {};
  q.from = at("2026-04-01T00:00:00+08:00");
  q.to = at("2026-04-01T00:00:00+08:00");
  EXPECT_EQ(assess(*engine_, q).status().code(), Errc::invalid_argument);
  q.to = at("2026-03-01T00:00:00+08:00");
  EXPECT_EQ(assess(*engine_, q).status().code(), Errc::invalid_argument);
}

// Equal scores: fewer breaches first, then the id.
TEST(AssessmentRanking, TiesAreBrokenByBreachesThenId) {
  gongkai::testing::TempDir dir;
  auto opened = Engine::init(dir.file("ties.db"), gongkai::testing::scenario_definitions(), true);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  Engine& engine = **opened;
  // Items formed 03-02 09:00; `published` ones published 03-10 (before every due instant:
  // 03-24 for fiscal_budget's 20 calendar days, 03-31 for urban_planning's 20 working days).
  auto item = [&](const char* standard, const char* unit, bool published) {
    CreateItemRequest c;
    c.standard_id = standard;
    c.unit_id = unit;
    c.title = "事项";
    c.actor = "drafter";
    c.at = at("2026-03-02T09:00:00+08:00");
    auto created = engine.create_item(c);
    ASSERT_TRUE(created.ok()) << created.status().to_string();
    if (!published) return;
    const char* steps[][2] = {
        {"submit", "drafter"}, {"approve", "reviewer"}, {"publish", "reviewer"}};
    for (const auto& step : steps) {
      FireRequest f;
      f.item_id = created->id;
      f.event = *parse_event_type(step[0]);
      f.actor = step[1];
      f.at = at("2026-03-10T10:00:00+08:00");
      auto fired = engine.fire(f);
      ASSERT_TRUE(fired.ok()) << fired.status().to_string();
    }
  };
  // alpha.one: 2 of 4 on time (2 breaches); alpha.two: 1 of 1; beta.three: 1 of 2 (1 breach).
  for (bool published : {true, true, false, false})
    item("test.without_interpretation", "alpha.one", published);
  item("test.without_interpretation", "alpha.two", true);
  for (bool published : {true, false}) item("test.planning", "beta.three", published);

  // To 03-11: only the publications are settled, all on time: 100.00 each, no breach → by id.
  AssessmentQuery q;
  q.from = at("2026-03-01T00:00:00+08:00");
  q.to = at("2026-03-11T00:00:00+08:00");
  auto early = assess(engine, q);
  ASSERT_TRUE(early.ok()) << early.status().to_string();
  ASSERT_EQ(early->units.size(), 3u);
  for (const auto& u : early->units) EXPECT_EQ(u.figures.score_x100, 10000) << u.id;
  EXPECT_EQ(early->units[0].rank, 1);  // alpha.one
  EXPECT_EQ(early->units[1].rank, 2);  // alpha.two
  EXPECT_EQ(early->units[2].rank, 3);  // beta.three

  // To 05-01: alpha.two 100.00; alpha.one 2/4 = 50.00 with 2 breaches; beta.three 1/2 = 50.00
  // with 1 breach → beta.three before alpha.one although its id sorts after.
  q.to = at("2026-05-01T00:00:00+08:00");
  auto late = assess(engine, q);
  ASSERT_TRUE(late.ok()) << late.status().to_string();
  EXPECT_EQ(late->units[0].figures.score_x100, 5000);
  EXPECT_EQ(late->units[0].figures.deadlines_breached, 2);
  EXPECT_EQ(late->units[2].figures.score_x100, 5000);
  EXPECT_EQ(late->units[2].figures.deadlines_breached, 1);
  EXPECT_EQ(late->units[1].rank, 1);  // alpha.two
  EXPECT_EQ(late->units[2].rank, 2);  // beta.three
  EXPECT_EQ(late->units[0].rank, 3);  // alpha.one
}

TEST(AssessmentRatio, RoundsHalfUpAndHasNoValueWithoutADenominator) {
  EXPECT_EQ(ratio_x10000(2, 3), 6667);
  EXPECT_EQ(ratio_x10000(1, 3), 3333);
  EXPECT_EQ(ratio_x10000(1, 8), 1250);
  EXPECT_EQ(ratio_x10000(1, 20000), 1);  // 0.5 → 1
  EXPECT_EQ(ratio_x10000(0, 5), 0);
  EXPECT_EQ(ratio_x10000(5, 5), 10000);
  EXPECT_FALSE(ratio_x10000(0, 0));
}

}  // namespace
}  // namespace gongkai
