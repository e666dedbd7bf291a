// Black-box tests of the built `gongkai` binary: every run is a real process (posix_spawn) on a
// real database file in a fresh temporary folder; stdout, stderr and the exit code are checked
// separately, and `--json` output is parsed with nlohmann::json.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/immutable_file.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

// --- running the binary --------------------------------------------------------------------------

// The runner (CliProcess, CliResult, Succeeded, Failed) is in support/process.h; ImmutableFile
// and writable (read-only files even for root) in support/immutable_file.h.
using gongkai::testing::CliProcess;
using gongkai::testing::CliResult;
using gongkai::testing::Failed;
using gongkai::testing::ImmutableFile;
using gongkai::testing::Succeeded;
using gongkai::testing::writable;

// Gives the owner write access to a database and its -wal and -shm files again.
void make_writable(const std::string& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    fs::permissions(db + suffix, fs::perms::owner_read | fs::perms::owner_write, ec);
  }
}

// 2 March 2026 is a Monday. Times are given in China time, as operators type them.
std::string at(const std::string& date_time) {
  return date_time + "+08:00";
}

// --- the fixture ---------------------------------------------------------------------------------

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = dir_.file("gongkai.db"); }

  // Runs gongkai with `args` as given.
  CliResult run(const std::vector<std::string>& args) {
    return CliProcess(args, runs_.path()).wait();
  }

  // Runs gongkai on the fixture's database.
  CliResult gk(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return run(args);
  }

  void init_simulation() {
    auto r = gk({"init", "--simulation", "--definitions", kDefinitions, "--json"});
    ASSERT_TRUE(Succeeded(r));
    EXPECT_EQ(r.json_out().at("simulation"), true);
  }

  // Creates an item; returns its id.
  std::string create(const std::string& standard, const std::string& unit, const std::string& title,
                     const std::string& actor, const std::string& now,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"item",  "create",  "--standard", standard,  "--unit",
                                     unit,    "--title", title,        "--actor", actor,
                                     "--now", now,       "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = gk(args);
    EXPECT_TRUE(Succeeded(r));
    if (r.exit_code != 0) return "";
    auto j = r.json_out();
    EXPECT_EQ(j.at("stage"), "drafting");
    EXPECT_EQ(j.at("version"), 1);
    return j.value("id", "");
  }

  CliResult fire(const std::string& id, const std::string& event, const std::string& actor,
                 const std::string& now, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"item", "fire",  id,  event,   "--actor",
                                     actor,  "--now", now, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return gk(args);
  }

  // Fires an event that must be accepted; returns the item's JSON.
  json must_fire(const std::string& id, const std::string& event, const std::string& actor,
                 const std::string& now, std::vector<std::string> extra = {}) {
    auto r = fire(id, event, actor, now, std::move(extra));
    EXPECT_TRUE(Succeeded(r)) << event;
    return r.exit_code == 0 ? r.json_out() : json::object();
  }

  json history(const std::string& id) {
    auto r = gk({"item", "history", id, "--json"});
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json::array();
  }

  // Everything a refused command must leave alone: the audit's head and counts, every item's
  // projection and every history.
  std::string snapshot() {
    auto verify = gk({"audit", "verify", "--json"});
    EXPECT_TRUE(Succeeded(verify));
    auto list = gk({"item", "list", "--json"});
    EXPECT_TRUE(Succeeded(list));
    std::string all = verify.out + list.out;
    const json items = list.json_out();
    if (items.is_array()) {
      for (const auto& item : items) {
        all += gk({"item", "history", item.at("id").get<std::string>(), "--json"}).out;
      }
    }
    return all;
  }

  // Drives a new test.with_interpretation item (alpha.one) to `stage`, an hour a step from
  // 2026-03-02T09:00+08:00; returns its id.
  std::string item_in(const std::string& stage) {
    const std::string id = create("test.with_interpretation", "alpha.one", "低保标准调整", "zhang",
                                  at("2026-03-02T09:00:00"));
    if (stage == "drafting") return id;
    must_fire(id, "submit", "zhang", at("2026-03-02T10:00:00"));
    if (stage == "review") return id;
    must_fire(id, "approve", "li", at("2026-03-02T11:00:00"));
    if (stage == "release") return id;
    must_fire(id, "publish", "li", at("2026-03-02T12:00:00"));
    if (stage == "interpretation") return id;
    must_fire(id, "interpret", "wang", at("2026-03-02T13:00:00"), {"--text", "政策解读"});
    EXPECT_EQ(stage, "response");
    return id;
  }

  gongkai::testing::TempDir dir_;
  gongkai::testing::TempDir runs_;
  std::string db_;
};

// --- the lifecycle -------------------------------------------------------------------------------

TEST_F(CliTest, FullLifecycleWithInterpretationAndConcerns) {
  init_simulation();
  const std::string id = create("test.with_interpretation", "alpha.one", "2026年低保标准调整",
                                "张三", at("2026-03-02T09:00:00"));
  ASSERT_EQ(id, "gk-000001");

  struct Step {
    std::string event, actor, now;
    std::vector<std::string> extra;
    std::string stage;
  };
  const std::vector<Step> steps = {
      {"submit", "张三", at("2026-03-02T10:00:00"), {}, "review"},
      {"approve", "李四", at("2026-03-02T11:00:00"), {}, "release"},
      {"publish", "李四", at("2026-03-02T14:00:00"), {}, "interpretation"},
      {"interpret",
       "王五",
       at("2026-03-02T15:00:00"),
       {"--text", "关于低保标准调整的政策解读"},
       "response"},
      {"raise_concern",
       "市民",
       at("2026-03-03T09:00:00"),
       {"--text", "新标准何时执行？"},
       "response"},
      {"raise_concern",
       "舆情监测",
       at("2026-03-03T10:00:00"),
       {"--text", "网络舆情集中关注", "--major"},
       "response"},
      {"respond",
       "王五",
       at("2026-03-03T12:00:00"),
       {"--concern", "2", "--text", "已发布权威说明"},
       "response"},
      {"respond", "王五", at("2026-03-04T09:00:00"), {"--text", "自4月1日起执行"}, "response"},
  };
  int version = 1;
  for (const Step& s : steps) {
    SCOPED_TRACE(s.event + " at " + s.now);
    json item = must_fire(id, s.event, s.actor, s.now, s.extra);
    ++version;
    EXPECT_EQ(item.value("id", ""), id);
    EXPECT_EQ(item.value("stage", ""), s.stage);
    EXPECT_EQ(item.value("version", 0), version);
  }
  json item = gk({"item", "show", id, "--json"}).json_out();
  EXPECT_EQ(item.at("interpretation"), "关于低保标准调整的政策解读");
  ASSERT_EQ(item.at("concerns").size(), 2u);
  EXPECT_EQ(item.at("concerns")[0].at("major"), false);
  EXPECT_EQ(item.at("concerns")[0].at("answer"), "自4月1日起执行");
  EXPECT_EQ(item.at("concerns")[1].at("major"), true);
  EXPECT_EQ(item.at("concerns")[1].at("answer"), "已发布权威说明");
  EXPECT_EQ(item.at("open_concerns"), 0);
  EXPECT_EQ(item.at("approved_by"), "李四");
  EXPECT_EQ(item.at("published_at"), "2026-03-02T14:00:00.000+08:00");

  // Published 2 March; ten calendar days from the next day end at 24:00 on 12 March.
  const std::string before_close = snapshot();
  EXPECT_TRUE(
      Failed(fire(id, "close", "李四", at("2026-03-12T23:59:59")), 3, "response_window_open"));
  EXPECT_EQ(snapshot(), before_close);
  item = must_fire(id, "close", "李四", at("2026-03-13T00:00:00"));
  EXPECT_EQ(item.at("stage"), "closed");
  EXPECT_EQ(item.at("version"), 10);
  EXPECT_EQ(item.at("closed_at"), "2026-03-13T00:00:00.000+08:00");

  // The history: one event per accepted command, chained, shown in China time.
  const json events = history(id);
  ASSERT_TRUE(events.is_array());
  ASSERT_EQ(events.size(), 10u);
  const std::vector<std::string> types = {"created",   "submit",        "approve",       "publish",
                                          "interpret", "raise_concern", "raise_concern", "respond",
                                          "respond",   "close"};
  const std::vector<std::string> actors = {"张三", "张三",     "李四", "李四", "王五",
                                           "市民", "舆情监测", "王五", "王五", "李四"};
  const std::regex local_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00)");
  const std::regex sha256(R"([0-9a-f]{64})");
  std::set<std::string> hashes;
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i + 1));
    const json& e = events[i];
    EXPECT_EQ(e.at("item_seq"), i + 1);
    EXPECT_EQ(e.at("seq"), i + 1);
    EXPECT_EQ(e.at("type"), types[i]);
    EXPECT_EQ(e.at("actor"), actors[i]);
    EXPECT_TRUE(std::regex_match(e.at("at").get<std::string>(), local_time)) << e.at("at");
    EXPECT_TRUE(std::regex_match(e.at("hash").get<std::string>(), sha256)) << e.at("hash");
    hashes.insert(e.at("hash").get<std::string>());
    EXPECT_EQ(e.at("item_prev_hash"), i == 0 ? json("") : events[i - 1].at("hash"));
  }
  EXPECT_EQ(hashes.size(), events.size());
  EXPECT_EQ(events[0].at("at"), "2026-03-02T09:00:00.000+08:00");
  EXPECT_EQ(events[6].at("payload").at("major"), true);
  EXPECT_EQ(events[9].at("at"), "2026-03-13T00:00:00.000+08:00");

  // Replays at instants: an event counts from its own instant on.
  struct AsOf {
    std::string instant, stage;
    int version;
  };
  for (const AsOf& a : std::vector<AsOf>{{at("2026-03-02T09:00:00"), "drafting", 1},
                                         {at("2026-03-02T10:30:00"), "review", 2},
                                         {at("2026-03-02T14:00:00"), "interpretation", 4},
                                         {"2026-03-02T07:00:00Z", "response", 5},
                                         {"2026-03-05", "response", 9},
                                         {"2026-03-13", "closed", 10}}) {
    SCOPED_TRACE(a.instant);
    auto r = gk({"audit", "replay", id, "--as-of", a.instant, "--json"});
    ASSERT_TRUE(Succeeded(r));
    json j = r.json_out();
    EXPECT_EQ(j.at("id"), id);
    EXPECT_EQ(j.at("stage"), a.stage);
    EXPECT_EQ(j.at("version"), a.version);
    EXPECT_EQ(j.at("events_applied"), a.version);
  }
  EXPECT_TRUE(Failed(gk({"audit", "replay", id, "--as-of", "2026-03-01"}), 4, "item_not_found"));

  auto verify = gk({"audit", "verify", "--json"});
  ASSERT_TRUE(Succeeded(verify));
  json report = verify.json_out();
  EXPECT_EQ(report.at("ok"), true);
  EXPECT_EQ(report.at("events"), 10);
  EXPECT_EQ(report.at("items"), 1);
  EXPECT_EQ(report.at("head").at("seq"), 10);
  EXPECT_EQ(report.at("head").at("hash"), events[9].at("hash"));
  auto plain = gk({"audit", "verify"});
  ASSERT_TRUE(Succeeded(plain));
  EXPECT_THAT(plain.out, StartsWith("audit verify: ok"));
}

TEST_F(CliTest, ReleaseWithoutInterpretationGoesStraightToResponse) {
  init_simulation();
  const std::string id = create("test.without_interpretation", "alpha.two", "2025年部门决算",
                                "赵六", at("2026-03-02T09:00:00"));
  must_fire(id, "submit", "赵六", at("2026-03-02T10:00:00"));
  must_fire(id, "approve", "钱七", at("2026-03-02T11:00:00"));
  json item = must_fire(id, "publish", "钱七", at("2026-03-02T12:00:00"));
  EXPECT_EQ(item.at("stage"), "response");
  EXPECT_EQ(item.at("version"), 4);
  EXPECT_TRUE(Failed(fire(id, "interpret", "王五", at("2026-03-02T13:00:00"), {"--text", "解读"}),
                     3, "illegal_transition"));
  // A 48-hour window.
  EXPECT_TRUE(
      Failed(fire(id, "close", "钱七", at("2026-03-04T11:59:59")), 3, "response_window_open"));
  item = must_fire(id, "close", "钱七", at("2026-03-04T12:00:00"));
  EXPECT_EQ(item.at("stage"), "closed");
  EXPECT_EQ(item.at("version"), 5);
  EXPECT_TRUE(Succeeded(gk({"audit", "verify"})));
}

TEST_F(CliTest, ItemListFiltersByUnitAndStage) {
  init_simulation();
  const std::string a =
      create("test.with_interpretation", "alpha.one", "甲", "zhang", at("2026-03-02T09:00:00"));
  const std::string b =
      create("test.without_interpretation", "alpha.two", "乙", "zhang", at("2026-03-02T09:00:00"));
  const std::string c =
      create("test.planning", "beta.three", "丙", "zhang", at("2026-03-02T09:00:00"));
  const std::string d =
      create("test.without_interpretation", "alpha.one", "丁", "zhang", at("2026-03-02T09:00:00"));
  must_fire(b, "submit", "zhang", at("2026-03-02T10:00:00"));
  must_fire(d, "submit", "zhang", at("2026-03-02T10:00:00"));

  auto ids = [&](std::vector<std::string> filter) {
    std::vector<std::string> args = {"item", "list", "--json"};
    args.insert(args.end(), filter.begin(), filter.end());
    auto r = gk(args);
    EXPECT_TRUE(Succeeded(r));
    std::vector<std::string> found;
    for (const auto& item : r.json_out()) found.push_back(item.at("id").get<std::string>());
    return found;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{a, b, c, d}));
  EXPECT_EQ(ids({"--unit", "alpha.one"}), (V{a, d}));
  EXPECT_EQ(ids({"--unit", "beta.three"}), (V{c}));
  EXPECT_EQ(ids({"--stage", "review"}), (V{b, d}));
  EXPECT_EQ(ids({"--stage", "drafting"}), (V{a, c}));
  EXPECT_EQ(ids({"--unit", "alpha.one", "--stage", "review"}), (V{d}));
  EXPECT_EQ(ids({"--stage", "closed"}), V{});
  // A unit no pilot unit has is named as such, not listed as empty; so is a province.
  EXPECT_TRUE(Failed(gk({"item", "list", "--unit", "no.such.unit"}), 4, "unit_not_found"));
  EXPECT_TRUE(Failed(gk({"unit", "list", "--province", "nowhere"}), 4, "province_not_found"));
  EXPECT_EQ(ids({"--limit", "2", "--offset", "1"}), (V{b, c}));
  EXPECT_TRUE(Failed(gk({"item", "list", "--stage", "finished"}), 2, "invalid_argument"));

  auto plain = gk({"item", "list", "--unit", "alpha.one"});
  ASSERT_TRUE(Succeeded(plain));
  EXPECT_THAT(plain.out, HasSubstr(a));
  EXPECT_THAT(plain.out, HasSubstr("2 items"));
}

// --- definitions -------------------------------------------------------------------------------

TEST_F(CliTest, CatalogAndUnitsFromTheDatabase) {
  init_simulation();
  auto list = gk({"catalog", "list", "--json"});
  ASSERT_TRUE(Succeeded(list));
  json standards = list.json_out();
  ASSERT_TRUE(standards.is_array());
  ASSERT_EQ(standards.size(), 3u);
  std::map<std::string, json> by_id;
  for (const auto& s : standards) {
    for (const char* field : {"id", "name", "kind", "domain", "interpretation_required"}) {
      EXPECT_TRUE(s.contains(field)) << field << " in " << s.dump();
    }
    by_id[s.at("id").get<std::string>()] = s;
  }
  ASSERT_EQ(by_id.count("test.with_interpretation"), 1u);
  const json& with = by_id["test.with_interpretation"];
  EXPECT_EQ(with.at("name"), "低保标准");
  EXPECT_EQ(with.at("kind"), "decision");
  EXPECT_EQ(with.at("domain"), "social_assistance");
  EXPECT_EQ(with.at("interpretation_required"), true);
  ASSERT_EQ(by_id.count("test.without_interpretation"), 1u);
  EXPECT_EQ(by_id["test.without_interpretation"].at("interpretation_required"), false);
  EXPECT_EQ(by_id["test.without_interpretation"].at("kind"), "result");
  ASSERT_EQ(by_id.count("test.planning"), 1u);
  EXPECT_EQ(by_id["test.planning"].at("domain"), "urban_planning");

  auto for_unit = gk({"catalog", "list", "--unit", "beta.three", "--json"});
  ASSERT_TRUE(Succeeded(for_unit));
  ASSERT_EQ(for_unit.json_out().size(), 1u);
  EXPECT_EQ(for_unit.json_out()[0].at("id"), "test.planning");
  EXPECT_TRUE(Failed(gk({"catalog", "list", "--unit", "gamma.four"}), 4, "unit_not_found"));

  auto show = gk({"catalog", "show", "test.with_interpretation", "--json"});
  ASSERT_TRUE(Succeeded(show));
  json shown = show.json_out();
  EXPECT_EQ(shown.at("id"), "test.with_interpretation");
  EXPECT_EQ(shown.at("interpretation_required"), true);
  EXPECT_EQ(shown.at("response_window").at("amount"), 10);
  EXPECT_EQ(shown.at("response_window").at("unit"), "calendar_days");
  auto show_plain = gk({"catalog", "show", "test.planning"});
  ASSERT_TRUE(Succeeded(show_plain));
  EXPECT_THAT(show_plain.out, HasSubstr("规划草案公示"));
  EXPECT_TRUE(Failed(gk({"catalog", "show", "test.nothing"}), 4, "standard_not_found"));

  auto units = gk({"unit", "list", "--json"});
  ASSERT_TRUE(Succeeded(units));
  json u = units.json_out();
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(u[0].at("id"), "alpha.one");
  EXPECT_EQ(u[0].at("name"), "一县");
  EXPECT_EQ(u[0].at("province"), "alpha");
  EXPECT_EQ(u[2].at("id"), "beta.three");
  EXPECT_EQ(u[2].at("province"), "beta");
  auto beta = gk({"unit", "list", "--province", "beta", "--json"});
  ASSERT_TRUE(Succeeded(beta));
  ASSERT_EQ(beta.json_out().size(), 1u);
  EXPECT_EQ(beta.json_out()[0].at("name"), "三县");
}

// A copy of the test definitions with one file replaced.
fs::path broken_definitions(const fs::path& where, const std::string& file,
                            const std::string& text) {
  const fs::path dir = where / "broken_definitions";
  fs::copy(kDefinitions, dir, fs::copy_options::recursive);
  gongkai::testing::write_file(dir / file, text);
  return dir;
}

TEST_F(CliTest, CatalogValidateNeedsNoDatabase) {
  auto valid = run({"catalog", "validate", kDefinitions});
  EXPECT_TRUE(Succeeded(valid));
  EXPECT_THAT(valid.out, HasSubstr("valid"));
  auto valid_json = run({"catalog", "validate", kDefinitions, "--json"});
  ASSERT_TRUE(Succeeded(valid_json));
  EXPECT_EQ(valid_json.json_out(), (json{{"valid", true}, {"errors", json::array()}}));

  const fs::path bad = broken_definitions(dir_.path(), "catalogue/standards.json", "{ not json");
  auto invalid = run({"catalog", "validate", bad.string()});
  EXPECT_EQ(invalid.exit_code, 2) << invalid;
  EXPECT_THAT(invalid.err, StartsWith("error[definition_"));
  EXPECT_THAT(invalid.err, HasSubstr("standards.json"));
  auto invalid_json = run({"catalog", "validate", bad.string(), "--json"});
  EXPECT_EQ(invalid_json.exit_code, 2) << invalid_json;
  json report = invalid_json.json_out();
  EXPECT_EQ(report.at("valid"), false);
  ASSERT_FALSE(report.at("errors").empty());
  EXPECT_THAT(report.at("errors")[0].at("id").get<std::string>(), StartsWith("definition_"));

  // A standard naming a domain that does not exist.
  fs::remove_all(bad);
  std::string standards = gongkai::testing::read_file(kDefinitions + "/catalogue/standards.json");
  const std::string from = "\"domain\": \"urban_planning\"";
  ASSERT_NE(standards.find(from), std::string::npos);
  standards.replace(standards.find(from), from.size(), "\"domain\": \"no_such_domain\"");
  const fs::path unknown = broken_definitions(dir_.path(), "catalogue/standards.json", standards);
  auto unknown_domain = run({"catalog", "validate", unknown.string()});
  EXPECT_NE(unknown_domain.exit_code, 0) << unknown_domain;
  EXPECT_THAT(unknown_domain.err, StartsWith("error[definition_"));

  auto missing = run({"catalog", "validate", dir_.file("nowhere")});
  EXPECT_EQ(missing.exit_code, 2) << missing;
  EXPECT_THAT(missing.err, StartsWith("error[definition_"));
}

// --- refusals: exit code, error id, and nothing written -----------------------------------------

TEST_F(CliTest, UnknownItemIsNotFound) {
  init_simulation();
  item_in("review");
  const std::string before = snapshot();
  EXPECT_TRUE(
      Failed(fire("gk-999999", "submit", "zhang", at("2026-03-03T09:00:00")), 4, "item_not_found"));
  EXPECT_TRUE(Failed(gk({"item", "show", "gk-999999"}), 4, "item_not_found"));
  EXPECT_TRUE(Failed(gk({"item", "history", "gk-999999"}), 4, "item_not_found"));
  EXPECT_TRUE(
      Failed(gk({"audit", "replay", "gk-999999", "--as-of", "2030-01-01"}), 4, "item_not_found"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, UnknownEventIsAnInputError) {
  init_simulation();
  const std::string id = item_in("review");
  const std::string before = snapshot();
  auto r = fire(id, "frobnicate", "li", at("2026-03-03T09:00:00"));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, StartsWith("error["));
  EXPECT_THAT(r.err, HasSubstr("frobnicate"));
  // `created` is recorded by `item create`, never fired.
  auto created = fire(id, "created", "li", at("2026-03-03T09:00:00"));
  EXPECT_EQ(created.exit_code, 2) << created;
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, IllegalTransitionNamesTheStageAndTheEvent) {
  init_simulation();
  const std::string id = item_in("drafting");
  const std::string before = snapshot();
  auto r = fire(id, "publish", "li", at("2026-03-03T09:00:00"));
  EXPECT_TRUE(Failed(r, 3, "illegal_transition"));
  EXPECT_THAT(r.err, HasSubstr("drafting"));
  EXPECT_THAT(r.err, HasSubstr("publish"));
  for (const char* event : {"approve", "interpret", "close", "respond"}) {
    SCOPED_TRACE(event);
    const bool takes_text = std::string(event) == "interpret" || std::string(event) == "respond";
    auto refused =
        fire(id, event, "li", at("2026-03-03T09:00:00"),
             takes_text ? std::vector<std::string>{"--text", "文字"} : std::vector<std::string>{});
    EXPECT_TRUE(Failed(refused, 3, "illegal_transition"));
    EXPECT_THAT(refused.err, HasSubstr(event));
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, FourEyesRefusesTheSubmitterAsApprover) {
  init_simulation();
  const std::string id = item_in("review");  // submitted by zhang
  const std::string before = snapshot();
  auto r = fire(id, "approve", "zhang", at("2026-03-03T09:00:00"));
  EXPECT_TRUE(Failed(r, 3, "four_eyes_violation"));
  EXPECT_THAT(r.err, HasSubstr("zhang"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(must_fire(id, "approve", "li", at("2026-03-03T09:00:00")).at("stage"), "release");
}

TEST_F(CliTest, RejectWithdrawAndCorrectRequireAReason) {
  init_simulation();
  const std::string id = item_in("review");
  std::string before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "reject", "li", at("2026-03-03T09:00:00")), 3, "reason_required"));
  EXPECT_TRUE(Failed(fire(id, "reject", "li", at("2026-03-03T09:00:00"), {"--reason", "  "}), 3,
                     "reason_required"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(must_fire(id, "reject", "li", at("2026-03-03T09:00:00"), {"--reason", "依据不全"})
                .at("stage"),
            "drafting");

  must_fire(id, "submit", "zhang", at("2026-03-03T10:00:00"));
  must_fire(id, "approve", "li", at("2026-03-03T11:00:00"));
  before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "withdraw", "li", at("2026-03-03T12:00:00")), 3, "reason_required"));
  EXPECT_EQ(snapshot(), before);

  must_fire(id, "publish", "li", at("2026-03-03T12:00:00"));
  before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "correct", "zhang", at("2026-03-03T13:00:00"), {"--text", "新内容"}),
                     3, "reason_required"));
  EXPECT_EQ(snapshot(), before);
  json corrected = must_fire(id, "correct", "zhang", at("2026-03-03T13:00:00"),
                             {"--reason", "数据有误", "--text", "更正后的内容"});
  EXPECT_EQ(corrected.at("stage"), "review");
  EXPECT_EQ(corrected.at("revision"), 2);
  EXPECT_EQ(corrected.at("content"), "更正后的内容");
  // The corrector submitted the new revision: four eyes again.
  EXPECT_TRUE(
      Failed(fire(id, "approve", "zhang", at("2026-03-03T14:00:00")), 3, "four_eyes_violation"));
  must_fire(id, "approve", "li", at("2026-03-03T14:00:00"));
  must_fire(id, "publish", "li", at("2026-03-03T15:00:00"));
  must_fire(id, "interpret", "wang", at("2026-03-03T16:00:00"), {"--text", "解读"});
  before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "withdraw", "li", at("2026-03-03T17:00:00")), 3, "reason_required"));
  EXPECT_EQ(snapshot(), before);
  json withdrawn = must_fire(id, "withdraw", "li", at("2026-03-03T17:00:00"), {"--reason", "撤回"});
  EXPECT_EQ(withdrawn.at("stage"), "withdrawn");
  EXPECT_EQ(withdrawn.at("withdrawn_reason"), "撤回");
  auto after_end = fire(id, "submit", "zhang", at("2026-03-03T18:00:00"));
  EXPECT_TRUE(Failed(after_end, 3, "illegal_transition"));
  EXPECT_THAT(after_end.err, HasSubstr("withdrawn"));
  EXPECT_TRUE(Succeeded(gk({"audit", "verify"})));
}

TEST_F(CliTest, OtherGuardsRefuseAndAppendNothing) {
  init_simulation();
  const std::string id = item_in("interpretation");
  std::string before = snapshot();
  EXPECT_TRUE(
      Failed(fire(id, "interpret", "wang", at("2026-03-03T09:00:00")), 3, "material_required"));
  EXPECT_EQ(snapshot(), before);
  must_fire(id, "interpret", "wang", at("2026-03-03T09:00:00"), {"--text", "解读"});
  before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "respond", "wang", at("2026-03-03T10:00:00"), {"--text", "答复"}), 3,
                     "concern_not_open"));
  EXPECT_TRUE(
      Failed(fire(id, "raise_concern", "市民", at("2026-03-03T10:00:00")), 3, "material_required"));
  EXPECT_EQ(snapshot(), before);
  must_fire(id, "raise_concern", "市民", at("2026-03-03T10:00:00"), {"--text", "问题"});
  before = snapshot();
  EXPECT_TRUE(Failed(
      fire(id, "respond", "wang", at("2026-03-03T11:00:00"), {"--concern", "9", "--text", "答复"}),
      4, "concern_not_found"));
  EXPECT_TRUE(Failed(fire(id, "close", "li", at("2030-01-01T00:00:00")), 3, "concerns_open"));
  // Time cannot run backwards within an item's history.
  EXPECT_TRUE(Failed(fire(id, "respond", "wang", at("2026-03-03T09:30:00"), {"--text", "答复"}), 2,
                     "clock_went_backwards"));
  EXPECT_EQ(snapshot(), before);

  // A scheduled release cannot be published early.
  const std::string other = item_in("review");
  must_fire(other, "approve", "li", at("2026-03-02T11:00:00"),
            {"--publish-at", at("2026-03-05T09:00:00")});
  before = snapshot();
  EXPECT_TRUE(
      Failed(fire(other, "publish", "li", at("2026-03-05T08:59:59")), 3, "publish_not_due"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(must_fire(other, "publish", "timer", at("2026-03-05T09:00:00")).at("stage"),
            "interpretation");
}

TEST_F(CliTest, StaleExpectedVersionIsAConflict) {
  init_simulation();
  const std::string id = item_in("drafting");
  const std::string before = snapshot();
  auto r = fire(id, "submit", "zhang", at("2026-03-02T10:00:00"), {"--expect-version", "5"});
  EXPECT_TRUE(Failed(r, 5, "version_conflict"));
  EXPECT_THAT(r.err, HasSubstr("version 1"));
  EXPECT_TRUE(
      Failed(fire(id, "submit", "zhang", at("2026-03-02T10:00:00"), {"--expect-version", "0"}), 5,
             "version_conflict"));
  EXPECT_EQ(snapshot(), before);
  json item =
      must_fire(id, "submit", "zhang", at("2026-03-02T10:00:00"), {"--expect-version", "1"});
  EXPECT_EQ(item.at("version"), 2);
  const std::string after_submit = snapshot();
  EXPECT_TRUE(
      Failed(fire(id, "approve", "li", at("2026-03-02T11:00:00"), {"--expect-version", "1"}), 5,
             "version_conflict"));
  EXPECT_EQ(snapshot(), after_submit);
}

TEST_F(CliTest, RepeatedCommandIdReturnsTheFirstAnswerAndAppendsNothing) {
  init_simulation();
  const std::vector<std::string> create_args = {
      "item",         "create",    "--standard", "test.with_interpretation",
      "--unit",       "alpha.one", "--title",    "重复提交",
      "--actor",      "zhang",     "--now",      at("2026-03-02T09:00:00"),
      "--command-id", "create-1",  "--json"};
  auto first_create = gk(create_args);
  ASSERT_TRUE(Succeeded(first_create));
  const std::string id = first_create.json_out().at("id");
  std::string before = snapshot();
  auto again = gk(create_args);
  EXPECT_TRUE(Succeeded(again));
  EXPECT_EQ(again.out, first_create.out);
  EXPECT_EQ(snapshot(), before);

  // The same key for a different creation.
  std::vector<std::string> other_title = create_args;
  other_title[7] = "另一个标题";
  EXPECT_TRUE(Failed(gk(other_title), 2, "idempotency_key_reused"));
  EXPECT_EQ(snapshot(), before);

  auto first_submit =
      fire(id, "submit", "zhang", at("2026-03-02T10:00:00"), {"--command-id", "submit-1"});
  ASSERT_TRUE(Succeeded(first_submit));
  EXPECT_EQ(first_submit.json_out().at("version"), 2);
  before = snapshot();
  auto repeated =
      fire(id, "submit", "zhang", at("2026-03-02T10:05:00"), {"--command-id", "submit-1"});
  EXPECT_TRUE(Succeeded(repeated));
  EXPECT_EQ(repeated.out, first_submit.out);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(history(id).size(), 2u);

  // Still the first answer after the item has moved on.
  must_fire(id, "approve", "li", at("2026-03-02T11:00:00"));
  before = snapshot();
  auto late = fire(id, "submit", "zhang", at("2026-03-02T12:00:00"), {"--command-id", "submit-1"});
  EXPECT_TRUE(Succeeded(late));
  EXPECT_EQ(late.out, first_submit.out);
  EXPECT_EQ(late.json_out().at("stage"), "review");
  EXPECT_EQ(snapshot(), before);

  // Reused for another event, another actor or another command kind.
  EXPECT_TRUE(
      Failed(fire(id, "publish", "li", at("2026-03-02T12:00:00"), {"--command-id", "submit-1"}), 2,
             "idempotency_key_reused"));
  EXPECT_TRUE(
      Failed(fire(id, "submit", "li", at("2026-03-02T12:00:00"), {"--command-id", "submit-1"}), 2,
             "idempotency_key_reused"));
  EXPECT_TRUE(
      Failed(fire(id, "publish", "li", at("2026-03-02T12:00:00"), {"--command-id", "create-1"}), 2,
             "idempotency_key_reused"));
  std::vector<std::string> create_with_submit_key = create_args;
  create_with_submit_key[13] = "submit-1";
  EXPECT_TRUE(Failed(gk(create_with_submit_key), 2, "idempotency_key_reused"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, UnknownStandardOrUnitIsNotFound) {
  init_simulation();
  item_in("drafting");
  const std::string before = snapshot();
  auto create_with = [&](const std::string& standard, const std::string& unit) {
    return gk({"item", "create", "--standard", standard, "--unit", unit, "--title", "标题",
               "--actor", "zhang", "--now", at("2026-03-02T10:00:00")});
  };
  EXPECT_TRUE(Failed(create_with("test.nothing", "alpha.one"), 4, "standard_not_found"));
  EXPECT_TRUE(Failed(create_with("test.with_interpretation", "gamma.four"), 4, "unit_not_found"));
  // A real standard that does not apply to the unit's domains.
  EXPECT_TRUE(Failed(create_with("test.planning", "alpha.one"), 2, "invalid_argument"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, MalformedCommandLinesAreUsageErrors) {
  init_simulation();
  const std::string id = item_in("drafting");
  const std::string before = snapshot();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"item"},
      {"item", "fire"},
      {"item", "fire", id},
      {"item", "fire", id, "submit"},
      {"item", "fire", id, "submit", "--actor", "zhang", "--bogus"},
      {"item", "create", "--standard", "test.with_interpretation"},
      {"item", "show"},
      {"audit", "replay", id},
      {"audit"},
      {"catalog", "validate"},
      {"item", "list", "--db"},
  };
  for (const auto& args : cases) {
    std::string line;
    for (const auto& a : args) line += " " + a;
    SCOPED_TRACE("gongkai --db DB" + line);
    EXPECT_TRUE(Failed(gk(args), 2, "usage"));
  }
  EXPECT_EQ(snapshot(), before);
}

// A number an option cannot take is invalid_argument naming the option and the range — including
// one past the type's range, which CLI11 would clamp, and the negative or zero values that meant
// "not given" or "all" before; so is an option the event does not take, a folder as a text file,
// and two sources of one value.
TEST_F(CliTest, OptionValuesOutOfTheirRangeAreInvalidArguments) {
  init_simulation();
  const std::string id = item_in("review");
  const std::string before = snapshot();
  fs::create_directories(dir_.path() / "folder");
  testing::write_file(dir_.path() / "text.txt", "文字");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--expect-version", "abc"},
       "--expect-version"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--expect-version", "-1"},
       "--expect-version"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--expect-version",
        "99999999999999999999"},
       "--expect-version"},
      {{"item", "fire", id, "respond", "--actor", "li", "--text", "t", "--concern", "one"},
       "--concern"},
      {{"item", "fire", id, "respond", "--actor", "li", "--text", "t", "--concern", "-1"},
       "--concern"},
      {{"item", "fire", id, "respond", "--actor", "li", "--text", "t", "--concern", "0"},
       "--concern"},
      {{"item", "list", "--limit", "many"}, "--limit"},
      {{"item", "list", "--limit", "0"}, "--limit"},
      {{"item", "list", "--limit", "-1"}, "--limit"},
      {{"item", "list", "--offset", "-1"}, "--offset"},
      {{"delivery", "list", "--limit", "0"}, "--limit"},
      {{"calendar", "add", "--from", "2026-02-10", "--working-days", "1", "--calendar-version",
        "-1"},
       "--calendar-version"},
      {{"calendar", "add", "--from", "2026-02-10", "--working-days", "1", "--calendar-version",
        "0"},
       "--calendar-version"},
      {{"calendar", "is-working-day", "2026-02-10", "--calendar-version", "0"},
       "--calendar-version"},
      {{"website", "topic", "--province", "alpha", "--web-root", dir_.file("www"), "--releases",
        "-1"},
       "--releases"},
      {{"deadline", "extend", id, "review", "--actor", "li", "--role", "科长", "--reason", "r",
        "--by", "-3"},
       "--by"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--publish-at",
        "2026-03-09T09:00:00+08:00"},
       "publish_at"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--major"}, "major"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--concern", "1"},
       "concern does not apply"},
      {{"item", "fire", id, "reject", "--actor", "li", "--reason", "r", "--text", "t"}, "text"},
      {{"item", "fire", id, "approve", "--actor", "li", "--text-file", dir_.file("text.txt")},
       "text does not apply"},
      {{"item", "fire", id, "approve", "--actor", "li", "--publish-at", "2026-03-09T09:00:00+08:00",
        "--major"},
       "major does not apply"},
      {{"item", "create", "--standard", "test.without_interpretation", "--unit", "alpha.one",
        "--title", "t", "--actor", "zhang", "--content-file", dir_.file("folder")},
       "folder"},
      {{"item", "fire", id, "interpret", "--actor", "li", "--text-file", dir_.file("folder")},
       "folder"},
  };
  for (const auto& [args, names] : cases) {
    std::string line;
    for (const auto& a : args) line += " " + a;
    SCOPED_TRACE("gongkai --db DB" + line);
    const CliResult r = gk(args);
    EXPECT_TRUE(Failed(r, 2, "invalid_argument")) << r;
    EXPECT_THAT(r.err, HasSubstr(names));
  }
  // Two sources of one value: a usage error.
  EXPECT_TRUE(Failed(gk({"item", "fire", id, "interpret", "--actor", "li", "--text", "a",
                         "--text-file", dir_.file("text.txt")}),
                     2, "usage"));
  EXPECT_TRUE(Failed(gk({"calendar", "add", "--from", "2026-02-10", "--working-days", "1",
                         "--calendar-version", "3", "--as-of", "2020-01-01"}),
                     2, "usage"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, BadTimesAreInvalidTime) {
  init_simulation();
  const std::string id = item_in("review");
  const std::string before = snapshot();
  for (const std::string& now :
       {std::string("yesterday"), std::string("2026-02-30T10:00:00+08:00"),
        std::string("2026-03-02 10:00"), std::string("2026-03-02T25:00:00Z")}) {
    SCOPED_TRACE("--now '" + now + "'");
    EXPECT_TRUE(Failed(fire(id, "approve", "li", now), 2, "invalid_time"));
    EXPECT_TRUE(Failed(gk({"item", "create", "--standard", "test.with_interpretation", "--unit",
                           "alpha.one", "--title", "标题", "--actor", "zhang", "--now", now}),
                       2, "invalid_time"));
  }
  EXPECT_TRUE(Failed(gk({"audit", "replay", id, "--as-of", "soon"}), 2, "invalid_time"));
  EXPECT_TRUE(
      Failed(fire(id, "approve", "li", at("2026-03-03T09:00:00"), {"--publish-at", "next week"}), 2,
             "invalid_time"));
  EXPECT_TRUE(Failed(gk({"item", "create", "--standard", "test.with_interpretation", "--unit",
                         "alpha.one", "--title", "标题", "--actor", "zhang", "--now",
                         at("2026-03-03T09:00:00"), "--formed-at", "13/03/2026"}),
                     2, "invalid_time"));
  EXPECT_EQ(snapshot(), before);
}

// PRODUCT BUG (reported): an explicitly empty `--now ''` (say `--now "$T"` with T unset in an
// operator's script) is taken as "no --now": the command is accepted and recorded at the real
// time on a simulation database instead of being refused as invalid_time.
TEST_F(CliTest, EmptyNowIsInvalidTime) {
  init_simulation();
  const std::string id = item_in("review");
  const std::string before = snapshot();
  EXPECT_TRUE(Failed(fire(id, "approve", "li", ""), 2, "invalid_time"));
  EXPECT_TRUE(Failed(gk({"item", "create", "--standard", "test.with_interpretation", "--unit",
                         "alpha.one", "--title", "标题", "--actor", "zhang", "--now", ""}),
                     2, "invalid_time"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, NowIsRefusedOnAProductionDatabase) {
  auto init = gk({"init", "--definitions", kDefinitions, "--json"});
  ASSERT_TRUE(Succeeded(init));
  EXPECT_EQ(init.json_out().at("simulation"), false);
  const std::vector<std::string> create_args = {
      "item",    "create",    "--standard", "test.with_interpretation",
      "--unit",  "alpha.one", "--title",    "正式库",
      "--actor", "zhang"};
  std::vector<std::string> backdated = create_args;
  backdated.insert(backdated.end(), {"--now", at("2026-03-02T09:00:00")});
  auto r = gk(backdated);
  EXPECT_TRUE(Failed(r, 2, "simulation_only"));
  EXPECT_EQ(gk({"item", "list", "--json"}).json_out(), json::array());

  // Without --now the system clock is used.
  auto created = gk(create_args);
  ASSERT_TRUE(Succeeded(created));
  const std::string before = snapshot();
  EXPECT_TRUE(Failed(fire("gk-000001", "submit", "zhang", at("2026-03-02T10:00:00")), 2,
                     "simulation_only"));
  EXPECT_EQ(snapshot(), before);
  // A production database cannot be turned into a simulation.
  EXPECT_TRUE(
      Failed(gk({"init", "--simulation", "--definitions", kDefinitions}), 2, "simulation_only"));
  EXPECT_EQ(snapshot(), before);

  // `init --now` without --simulation creates nothing.
  const std::string other = dir_.file("other.db");
  EXPECT_TRUE(Failed(run({"--db", other, "init", "--definitions", kDefinitions, "--now",
                          at("2026-03-02T09:00:00")}),
                     2, "simulation_only"));
  EXPECT_FALSE(fs::exists(other));
}

TEST_F(CliTest, MissingDatabaseIsReportedAndNotCreated) {
  for (const std::string& path : {dir_.file("absent.db"), dir_.file("no/such/folder/absent.db")}) {
    SCOPED_TRACE(path);
    const std::vector<std::vector<std::string>> commands = {
        {"audit", "verify"},
        {"item", "list"},
        {"item", "show", "gk-000001"},
        {"item", "history", "gk-000001"},
        {"item", "fire", "gk-000001", "submit", "--actor", "zhang"},
        {"item", "create", "--standard", "test.with_interpretation", "--unit", "alpha.one",
         "--title", "标题", "--actor", "zhang"},
    };
    for (auto args : commands) {
      SCOPED_TRACE(args[0] + " " + args[1]);
      args.insert(args.begin(), {"--db", path});
      EXPECT_TRUE(Failed(run(args), 2, "database_missing"));
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(fs::exists(path + "-wal"));
  }
  EXPECT_FALSE(fs::exists(dir_.file("no")));
}

TEST_F(CliTest, FilesThatAreNotGongkaiDatabasesAreRefusedAndLeftAlone) {
  const std::string text = dir_.file("notes.txt");
  gongkai::testing::write_file(text, "这不是数据库。\nnot a database\n");
  const std::string empty = dir_.file("empty.db");
  gongkai::testing::write_file(empty, "");
  const std::string other = dir_.file("other.db");
  {
    SQLite::Database db(other, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, what TEXT)");
    db.exec("INSERT INTO events (what) VALUES ('another application')");
  }
  const std::string folder = dir_.file("folder.db");
  fs::create_directory(folder);

  const std::vector<std::vector<std::string>> commands = {
      {"audit", "verify"},
      {"item", "list"},
      {"item", "history", "gk-000001"},
      {"item", "fire", "gk-000001", "submit", "--actor", "zhang"},
      {"item", "create", "--standard", "test.with_interpretation", "--unit", "alpha.one", "--title",
       "标题", "--actor", "zhang"},
  };
  for (const std::string& path : {text, empty, other, folder}) {
    SCOPED_TRACE(path);
    const bool is_file = fs::is_regular_file(path);
    const std::string bytes = is_file ? gongkai::testing::read_file(path) : "";
    for (auto args : commands) {
      SCOPED_TRACE(args[0] + " " + args[1]);
      args.insert(args.begin(), {"--db", path});
      EXPECT_TRUE(Failed(run(args), 1, "not_a_gongkai_database"));
    }
    if (path != empty) {
      // `init` on it too; an empty file, by contrast, is a fine place for a new database.
      EXPECT_TRUE(Failed(run({"--db", path, "init", "--simulation", "--definitions", kDefinitions}),
                         1, "not_a_gongkai_database"));
    }
    if (is_file) {
      EXPECT_EQ(gongkai::testing::read_file(path), bytes);
    }
    EXPECT_FALSE(fs::exists(path + "-wal"));
  }
  SQLite::Database db(other, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master").getInt(), 1);
  EXPECT_EQ(db.execAndGet("PRAGMA application_id").getInt(), 0);
  EXPECT_EQ(db.execAndGet("SELECT what FROM events").getString(), "another application");
}

TEST_F(CliTest, InitWithMalformedDefinitionsLeavesNothingBehind) {
  const fs::path bad = broken_definitions(dir_.path(), "units.json", "{\"units\": [");
  const std::string fresh = dir_.file("fresh/gongkai.db");
  auto r = run({"--db", fresh, "init", "--simulation", "--definitions", bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, StartsWith("error[definition_"));
  EXPECT_FALSE(fs::exists(fresh));
  EXPECT_FALSE(fs::exists(dir_.file("fresh")));

  // An existing database is left as it was.
  init_simulation();
  item_in("review");
  const std::string before = snapshot();
  const std::string catalog = gk({"catalog", "list", "--json"}).out;
  auto again = gk({"init", "--simulation", "--definitions", bad.string()});
  EXPECT_EQ(again.exit_code, 2) << again;
  EXPECT_THAT(again.err, StartsWith("error[definition_"));
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(gk({"catalog", "list", "--json"}).out, catalog);
  auto missing_folder = gk({"init", "--simulation", "--definitions", dir_.file("nowhere")});
  EXPECT_EQ(missing_folder.exit_code, 2) << missing_folder;
  EXPECT_THAT(missing_folder.err, StartsWith("error[definition_"));
  EXPECT_EQ(snapshot(), before);

  // The same definitions again: accepted, still version 1.
  auto same = gk({"init", "--simulation", "--definitions", kDefinitions, "--json"});
  ASSERT_TRUE(Succeeded(same));
  EXPECT_EQ(same.json_out().at("definitions_version"), 1);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(CliTest, ReadOnlyDatabaseRefusesWritesAndStillReads) {
  init_simulation();
  const std::string id = item_in("review");
  const std::string before = snapshot();
  fs::permissions(db_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  std::unique_ptr<ImmutableFile> immutable;
  if (writable(db_)) {
    // Running as root: permission bits do not stop writes, the immutable attribute does.
    immutable = std::make_unique<ImmutableFile>(db_);
    if (!immutable->active() || writable(db_)) {
      make_writable(db_);
      GTEST_SKIP() << "running as root and cannot make " << db_
                   << " immutable (chattr +i: " << immutable->error()
                   << "); no way to make the file read-only here";
    }
  }
  auto approve = fire(id, "approve", "li", at("2026-03-03T09:00:00"));
  EXPECT_TRUE(Failed(approve, 1, "storage_read_only"));
  auto create =
      gk({"item", "create", "--standard", "test.with_interpretation", "--unit", "alpha.one",
          "--title", "标题", "--actor", "zhang", "--now", at("2026-03-03T09:00:00")});
  EXPECT_NE(create.exit_code, 0) << create;
  EXPECT_THAT(create.err, StartsWith("error[storage_read_only]"));
  // Reads still work and nothing changed.
  EXPECT_TRUE(Succeeded(gk({"item", "show", id})));
  EXPECT_TRUE(Succeeded(gk({"audit", "replay", id, "--as-of", "2030-01-01"})));
  EXPECT_EQ(snapshot(), before);
  // Writable again (SQLite created the -wal and -shm files with the database's mode, 0444).
  immutable.reset();
  make_writable(db_);
  EXPECT_EQ(must_fire(id, "approve", "li", at("2026-03-03T09:00:00")).at("version"), 3);
}

// Two processes fire at one item expecting the same version: exactly one wins.
TEST_F(CliTest, RacingWritersWithTheSameExpectedVersion) {
  init_simulation();
  const std::string id = item_in("response");
  std::int64_t version = 5;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string now = at("2026-03-03T09:00:00");
    auto args = [&](const std::string& who) {
      return std::vector<std::string>{"--db",
                                      db_,
                                      "item",
                                      "fire",
                                      id,
                                      "raise_concern",
                                      "--actor",
                                      who,
                                      "--text",
                                      "来自 " + who,
                                      "--now",
                                      now,
                                      "--expect-version",
                                      std::to_string(version),
                                      "--json"};
    };
    CliProcess first(args("甲"), runs_.path());
    CliProcess second(args("乙"), runs_.path());
    const CliResult a = first.wait();
    const CliResult b = second.wait();
    std::multiset<int> codes = {a.exit_code, b.exit_code};
    EXPECT_EQ(codes, (std::multiset<int>{0, 5})) << a << "\n" << b;
    const CliResult& loser = a.exit_code == 0 ? b : a;
    EXPECT_TRUE(Failed(loser, 5, "version_conflict"));
    const json events = history(id);
    ASSERT_EQ(events.size(), static_cast<std::size_t>(version + 1));
    EXPECT_EQ(events.back().at("actor"), a.exit_code == 0 ? "甲" : "乙");
    ++version;
  }
  EXPECT_TRUE(Succeeded(gk({"audit", "verify"})));
}

// Without an expected version, a writer that loses the race re-evaluates and also lands.
TEST_F(CliTest, RacingWritersWithoutExpectedVersionBothLand) {
  init_simulation();
  const std::string id = item_in("response");
  auto args = [&](const std::string& who) {
    return std::vector<std::string>{
        "--db",    db_, "item",   "fire",        id,      "raise_concern",
        "--actor", who, "--text", "来自 " + who, "--now", at("2026-03-03T09:00:00")};
  };
  CliProcess first(args("甲"), runs_.path());
  CliProcess second(args("乙"), runs_.path());
  EXPECT_TRUE(Succeeded(first.wait()));
  EXPECT_TRUE(Succeeded(second.wait()));
  const json events = history(id);
  ASSERT_EQ(events.size(), 7u);
  std::set<std::string> actors = {events[5].at("actor"), events[6].at("actor")};
  EXPECT_EQ(actors, (std::set<std::string>{"甲", "乙"}));
  EXPECT_TRUE(Succeeded(gk({"audit", "verify"})));
}

TEST_F(CliTest, DemoRunsAndEndsWithAPassingAudit) {
  const std::string demo_db = dir_.file("demo.db");
  auto r = run({"demo", "--walkthrough", "--database", demo_db});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "");
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string last_line = out.substr(out.rfind('\n') + 1);
  EXPECT_THAT(last_line, StartsWith("audit verify: ok")) << r;
  // The demo's database is an ordinary simulation database that verifies on its own.
  auto verify = run({"--db", demo_db, "audit", "verify", "--json"});
  ASSERT_TRUE(Succeeded(verify));
  EXPECT_EQ(verify.json_out().at("ok"), true);
}

}  // namespace
}  // namespace gongkai
