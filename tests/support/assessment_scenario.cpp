#include "support/assessment_scenario.h"

#include <gtest/gtest.h>

namespace gongkai::testing {
namespace {

class Builder {
 public:
  explicit Builder(Engine& engine) : engine_(engine) {}

  std::string create(const char* standard, const char* unit, const char* formed,
                     const char* created) {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = unit;
    r.title = std::string("事项 ") + unit;
    r.actor = "drafter";
    r.formed_at = at(formed);
    r.at = at(created);
    auto item = engine_.create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? item->id : "";
  }

  void fire(const std::string& id, EventType event, const char* when, const char* actor,
            bool major = false) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = actor;
    r.text = "文字";
    r.reason = "理由";
    r.major = major;
    r.at = at(when);
    auto item = engine_.fire(r);
    EXPECT_TRUE(item.ok()) << id << " " << to_string(event) << " at " << when << ": "
                           << item.status().to_string();
  }

  // submit, approve and publish at the given instants.
  void release(const std::string& id, const char* submitted, const char* approved,
               const char* published) {
    fire(id, EventType::submit, submitted, "drafter");
    fire(id, EventType::approve, approved, "reviewer");
    fire(id, EventType::publish, published, "reviewer");
  }

 private:
  Engine& engine_;
};

}  // namespace

std::string scenario_definitions() {
  return std::string(GONGKAI_TEST_DATA) + "/engine_definitions";
}

Instant at(const char* text) {
  auto parsed = parse_instant(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Instant{};
}

std::unique_ptr<Engine> build_scenario(const std::string& db_path) {
  auto opened = Engine::init(db_path, scenario_definitions(), /*simulation=*/true);
  EXPECT_TRUE(opened.ok()) << opened.status().to_string();
  if (!opened.ok()) return nullptr;
  std::unique_ptr<Engine> engine = std::move(*opened);
  Builder b(*engine);
  // A — alpha.one, social_assistance (interpretation required), formed 2 March.
  const std::string a = b.create("test.with_interpretation", "alpha.one",
                                 "2026-03-02T09:00:00+08:00", "2026-03-02T09:00:00+08:00");
  b.release(a, "2026-03-03T10:00:00+08:00", "2026-03-03T11:00:00+08:00",
            "2026-03-04T10:00:00+08:00");
  b.fire(a, EventType::interpret, "2026-03-04T15:00:00+08:00", "reviewer");
  b.fire(a, EventType::raise_concern, "2026-03-05T10:00:00+08:00", "public");
  b.fire(a, EventType::respond, "2026-03-05T13:00:00+08:00", "reviewer");
  b.fire(a, EventType::raise_concern, "2026-03-06T10:00:00+08:00", "public", /*major=*/true);
  b.fire(a, EventType::respond, "2026-03-06T18:00:00+08:00", "reviewer");
  // B — alpha.one, social_assistance, formed 2 March; interpreted late; a concern left open.
  const std::string bb = b.create("test.with_interpretation", "alpha.one",
                                  "2026-03-02T09:00:00+08:00", "2026-03-02T09:30:00+08:00");
  b.release(bb, "2026-03-09T10:00:00+08:00", "2026-03-09T11:00:00+08:00",
            "2026-03-10T10:00:00+08:00");
  b.fire(bb, EventType::interpret, "2026-03-12T10:00:00+08:00", "reviewer");
  b.fire(bb, EventType::raise_concern, "2026-03-13T10:00:00+08:00", "public");
  // C — alpha.two, fiscal_budget (20 calendar days), formed 2 March; withdrawn after its due day.
  const std::string c = b.create("test.without_interpretation", "alpha.two",
                                 "2026-03-02T09:00:00+08:00", "2026-03-02T10:00:00+08:00");
  b.fire(c, EventType::submit, "2026-03-03T10:00:00+08:00", "drafter");
  b.fire(c, EventType::approve, "2026-03-04T10:00:00+08:00", "reviewer");
  // D — alpha.two, social_assistance, formed and released in February; corrected in March,
  // published again and not interpreted again.
  const std::string d = b.create("test.with_interpretation", "alpha.two",
                                 "2026-02-02T09:00:00+08:00", "2026-02-02T09:00:00+08:00");
  b.release(d, "2026-02-02T10:00:00+08:00", "2026-02-02T11:00:00+08:00",
            "2026-02-03T10:00:00+08:00");
  b.fire(d, EventType::interpret, "2026-02-03T12:00:00+08:00", "reviewer");
  b.fire(d, EventType::correct, "2026-03-16T10:00:00+08:00", "reviewer");
  b.fire(d, EventType::approve, "2026-03-16T11:00:00+08:00", "chief");
  b.fire(d, EventType::publish, "2026-03-17T10:00:00+08:00", "chief");
  // E — beta.three, urban_planning (no interpretation), formed 2 March.
  const std::string e = b.create("test.planning", "beta.three", "2026-03-02T09:00:00+08:00",
                                 "2026-03-02T11:00:00+08:00");
  b.release(e, "2026-03-18T10:00:00+08:00", "2026-03-19T10:00:00+08:00",
            "2026-03-20T10:00:00+08:00");
  // The timer, once: records the breaches due by then (B's concern, D's interpretation#2).
  auto tick = engine->run_due(at("2026-03-20T12:00:00+08:00"));
  EXPECT_TRUE(tick.ok()) << tick.status().to_string();
  b.fire(e, EventType::raise_concern, "2026-03-23T10:00:00+08:00", "public");
  b.fire(e, EventType::respond, "2026-03-24T10:00:00+08:00", "reviewer");
  b.fire(c, EventType::withdraw, "2026-03-25T10:00:00+08:00", "reviewer");
  b.fire(e, EventType::raise_concern, "2026-03-25T09:00:00+08:00", "public");
  b.fire(e, EventType::respond, "2026-03-27T09:00:00+08:00", "reviewer");
  // After March: F formed and created in April, B's concern answered, a third concern on A.
  b.create("test.planning", "beta.three", "2026-04-02T09:00:00+08:00", "2026-04-02T09:00:00+08:00");
  b.fire(bb, EventType::respond, "2026-04-02T10:00:00+08:00", "reviewer");
  b.fire(a, EventType::raise_concern, "2026-04-03T10:00:00+08:00", "public");
  return engine;
}

}  // namespace gongkai::testing
