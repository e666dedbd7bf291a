// The pilot model (tools/sim/pilot_model.h): the shipped definitions/pilot.json, layering, every
// validation error; and the simulator's random numbers (tools/sim/sim_random.h).
#include "tools/sim/pilot_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "tools/sim/sim_random.h"

namespace gongkai::sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kDefinitions = std::string(GONGKAI_SOURCE_DIR) + "/definitions";

const DefinitionSet& shipped() {
  static const DefinitionSet set = *load_definitions(kDefinitions);
  return set;
}

json minimal() {
  json delays = json::object();
  for (const char* name : kDelayNames) {
    const bool hours = std::string(name).rfind("respond", 0) == 0;
    delays[name] = {{"unit", hours ? "hours" : "working_days"}, {"dist", "fixed"}, {"value", 1}};
  }
  return {{"format", 1},
          {"office_hours", {{"start", "09:00"}, {"end", "17:00"}}},
          {"defaults",
           {{"items_per_unit_year", 2},
            {"delays", delays},
            {"probabilities", {{"reject", 0.1}}},
            {"concerns", {{"per_item", 0.5}, {"major_share", 0.1}}}}}};
}

Result<PilotModel> parse(const json& doc) {
  return parse_pilot_model(doc.dump(), "pilot.json", shipped());
}

TEST(PilotModelTest, TheShippedModelLoadsAndCoversEveryStandard) {
  auto model = load_pilot_model(default_pilot_path(kDefinitions), shipped());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ(model->by_standard.size(), shipped().standards.size());
  EXPECT_EQ(model->digest.size(), 64u);
  for (const auto& [id, b] : model->by_standard) {
    EXPECT_GE(b.items_per_unit_year, 0) << id;
    for (const char* name : kDelayNames) EXPECT_EQ(b.delays.count(name), 1u) << id << " " << name;
  }
  // The annual budget is one item a year; department budgets many.
  EXPECT_EQ(model->behaviour("fiscal_budget.government_budget").items_per_unit_year, 1);
  EXPECT_GT(model->behaviour("fiscal_budget.department_budgets").items_per_unit_year, 10);
}

TEST(PilotModelTest, LayersReplaceWhatTheyName) {
  json doc = minimal();
  doc["domains"]["fiscal_budget"] = {{"probabilities", {{"reject", 0.3}}},
                                     {"concerns", {{"per_item", 2}}}};
  doc["standards"]["fiscal_budget.government_budget"] = {
      {"items_per_unit_year", 1},
      {"delays", {{"review", {{"unit", "working_days"}, {"dist", "fixed"}, {"value", 7}}}}}};
  auto model = parse(doc);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ(model->office_start_min, 9 * 60);
  EXPECT_EQ(model->office_end_min, 17 * 60);
  const Behaviour& budget = model->behaviour("fiscal_budget.government_budget");
  EXPECT_EQ(budget.items_per_unit_year, 1);
  EXPECT_EQ(budget.reject, 0.3);           // from the domain
  EXPECT_EQ(budget.concerns_per_item, 2);  // from the domain
  EXPECT_EQ(budget.major_share, 0.1);      // from the defaults
  EXPECT_EQ(budget.delays.at("review").value, 7);
  EXPECT_EQ(budget.delays.at("submit").value, 1);
  const Behaviour& other = model->behaviour("fiscal_budget.final_accounts");
  EXPECT_EQ(other.items_per_unit_year, 2);
  EXPECT_EQ(other.reject, 0.3);
  EXPECT_EQ(other.delays.at("review").value, 1);
  const Behaviour& elsewhere = model->behaviour("work_safety.penalty_decisions");
  EXPECT_EQ(elsewhere.reject, 0.1);
}

struct BadCase {
  const char* name;
  std::function<void(json&)> change;
  Errc code;
  const char* where;
};

TEST(PilotModelTest, MalformedModelsAreRefusedWithTheirPlace) {
  const std::vector<BadCase> cases = {
      {"format missing", [](json& d) { d.erase("format"); }, Errc::definition_missing_field, "/"},
      {"format unknown", [](json& d) { d["format"] = 2; }, Errc::definition_invalid_value,
       "/format"},
      {"unknown top field", [](json& d) { d["rates"] = 1; }, Errc::definition_unknown_field,
       "/rates"},
      {"probability above 1", [](json& d) { d["defaults"]["probabilities"]["reject"] = 1.5; },
       Errc::definition_invalid_value, "/defaults/probabilities/reject"},
      {"negative rate", [](json& d) { d["defaults"]["items_per_unit_year"] = -1; },
       Errc::definition_invalid_value, "/defaults/items_per_unit_year"},
      {"rate as text", [](json& d) { d["defaults"]["items_per_unit_year"] = "many"; },
       Errc::definition_wrong_type, "/defaults/items_per_unit_year"},
      {"unknown probability", [](json& d) { d["defaults"]["probabilities"]["lose"] = 0.1; },
       Errc::definition_unknown_field, "/defaults/probabilities/lose"},
      {"unknown domain", [](json& d) { d["domains"]["astrology"] = json::object(); },
       Errc::definition_unknown_reference, "/domains/astrology"},
      {"unknown standard", [](json& d) { d["standards"]["fiscal_budget.nope"] = json::object(); },
       Errc::definition_unknown_reference, "/standards/fiscal_budget.nope"},
      {"unknown delay",
       [](json& d) {
         d["defaults"]["delays"]["sleep"] = {{"unit", "hours"}, {"dist", "fixed"}, {"value", 1}};
       },
       Errc::definition_unknown_field, "/defaults/delays/sleep"},
      {"default delay missing", [](json& d) { d["defaults"]["delays"].erase("review"); },
       Errc::definition_missing_field, "/defaults/delays"},
      {"lognormal without sigma",
       [](json& d) {
         d["defaults"]["delays"]["review"] = {
             {"unit", "working_days"}, {"dist", "lognormal"}, {"median", 2}, {"max", 9}};
       },
       Errc::definition_missing_field, "/defaults/delays/review"},
      {"parameter of another distribution",
       [](json& d) {
         d["defaults"]["delays"]["review"] = {
             {"unit", "working_days"}, {"dist", "fixed"}, {"value", 2}, {"sigma", 1}};
       },
       Errc::definition_unknown_field, "/defaults/delays/review/sigma"},
      {"unknown distribution",
       [](json& d) {
         d["defaults"]["delays"]["review"] = {{"unit", "working_days"}, {"dist", "cauchy"}};
       },
       Errc::definition_invalid_value, "/defaults/delays/review/dist"},
      {"max below the median",
       [](json& d) {
         d["defaults"]["delays"]["review"] = {{"unit", "working_days"},
                                              {"dist", "lognormal"},
                                              {"median", 5},
                                              {"sigma", 1},
                                              {"max", 2}};
       },
       Errc::definition_invalid_value, "/defaults/delays/review/max"},
      {"answers in working days",
       [](json& d) {
         d["defaults"]["delays"]["respond"] = {
             {"unit", "working_days"}, {"dist", "fixed"}, {"value", 1}};
       },
       Errc::definition_invalid_value, "/defaults/delays/respond/unit"},
      {"official step in hours",
       [](json& d) {
         d["defaults"]["delays"]["review"] = {{"unit", "hours"}, {"dist", "fixed"}, {"value", 1}};
       },
       Errc::definition_invalid_value, "/defaults/delays/review/unit"},
      {"office closes before it opens",
       [](json& d) {
         d["office_hours"] = {{"start", "17:00"}, {"end", "09:00"}};
       },
       Errc::definition_invalid_value, "/office_hours"},
      {"office hour not a time", [](json& d) { d["office_hours"]["start"] = "25:00"; },
       Errc::definition_invalid_value, "/office_hours/start"},
      {"withdraw and correct above 1",
       [](json& d) {
         d["domains"]["work_safety"] = {{"probabilities", {{"withdraw", 0.6}, {"correct", 0.6}}}};
       },
       Errc::definition_invalid_value, "/domains/work_safety/probabilities"},
      {"domain not an object", [](json& d) { d["domains"]["work_safety"] = 3; },
       Errc::definition_wrong_type, "/domains/work_safety"},
  };
  for (const BadCase& c : cases) {
    json doc = minimal();
    c.change(doc);
    auto model = parse(doc);
    ASSERT_FALSE(model.ok()) << c.name;
    EXPECT_EQ(model.status().code(), c.code) << c.name << ": " << model.status().to_string();
    EXPECT_THAT(model.status().message(), HasSubstr(std::string("pilot.json: ") + c.where))
        << c.name;
  }
}

TEST(PilotModelTest, TextThatIsNotJsonOrRepeatsAKeyIsAParseError) {
  auto broken = parse_pilot_model("{\"format\": 1,", "pilot.json", shipped());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), Errc::definition_parse_error);
  std::string text = minimal().dump();
  text.insert(1, "\"format\": 1, ");
  auto repeated = parse_pilot_model(text, "pilot.json", shipped());
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.status().code(), Errc::definition_parse_error);
  EXPECT_THAT(repeated.status().message(), HasSubstr("'format' is repeated"));
  auto missing = load_pilot_model("/nonexistent/pilot.json", shipped());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Errc::definition_io_error);
}

TEST(PilotModelTest, DelaysAreCappedAndWorkingDaysAreWhole) {
  DelaySpec d;
  d.unit = DelayUnit::working_days;
  d.shape = DelayShape::lognormal;
  d.median = 3;
  d.sigma = 1.5;
  d.max = 10;
  Rng rng(7);
  bool some_zero = false, some_capped = false;
  for (int i = 0; i < 5000; ++i) {
    const double v = d.draw(rng);
    ASSERT_GE(v, 0);
    ASSERT_LE(v, 10);
    ASSERT_EQ(v, std::floor(v));
    some_zero |= v == 0;
    some_capped |= v == 10;
  }
  EXPECT_TRUE(some_zero);
  EXPECT_TRUE(some_capped);
  d.unit = DelayUnit::hours;
  bool fractional = false;
  for (int i = 0; i < 100; ++i) fractional |= d.draw(rng) != std::floor(d.draw(rng));
  EXPECT_TRUE(fractional);
}

TEST(SimRandomTest, SplitMix64MatchesTheReferenceSequence) {
  // The reference implementation (Vigna, splitmix64.c) from state 0: its first three outputs.
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafull);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(rng.next(), 0x06c45d188009454full);
}

TEST(SimRandomTest, StreamsDependOnTheirNameOnly) {
  EXPECT_EQ(stable_hash("beijing.dongcheng"), stable_hash("beijing.dongcheng"));
  EXPECT_NE(derive_seed(1, "beijing.dongcheng"), derive_seed(1, "beijing.xicheng"));
  EXPECT_NE(derive_seed(1, "beijing.dongcheng"), derive_seed(2, "beijing.dongcheng"));
  EXPECT_NE(derive_seed(1, std::uint64_t{0}), derive_seed(1, std::uint64_t{1}));
  // FNV-1a's published test vector.
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cull);
}

TEST(SimRandomTest, DistributionsHaveTheirMeans) {
  Rng rng(42);
  const int n = 20000;
  double uniform = 0, exponential = 0, poisson = 0, below = 0;
  std::vector<double> logs;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0);
    ASSERT_LT(u, 1);
    uniform += u;
    exponential += rng.exponential(3);
    poisson += static_cast<double>(rng.poisson(4.5));
    const auto b = rng.below(10);
    ASSERT_LT(b, 10u);
    below += static_cast<double>(b);
    logs.push_back(rng.lognormal(5, 0.8));
  }
  EXPECT_NEAR(uniform / n, 0.5, 0.01);
  EXPECT_NEAR(exponential / n, 3, 0.1);
  EXPECT_NEAR(poisson / n, 4.5, 0.08);
  EXPECT_NEAR(below / n, 4.5, 0.08);
  std::sort(logs.begin(), logs.end());
  EXPECT_NEAR(logs[n / 2], 5, 0.2);  // the median
  // A large Poisson mean takes the normal approximation.
  double big = 0;
  for (int i = 0; i < 2000; ++i) big += static_cast<double>(rng.poisson(200));
  EXPECT_NEAR(big / 2000, 200, 1.5);
  EXPECT_EQ(rng.poisson(0), 0);
}

}  // namespace
}  // namespace gongkai::sim
