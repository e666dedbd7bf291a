// Black-box tests of legal time through the built `gongkai` binary: `calendar add|is-working-day|
// list|load`, `deadline pause|resume|extend`, `item show|explain|list --overdue`, `tick`. Every run
// is a real process on a real database file (or on none: the shipped calendars) in a fresh
// temporary folder.
//
// The expected dates are literals, each checked by hand against
// /work/shared/reference/cn-holidays-2017-2026.json (the notices as published and their
// amendments) and a printed calendar; the engine-level arithmetic is in
// tests/engine/calendar_test.cpp and tests/engine/deadlines_test.cpp. Times are China time
// (UTC+8) unless they end in Z.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
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
namespace fs = std::filesystem;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";
const std::string kShippedDefinitions = std::string(GONGKAI_SOURCE_DIR) + "/definitions";

std::string at(const std::string& local) {
  return local + "+08:00";
}

// An instant given as at("YYYY-MM-DDTHH:MM:SS") as gongkai prints it.
std::string shown(const std::string& instant) {
  return instant.substr(0, 19) + ".000+08:00";
}

// "YYYY-MM-DD" + 1 day (proleptic Gregorian; H. Hinnant's days_from_civil / civil_from_days).
std::string next_day(const std::string& date) {
  int y = std::stoi(date.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(date.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(date.substr(8, 2)));
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long z = static_cast<long>(era) * 146097 + static_cast<long>(doe) - 719468 + 1;
  z += 719468;
  const long era2 = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe2 = static_cast<unsigned>(z - era2 * 146097);
  const unsigned yoe2 = (doe2 - doe2 / 1460 + doe2 / 36524 - doe2 / 146096) / 365;
  const unsigned doy2 = doe2 - (365 * yoe2 + yoe2 / 4 - yoe2 / 100);
  const unsigned mp = (5 * doy2 + 2) / 153;
  const unsigned day = doy2 - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const long year = static_cast<long>(yoe2) + era2 * 400 + (month <= 2);
  char out[64];
  std::snprintf(out, sizeof out, "%04ld-%02u-%02u", year, month, day);
  return out;
}

// 24:00 China time of `date`, as gongkai prints it.
std::string end_of(const std::string& date) {
  return next_day(date) + "T00:00:00.000+08:00";
}

// The steps of a computation of one kind.
std::vector<json> steps_of(const json& computation, const std::string& kind) {
  std::vector<json> out;
  for (const json& s : computation.at("steps")) {
    if (s.at("kind") == kind) out.push_back(s);
  }
  return out;
}

const json* step_on(const json& computation, const std::string& date, const std::string& kind) {
  for (const json& s : computation.at("steps")) {
    if (s.at("date") == date && s.at("kind") == kind) return &s;
  }
  return nullptr;
}

// A copy of the test definitions, for editing.
std::string copy_definitions(const fs::path& root) {
  fs::copy(kDefinitions, root, fs::copy_options::recursive);
  return root.string();
}

// Cuts the copy's national calendar back to versions 1..last_version.
void cut_national_calendar(const fs::path& root, int last_version) {
  const fs::path cn = root / "calendars" / "cn.json";
  json calendar = json::parse(testing::read_file(cn));
  json kept = json::array();
  for (const auto& v : calendar.at("versions")) {
    if (v.at("version").get<int>() <= last_version) kept.push_back(v);
  }
  calendar["versions"] = kept;
  testing::write_file(cn, calendar.dump(2));
}

class TimeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("gongkai.db");
    absent_ = dir_.file("absent.db");
  }

  void TearDown() override {
    EXPECT_FALSE(fs::exists(absent_)) << "a command without a database created one";
  }

  CliResult run(const std::vector<std::string>& args) {
    return CliProcess(args, runs_.path()).wait();
  }

  // On the fixture's database.
  CliResult gk(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return run(args);
  }

  // Without a database: on the shipped calendars.
  CliResult nodb(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", absent_});
    return run(args);
  }

  // `calendar add ... --json` without a database; the JSON, or null after a test failure.
  json add(std::vector<std::string> args) {
    args.insert(args.begin(), {"calendar", "add"});
    args.push_back("--json");
    auto r = nodb(args);
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json();
  }

  json is_working_day(std::vector<std::string> args, bool with_db = false) {
    args.insert(args.begin(), {"calendar", "is-working-day"});
    args.push_back("--json");
    auto r = with_db ? gk(args) : nodb(args);
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json();
  }

  void init_simulation(const std::string& definitions = kDefinitions) {
    auto r = gk({"init", "--simulation", "--definitions", definitions, "--json"});
    ASSERT_TRUE(Succeeded(r));
    EXPECT_EQ(r.json_out().at("simulation"), true);
  }

  std::string create(const std::string& standard, const std::string& unit, const std::string& now) {
    auto r = gk({"item", "create", "--standard", standard, "--unit", unit, "--title", "标题",
                 "--actor", "张三", "--now", now, "--json"});
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out().value("id", "") : "";
  }

  json must_fire(const std::string& id, const std::string& event, const std::string& actor,
                 const std::string& now, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"item", "fire",  id,  event,   "--actor",
                                     actor,  "--now", now, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = gk(args);
    EXPECT_TRUE(Succeeded(r)) << event;
    return r.exit_code == 0 ? r.json_out() : json::object();
  }

  // Drives a test.with_interpretation item of alpha.one (formed at `formed`) through publication
  // at `published`.
  std::string published_item(const std::string& formed, const std::string& published) {
    const std::string id = create("test.with_interpretation", "alpha.one", formed);
    must_fire(id, "submit", "张三", formed);
    must_fire(id, "approve", "李四", formed);
    must_fire(id, "publish", "李四", published);
    return id;
  }

  json show(const std::string& id) {
    auto r = gk({"item", "show", id, "--json"});
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json::object();
  }

  // The deadline `deadline` of an item's JSON (null when absent).
  static json deadline_of(const json& item, const std::string& deadline) {
    for (const json& d : item.at("deadlines")) {
      if (d.at("id") == deadline) return d;
    }
    ADD_FAILURE() << "no deadline " << deadline << " in " << item.dump(2);
    return json();
  }

  json explain(const std::string& id, const std::string& deadline) {
    auto r = gk({"item", "explain", id, "--json"});
    EXPECT_TRUE(Succeeded(r));
    if (r.exit_code != 0) return json();
    for (const json& x : r.json_out()) {
      if (x.at("deadline") == deadline) return x;
    }
    ADD_FAILURE() << "item explain lists no " << deadline << ":\n" << r.out;
    return json();
  }

  json history(const std::string& id) {
    auto r = gk({"item", "history", id, "--json"});
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json::array();
  }

  // The events of the item's history whose type starts with "deadline_".
  std::vector<json> deadline_events(const std::string& id) {
    std::vector<json> out;
    for (const json& e : history(id)) {
      if (e.at("type").get<std::string>().rfind("deadline_", 0) == 0) out.push_back(e);
    }
    return out;
  }

  json tick(const std::string& now) {
    auto r = gk({"tick", "--now", now, "--json"});
    EXPECT_TRUE(Succeeded(r)) << now;
    return r.exit_code == 0 ? r.json_out() : json::object();
  }

  json overdue(const std::string& now) {
    auto r = gk({"item", "list", "--overdue", "--now", now, "--json"});
    EXPECT_TRUE(Succeeded(r));
    return r.exit_code == 0 ? r.json_out() : json::array();
  }

  void expect_audit_passes() {
    auto r = gk({"audit", "verify", "--json"});
    ASSERT_TRUE(Succeeded(r));
    EXPECT_EQ(r.json_out().at("ok"), true);
  }

  testing::TempDir dir_;
  testing::TempDir runs_;
  std::string db_;
  std::string absent_;
};

// --- calendar add: working days ------------------------------------------------------------------

struct HolidayCase {
  const char* holiday;  // a substring of the holiday's name
  const char* first;    // its first day
  const char* from;     // the last working day before it (the trigger day)
  const char* due5;     // the 5th working day after `from`
  const char* due20;    // the 20th
};

// Every Spring Festival and National Day 2017-2026, counted from the last working day before it.
// Make-up days (counted) are marked *, with the dates read off the notices:
//   2017 春节 1-27..2-02, 2-04* | 国庆 10-01..10-08, from Sat 9-30*
//   2018 春节 2-15..2-21, 2-24* | 国庆 10-01..10-07, from Sun 9-30*
//   2019 春节 2-04..2-10, from Sun 2-03* | 国庆 10-01..10-07, 10-12* (the 5th day is that Saturday)
//   2020 春节 1-24..2-02 (extended; 2-01 no longer worked) | 国庆 10-01..10-08, 10-10*
//   2021 春节 2-11..2-17, 2-20* | 国庆 10-01..10-07, 10-09*
//   2022 春节 1-31..2-06, from Sun 1-30* | 国庆 10-01..10-07, 10-08*, 10-09*
//   2023 春节 1-21..1-27, 1-28*, 1-29* | 国庆 9-29..10-06, 10-07*, 10-08*
//   2024 春节 2-10..2-17, 2-18* | 国庆 10-01..10-07, 10-12*
//   2025 春节 1-28..2-04, 2-08* | 国庆 10-01..10-08, 10-11*
//   2026 春节 2-15..2-23, from Sat 2-14*, 2-28* | 国庆 10-01..10-07, 10-10*
const HolidayCase kHolidayCases[] = {
    {"春节", "2017-01-27", "2017-01-26", "2017-02-08", "2017-03-01"},
    {"国庆节", "2017-10-01", "2017-09-30", "2017-10-13", "2017-11-03"},
    {"春节", "2018-02-15", "2018-02-14", "2018-02-27", "2018-03-20"},
    {"国庆节", "2018-10-01", "2018-09-30", "2018-10-12", "2018-11-02"},
    {"春节", "2019-02-04", "2019-02-03", "2019-02-15", "2019-03-08"},
    {"国庆节", "2019-10-01", "2019-09-30", "2019-10-12", "2019-11-01"},
    {"春节", "2020-01-24", "2020-01-23", "2020-02-07", "2020-02-28"},
    {"国庆节", "2020-10-01", "2020-09-30", "2020-10-14", "2020-11-04"},
    {"春节", "2021-02-11", "2021-02-10", "2021-02-23", "2021-03-16"},
    {"国庆节", "2021-10-01", "2021-09-30", "2021-10-13", "2021-11-03"},
    {"春节", "2022-01-31", "2022-01-30", "2022-02-11", "2022-03-04"},
    {"国庆节", "2022-10-01", "2022-09-30", "2022-10-12", "2022-11-02"},
    {"春节", "2023-01-21", "2023-01-20", "2023-02-01", "2023-02-22"},
    {"国庆节", "2023-09-29", "2023-09-28", "2023-10-11", "2023-11-01"},
    {"春节", "2024-02-10", "2024-02-09", "2024-02-22", "2024-03-14"},
    {"国庆节", "2024-10-01", "2024-09-30", "2024-10-12", "2024-11-01"},
    {"春节", "2025-01-28", "2025-01-27", "2025-02-10", "2025-03-03"},
    {"国庆节", "2025-10-01", "2025-09-30", "2025-10-14", "2025-11-04"},
    {"春节", "2026-02-15", "2026-02-14", "2026-02-28", "2026-03-20"},
    {"国庆节", "2026-10-01", "2026-09-30", "2026-10-13", "2026-11-03"},
};

TEST_F(TimeCliTest, WorkingDaysAcrossEverySpringFestivalAndNationalDay) {
  for (const HolidayCase& c : kHolidayCases) {
    for (const int n : {5, 20}) {
      const std::string due = n == 5 ? c.due5 : c.due20;
      SCOPED_TRACE(std::string(c.holiday) + " " + c.first + ": " + std::to_string(n) +
                   " working days from " + c.from);
      const json j =
          add({"--calendar", "cn", "--from", c.from, "--working-days", std::to_string(n)});
      ASSERT_TRUE(j.is_object());
      EXPECT_EQ(j.at("due"), due);
      EXPECT_EQ(j.at("due_at"), end_of(due));
      EXPECT_EQ(j.at("trigger"), std::string(c.from) + "T00:00:00.000+08:00");
      EXPECT_EQ(j.at("trigger_date"), c.from);
      EXPECT_EQ(j.at("unit"), "working_days");
      EXPECT_EQ(j.at("amount"), n);
      EXPECT_EQ(j.at("calendar"), "cn");
      EXPECT_EQ(j.at("calendar_version"), 12);
      EXPECT_EQ(j.at("provisional"), false);
      // The trigger day is not counted; N working days are, 1..N, the last on the due day.
      const auto trigger = steps_of(j, "trigger");
      ASSERT_EQ(trigger.size(), 1u);
      EXPECT_EQ(trigger[0].at("date"), c.from);
      const auto counted = steps_of(j, "counted");
      ASSERT_EQ(counted.size(), static_cast<std::size_t>(n));
      for (int k = 0; k < n; ++k)
        EXPECT_EQ(counted[static_cast<std::size_t>(k)].at("ordinal"), k + 1);
      EXPECT_EQ(counted.back().at("date"), due);
      EXPECT_EQ(steps_of(j, "due").at(0).at("date"), due);
      // The holiday's first day is skipped, by name; every make-up day met is counted.
      const json* first = step_on(j, c.first, "skipped");
      ASSERT_NE(first, nullptr) << j.dump(2);
      EXPECT_EQ(first->at("day"), "holiday");
      EXPECT_THAT(first->at("holiday").get<std::string>(), HasSubstr(c.holiday));
      EXPECT_THAT(first->at("what").get<std::string>(), HasSubstr("holiday:"));
      for (const json& s : j.at("steps")) {
        if (s.at("day") == "makeup_workday") {
          EXPECT_TRUE(s.at("kind") == "counted" || s.at("kind") == "trigger" ||
                      s.at("kind") == "due")
              << s.dump();
        }
        if (s.at("day") == "holiday" || s.at("day") == "weekend") {
          EXPECT_EQ(s.at("kind"), "skipped") << s.dump();
        }
      }
    }
  }
}

TEST_F(TimeCliTest, MakeUpSaturdaysAndSundaysAreCounted) {
  struct Case {
    const char* from;
    int n;
    const char* due;
    const char* makeup;   // a make-up day among the days counted
    const char* holiday;  // the holiday it is worked for
  };
  for (const Case& c : std::vector<Case>{
           // Fri 2026-02-13 + 1: Sat 02-14 is worked for 春节.
           {"2026-02-13", 1, "2026-02-14", "2026-02-14", "春节"},
           // Sat 2019-04-27 + 1: Sun 04-28 is worked for the amended 劳动节.
           {"2019-04-27", 1, "2019-04-28", "2019-04-28", "劳动节"},
           // Fri 2023-10-06 (a holiday) + 2: Sat 10-07 and Sun 10-08 are both worked.
           {"2023-10-06", 2, "2023-10-08", "2023-10-08", "中秋节、国庆节"},
           // Fri 2024-02-02 + 2: Sat 02-03 rests, Sun 02-04 is worked, then Mon 02-05.
           {"2024-02-02", 2, "2024-02-05", "2024-02-04", "春节"},
           // Tue 2025-02-04 (春节) + 4: 02-05, 06, 07, Sat 02-08.
           {"2025-02-04", 4, "2025-02-08", "2025-02-08", "春节"},
       }) {
    SCOPED_TRACE(std::string(c.from) + " + " + std::to_string(c.n));
    const json j = add({"--from", c.from, "--working-days", std::to_string(c.n)});
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("due"), c.due);
    const json* makeup = step_on(j, c.makeup, "counted");
    ASSERT_NE(makeup, nullptr) << j.dump(2);
    EXPECT_EQ(makeup->at("day"), "makeup_workday");
    EXPECT_EQ(makeup->at("holiday"), c.holiday);
    EXPECT_THAT(makeup->at("what").get<std::string>(),
                HasSubstr(std::string("makeup_workday:") + c.holiday));
  }
  // A make-up Saturday is a working day as a trigger, too: not counted (next-day rule).
  const json j = add({"--from", "2026-02-14", "--working-days", "1"});
  EXPECT_EQ(j.at("due"), "2026-02-24") << "春节 02-15..02-23 skipped";
}

TEST_F(TimeCliTest, ZeroIsTheSameDayWhateverTheDay) {
  // 同步: due at 24:00 of the trigger day, even a holiday or a weekend.
  json j = add({"--from", at("2019-05-04T15:00:00"), "--working-days", "0"});
  EXPECT_EQ(j.at("due"), "2019-05-04");
  EXPECT_EQ(j.at("due_at"), "2019-05-05T00:00:00.000+08:00");
  EXPECT_EQ(j.at("provisional"), false);
  j = add({"--from", "2026-02-15", "--calendar-days", "0"});
  EXPECT_EQ(j.at("due"), "2026-02-15") << "not extended past 春节";
  EXPECT_EQ(j.at("due_at"), "2026-02-16T00:00:00.000+08:00");
  EXPECT_TRUE(steps_of(j, "period_end").empty());
  j = add({"--from", "2026-03-07", "--calendar-days", "0"});
  EXPECT_EQ(j.at("due"), "2026-03-07") << "a Saturday: not extended";
  j = add({"--from", at("2026-10-01T10:00:00"), "--hours", "0"});
  EXPECT_EQ(j.at("due_at"), "2026-10-01T10:00:00.000+08:00");
  EXPECT_EQ(j.at("due"), "2026-10-01");
}

// --- calendar add: calendar days and hours -------------------------------------------------------

TEST_F(TimeCliTest, CalendarDaysEndingOnARestDayAreExtendedButNotOnAMakeUpDay) {
  struct Case {
    const char* from;
    int n;
    const char* raw;  // from + n
    const char* due;
  };
  for (const Case& c : std::vector<Case>{
           // Ends on a holiday: the first working day after it (民法典 art. 203).
           {"2026-01-26", 20, "2026-02-15", "2026-02-24"},  // Sun, 春节 to Mon 02-23
           {"2019-09-11", 20, "2019-10-01", "2019-10-08"},  // 国庆节 to Mon 10-07
           {"2023-01-08", 15, "2023-01-23", "2023-01-28"},  // 春节 to Fri 01-27; Sat 01-28 worked
           // Ends on a weekend.
           {"2024-06-02", 20, "2024-06-22", "2024-06-24"},  // Sat
           {"2026-03-02", 13, "2026-03-15", "2026-03-16"},  // Sun
       }) {
    SCOPED_TRACE(std::string(c.from) + " + " + std::to_string(c.n) + " days");
    const json j = add({"--from", c.from, "--calendar-days", std::to_string(c.n)});
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("due"), c.due);
    EXPECT_EQ(j.at("due_at"), end_of(c.due));
    EXPECT_EQ(j.at("unit"), "calendar_days");
    const json* end = step_on(j, c.raw, "period_end");
    ASSERT_NE(end, nullptr) << "day " << c.n << " is a rest day: " << j.dump(2);
    EXPECT_EQ(end->at("ordinal"), c.n);
    EXPECT_EQ(steps_of(j, "due").at(0).at("date"), c.due);
  }
  for (const Case& c : std::vector<Case>{
           // Ends on a make-up working day: not extended.
           {"2019-09-22", 20, "2019-10-12", "2019-10-12"},  // Sat, worked for 国庆节
           {"2023-01-08", 20, "2023-01-28", "2023-01-28"},  // Sat, worked for 春节
           {"2025-09-08", 20, "2025-09-28", "2025-09-28"},  // Sun, worked for 国庆节、中秋节
           {"2026-02-04", 10, "2026-02-14", "2026-02-14"},  // Sat, worked for 春节
           // Ends on a weekday.
           {"2026-03-02", 10, "2026-03-12", "2026-03-12"},
       }) {
    SCOPED_TRACE(std::string(c.from) + " + " + std::to_string(c.n) + " days");
    const json j = add({"--from", c.from, "--calendar-days", std::to_string(c.n)});
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("due"), c.due);
    EXPECT_EQ(j.at("due_at"), end_of(c.due));
    EXPECT_TRUE(steps_of(j, "period_end").empty()) << j.dump(2);
  }
}

TEST_F(TimeCliTest, HoursRunAroundTheClockAcrossMidnightAndHolidays) {
  struct Case {
    std::string from;
    int n;
    std::string due_at, due;
  };
  for (const Case& c : std::vector<Case>{
           // 5 h across midnight into 国庆节.
           {at("2019-09-30T22:00:00"), 5, "2019-10-01T03:00:00.000+08:00", "2019-10-01"},
           // 48 h through the amended 劳动节.
           {at("2019-04-30T20:00:00"), 48, "2019-05-02T20:00:00.000+08:00", "2019-05-02"},
           // From a UTC instant: 14:30Z is 22:30 in China.
           {"2026-09-30T14:30:00Z", 24, "2026-10-01T22:30:00.000+08:00", "2026-10-01"},
           // 72 h from the make-up Saturday into 春节.
           {at("2026-02-14T18:00:00"), 72, "2026-02-17T18:00:00.000+08:00", "2026-02-17"},
           // Ending exactly at midnight: the last hour lies in the day before.
           {at("2026-03-02T00:00:00"), 24, "2026-03-03T00:00:00.000+08:00", "2026-03-02"},
       }) {
    SCOPED_TRACE(c.from + " + " + std::to_string(c.n) + " h");
    const json j = add({"--from", c.from, "--hours", std::to_string(c.n)});
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("due_at"), c.due_at);
    EXPECT_EQ(j.at("due"), c.due);
    EXPECT_EQ(j.at("unit"), "hours");
    EXPECT_TRUE(steps_of(j, "skipped").empty()) << "no hour is skipped";
  }
  // The days run through are listed, holidays with their names.
  const json j = add({"--from", at("2019-09-30T22:00:00"), "--hours", "30"});
  EXPECT_EQ(j.at("due_at"), "2019-10-02T04:00:00.000+08:00");
  const json* crossed = step_on(j, "2019-10-01", "crossed");
  ASSERT_NE(crossed, nullptr) << j.dump(2);
  EXPECT_EQ(crossed->at("holiday"), "国庆节");
  // Hours are never provisional, even into a year no notice covers yet.
  const json late = add({"--from", at("2026-12-31T20:00:00"), "--hours", "48"});
  EXPECT_EQ(late.at("due_at"), "2027-01-02T20:00:00.000+08:00");
  EXPECT_EQ(late.at("provisional"), false);
}

TEST_F(TimeCliTest, TheTriggerDayIsTheChinaDate) {
  // 16:30Z on Sun 09-29 is 00:30 on Mon 09-30 in China: day 1 is after 国庆节.
  json j = add({"--from", "2019-09-29T16:30:00Z", "--working-days", "1"});
  EXPECT_EQ(j.at("trigger_date"), "2019-09-30");
  EXPECT_EQ(j.at("due"), "2019-10-08");
  // 15:59:59Z is still Sunday 09-29 (a make-up day) in China: day 1 is Mon 09-30.
  j = add({"--from", "2019-09-29T15:59:59Z", "--working-days", "1"});
  EXPECT_EQ(j.at("trigger_date"), "2019-09-29");
  EXPECT_EQ(j.at("due"), "2019-09-30");
}

// --- calendar versions and provisional answers ---------------------------------------------------

TEST_F(TimeCliTest, CalendarVersionPicksTheNoticeIn2019And2020) {
  struct Case {
    std::vector<std::string> args;
    std::string due;
    int version;
  };
  for (const Case& c : std::vector<Case>{
           // Fri 2019-04-26 + 3. Original notice (v3): 4-29, 4-30, (5-01), 5-02. Amended (v4): Sun
           // 4-28 worked, 4-29, 4-30.
           {{"--from", "2019-04-26", "--working-days", "3", "--calendar-version", "3"},
            "2019-05-02",
            3},
           {{"--from", "2019-04-26", "--working-days", "3", "--calendar-version", "4"},
            "2019-04-30",
            4},
           {{"--from", "2019-04-26", "--working-days", "3"}, "2019-04-30", 12},
           // Mon 2019-04-29 + 5. v3: 4-30, 5-02, 5-03, 5-06, 5-07. v4: 4-30, Sun 5-05, 5-06, 07,
           // 08.
           {{"--from", "2019-04-29", "--working-days", "5", "--calendar-version", "3"},
            "2019-05-07",
            3},
           {{"--from", "2019-04-29", "--working-days", "5", "--calendar-version", "4"},
            "2019-05-08",
            4},
           // Fri 2019-04-26 + 6 calendar days = Thu 5-02: a working day in v3, 劳动节 in v4.
           {{"--from", "2019-04-26", "--calendar-days", "6", "--calendar-version", "3"},
            "2019-05-02",
            3},
           {{"--from", "2019-04-26", "--calendar-days", "6", "--calendar-version", "4"},
            "2019-05-05",
            4},
           // The version in force at an instant: the amendment is dated 2019-03-22.
           {{"--from", "2019-04-26", "--working-days", "3", "--as-of", at("2019-03-21T23:59:59")},
            "2019-05-02",
            3},
           {{"--from", "2019-04-26", "--working-days", "3", "--as-of", "2019-03-22"},
            "2019-04-30",
            4},
           // 2020 春节: v5 as first published (to 1-30, Sat 2-01 worked), v6 extended to 2-02.
           {{"--from", "2020-01-23", "--working-days", "5", "--calendar-version", "5"},
            "2020-02-05",
            5},
           {{"--from", "2020-01-23", "--working-days", "5", "--calendar-version", "6"},
            "2020-02-07",
            6},
           {{"--from", "2020-01-22", "--calendar-days", "10", "--calendar-version", "5"},
            "2020-02-01",
            5},
           {{"--from", "2020-01-22", "--calendar-days", "10", "--calendar-version", "6"},
            "2020-02-03",
            6},
       }) {
    std::string trace;
    for (const auto& a : c.args) trace += a + " ";
    SCOPED_TRACE(trace);
    const json j = add(c.args);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("due"), c.due);
    EXPECT_EQ(j.at("calendar_version"), c.version);
  }
  // Versions 3 and 4 have different digests; a version that does not exist is not found.
  EXPECT_NE(add({"--from", "2019-04-26", "--working-days", "3", "--calendar-version", "3"})
                .at("calendar_digest"),
            add({"--from", "2019-04-26", "--working-days", "3", "--calendar-version", "4"})
                .at("calendar_digest"));
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", "2019-04-26", "--working-days", "3",
                           "--calendar-version", "13"}),
                     4, "calendar_not_found"));
  const json v3 = is_working_day({"2019-05-02", "--calendar-version", "3"});
  EXPECT_EQ(v3.at("working_day"), true);
  EXPECT_EQ(v3.at("reason"), "weekday");
  const json v4 = is_working_day({"2019-05-02", "--calendar-version", "4"});
  EXPECT_EQ(v4.at("working_day"), false);
  EXPECT_EQ(v4.at("reason"), "holiday:劳动节");
}

TEST_F(TimeCliTest, AYearTheCalendarDoesNotCoverIsProvisional) {
  // 2027 has no notice yet: weekends alone decide, and the answer is marked.
  json j = add({"--from", "2027-01-01", "--working-days", "5"});
  EXPECT_EQ(j.at("due"), "2027-01-08");
  EXPECT_EQ(j.at("provisional"), true);
  ASSERT_FALSE(steps_of(j, "counted").empty());
  EXPECT_EQ(steps_of(j, "counted").front().value("provisional", false), true);
  // Mon 2026-12-28 + 5: 12-29, 30, 31, Fri 2027-01-01 (counted: not known to be a holiday), 01-04.
  j = add({"--from", "2026-12-28", "--working-days", "5"});
  EXPECT_EQ(j.at("due"), "2027-01-04");
  EXPECT_EQ(j.at("provisional"), true);
  // Within 2026 it is not.
  j = add({"--from", "2026-12-21", "--working-days", "3"});
  EXPECT_EQ(j.at("due"), "2026-12-24");
  EXPECT_EQ(j.at("provisional"), false);
  // Calendar days: Sun 2026-12-20 + 20 = Sat 2027-01-09, extended to Mon 01-11.
  j = add({"--from", "2026-12-20", "--calendar-days", "20"});
  EXPECT_EQ(j.at("due"), "2027-01-11");
  EXPECT_EQ(j.at("provisional"), true);
  // is-working-day says so too, before 2017 and after 2026.
  j = is_working_day({"2027-10-01"});
  EXPECT_EQ(j.at("working_day"), true);
  EXPECT_EQ(j.at("reason"), "weekday");
  EXPECT_EQ(j.at("provisional"), true);
  j = is_working_day({"2016-10-01"});
  EXPECT_EQ(j.at("working_day"), false);
  EXPECT_EQ(j.at("reason"), "weekend");
  EXPECT_EQ(j.at("provisional"), true);
  EXPECT_EQ(is_working_day({"2026-10-01"}).at("provisional"), false);
}

// --- calendar is-working-day ---------------------------------------------------------------------

TEST_F(TimeCliTest, IsWorkingDayGivesTheReason) {
  struct Case {
    const char* calendar;
    const char* date;
    bool working;
    const char* reason;
  };
  for (const Case& c : std::vector<Case>{
           {"cn", "2026-03-04", true, "weekday"},                 // Wed
           {"cn", "2026-03-07", false, "weekend"},                // Sat
           {"cn", "2026-02-17", false, "holiday:春节"},           // Tue
           {"cn", "2026-02-21", false, "holiday:春节"},           // a Saturday inside 春节
           {"cn", "2026-02-14", true, "makeup_workday:春节"},     // Sat
           {"cn", "2026-09-20", true, "makeup_workday:国庆节"},   // Sun
           {"cn", "2024-02-29", true, "weekday"},                 // leap day, Thu
           {"cn", "2020-02-01", false, "holiday:春节"},           // Sat, worked until the extension
           {"cn", "2020-05-25", true, "weekday"},                 // Mon
           {"ningxia", "2020-05-25", false, "holiday:开斋节"},    // the region's own holiday
           {"ningxia", "2020-07-31", false, "holiday:古尔邦节"},  // Fri
           {"ningxia", "2020-10-01", false, "holiday:国庆节、中秋节"},  // from the base, cn
           {"ningxia", "2020-09-27", true, "makeup_workday:国庆节、中秋节"},
           {"ningxia", "2020-05-27", true, "weekday"},
       }) {
    SCOPED_TRACE(std::string(c.calendar) + " " + c.date);
    const json j = is_working_day({"--calendar", c.calendar, c.date});
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("working_day"), c.working);
    EXPECT_EQ(j.at("reason"), c.reason);
    EXPECT_EQ(j.at("date"), c.date);
    EXPECT_EQ(j.at("calendar"), c.calendar);
    EXPECT_EQ(j.at("provisional"), false);
  }
  // Ningxia covers 2020 only: another year rests on cn and is provisional.
  const json j = is_working_day({"--calendar", "ningxia", "2021-05-13"});
  EXPECT_EQ(j.at("working_day"), true);
  EXPECT_EQ(j.at("provisional"), true);
  // Counting on the regional calendar: Fri 2020-05-22 + 5 skips 开斋节 in Ningxia only.
  EXPECT_EQ(add({"--calendar", "cn", "--from", "2020-05-22", "--working-days", "5"}).at("due"),
            "2020-05-29");
  const json nx = add({"--calendar", "ningxia", "--from", "2020-05-22", "--working-days", "5"});
  EXPECT_EQ(nx.at("due"), "2020-06-02");
  EXPECT_EQ(nx.at("calendar"), "ningxia");
  const json* skipped = step_on(nx, "2020-05-25", "skipped");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->at("holiday"), "开斋节");
  // Text output, for people.
  auto text = nodb({"calendar", "is-working-day", "2026-02-17"});
  ASSERT_TRUE(Succeeded(text));
  EXPECT_EQ(text.out, "2026-02-17: rest day (holiday:春节)\n");
}

TEST_F(TimeCliTest, BadInputHasStableErrorIdsAndExitCodes) {
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--calendar", "atlantis", "--from", "2026-03-02",
                           "--working-days", "5"}),
                     4, "calendar_not_found"));
  EXPECT_TRUE(Failed(nodb({"calendar", "is-working-day", "--calendar", "atlantis", "2026-03-02"}),
                     4, "calendar_not_found"));
  for (const std::string bad : {"2019-02-30", "2019-13-01", "2026-3-2", "tomorrow", "",
                                "2026-03-02T25:00:00+08:00", "2026-03-02 09:00"}) {
    SCOPED_TRACE("'" + bad + "'");
    EXPECT_TRUE(
        Failed(nodb({"calendar", "add", "--from", bad, "--working-days", "5"}), 2, "invalid_time"));
    EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", bad, "--hours", "5", "--json"}), 2,
                       "invalid_time"));
  }
  for (const std::string bad : {"2019-02-29", "2026-00-10", "20260302", "2026-03-02T09:00:00Z"}) {
    SCOPED_TRACE("'" + bad + "'");
    EXPECT_TRUE(Failed(nodb({"calendar", "is-working-day", bad, "--json"}), 2, "invalid_time"));
  }
  // None, two or three of --working-days, --calendar-days, --hours.
  for (const std::vector<std::string>& amounts : std::vector<std::vector<std::string>>{
           {},
           {"--working-days", "5", "--calendar-days", "5"},
           {"--working-days", "5", "--hours", "5"},
           {"--calendar-days", "5", "--hours", "5"},
           {"--working-days", "5", "--calendar-days", "5", "--hours", "5"},
       }) {
    std::vector<std::string> args = {"calendar", "add", "--from", "2026-03-02", "--json"};
    args.insert(args.end(), amounts.begin(), amounts.end());
    EXPECT_TRUE(Failed(nodb(args), 2, "usage")) << amounts.size();
  }
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--working-days", "5"}), 2, "usage")) << "no --from";
  EXPECT_TRUE(Failed(nodb({"calendar", "is-working-day"}), 2, "usage")) << "no DATE";
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", "2026-03-02", "--working-days", "five"}), 2,
                     "invalid_argument"));
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", "2026-03-02", "--working-days", "36526"}),
                     2, "invalid_argument"));
}

// Regression (fixed in 70e51c6): a negative amount was taken as "not given", so `--working-days -5
// --hours 3` printed the 3-hour answer and `--hours -3` said "give exactly one of ...". A negative
// amount is refused like an amount too large.
TEST_F(TimeCliTest, ANegativeAmountIsRefusedNotIgnored) {
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", "2019-09-30", "--working-days", "-5",
                           "--hours", "3", "--json"}),
                     2, "invalid_argument"));
  EXPECT_TRUE(Failed(nodb({"calendar", "add", "--from", "2019-09-30", "--hours", "-3"}), 2,
                     "invalid_argument"));
}

// --- on a database -------------------------------------------------------------------------------

TEST_F(TimeCliTest, WithADatabaseTheDatabasesCalendarsAreUsed) {
  // A database whose national calendar stops at the original 2019 notice (v3).
  testing::TempDir defs;
  const std::string root = copy_definitions(defs.path() / "defs");
  cut_national_calendar(root, 3);
  init_simulation(root);

  auto list = gk({"calendar", "list", "--json"});
  ASSERT_TRUE(Succeeded(list));
  const json in_db = list.json_out();
  ASSERT_EQ(in_db.size(), 1u) << "only cn";
  EXPECT_EQ(in_db[0].at("id"), "cn");
  ASSERT_EQ(in_db[0].at("versions").size(), 3u);
  EXPECT_EQ(in_db[0].at("versions")[2].at("source"), "国办发明电〔2018〕15号");
  auto shipped = nodb({"calendar", "list", "--json"});
  ASSERT_TRUE(Succeeded(shipped));
  ASSERT_EQ(shipped.json_out().size(), 2u) << "cn and ningxia";
  EXPECT_EQ(shipped.json_out()[0].at("versions").size(), 12u);

  // Fri 2019-04-26 + 3 working days: the database knows only the original 劳动节 (May 1).
  auto r = gk({"calendar", "add", "--from", "2019-04-26", "--working-days", "3", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("due"), "2019-05-02");
  EXPECT_EQ(r.json_out().at("calendar_version"), 3);
  EXPECT_EQ(add({"--from", "2019-04-26", "--working-days", "3"}).at("due"), "2019-04-30");
  r = gk({"calendar", "is-working-day", "2019-05-02", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("working_day"), true);
  EXPECT_EQ(is_working_day({"2019-05-02"}).at("working_day"), false);
  // 2020 is not covered by this database: provisional there, not on the shipped calendars.
  r = gk({"calendar", "add", "--from", "2020-01-23", "--working-days", "5", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("provisional"), true);
  EXPECT_EQ(add({"--from", "2020-01-23", "--working-days", "5"}).at("provisional"), false);
  // The database has no Ningxia calendar.
  EXPECT_TRUE(Failed(gk({"calendar", "is-working-day", "--calendar", "ningxia", "2020-05-25"}), 4,
                     "calendar_not_found"));
}

TEST_F(TimeCliTest, ItemShowAndExplainAcrossNationalDay) {
  init_simulation();
  // Formed Mon 2026-09-28; published Sun 10-04 (国庆节).
  const std::string id = published_item(at("2026-09-28T09:00:00"), at("2026-10-04T10:00:00"));
  json item = must_fire(id, "interpret", "王五", at("2026-10-04T23:00:00"), {"--text", "解读"});
  item = must_fire(id, "raise_concern", "市民", at("2026-10-05T22:00:00"), {"--text", "何时执行"});
  item = must_fire(id, "raise_concern", "舆情监测", at("2026-10-05T23:00:00"),
                   {"--text", "网传不实", "--major"});

  // item show: each deadline with kind, due, state, origin.
  struct Expected {
    std::string id, kind, state, due, due_date, unit;
    int amount;
  };
  item = show(id);
  ASSERT_EQ(item.at("deadlines").size(), 4u);
  for (const Expected& e : std::vector<Expected>{
           // 9-29, 9-30 (2), 10-08, 09 (4), Sat 10-10 (5), 12-16 (10), 19-23 (15), 26-30 (20).
           {"publication", "publication", "met", "2026-10-31T00:00:00.000+08:00", "2026-10-30",
            "working_days", 20},
           // 同步: 24:00 of the (holiday) publication day; interpreted at 23:00.
           {"interpretation", "interpretation", "met", "2026-10-05T00:00:00.000+08:00",
            "2026-10-04", "working_days", 0},
           // 48 h from Mon 10-05 22:00, through 国庆节.
           {"concern_response#1", "concern_response", "pending", "2026-10-07T22:00:00.000+08:00",
            "2026-10-07", "hours", 48},
           // Major: 5 h, across midnight.
           {"concern_response#2", "concern_response", "pending", "2026-10-06T04:00:00.000+08:00",
            "2026-10-06", "hours", 5},
       }) {
    SCOPED_TRACE(e.id);
    const json d = deadline_of(item, e.id);
    ASSERT_TRUE(d.is_object());
    EXPECT_EQ(d.at("kind"), e.kind);
    EXPECT_EQ(d.at("state"), e.state);
    EXPECT_EQ(d.at("origin"), "original");
    EXPECT_EQ(d.at("due"), e.due);
    EXPECT_EQ(d.at("due_date"), e.due_date);
    EXPECT_EQ(d.at("unit"), e.unit);
    EXPECT_EQ(d.at("amount"), e.amount);
    EXPECT_EQ(d.at("calendar"), "1:cn@12");
    EXPECT_EQ(d.at("provisional"), false);
  }
  auto text = gk({"item", "show", id});
  ASSERT_TRUE(Succeeded(text));
  EXPECT_THAT(text.out, HasSubstr("deadline publication  met  due 2026-10-30 "
                                  "(2026-10-31T00:00:00.000+08:00)  original\n"));

  // item explain: the trigger, the rule, every day counted or skipped, the calendar version.
  json x = explain(id, "publication");
  ASSERT_TRUE(x.is_object());
  EXPECT_EQ(x.at("trigger"), "formed");
  EXPECT_EQ(x.at("trigger_at"), "2026-09-28T09:00:00.000+08:00");
  EXPECT_EQ(x.at("rule"), "publication: 20 working_days from formed");
  EXPECT_EQ(x.at("time_limit"), "信息形成或者变更之日起20个工作日内");
  EXPECT_EQ(x.at("legal_basis"), "《社会救助暂行办法》");
  EXPECT_EQ(x.at("due"), "2026-10-30");
  EXPECT_EQ(x.at("due_at"), "2026-10-31T00:00:00.000+08:00");
  EXPECT_EQ(x.at("state"), "met");
  EXPECT_EQ(x.at("calendar"), "1:cn@12");
  EXPECT_TRUE(x.at("controls").empty());
  json c = x.at("computation");
  EXPECT_EQ(c.at("calendar"), "cn");
  EXPECT_EQ(c.at("calendar_version"), 12);
  EXPECT_EQ(c.at("trigger_date"), "2026-09-28");
  EXPECT_EQ(c.at("due"), "2026-10-30");
  EXPECT_THAT(c.at("rule").get<std::string>(), HasSubstr("民法典 art. 201"));
  EXPECT_EQ(steps_of(c, "counted").size(), 20u);
  for (const std::string day : {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                                "2026-10-05", "2026-10-06", "2026-10-07"}) {
    const json* s = step_on(c, day, "skipped");
    ASSERT_NE(s, nullptr) << day;
    EXPECT_EQ(s->at("holiday"), "国庆节") << day;
  }
  const json* makeup = step_on(c, "2026-10-10", "counted");
  ASSERT_NE(makeup, nullptr);
  EXPECT_EQ(makeup->at("day"), "makeup_workday");
  EXPECT_EQ(makeup->at("ordinal"), 5);
  const json* weekend = step_on(c, "2026-10-11", "skipped");
  ASSERT_NE(weekend, nullptr);
  EXPECT_EQ(weekend->at("day"), "weekend");

  x = explain(id, "interpretation");
  EXPECT_EQ(x.at("trigger"), "published");
  EXPECT_EQ(x.at("trigger_at"), "2026-10-04T10:00:00.000+08:00");
  EXPECT_EQ(x.at("computation").at("amount"), 0);
  EXPECT_EQ(x.at("computation").at("due"), "2026-10-04");
  EXPECT_EQ(x.at("computation").at("due_at"), "2026-10-05T00:00:00.000+08:00");

  x = explain(id, "concern_response#2");
  EXPECT_EQ(x.at("trigger"), "raised");
  EXPECT_EQ(x.at("rule"), "concern_response: 5 hours from raised");
  EXPECT_EQ(x.at("computation").at("due_at"), "2026-10-06T04:00:00.000+08:00");
  const json* crossed = step_on(x.at("computation"), "2026-10-05", "trigger");
  ASSERT_NE(crossed, nullptr);
  EXPECT_EQ(crossed->at("holiday"), "国庆节");

  // Pausing an hour limit: the time paused does not count. Paused 01:00-04:30, 3 h 30 min.
  auto r = gk({"deadline", "pause", id, "concern_response#1", "--actor", "办公室", "--reason",
               "核实情况", "--now", at("2026-10-06T01:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  json d = deadline_of(r.json_out(), "concern_response#1");
  EXPECT_EQ(d.at("state"), "paused");
  EXPECT_EQ(d.at("origin"), "paused");
  EXPECT_EQ(d.at("paused_since"), "2026-10-06T01:00:00.000+08:00");
  r = gk({"deadline", "resume", id, "concern_response#1", "--actor", "办公室", "--reason",
          "核实完毕", "--now", at("2026-10-06T04:30:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  d = deadline_of(r.json_out(), "concern_response#1");
  EXPECT_EQ(d.at("state"), "pending");
  EXPECT_EQ(d.at("origin"), "paused");
  EXPECT_EQ(d.at("paused_ms"), 3 * 3600000 + 1800000);
  EXPECT_EQ(d.at("due"), "2026-10-08T01:30:00.000+08:00");
  EXPECT_EQ(d.at("due_date"), "2026-10-08");
  // A concern deadline cannot be extended (the standard gives no cap).
  EXPECT_TRUE(
      Failed(gk({"deadline", "extend", id, "concern_response#1", "--actor", "办公室", "--role",
                 "reviewer", "--reason", "复杂", "--by", "24", "--now", at("2026-10-06T05:00:00")}),
             3, "extension_not_allowed"));
  // A met deadline is not running.
  EXPECT_TRUE(Failed(gk({"deadline", "pause", id, "interpretation", "--actor", "办公室", "--reason",
                         "x", "--now", at("2026-10-06T05:00:00")}),
                     3, "deadline_not_open"));
  x = explain(id, "concern_response#1");
  EXPECT_EQ(x.at("paused_ms"), 12600000);
  EXPECT_EQ(x.at("due_at"), "2026-10-08T01:30:00.000+08:00");
  EXPECT_EQ(x.at("computation").at("due_at"), "2026-10-08T01:30:00.000+08:00");
  ASSERT_EQ(x.at("controls").size(), 2u);
  EXPECT_EQ(x.at("controls")[0].at("type"), "deadline_paused");
  EXPECT_EQ(x.at("controls")[0].at("reason"), "核实情况");
  EXPECT_EQ(x.at("controls")[0].at("at"), "2026-10-06T01:00:00.000+08:00");
  EXPECT_EQ(x.at("controls")[1].at("type"), "deadline_resumed");
  EXPECT_EQ(x.at("controls")[1].at("actor"), "办公室");
  // The answer in time closes it.
  item = must_fire(id, "respond", "王五", at("2026-10-08T01:00:00"),
                   {"--concern", "1", "--text", "已答复"});
  EXPECT_EQ(deadline_of(item, "concern_response#1").at("state"), "met");
  expect_audit_passes();
}

// Regression (fixed in 70e51c6): the explanation of a paused hour limit ended on the unpaused due
// instant ("due 2026-10-07T22:00, 48 h after the trigger") while computation.due_at had moved by
// the pause. The "due" step lies on the moved instant and says why.
TEST_F(TimeCliTest, ExplainOfAPausedHourLimitEndsOnItsDueInstant) {
  init_simulation();
  const std::string id = published_item(at("2026-09-28T09:00:00"), at("2026-10-04T10:00:00"));
  must_fire(id, "interpret", "王五", at("2026-10-04T23:00:00"), {"--text", "解读"});
  must_fire(id, "raise_concern", "市民", at("2026-10-05T22:00:00"), {"--text", "何时执行"});
  ASSERT_TRUE(Succeeded(gk({"deadline", "pause", id, "concern_response#1", "--actor", "办公室",
                            "--reason", "核实情况", "--now", at("2026-10-06T01:00:00")})));
  ASSERT_TRUE(Succeeded(gk({"deadline", "resume", id, "concern_response#1", "--actor", "办公室",
                            "--reason", "核实完毕", "--now", at("2026-10-06T04:30:00")})));
  const json c = explain(id, "concern_response#1").at("computation");
  EXPECT_EQ(c.at("due"), "2026-10-08");
  const auto due = steps_of(c, "due");
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].at("date"), "2026-10-08");
  EXPECT_THAT(due[0].at("what").get<std::string>(), HasSubstr("2026-10-08T01:30:00.000+08:00"));
}

TEST_F(TimeCliTest, PauseResumeAndExtendThroughTheCli) {
  init_simulation();
  // Formed Tue 2026-02-10: 02-11, 12, 13, Sat 14 (4), 春节 15-23, 24-27 (8), Sat 28 (9), 3-02..06
  // (14), 09-13 (19), Mon 3-16 (20).
  const std::string id = create("test.with_interpretation", "alpha.one", at("2026-02-10T10:00:00"));
  json d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2026-03-16");
  const auto control = [&](const std::string& action, std::vector<std::string> extra) {
    std::vector<std::string> args = {"deadline", action, id, "publication", "--actor", "办公室"};
    args.insert(args.end(), extra.begin(), extra.end());
    return gk(args);
  };
  const std::size_t events = history(id).size();

  // Refusals append nothing.
  EXPECT_TRUE(Failed(control("pause", {"--now", at("2026-02-12T09:00:00")}), 2, "usage"))
      << "--reason is a required option";
  EXPECT_TRUE(Failed(control("pause", {"--reason", "", "--now", at("2026-02-12T09:00:00")}), 3,
                     "reason_required"));
  EXPECT_TRUE(Failed(control("pause", {"--reason", " \t", "--now", at("2026-02-12T09:00:00")}), 3,
                     "reason_required"));
  EXPECT_TRUE(Failed(gk({"deadline", "pause", id, "review", "--actor", "办公室", "--reason", "x",
                         "--now", at("2026-02-12T09:00:00")}),
                     4, "deadline_not_found"));
  EXPECT_TRUE(Failed(gk({"deadline", "pause", "gk-999999", "publication", "--actor", "办公室",
                         "--reason", "x", "--now", at("2026-02-12T09:00:00")}),
                     4, "item_not_found"));
  EXPECT_TRUE(Failed(control("resume", {"--reason", "x", "--now", at("2026-02-12T09:00:00")}), 3,
                     "deadline_not_open"))
      << "not paused";
  EXPECT_TRUE(
      Failed(control("extend", {"--reason", "x", "--now", at("2026-02-12T09:00:00")}), 2, "usage"))
      << "--by is required";
  EXPECT_EQ(history(id).size(), events);

  // Paused Thu 02-12 09:00 to Thu 02-26 15:00: Fri 13, Sat 14 (make-up), 24, 25, 26 do not count.
  auto r = control("pause",
                   {"--reason", "等待第三方意见", "--now", at("2026-02-12T09:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  d = deadline_of(r.json_out(), "publication");
  EXPECT_EQ(d.at("state"), "paused");
  EXPECT_EQ(d.at("origin"), "paused");
  EXPECT_TRUE(Failed(control("extend", {"--role", "reviewer", "--reason", "x", "--by", "1", "--now",
                                        at("2026-02-13T09:00:00")}),
                     3, "deadline_not_open"))
      << "a paused deadline is not extended";
  EXPECT_TRUE(Failed(control("pause", {"--reason", "x", "--now", at("2026-02-13T09:00:00")}), 3,
                     "deadline_not_open"))
      << "already paused";
  r = control("resume", {"--reason", "第三方已回复", "--now", at("2026-02-26T15:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  d = deadline_of(r.json_out(), "publication");
  EXPECT_EQ(d.at("state"), "pending");
  EXPECT_EQ(d.at("paused_days"), 5);
  EXPECT_EQ(d.at("due_date"), "2026-03-23") << "3-16 + 5 working days: 17, 18, 19, 20, 23";
  EXPECT_EQ(d.at("due"), "2026-03-24T00:00:00.000+08:00");

  // Extending needs a role and stays within the standard's cap of 10 working days.
  EXPECT_TRUE(Failed(
      control("extend", {"--reason", "征求意见", "--by", "4", "--now", at("2026-02-27T09:00:00")}),
      3, "extension_not_allowed"))
      << "no role";
  EXPECT_TRUE(Failed(control("extend", {"--role", "reviewer", "--reason", "征求意见", "--by", "11",
                                        "--now", at("2026-02-27T09:00:00")}),
                     3, "extension_not_allowed"));
  // Not an extension at all: a wrong argument (exit 2), not a refusal by the standard.
  for (const char* by : {"0", "-3"}) {
    EXPECT_TRUE(Failed(control("extend", {"--role", "reviewer", "--reason", "征求意见", "--by", by,
                                          "--now", at("2026-02-27T09:00:00")}),
                       2, "invalid_argument"))
        << by;
  }
  EXPECT_TRUE(Failed(control("extend", {"--role", "reviewer", "--reason", "", "--by", "4", "--now",
                                        at("2026-02-27T09:00:00")}),
                     3, "reason_required"));
  r = control("extend", {"--role", "reviewer", "--reason", "征求意见", "--by", "4", "--now",
                         at("2026-02-27T09:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  d = deadline_of(r.json_out(), "publication");
  EXPECT_EQ(d.at("extended"), 4);
  EXPECT_EQ(d.at("origin"), "extended");
  EXPECT_EQ(d.at("due_date"), "2026-03-27");
  auto refused = control("extend", {"--role", "reviewer", "--reason", "再次征求意见", "--by", "7",
                                    "--now", at("2026-03-02T09:00:00")});
  EXPECT_TRUE(Failed(refused, 3, "extension_not_allowed"));
  EXPECT_THAT(refused.err, HasSubstr("6 left"));
  // 3-27 + 6: 30, 31, 4-01, 02, 03, (清明 4-04..06), Tue 4-07.
  r = control("extend", {"--role", "reviewer", "--reason", "再次征求意见", "--by", "6", "--now",
                         at("2026-03-02T09:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  d = deadline_of(r.json_out(), "publication");
  EXPECT_EQ(d.at("extended"), 10);
  EXPECT_EQ(d.at("due_date"), "2026-04-07");
  EXPECT_TRUE(Failed(control("extend", {"--role", "reviewer", "--reason", "x", "--by", "1", "--now",
                                        at("2026-03-03T09:00:00")}),
                     3, "extension_not_allowed"))
      << "the cap is used up";
  // Text output.
  r = gk({"item", "show", id});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_THAT(r.out, HasSubstr("deadline publication  pending  due 2026-04-07 "
                               "(2026-04-08T00:00:00.000+08:00)  extended\n"));

  // explain: 20 + 5 paused + 10 extended working days, and each control with its reason.
  const json x = explain(id, "publication");
  EXPECT_EQ(x.at("extended"), 10);
  EXPECT_EQ(x.at("paused_days"), 5);
  EXPECT_EQ(x.at("origin"), "extended");
  EXPECT_EQ(x.at("computation").at("amount"), 35);
  EXPECT_EQ(steps_of(x.at("computation"), "counted").size(), 35u);
  EXPECT_EQ(x.at("computation").at("due"), "2026-04-07");
  const json& controls = x.at("controls");
  ASSERT_EQ(controls.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"deadline_paused", "等待第三方意见"},
      {"deadline_resumed", "第三方已回复"},
      {"deadline_extended", "征求意见"},
      {"deadline_extended", "再次征求意见"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(controls[i].at("type"), expected[i].first);
    EXPECT_EQ(controls[i].at("reason"), expected[i].second);
    EXPECT_EQ(controls[i].at("actor"), "办公室");
  }
  EXPECT_EQ(controls[2].at("role"), "reviewer");
  EXPECT_EQ(controls[2].at("payload").at("amount"), 4);
  // The same four in the history, after `created`.
  EXPECT_EQ(history(id).size(), events + 4);
  expect_audit_passes();
}

// --- timers --------------------------------------------------------------------------------------

TEST_F(TimeCliTest, EscalationStepsFireInOrderEachExactlyOnce) {
  init_simulation();
  const std::string id = published_item(at("2026-09-28T09:00:00"), at("2026-09-29T10:00:00"));
  must_fire(id, "interpret", "王五", at("2026-09-29T11:00:00"), {"--text", "解读"});
  // A concern raised Wed 09-30 20:00: 48 h, due Fri 10-02 20:00 (国庆节). The default ladder:
  //   reminder      the start of the last day           10-02 00:00
  //   due           the due instant                     10-02 20:00   (breached)
  //   overdue       end of 1 working day after 10-02    10-08 24:00   (10-01..07 国庆节)
  //   very_overdue  end of 5 working days after 10-02   10-13 24:00   (8, 9, Sat 10, 12, 13)
  must_fire(id, "raise_concern", "市民", at("2026-09-30T20:00:00"), {"--text", "何时执行"});
  struct Step {
    std::string type, step, scheduled_utc, notify, notify_body, now;
  };
  const std::vector<Step> ladder = {
      {"deadline_due_soon", "reminder", "2026-10-01T16:00:00.000Z", "responsible_body", "县民政局",
       at("2026-10-02T00:00:00")},
      {"deadline_breached", "due", "2026-10-02T12:00:00.000Z", "responsible_body", "县民政局",
       at("2026-10-02T20:00:00")},
      {"deadline_escalated", "overdue", "2026-10-08T16:00:00.000Z", "supervisor",
       "县人民政府办公室", at("2026-10-09T00:00:00")},
      {"deadline_escalated", "very_overdue", "2026-10-13T16:00:00.000Z", "supervisor",
       "县人民政府办公室", at("2026-10-14T00:00:00")},
  };
  json report = tick(at("2026-10-01T23:59:59"));
  EXPECT_EQ(report.at("steps_fired"), 0);
  EXPECT_EQ(report.at("next_timer"), "2026-10-02T00:00:00.000+08:00");
  EXPECT_TRUE(overdue(at("2026-10-02T19:59:59")).empty());
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    SCOPED_TRACE(ladder[i].step);
    if (ladder[i].step == "due") {
      // Past due but not yet ticked: listed as pending.
      const json listed = overdue(ladder[i].now);
      ASSERT_EQ(listed.size(), 1u);
      EXPECT_EQ(listed[0].at("state"), "pending");
    }
    EXPECT_EQ(tick(ladder[i].now).at("steps_fired"), 1);
    EXPECT_EQ(tick(ladder[i].now).at("steps_fired"), 0) << "the second tick finds nothing";
    const json next = tick(ladder[i].now).at("next_timer");
    if (i + 1 < ladder.size()) {
      EXPECT_EQ(next, shown(ladder[i + 1].now));
    } else {
      EXPECT_TRUE(next.is_null());
    }
  }
  EXPECT_EQ(tick(at("2026-12-31T00:00:00")).at("steps_fired"), 0);

  const auto events = deadline_events(id);
  ASSERT_EQ(events.size(), ladder.size());
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    SCOPED_TRACE(ladder[i].step);
    const json& e = events[i];
    EXPECT_EQ(e.at("type"), ladder[i].type);
    EXPECT_EQ(e.at("actor"), "gongkai.timer");
    EXPECT_EQ(e.at("role"), "system");
    EXPECT_EQ(e.at("at"), shown(ladder[i].now));
    const json& p = e.at("payload");
    EXPECT_EQ(p.at("deadline"), "concern_response#1");
    EXPECT_EQ(p.at("step"), ladder[i].step);
    EXPECT_EQ(p.at("scheduled_at"), ladder[i].scheduled_utc);
    EXPECT_EQ(p.at("due"), "2026-10-02T12:00:00.000Z");
    EXPECT_EQ(p.at("notify"), ladder[i].notify);
    EXPECT_EQ(p.at("notify_body"), ladder[i].notify_body);
  }
  json d = deadline_of(show(id), "concern_response#1");
  EXPECT_EQ(d.at("state"), "breached");
  EXPECT_EQ(d.at("steps_fired"), json::array({"reminder", "due", "overdue", "very_overdue"}));

  // item list --overdue lists the breached deadline.
  json listed = overdue(at("2026-10-20T00:00:00"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("item_id"), id);
  EXPECT_EQ(listed[0].at("unit_id"), "alpha.one");
  EXPECT_EQ(listed[0].at("deadline"), "concern_response#1");
  EXPECT_EQ(listed[0].at("kind"), "concern_response");
  EXPECT_EQ(listed[0].at("state"), "breached");
  EXPECT_EQ(listed[0].at("due"), "2026-10-02");
  EXPECT_EQ(listed[0].at("due_at"), "2026-10-02T20:00:00.000+08:00");
  auto text = gk({"item", "list", "--overdue", "--now", at("2026-10-20T00:00:00")});
  ASSERT_TRUE(Succeeded(text));
  EXPECT_THAT(text.out, HasSubstr("1 overdue deadlines\n"));
  // Answered late: met_late, off the list, and nothing more fires.
  const json item =
      must_fire(id, "respond", "王五", at("2026-10-20T09:00:00"), {"--text", "已答复"});
  EXPECT_EQ(deadline_of(item, "concern_response#1").at("state"), "met_late");
  EXPECT_TRUE(overdue(at("2026-10-20T10:00:00")).empty());
  EXPECT_EQ(tick(at("2026-10-21T00:00:00")).at("steps_fired"), 0);
  EXPECT_EQ(deadline_events(id).size(), ladder.size());
  expect_audit_passes();
}

TEST_F(TimeCliTest, StepsMissedWhileNoTickRanFireOnceWithBothInstants) {
  init_simulation();
  // Formed Mon 2026-09-28: publication due at 24:00 Fri 10-30. No tick runs until Tue 11-03
  // 10:00: the due step (scheduled 10-30 24:00) and the overdue step (the end of Mon 11-02) fire
  // then, once each; the reminder, stale, is not given.
  const std::string id = create("test.with_interpretation", "alpha.one", at("2026-09-28T09:00:00"));
  json report = tick(at("2026-11-03T10:00:00"));
  EXPECT_EQ(report.at("steps_fired"), 2);
  // very_overdue: 11-02, 03, 04, 05, 06 -> 24:00 Fri 11-06.
  EXPECT_EQ(report.at("next_timer"), "2026-11-07T00:00:00.000+08:00");
  EXPECT_EQ(tick(at("2026-11-03T10:00:00")).at("steps_fired"), 0);
  const auto events = deadline_events(id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("type"), "deadline_breached");
  EXPECT_EQ(events[0].at("at"), "2026-11-03T10:00:00.000+08:00");
  EXPECT_EQ(events[0].at("payload").at("scheduled_at"), "2026-10-30T16:00:00.000Z");
  EXPECT_EQ(events[1].at("type"), "deadline_escalated");
  EXPECT_EQ(events[1].at("payload").at("step"), "overdue");
  EXPECT_EQ(events[1].at("at"), "2026-11-03T10:00:00.000+08:00");
  EXPECT_EQ(events[1].at("payload").at("scheduled_at"), "2026-11-02T16:00:00.000Z");
}

TEST_F(TimeCliTest, TwoTicksAtOnceNeverRecordAStepTwice) {
  init_simulation();
  constexpr int kItems = 6;
  std::vector<std::string> ids;
  for (int i = 0; i < kItems; ++i) {
    // Formed Mon 2026-03-02, a minute apart: due at 24:00 Mon 03-30.
    ids.push_back(create("test.with_interpretation", "alpha.one",
                         at("2026-03-02T09:0" + std::to_string(i) + ":00")));
  }
  // reminder (03-30 00:00), due (03-31 00:00), overdue (04-01 00:00), very_overdue (04-08 00:00:
  // 03-31, 04-01, 02, 03, (清明 04-04..06), 07).
  for (const std::string& now : {at("2026-03-30T12:00:00"), at("2026-03-31T12:00:00"),
                                 at("2026-04-01T12:00:00"), at("2026-04-08T12:00:00")}) {
    SCOPED_TRACE(now);
    for (int round = 0; round < 2; ++round) {
      CliProcess first({"--db", db_, "tick", "--now", now, "--json"}, runs_.path());
      CliProcess second({"--db", db_, "tick", "--now", now, "--json"}, runs_.path());
      const CliResult a = first.wait();
      const CliResult b = second.wait();
      ASSERT_TRUE(Succeeded(a));
      ASSERT_TRUE(Succeeded(b));
      const int fired =
          a.json_out().at("steps_fired").get<int>() + b.json_out().at("steps_fired").get<int>();
      EXPECT_EQ(fired, round == 0 ? kItems : 0) << "round " << round;
    }
  }
  for (const std::string& id : ids) {
    SCOPED_TRACE(id);
    std::map<std::string, int> steps;
    for (const json& e : deadline_events(id))
      ++steps[e.at("payload").at("step").get<std::string>()];
    EXPECT_EQ(steps, (std::map<std::string, int>{
                         {"reminder", 1}, {"due", 1}, {"overdue", 1}, {"very_overdue", 1}}));
  }
  expect_audit_passes();
}

TEST_F(TimeCliTest, ScheduledPublicationIsFiredByTheTimerAtItsInstant) {
  init_simulation();
  // test.without_interpretation: publication within 20 calendar days of Mon 09-28 = Sun 10-18,
  // a rest day, so Mon 10-19.
  const std::string id =
      create("test.without_interpretation", "alpha.one", at("2026-09-28T09:00:00"));
  must_fire(id, "submit", "张三", at("2026-09-28T10:00:00"));
  json item = must_fire(id, "approve", "李四", at("2026-09-28T11:00:00"),
                        {"--publish-at", at("2026-10-08T09:00:00")});
  EXPECT_EQ(item.at("stage"), "release");
  EXPECT_EQ(item.at("publish_at"), "2026-10-08T09:00:00.000+08:00");
  EXPECT_EQ(deadline_of(item, "publication").at("due_date"), "2026-10-19");
  // Published by hand before the instant: refused, not due.
  EXPECT_TRUE(Failed(
      gk({"item", "fire", id, "publish", "--actor", "李四", "--now", at("2026-10-08T08:00:00")}), 3,
      "publish_not_due"));

  json report = tick(at("2026-10-08T08:59:59"));
  EXPECT_EQ(report.at("published"), 0);
  EXPECT_EQ(report.at("next_timer"), "2026-10-08T09:00:00.000+08:00");
  report = tick(at("2026-10-08T09:00:00"));
  EXPECT_EQ(report.at("published"), 1);
  EXPECT_EQ(tick(at("2026-10-08T09:00:00")).at("published"), 0);
  EXPECT_EQ(tick(at("2026-10-09T10:00:00")).at("published"), 0);
  item = show(id);
  EXPECT_EQ(item.at("stage"), "response");
  EXPECT_EQ(item.at("published_at"), "2026-10-08T09:00:00.000+08:00");
  EXPECT_EQ(deadline_of(item, "publication").at("state"), "met");
  const json events = history(id);
  ASSERT_FALSE(events.empty());
  const json& last = events.back();
  EXPECT_EQ(last.at("type"), "publish");
  EXPECT_EQ(last.at("actor"), "gongkai.timer");
  EXPECT_EQ(last.at("role"), "system");
  EXPECT_EQ(last.at("at"), "2026-10-08T09:00:00.000+08:00");
  EXPECT_EQ(last.at("payload").at("scheduled_at"), "2026-10-08T01:00:00.000Z");
  int publishes = 0;
  for (const json& e : events) publishes += e.at("type") == "publish";
  EXPECT_EQ(publishes, 1);
  expect_audit_passes();
}

TEST_F(TimeCliTest, ALatePublishTickRecordsTheScheduledAndTheActualInstant) {
  init_simulation();
  const std::string id =
      create("test.without_interpretation", "alpha.one", at("2026-09-28T09:00:00"));
  must_fire(id, "submit", "张三", at("2026-09-28T10:00:00"));
  must_fire(id, "approve", "李四", at("2026-09-28T11:00:00"),
            {"--publish-at", at("2026-10-08T09:00:00")});
  // The service was down: the first tick comes at 10-09 10:00.
  EXPECT_EQ(tick(at("2026-10-09T10:00:00")).at("published"), 1);
  EXPECT_EQ(tick(at("2026-10-09T10:00:00")).at("published"), 0);
  const json last = history(id).back();
  EXPECT_EQ(last.at("type"), "publish");
  EXPECT_EQ(last.at("actor"), "gongkai.timer");
  EXPECT_EQ(last.at("at"), "2026-10-09T10:00:00.000+08:00");
  EXPECT_EQ(last.at("payload").at("scheduled_at"), "2026-10-08T01:00:00.000Z");
}

// --- calendar changes under running items --------------------------------------------------------

TEST_F(TimeCliTest, CalendarLoadRecomputesARunningDeadlineAndRecordsIt) {
  // The database starts with the notices up to the original 2019 one (cn v3).
  testing::TempDir defs;
  const std::string root = copy_definitions(defs.path() / "defs");
  cut_national_calendar(root, 3);
  init_simulation(root);
  // Formed Tue 2019-04-02, 20 working days. v3: 4-03, 04 (2), (4-05 清明), 08-12 (7), 15-19
  // (12), 22-26 (17), 29, 30 (19), (5-01 劳动节), Thu 5-02 (20). Amended (v4): Sun 4-28 is worked
  // (18), 29 (19), Tue 4-30 (20). The amendment moves the deadline two days earlier.
  const std::string id = create("test.with_interpretation", "alpha.one", at("2019-04-02T10:00:00"));
  json d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2019-05-02");
  EXPECT_EQ(d.at("due"), "2019-05-03T00:00:00.000+08:00");
  EXPECT_EQ(d.at("calendar"), "1:cn@3");

  // Loading the full folder (国办发明电〔2019〕3号 and every later notice).
  auto r = gk({"calendar", "load", kDefinitions + "/calendars", "--json"});
  ASSERT_TRUE(Succeeded(r));
  json load = r.json_out();
  EXPECT_EQ(load.at("calendars_version"), 2);
  EXPECT_EQ(load.at("changed"), true);
  EXPECT_EQ(load.at("recomputed"), 1);
  // The same folder again changes nothing.
  r = gk({"calendar", "load", kDefinitions + "/calendars", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("changed"), false);
  EXPECT_EQ(r.json_out().at("recomputed"), 0);
  EXPECT_EQ(r.json_out().at("calendars_version"), 2);

  d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2019-04-30");
  EXPECT_EQ(d.at("due"), "2019-05-01T00:00:00.000+08:00");
  EXPECT_EQ(d.at("origin"), "recomputed");
  EXPECT_EQ(d.at("state"), "pending");
  EXPECT_EQ(d.at("calendar"), "2:cn@12");
  const auto events = deadline_events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type"), "deadline_recomputed");
  EXPECT_EQ(events[0].at("actor"), "gongkai.timer");
  EXPECT_EQ(events[0].at("reason"), "calendar changed");
  const json& p = events[0].at("payload");
  EXPECT_EQ(p.at("deadline"), "publication");
  EXPECT_EQ(p.at("old_due"), "2019-05-02T16:00:00.000Z");
  EXPECT_EQ(p.at("new_due"), "2019-04-30T16:00:00.000Z");
  EXPECT_EQ(p.at("old_calendar"), "1:cn@3");
  EXPECT_EQ(p.at("new_calendar"), "2:cn@12");
  // explain shows the new computation and the recomputation.
  const json x = explain(id, "publication");
  EXPECT_EQ(x.at("computation").at("calendar_version"), 12);
  const json* worked = step_on(x.at("computation"), "2019-04-28", "counted");
  ASSERT_NE(worked, nullptr);
  EXPECT_EQ(worked->at("holiday"), "劳动节");
  ASSERT_EQ(x.at("controls").size(), 1u);
  EXPECT_EQ(x.at("controls")[0].at("type"), "deadline_recomputed");
  // The database now counts on the amended calendar.
  r = gk({"calendar", "add", "--from", "2019-04-26", "--working-days", "3", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("due"), "2019-04-30");
  expect_audit_passes();
}

// Regression (fixed in 70e51c6): `calendar load --now` on a simulation stamped its
// deadline_recomputed events with the wall clock, after which every `tick --now` of the simulated
// year failed with clock_went_backwards.
TEST_F(TimeCliTest, CalendarLoadHonoursNowOnASimulation) {
  testing::TempDir defs;
  const std::string root = copy_definitions(defs.path() / "defs");
  cut_national_calendar(root, 3);
  init_simulation(root);
  const std::string id = create("test.with_interpretation", "alpha.one", at("2019-04-02T10:00:00"));
  ASSERT_TRUE(Succeeded(gk({"--now", at("2019-04-20T10:00:00"), "calendar", "load",
                            kDefinitions + "/calendars", "--json"})));
  const auto events = deadline_events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("at"), "2019-04-20T10:00:00.000+08:00");
  const json report = tick(at("2019-04-30T00:00:00"));
  EXPECT_EQ(report.value("steps_fired", -1), 1) << "the reminder on the (new) last day";
}

TEST_F(TimeCliTest, ANoticeComingIntoForceRecomputesOnTheNextTick) {
  init_simulation();
  // Formed Mon 2020-01-20, when v5 (the 2020 notice as first published) was in force: 01-21, 22,
  // 23 (3), (春节 1-24..30), Fri 1-31 (4), Sat 2-01 worked (5), 2-03..07 (10), 10-14 (15), 17-21
  // (20). The extension (v6, 国办发明电〔2020〕1号, dated 2020-01-26) rests until 2-02: 2-03..07
  // (8), 10-14 (13), 17-21 (18), 24, Tue 2-25 (20).
  const std::string id = create("test.with_interpretation", "alpha.one", at("2020-01-20T10:00:00"));
  json d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2020-02-21");
  EXPECT_EQ(d.at("calendar"), "1:cn@5");
  EXPECT_EQ(tick(at("2020-01-20T12:00:00")).at("recomputed"), 0);
  EXPECT_EQ(tick(at("2020-01-25T23:59:59")).at("recomputed"), 0) << "not dated yet";
  json report = tick(at("2020-01-26T00:00:00"));
  EXPECT_EQ(report.at("recomputed"), 1);
  EXPECT_EQ(report.at("next_timer"), "2020-02-25T00:00:00.000+08:00") << "the new reminder";
  EXPECT_EQ(tick(at("2020-01-27T09:00:00")).at("recomputed"), 0);
  d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2020-02-25");
  EXPECT_EQ(d.at("calendar"), "1:cn@6");
  EXPECT_EQ(d.at("origin"), "recomputed");
  const auto events = deadline_events(id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type"), "deadline_recomputed");
  EXPECT_EQ(events[0].at("at"), "2020-01-26T00:00:00.000+08:00");
  EXPECT_EQ(events[0].at("payload").at("old_due"), "2020-02-21T16:00:00.000Z");
  EXPECT_EQ(events[0].at("payload").at("new_due"), "2020-02-25T16:00:00.000Z");
  EXPECT_EQ(events[0].at("payload").at("old_calendar"), "1:cn@5");
  EXPECT_EQ(events[0].at("payload").at("new_calendar"), "1:cn@6");
  expect_audit_passes();
}

// Regression (fixed in 70e51c6): only a change since the previous tick's record of the versions in
// force triggered recomputation, so the first tick on a database (a cron job started late, items
// entered before `serve` first ran) left a deadline on a superseded notice.
TEST_F(TimeCliTest, TheFirstTickRecomputesADeadlineComputedBeforeANotice) {
  init_simulation();
  const std::string id = create("test.with_interpretation", "alpha.one", at("2020-01-20T10:00:00"));
  EXPECT_EQ(tick(at("2020-01-27T09:00:00")).at("recomputed"), 1);
  const json d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2020-02-25");
  EXPECT_EQ(d.at("calendar"), "1:cn@6");
}

// Regression (fixed in 70e51c6): a provisional deadline whose due date the new notice does not move
// stayed provisional, on the old calendar version, because only moved deadlines were recomputed.
TEST_F(TimeCliTest, ANoticeCoveringTheYearEndsAProvisionalDeadline) {
  testing::TempDir defs;
  const std::string root = copy_definitions(defs.path() / "defs");
  init_simulation(root);
  const std::string id = create("test.with_interpretation", "alpha.one", at("2026-12-28T10:00:00"));
  json d = deadline_of(show(id), "publication");
  ASSERT_EQ(d.at("provisional"), true);
  EXPECT_EQ(d.at("due_date"), "2027-01-25");
  const fs::path calendars = defs.path() / "calendars-2027";
  fs::create_directories(calendars);
  json cn = json::parse(testing::read_file(fs::path(root) / "calendars" / "cn.json"));
  json v13 = json::object();
  v13["version"] = 13;
  v13["published"] = "2026-12-01";
  v13["source"] = "a 2027 notice (test)";
  v13["covers"] = {{"from_year", 2027}, {"to_year", 2027}};
  v13["holidays"] =
      json::array({{{"name", "国庆节"}, {"from", "2027-10-01"}, {"to", "2027-10-07"}}});
  cn.at("versions").push_back(v13);
  testing::write_file(calendars / "cn.json", cn.dump(2));
  ASSERT_TRUE(
      Succeeded(gk({"--now", at("2026-12-29T09:00:00"), "calendar", "load", calendars.string()})));
  d = deadline_of(show(id), "publication");
  EXPECT_EQ(d.at("due_date"), "2027-01-25");
  EXPECT_EQ(d.at("provisional"), false);
  EXPECT_EQ(d.at("calendar"), "2:cn@13");
}

TEST_F(TimeCliTest, ARegionalCalendarOnADatabase) {
  // Test definitions with the shipped Ningxia calendar, used by province beta.
  testing::TempDir defs;
  const std::string root = copy_definitions(defs.path() / "defs");
  fs::copy_file(kShippedDefinitions + "/calendars/ningxia.json",
                fs::path(root) / "calendars" / "ningxia.json");
  json units = json::parse(testing::read_file(fs::path(root) / "units.json"));
  for (json& p : units.at("provinces")) {
    if (p.at("id") == "beta") p["calendar"] = "ningxia";
  }
  testing::write_file(fs::path(root) / "units.json", units.dump(2));
  init_simulation(root);
  // Formed Fri 2020-05-22, 20 working days. cn: 5-25..29 (5), 6-01..05 (10), 08-12 (15), 15-19
  // (20). Ningxia rests on 开斋节 5-25 and 5-26: two more, Mon 6-22 and Tue 6-23.
  const std::string national =
      create("test.with_interpretation", "alpha.one", at("2020-05-22T10:00:00"));
  const std::string regional = create("test.planning", "beta.three", at("2020-05-22T10:00:00"));
  json d = deadline_of(show(national), "publication");
  EXPECT_EQ(d.at("due_date"), "2020-06-19");
  // The version in force on 2020-05-22: v6 (the 春节 extension, 2020-01-26).
  EXPECT_EQ(d.at("calendar"), "1:cn@6");
  d = deadline_of(show(regional), "publication");
  EXPECT_EQ(d.at("due_date"), "2020-06-23");
  EXPECT_EQ(d.at("calendar"), "1:ningxia@1");
  const json c = explain(regional, "publication").at("computation");
  EXPECT_EQ(c.at("calendar"), "ningxia");
  for (const std::string day : {"2020-05-25", "2020-05-26"}) {
    const json* s = step_on(c, day, "skipped");
    ASSERT_NE(s, nullptr) << day;
    EXPECT_EQ(s->at("holiday"), "开斋节");
  }
  auto r = gk({"calendar", "is-working-day", "--calendar", "ningxia", "2020-05-25", "--json"});
  ASSERT_TRUE(Succeeded(r));
  EXPECT_EQ(r.json_out().at("reason"), "holiday:开斋节");
}

// A rule whose trigger is an outside fact ("decided", as the law words it) runs from the item's
// formation instant and opens at creation (before 5cecaa2 such deadlines were never opened).
TEST_F(TimeCliTest, ADeadlineTriggeredByAnOutsideFactRunsFromFormation) {
  init_simulation(kShippedDefinitions);
  // Decided Thu 2020-05-21 in 宁夏 (calendar ningxia): 5-22 (1), (开斋节 5-25, 26), 27-29 (4),
  // 6-01..05 (9), 08-12 (14), 15-19 (19), Mon 6-22 (20).
  auto r = gk({"item", "create", "--standard", "affordable_housing.allocation_results", "--unit",
               "ningxia.helan", "--title", "配租结果", "--actor", "张三", "--formed-at",
               at("2020-05-21T16:00:00"), "--now", at("2020-05-22T10:00:00"), "--json"});
  ASSERT_TRUE(Succeeded(r));
  const json d = deadline_of(r.json_out(), "publication");
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d.at("trigger"), "decided");
  EXPECT_EQ(d.at("trigger_at"), "2020-05-21T16:00:00.000+08:00");
  EXPECT_EQ(d.at("due_date"), "2020-06-22");
  EXPECT_EQ(d.at("calendar"), "1:ningxia@1");
  EXPECT_EQ(d.at("state"), "pending");
}

}  // namespace
}  // namespace gongkai
