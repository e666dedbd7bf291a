// The lifecycle table, exhaustively: every stage × every event, guards satisfied, lands where
// DESIGN.md's table says or is refused as illegal; and each guard refuses on its own.
#include "engine/lifecycle.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <utility>

namespace gongkai {
namespace {

// DESIGN.md's table: (from, event) -> to. For publish the target depends on the standard.
std::optional<Stage> expected_target(Stage from, EventType event, bool interpretation) {
  using S = Stage;
  using E = EventType;
  static const std::map<std::pair<S, E>, S> table = {
      {{S::drafting, E::submit}, S::review},
      {{S::review, E::approve}, S::release},
      {{S::review, E::reject}, S::drafting},
      {{S::interpretation, E::interpret}, S::response},
      {{S::response, E::raise_concern}, S::response},
      {{S::response, E::respond}, S::response},
      {{S::response, E::close}, S::closed},
      {{S::release, E::withdraw}, S::withdrawn},
      {{S::interpretation, E::withdraw}, S::withdrawn},
      {{S::response, E::withdraw}, S::withdrawn},
      {{S::interpretation, E::correct}, S::review},
      {{S::response, E::correct}, S::review},
  };
  if (from == S::release && event == E::publish) {
    return interpretation ? S::interpretation : S::response;
  }
  auto it = table.find({from, event});
  if (it == table.end()) return std::nullopt;
  return it->second;
}

// An item and command that satisfy every guard of `event`.
struct Context {
  Item item;
  ItemStandard standard;
  TransitionInput in;

  Context(EventType event, bool interpretation) {
    standard.interpretation_required = interpretation;
    item.submitted_by = "drafter";
    if (event == EventType::respond) {
      Concern open;
      open.number = 1;
      item.concerns.push_back(open);
      in.concern = 1;
    }
    in.item = &item;
    in.standard = &standard;
    in.event = event;
    in.actor = "reviewer";
    in.reason = "a reason";
    in.text = "some text";
    in.at = Instant(std::chrono::hours(1000));
    in.response_window_end = Instant(std::chrono::hours(10));
  }
};

TEST(LifecycleTable, EveryStageTimesEveryEvent) {
  int accepted = 0, refused = 0;
  for (bool interpretation : {true, false}) {
    for (Stage from : kAllStages) {
      for (EventType event : kFireableEvents) {
        Context ctx(event, interpretation);
        Lifecycle machine;
        machine.place_in(from);
        ASSERT_EQ(machine.stage(), from);
        const Status s = machine.fire(ctx.in);
        const auto want = expected_target(from, event, interpretation);
        SCOPED_TRACE(std::string(to_string(from)) + " × " + std::string(to_string(event)));
        if (want) {
          EXPECT_TRUE(s.ok()) << s.to_string();
          EXPECT_EQ(machine.stage(), *want);
          ++accepted;
        } else {
          EXPECT_EQ(s.code(), Errc::illegal_transition) << s.to_string();
          EXPECT_NE(s.message().find("'" + std::string(to_string(from)) + "'"), std::string::npos);
          EXPECT_NE(s.message().find("'" + std::string(to_string(event)) + "'"), std::string::npos);
          EXPECT_EQ(machine.stage(), from) << "a refused event must not move the machine";
          ++refused;
        }
      }
    }
  }
  EXPECT_EQ(accepted, 2 * 13);
  EXPECT_EQ(refused, 2 * (7 * 10 - 13));
}

TEST(LifecycleTable, OnlyCreatedStartsAnItem) {
  for (EventType event : kFireableEvents) {
    Context ctx(event, true);
    Lifecycle machine;
    EXPECT_EQ(machine.fire(ctx.in).code(), Errc::illegal_transition);
    EXPECT_FALSE(machine.stage().has_value());
  }
  Context ctx(EventType::created, true);
  Lifecycle machine;
  EXPECT_TRUE(machine.fire(ctx.in).ok());
  EXPECT_EQ(machine.stage(), Stage::drafting);
}

Status fire_in(Stage stage, Context& ctx) {
  Lifecycle machine;
  machine.place_in(stage);
  Status s = machine.fire(ctx.in);
  if (!s.ok()) {
    EXPECT_EQ(machine.stage(), stage);
  }
  return s;
}

TEST(LifecycleGuards, FourEyes) {
  Context ctx(EventType::approve, true);
  ctx.in.actor = "drafter";
  EXPECT_EQ(fire_in(Stage::review, ctx).code(), Errc::four_eyes_violation);
}

TEST(LifecycleGuards, ConfidentialityFindingsNeedAReason) {
  Context ctx(EventType::approve, true);
  ctx.in.confidentiality_findings = 2;
  ctx.in.findings_json = R"({"findings":[]})";
  ctx.in.reason = "  ";
  const Status s = fire_in(Stage::review, ctx);
  EXPECT_EQ(s.code(), Errc::confidentiality_findings);
  EXPECT_EQ(s.details_json(), R"({"findings":[]})");
  ctx.in.reason = "经审查可以公开";
  EXPECT_TRUE(fire_in(Stage::review, ctx).ok());
}

TEST(LifecycleGuards, ReasonsRequired) {
  for (auto [stage, event] : {std::pair{Stage::review, EventType::reject},
                              {Stage::release, EventType::withdraw},
                              {Stage::interpretation, EventType::withdraw},
                              {Stage::response, EventType::withdraw},
                              {Stage::interpretation, EventType::correct},
                              {Stage::response, EventType::correct}}) {
    Context ctx(event, true);
    ctx.in.reason.clear();
    EXPECT_EQ(fire_in(stage, ctx).code(), Errc::reason_required) << to_string(event);
    ctx.in.reason = " \t";
    EXPECT_EQ(fire_in(stage, ctx).code(), Errc::reason_required) << to_string(event);
  }
}

TEST(LifecycleGuards, MaterialRequired) {
  for (auto [stage, event] : {std::pair{Stage::interpretation, EventType::interpret},
                              {Stage::response, EventType::raise_concern},
                              {Stage::response, EventType::respond}}) {
    Context ctx(event, true);
    ctx.in.text.clear();
    EXPECT_EQ(fire_in(stage, ctx).code(), Errc::material_required) << to_string(event);
  }
}

TEST(LifecycleGuards, PublishWaitsForItsSchedule) {
  Context ctx(EventType::publish, false);
  ctx.item.publish_at = ctx.in.at + std::chrono::minutes(1);
  EXPECT_EQ(fire_in(Stage::release, ctx).code(), Errc::publish_not_due);
  ctx.item.publish_at = ctx.in.at;
  EXPECT_TRUE(fire_in(Stage::release, ctx).ok());
}

TEST(LifecycleGuards, RespondNeedsAnOpenConcern) {
  Context ctx(EventType::respond, true);
  ctx.in.concern = 2;
  EXPECT_EQ(fire_in(Stage::response, ctx).code(), Errc::concern_not_found);
  ctx.item.concerns[0].answered = true;
  ctx.in.concern = 1;
  EXPECT_EQ(fire_in(Stage::response, ctx).code(), Errc::concern_not_open);
  ctx.in.concern.reset();
  EXPECT_EQ(fire_in(Stage::response, ctx).code(), Errc::concern_not_open);
}

TEST(LifecycleGuards, CloseNeedsNoOpenConcernAndTheWindowOver) {
  Context ctx(EventType::close, true);
  ctx.item.concerns.push_back(Concern{});
  EXPECT_EQ(fire_in(Stage::response, ctx).code(), Errc::concerns_open);
  ctx.item.concerns.clear();
  ctx.in.response_window_end = ctx.in.at + std::chrono::milliseconds(1);
  EXPECT_EQ(fire_in(Stage::response, ctx).code(), Errc::response_window_open);
  ctx.in.response_window_end = ctx.in.at;
  EXPECT_TRUE(fire_in(Stage::response, ctx).ok());
}

TEST(LifecycleNames, RoundTrip) {
  for (Stage s : kAllStages) EXPECT_EQ(parse_stage(to_string(s)), s);
  for (EventType e : kFireableEvents) EXPECT_EQ(parse_event_type(to_string(e)), e);
  EXPECT_EQ(parse_event_type("created"), EventType::created);
  EXPECT_FALSE(parse_stage("published").has_value());
  EXPECT_FALSE(parse_event_type("PUBLISH").has_value());
  EXPECT_TRUE(is_terminal(Stage::closed));
  EXPECT_TRUE(is_terminal(Stage::withdrawn));
  EXPECT_FALSE(is_terminal(Stage::response));
}

}  // namespace
}  // namespace gongkai
