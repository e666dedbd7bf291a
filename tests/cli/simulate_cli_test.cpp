// Black-box tests of `gongkai simulate` and `gongkai demo` through the built binary: the same
// seed gives the same history (the database-wide chain head), another seed another; the summary
// and `audit verify`; no progress line when stderr is not a terminal; bad arguments with their
// error ids and exit codes. Runs are small (a few units, a few weeks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
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
using ::testing::StartsWith;
using testing::Succeeded;
namespace fs = std::filesystem;

class SimulateCliTest : public ::testing::Test {
 protected:
  CliResult run(const std::vector<std::string>& args) {
    CliProcess p(args, runs_.path());
    return p.wait(std::chrono::seconds(240));
  }

  std::vector<std::string> small(const std::string& db, const std::string& seed) {
    return {"simulate",   "--from",     "2017-09-25",
            "--to",       "2017-10-20", "--seed",
            seed,         "--units",    "beijing.chaoyang,hunan.pingjiang",
            "--database", dir_.file(db)};
  }

  testing::TempDir dir_;
  testing::TempDir runs_;
};

TEST_F(SimulateCliTest, TheSameSeedGivesTheSameChainHead) {
  auto args = small("a.db", "42");
  args.insert(args.begin(), "--json");
  const CliResult first = run(args);
  ASSERT_TRUE(Succeeded(first)) << first;
  args = small("b.db", "42");
  args.insert(args.begin(), "--json");
  const CliResult second = run(args);
  ASSERT_TRUE(Succeeded(second)) << second;
  args = small("c.db", "43");
  args.insert(args.begin(), "--json");
  const CliResult other = run(args);
  ASSERT_TRUE(Succeeded(other)) << other;

  const json a = first.json_out(), b = second.json_out(), c = other.json_out();
  EXPECT_EQ(a.at("verify_ok"), true);
  EXPECT_GT(a.at("items").get<int>(), 5);
  EXPECT_EQ(a.at("units"), 2);
  EXPECT_EQ(a.at("seed"), "42");
  EXPECT_EQ(a.at("chain_head"), b.at("chain_head"));
  EXPECT_EQ(a.at("by_type"), b.at("by_type"));
  EXPECT_NE(a.at("chain_head"), c.at("chain_head"));
  EXPECT_EQ(a.at("official_acts_on_rest_days"), 0);

  // What `audit verify` reports on the database equals the summary's head.
  const CliResult verify = run({"--db", dir_.file("a.db"), "audit", "verify", "--json"});
  ASSERT_TRUE(Succeeded(verify)) << verify;
  EXPECT_EQ(verify.json_out().at("ok"), true);
  EXPECT_EQ(verify.json_out().at("head"), a.at("chain_head"));
}

TEST_F(SimulateCliTest, TextOutputEndsWithAPassingAuditAndShowsNoProgressOffATerminal) {
  const CliResult r = run(small("t.db", "5"));
  ASSERT_TRUE(Succeeded(r)) << r;  // nothing on stderr: it is a file, not a terminal
  EXPECT_THAT(r.out, HasSubstr("── summary"));
  EXPECT_THAT(r.out, HasSubstr("official acts on rest days 0"));
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  EXPECT_THAT(out.substr(out.rfind('\n') + 1), StartsWith("audit verify: ok"));
  // The website was written beside the database.
  EXPECT_TRUE(fs::exists(dir_.path() / "t-site" / "beijing.chaoyang" / "index.html"));
  // Items can be inspected like any others.
  const CliResult items =
      run({"--db", dir_.file("t.db"), "item", "list", "--unit", "hunan.pingjiang", "--json"});
  ASSERT_TRUE(Succeeded(items)) << items;
  EXPECT_FALSE(items.json_out().empty());
}

TEST_F(SimulateCliTest, DemoRunsThePilotYearWithItsOptions) {
  const CliResult r =
      run({"demo", "--units", "shanghai.hongkou", "--from", "2018-01-02", "--to", "2018-01-19",
           "--database", dir_.file("demo.db"), "--no-website", "--quiet"});
  ASSERT_TRUE(Succeeded(r)) << r;
  EXPECT_THAT(r.out, HasSubstr("seed 20170509"));
  EXPECT_THAT(r.out, HasSubstr("audit verify: ok"));
  EXPECT_FALSE(fs::exists(dir_.path() / "demo-site"));
}

TEST_F(SimulateCliTest, BadArgumentsAreRefusedWithStableIds) {
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* id;
  };
  const std::string db = dir_.file("bad.db");
  const std::vector<Case> cases = {
      {{"simulate", "--from", "2017-13-01", "--database", db}, 2, "invalid_time"},
      {{"simulate", "--to", "tomorrow", "--database", db}, 2, "invalid_time"},
      {{"simulate", "--from", "2018-09-01", "--to", "2018-08-31", "--database", db},
       2,
       "invalid_argument"},
      {{"simulate", "--units", "beijing.dongcheng,atlantis", "--database", db},
       4,
       "unit_not_found"},
      {{"simulate", "--units", "beijing.dongcheng,,", "--database", db}, 2, "invalid_argument"},
      {{"simulate", "--units", "beijing.dongcheng,", "--database", db}, 2, "invalid_argument"},
      {{"simulate", "--seed", "-1", "--database", db}, 2, "invalid_argument"},
      {{"simulate", "--seed", "12abc", "--database", db}, 2, "invalid_argument"},
      {{"simulate", "--seed", "18446744073709551616", "--database", db}, 2, "invalid_argument"},
      {{"simulate", "--pilot", dir_.file("nope.json"), "--database", db}, 2, "definition_io_error"},
      {{"simulate", "--frm", "2017-09-01"}, 2, "usage"},
  };
  for (const Case& c : cases) {
    const CliResult r = run(c.args);
    EXPECT_TRUE(Failed(r, c.code, c.id)) << ::testing::PrintToString(c.args) << "\n" << r;
  }
  EXPECT_FALSE(fs::exists(db));

  // A period before the first calendar notice is refused as such (it was an internal error).
  const CliResult early = run({"simulate", "--from", "1990-01-01", "--to", "1990-01-03", "--units",
                               "beijing.dongcheng", "--database", dir_.file("early.db")});
  EXPECT_TRUE(Failed(early, 4, "calendar_not_found")) << early;
  EXPECT_THAT(early.err, HasSubstr("1990-01-01"));

  // A malformed pilot model names its place.
  testing::write_file(dir_.path() / "pilot.json",
                      "{\"format\": 1, \"office_hours\": 3, \"defaults\": {}}");
  const CliResult model = run({"simulate", "--pilot", dir_.file("pilot.json"), "--database", db});
  EXPECT_TRUE(Failed(model, 2, "definition_wrong_type")) << model;
  EXPECT_THAT(model.err, HasSubstr("/office_hours"));

  // A production database is never replaced, by simulate or by the demo.
  const std::string prod = dir_.file("prod.db");
  ASSERT_TRUE(Succeeded(run({"--db", prod, "init"})));
  const CliResult refused =
      run({"simulate", "--units", "beijing.dongcheng", "--to", "2017-09-02", "--database", prod});
  EXPECT_TRUE(Failed(refused, 2, "simulation_only")) << refused;
  const CliResult demo = run({"demo", "--walkthrough", "--database", prod});
  EXPECT_TRUE(Failed(demo, 2, "simulation_only")) << demo;
  const CliResult still = run({"--db", prod, "audit", "verify"});
  EXPECT_TRUE(Succeeded(still)) << still;
}

}  // namespace
}  // namespace gongkai
