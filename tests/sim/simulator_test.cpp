// The simulated pilot year (tools/sim/simulator.h), in process: the same seed gives the same
// history, another seed another; a unit's history does not depend on the other units taken
// part; officials act only on the working days of their unit's calendar (none in the National
// Day holiday 2017-10-01..08); rates are honoured; rejections, scheduled releases, withdrawals,
// corrections, concerns, breaches and deliveries all appear over a long enough run; bad options
// are refused before anything is written; a second run replaces the site and leaves nothing
// beside it. Runs are small (a few units, weeks to months) to keep
// the suite quick; the full year is measured in docs/simulation.md.
#include "tools/sim/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "support/temp_dir.h"
#include "tools/sim/pilot_model.h"

namespace gongkai::sim {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::string kDefinitions = std::string(GONGKAI_SOURCE_DIR) + "/definitions";

const std::set<std::string> kOfficialRoles = {"drafter", "reviewer", "publisher", "interpreter",
                                              "responder"};

SimulationOptions options_for(const testing::TempDir& dir, const std::string& name,
                              std::vector<std::string> units, Date from, Date to,
                              std::uint64_t seed) {
  SimulationOptions o;
  o.from = from;
  o.to = to;
  o.seed = seed;
  o.units = std::move(units);
  o.db_path = dir.file(name + ".db");
  o.site_dir = dir.file(name + "-site");
  o.definitions_dir = kDefinitions;
  return o;
}

// Every event of a database, one line each, in the database-wide order.
std::vector<std::string> dump(const std::string& db) {
  auto engine = Engine::open(db);
  EXPECT_TRUE(engine.ok()) << engine.status().to_string();
  std::vector<std::string> lines;
  if (!engine.ok()) return lines;
  auto items = (*engine)->list_items({});
  EXPECT_TRUE(items.ok());
  std::vector<Event> events;
  for (const Item& item : *items) {
    auto history = (*engine)->history(item.id);
    EXPECT_TRUE(history.ok());
    events.insert(events.end(), history->begin(), history->end());
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.seq < b.seq; });
  for (const Event& e : events) {
    lines.push_back(std::to_string(e.seq) + " " + e.item_id + " " + format_utc(e.at) + " " +
                    e.type + " " + e.actor + " " + e.role + " " + e.reason + " " + e.payload + " " +
                    e.calendar_version + " " + e.hash);
  }
  return lines;
}

// The acts of one unit without the ids the database assigned: what its officials, the public,
// the timers and the channels did, and when.
std::vector<std::string> unit_acts(const std::string& db, const std::string& unit) {
  auto engine = Engine::open(db);
  EXPECT_TRUE(engine.ok());
  std::vector<std::string> acts;
  if (!engine.ok()) return acts;
  ItemFilter filter;
  filter.unit_id = unit;
  auto items = (*engine)->list_items(filter);
  EXPECT_TRUE(items.ok());
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Item& item : *items) {
    auto history = (*engine)->history(item.id);
    EXPECT_TRUE(history.ok());
    for (const Event& e : *history) {
      rows.emplace_back(format_utc(e.at), item.standard_id + " " + item.title + " " + e.type + " " +
                                              e.actor + " " + e.reason);
    }
  }
  std::sort(rows.begin(), rows.end());
  for (auto& [at, what] : rows) acts.push_back(at + " " + what);
  return acts;
}

TEST(SimulatorTest, TheSameSeedGivesTheSameHistoryAndAnotherSeedAnother) {
  testing::TempDir dir;
  const std::vector<std::string> units = {"beijing.dongcheng", "shanghai.pudong", "hunan.liuyang",
                                          "ningxia.helan"};
  auto first =
      run_simulation(options_for(dir, "a", units, Date{2017, 9, 1}, Date{2017, 10, 31}, 7));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto second =
      run_simulation(options_for(dir, "b", units, Date{2017, 9, 1}, Date{2017, 10, 31}, 7));
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  auto other =
      run_simulation(options_for(dir, "c", units, Date{2017, 9, 1}, Date{2017, 10, 31}, 8));
  ASSERT_TRUE(other.ok()) << other.status().to_string();

  EXPECT_GT(first->items, 20);
  EXPECT_GT(first->events, 5 * first->items);
  EXPECT_EQ(first->head.seq, second->head.seq);
  EXPECT_EQ(first->head.hash, second->head.hash);
  EXPECT_EQ(dump(dir.file("a.db")), dump(dir.file("b.db")));
  EXPECT_NE(first->head.hash, other->head.hash);
  EXPECT_NE(dump(dir.file("a.db")), dump(dir.file("c.db")));
  // The summary counts what is stored.
  EXPECT_EQ(first->by_type, second->by_type);
  EXPECT_EQ(first->official_acts_on_rest_days, 0);
}

TEST(SimulatorTest, AUnitsHistoryDoesNotDependOnTheOtherUnits) {
  testing::TempDir dir;
  auto alone = run_simulation(
      options_for(dir, "alone", {"shanghai.xuhui"}, Date{2017, 9, 1}, Date{2017, 9, 30}, 11));
  ASSERT_TRUE(alone.ok()) << alone.status().to_string();
  auto together = run_simulation(options_for(dir, "together", {"beijing.xicheng", "shanghai.xuhui"},
                                             Date{2017, 9, 1}, Date{2017, 9, 30}, 11));
  ASSERT_TRUE(together.ok()) << together.status().to_string();
  const auto acts = unit_acts(dir.file("alone.db"), "shanghai.xuhui");
  EXPECT_GT(acts.size(), 20u);
  EXPECT_EQ(acts, unit_acts(dir.file("together.db"), "shanghai.xuhui"));
  EXPECT_GT(together->items, alone->items);
}

// A longer run shared by the tests below: five units of the three domain groups (one on the
// Ningxia calendar), September 2017 to February 2018 (National Day, New Year, Spring Festival).
class SimulatorRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    options_ = new SimulationOptions(options_for(
        *dir_, "run",
        {"beijing.haidian", "shanghai.putuo", "hunan.wuling", "anhui.dingyuan", "ningxia.helan"},
        Date{2017, 9, 1}, Date{2018, 2, 28}, 20170509));
    auto summary = run_simulation(*options_);
    ASSERT_TRUE(summary.ok()) << summary.status().to_string();
    summary_ = new SimulationSummary(*summary);
  }
  static void TearDownTestSuite() {
    delete summary_;
    delete options_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(summary_, nullptr); }

  static std::unique_ptr<Engine> open() {
    auto engine = Engine::open(options_->db_path);
    EXPECT_TRUE(engine.ok()) << engine.status().to_string();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static testing::TempDir* dir_;
  static SimulationOptions* options_;
  static SimulationSummary* summary_;
};

testing::TempDir* SimulatorRunTest::dir_ = nullptr;
SimulationOptions* SimulatorRunTest::options_ = nullptr;
SimulationSummary* SimulatorRunTest::summary_ = nullptr;

TEST_F(SimulatorRunTest, OfficialsActOnlyOnWorkingDaysOfTheirUnitsCalendar) {
  auto engine = open();
  ASSERT_TRUE(engine);
  auto calendars = engine->calendars();
  auto defs = engine->definitions();
  auto items = engine->list_items({});
  ASSERT_TRUE(items.ok());
  std::int64_t official = 0, in_golden_week = 0, on_rest_days = 0, public_on_rest_days = 0;
  for (const Item& item : *items) {
    const Unit* unit = defs->find_unit(item.unit_id);
    ASSERT_NE(unit, nullptr);
    auto calendar = calendars->latest(unit->calendar);
    ASSERT_TRUE(calendar.ok());
    auto history = engine->history(item.id);
    ASSERT_TRUE(history.ok());
    for (const Event& e : *history) {
      const Date day = local_date(e.at);
      const bool working = calendar->is_working_day(day);
      if (!kOfficialRoles.count(e.role)) {
        if (e.role == "public" && !working) ++public_on_rest_days;
        continue;
      }
      ++official;
      if (!working) ++on_rest_days;
      if (Date{2017, 10, 1} <= day && day <= Date{2017, 10, 8}) ++in_golden_week;
      // In office hours, too.
      const auto minute =
          std::chrono::duration_cast<std::chrono::minutes>(e.at - local_midnight(day)).count();
      EXPECT_GE(minute, 8 * 60 + 30) << item.id << " " << e.type << " " << format_local(e.at);
      EXPECT_LE(minute, 17 * 60 + 30) << item.id << " " << e.type << " " << format_local(e.at);
    }
  }
  EXPECT_GT(official, 1000);
  EXPECT_EQ(on_rest_days, 0);
  EXPECT_EQ(in_golden_week, 0);
  // The public is not bound to office days.
  EXPECT_GT(public_on_rest_days, 0);
  EXPECT_EQ(summary_->official_acts_on_rest_days, 0);
}

TEST_F(SimulatorRunTest, RatesAreHonoured) {
  auto model = load_pilot_model(default_pilot_path(kDefinitions), *load_definitions(kDefinitions));
  ASSERT_TRUE(model.ok());
  auto engine = open();
  ASSERT_TRUE(engine);
  auto defs = engine->definitions();
  const double years = 181.0 / 365.0;
  for (const std::string& unit_id : options_->units) {
    double expected = 0;
    for (const ItemStandard* s : defs->standards_for_unit(*defs->find_unit(unit_id))) {
      expected += model->behaviour(s->id).items_per_unit_year * years;
    }
    ItemFilter filter;
    filter.unit_id = unit_id;
    auto items = engine->list_items(filter);
    ASSERT_TRUE(items.ok());
    const double n = static_cast<double>(items->size());
    // Poisson: within 5 standard deviations; items formed in the last days may not be created
    // before the period ends (a few percent).
    EXPECT_GT(n, 0.92 * expected - 5 * std::sqrt(expected)) << unit_id;
    EXPECT_LT(n, expected + 5 * std::sqrt(expected)) << unit_id;
  }
  // Concerns per released item, against the model (loosely: the windows are cut by the end).
  EXPECT_GT(summary_->concerns, 50);
}

TEST_F(SimulatorRunTest, EveryCourseAppears) {
  const auto& types = summary_->by_type;
  auto count = [&](const char* type) {
    auto it = types.find(type);
    return it == types.end() ? std::int64_t{0} : it->second;
  };
  EXPECT_GT(count("reject"), 20);
  EXPECT_GT(count("withdraw"), 0);
  EXPECT_GT(count("correct"), 3);
  EXPECT_GT(count("interpret"), 10);
  EXPECT_GT(count("raise_concern"), 50);
  EXPECT_GT(count("respond"), 50);
  EXPECT_GT(count("close"), 100);
  EXPECT_GT(count("deadline_breached"), 10);
  EXPECT_GT(count("deadline_escalated"), 0);
  EXPECT_GT(count("deadline_due_soon"), 0);
  EXPECT_GT(count("delivery_delivered"), 100);
  EXPECT_EQ(count("delivery_failed"), 0);
  EXPECT_GT(summary_->major_concerns, 0);
  EXPECT_GT(summary_->scheduled, 5);
  EXPECT_GT(summary_->deadlines_breached, 10);
  EXPECT_EQ(summary_->rejected, count("reject"));
  EXPECT_EQ(summary_->delivered, count("delivery_delivered"));
  EXPECT_EQ(summary_->delivery_failures, 0);
  EXPECT_GT(summary_->webhook_requests, 0);
  EXPECT_GT(summary_->website_files, 0);

  auto engine = open();
  ASSERT_TRUE(engine);
  // Scheduled releases were fired by the engine's timer.
  auto items = engine->list_items({});
  ASSERT_TRUE(items.ok());
  std::int64_t timer_publications = 0, late_publications = 0;
  std::set<std::string> stages;
  for (const Item& item : *items) {
    stages.insert(std::string(to_string(item.stage)));
    auto history = engine->history(item.id);
    ASSERT_TRUE(history.ok());
    for (const Event& e : *history) {
      if (e.type == "publish" && e.actor == "gongkai.timer") ++timer_publications;
    }
    const ItemDeadline* publication = item.find_deadline("publication");
    if (publication && (publication->state == DeadlineState::met_late ||
                        publication->state == DeadlineState::breached)) {
      ++late_publications;
    }
  }
  EXPECT_EQ(timer_publications, summary_->scheduled);
  EXPECT_GT(late_publications, 0);
  for (const char* stage : {"closed", "withdrawn", "response"}) {
    EXPECT_TRUE(stages.count(stage)) << stage;
  }
  // The website has a site per unit; the history verifies.
  EXPECT_TRUE(fs::exists(fs::path(options_->site_dir) / "beijing.haidian" / "index.html"));
  auto verified = engine->verify();
  ASSERT_TRUE(verified.ok()) << verified.status().to_string();
  EXPECT_EQ(verified->events, summary_->events);
}

TEST(SimulatorTest, ASecondRunReplacesTheSiteAndLeavesNothingBeside) {
  testing::TempDir dir;
  const auto o =
      options_for(dir, "again", {"beijing.dongcheng"}, Date{2017, 9, 1}, Date{2017, 9, 20}, 5);
  auto first = run_simulation(o);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_GT(first->website_files, 0);
  const fs::path site = o.site_dir;
  ASSERT_TRUE(fs::exists(site / "beijing.dongcheng" / "index.html"));
  // A unit's site from an earlier run of other units.
  fs::create_directories(site / "beijing.haidian" / ".gongkai");
  testing::write_file(site / "beijing.haidian" / ".gongkai" / "site.json", "{}");
  testing::write_file(site / "beijing.haidian" / "stale.html", "from an earlier run");
  // What a killed run left: its previous site, set aside and never deleted.
  fs::create_directories(dir.file(".again-site.replaced-1") + "/beijing.dongcheng");
  auto second = run_simulation(o);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_EQ(second->head.hash, first->head.hash);
  EXPECT_EQ(second->website_files, first->website_files);
  EXPECT_FALSE(fs::exists(site / "beijing.haidian"));
  EXPECT_TRUE(fs::exists(site / "beijing.dongcheng" / "index.html"));
  for (const auto& entry : fs::directory_iterator(site.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".again-site.replaced-"), std::string::npos)
        << entry.path();
  }
  // Every event is committed (the acts go in batches): another connection reads them all.
  EXPECT_EQ(static_cast<std::int64_t>(dump(o.db_path).size()), second->events);
}

TEST(SimulatorTest, BadOptionsAreRefusedBeforeAnythingIsWritten) {
  testing::TempDir dir;
  auto reversed = options_for(dir, "x", {}, Date{2018, 1, 2}, Date{2018, 1, 1}, 1);
  auto r = run_simulation(reversed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::invalid_argument);

  auto unknown = options_for(dir, "x", {"beijing.dongcheng", "atlantis.capital"}, Date{2018, 1, 1},
                             Date{2018, 1, 2}, 1);
  r = run_simulation(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::unit_not_found);
  EXPECT_THAT(r.status().message(), HasSubstr("atlantis.capital"));

  auto no_model = options_for(dir, "x", {}, Date{2018, 1, 1}, Date{2018, 1, 2}, 1);
  no_model.pilot_path = dir.file("missing.json");
  r = run_simulation(no_model);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_io_error);

  auto too_long = options_for(dir, "x", {}, Date{2017, 1, 1}, Date{2028, 1, 1}, 1);
  r = run_simulation(too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::invalid_argument);
  EXPECT_FALSE(fs::exists(dir.file("x.db")));
}

// The website folder is replaced only when a simulation wrote it (or it is absent or empty): a
// production database, a folder of someone's files, the database itself or a folder holding it
// given as --site are refused before anything is written, and left as they were.
TEST(SimulatorTest, OnlyASiteASimulationWroteIsReplaced) {
  testing::TempDir dir;
  const std::string prod = dir.file("prod.db");
  ASSERT_TRUE(Engine::init(prod, kDefinitions, false).ok());
  fs::create_directories(dir.file("mine"));
  testing::write_file(dir.path() / "mine" / "notes.txt", "precious");
  fs::create_directories(dir.file("mixed/beijing.dongcheng/.gongkai"));
  testing::write_file(dir.path() / "mixed" / "beijing.dongcheng" / ".gongkai" / "site.json", "{}");
  testing::write_file(dir.path() / "mixed" / "notes.txt", "precious");
  auto o = options_for(dir, "s", {"beijing.dongcheng"}, Date{2017, 9, 1}, Date{2017, 9, 20}, 5);
  const std::string own_db = o.db_path;
  struct Case {
    std::string site;
    std::string db;
  };
  for (const Case& c : {Case{prod, own_db}, Case{dir.file("mine"), own_db},
                        Case{dir.file("mixed"), own_db}, Case{own_db, own_db},
                        Case{dir.file("d"), dir.file("d/inner.db")}, Case{dir.path(), own_db}}) {
    auto bad = o;
    bad.site_dir = c.site;
    bad.db_path = c.db;
    auto r = run_simulation(bad);
    ASSERT_FALSE(r.ok()) << c.site;
    EXPECT_EQ(r.status().code(), Errc::site_not_replaceable)
        << c.site << ": " << r.status().to_string();
    EXPECT_FALSE(fs::exists(c.db)) << c.db;
  }
  EXPECT_TRUE(fs::is_regular_file(prod));
  EXPECT_TRUE(Engine::open(prod).ok());
  EXPECT_EQ(testing::read_file(dir.path() / "mine" / "notes.txt"), "precious");
  EXPECT_EQ(testing::read_file(dir.path() / "mixed" / "notes.txt"), "precious");

  // An empty folder is taken, and the site a run wrote is replaced by the next run.
  fs::create_directories(dir.file("empty"));
  o.site_dir = dir.file("empty");
  auto first = run_simulation(o);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_GT(first->website_files, 0);
  auto second = run_simulation(o);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_TRUE(fs::exists(dir.path() / "empty" / "beijing.dongcheng" / ".gongkai" / "site.json"));
}

TEST(SimulatorTest, AProductionDatabaseIsNeverReplaced) {
  testing::TempDir dir;
  const std::string db = dir.file("prod.db");
  ASSERT_TRUE(Engine::init(db, kDefinitions, false).ok());
  auto o = options_for(dir, "prod", {"beijing.dongcheng"}, Date{2018, 1, 1}, Date{2018, 1, 2}, 1);
  auto r = run_simulation(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::simulation_only);
  EXPECT_TRUE(fs::exists(db));
  auto engine = Engine::open(db);
  ASSERT_TRUE(engine.ok());
  EXPECT_FALSE((*engine)->is_simulation());
}

}  // namespace
}  // namespace gongkai::sim
