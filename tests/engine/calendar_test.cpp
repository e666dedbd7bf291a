// Calendars: the shipped data against the reference notices, working-day arithmetic around every
// Spring Festival and National Day 2017-2026, the 2019 and 2020 amendments, calendar-day and hour
// periods, uncovered years, regional layering, versions, digests and strict validation.
//
// Every expected date below was checked by hand against cn-holidays-2017-2026.json and a printed
// calendar (weekdays in the comments).

#include "gongkai/calendar.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace gongkai {
namespace {

using nlohmann::json;

const std::string kShipped = std::string(GONGKAI_SOURCE_DIR) + "/definitions/calendars";
const std::string kReference =
    std::string(GONGKAI_TEST_DATA) + "/calendars/cn-holidays-2017-2026.json";

Date date(const std::string& text) {
  Result<Date> d = parse_date(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : Date{};
}

Date jdate(const json& j) {
  return date(j.get<std::string>());
}

Instant at(const std::string& text) {
  Result<Instant> t = parse_instant(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

const CalendarSet& shipped() {
  static const CalendarSet set = [] {
    Result<CalendarSet> r = load_calendar_directory(kShipped);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : CalendarSet();
  }();
  return set;
}

Calendar cn_latest() {
  return *shipped().latest("cn");
}
Calendar cn_version(int v) {
  return *shipped().version("cn", v);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<StepKind> kinds(const Deadline& d) {
  std::vector<StepKind> out;
  for (const ExplanationStep& s : d.steps) out.push_back(s.kind);
  return out;
}

int count_steps(const Deadline& d, StepKind kind, DayKind day_kind) {
  int n = 0;
  for (const ExplanationStep& s : d.steps) n += s.kind == kind && s.day_kind == day_kind;
  return n;
}

// ---- the shipped data ---------------------------------------------------------------------------

TEST(CalendarData, ShippedFolderLoads) {
  Result<CalendarSet> r = load_calendar_directory(kShipped);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->ids(), (std::vector<std::string>{"cn", "ningxia"}));
  const CalendarDefinition* cn = r->find("cn");
  ASSERT_NE(cn, nullptr);
  ASSERT_EQ(cn->versions.size(), 12u);
  for (std::size_t i = 1; i < cn->versions.size(); ++i) {
    EXPECT_LE(cn->versions[i - 1].published, cn->versions[i].published);
  }
  EXPECT_EQ(cn->versions[0].source, "国办发明电〔2016〕17号");
  EXPECT_EQ(cn->versions[0].published, date("2016-12-01"));
  // The two amendments are versions of their own, after the notices they amend.
  EXPECT_EQ(cn->versions[2].source, "国办发明电〔2018〕15号");
  EXPECT_EQ(cn->versions[3].source, "国办发明电〔2019〕3号");
  EXPECT_EQ(cn->versions[3].published, date("2019-03-22"));
  EXPECT_EQ(cn->versions[4].source, "国办发明电〔2019〕16号");
  EXPECT_EQ(cn->versions[5].source, "国办发明电〔2020〕1号");
  EXPECT_EQ(cn->versions[5].published, date("2020-01-26"));
  EXPECT_EQ(cn->versions[11].covered_years,
            (std::vector<int>{2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026}));
  EXPECT_EQ(cn->versions[0].covered_years, (std::vector<int>{2017}));
  const CalendarDefinition* nx = r->find("ningxia");
  ASSERT_NE(nx, nullptr);
  EXPECT_EQ(nx->base, "cn");
  EXPECT_EQ(nx->base_version, 0);
}

// Every effective holiday day of the reference is a holiday (with its name) in the latest version,
// every effective make-up day a working day; and each annual notice's original arrangement is what
// the version recording that notice says. Conversely, the latest version has no holiday day or
// make-up day the reference lacks.
TEST(CalendarData, ShippedCnMatchesTheReferenceNotices) {
  const json ref = json::parse(read_text(kReference));
  const Calendar latest = cn_latest();
  const CalendarDefinition* cn = shipped().find("cn");
  ASSERT_NE(cn, nullptr);
  std::set<std::string> ref_holiday_days;
  std::set<std::string> ref_makeup_days;
  int checked_days = 0;
  for (const auto& [year, notice] : ref.at("years").items()) {
    const json& effective = notice.contains("effective_holidays") ? notice.at("effective_holidays")
                                                                  : notice.at("holidays");
    for (const json& h : effective) {
      const std::string name = h.at("name").get<std::string>();
      for (Date d = jdate(h.at("from")); d <= jdate(h.at("to")); d = d.plus_days(1)) {
        const DayInfo info = latest.day(d);
        EXPECT_FALSE(info.working) << d.to_string();
        EXPECT_EQ(info.reason(), "holiday:" + name) << d.to_string();
        EXPECT_EQ(info.calendar_id, "cn");
        EXPECT_TRUE(info.covered) << d.to_string();
        ref_holiday_days.insert(d.to_string());
        ++checked_days;
      }
      for (const json& m : h.at("makeup_workdays")) {
        const DayInfo info = latest.day(jdate(m));
        EXPECT_TRUE(info.working) << m;
        EXPECT_EQ(info.reason(), "makeup_workday:" + name) << m;
        ref_makeup_days.insert(m.get<std::string>());
      }
    }
    const json& effective_makeup = notice.contains("effective_makeup_workdays")
                                       ? notice.at("effective_makeup_workdays")
                                       : notice.at("makeup_workdays");
    for (const json& m : effective_makeup) EXPECT_TRUE(latest.is_working_day(jdate(m))) << m;

    // The version that records this year's notice, as originally published.
    const std::string source = notice.at("notice").get<std::string>();
    int version = 0;
    for (const CalendarVersion& v : cn->versions) {
      if (v.source == source) version = v.version;
    }
    ASSERT_GT(version, 0) << source;
    EXPECT_EQ(cn->versions[version - 1].published, jdate(notice.at("published")));
    const Calendar original = cn_version(version);
    for (const json& h : notice.at("holidays")) {
      for (Date d = jdate(h.at("from")); d <= jdate(h.at("to")); d = d.plus_days(1)) {
        EXPECT_EQ(original.day(d).reason(), "holiday:" + h.at("name").get<std::string>())
            << source << " " << d.to_string();
      }
      for (const json& m : h.at("makeup_workdays")) {
        EXPECT_EQ(original.day(jdate(m)).reason(),
                  "makeup_workday:" + h.at("name").get<std::string>())
            << source << " " << m;
      }
    }
    for (const json& m : notice.at("makeup_workdays")) {
      EXPECT_TRUE(original.is_working_day(jdate(m))) << source << " " << m;
    }
  }
  EXPECT_GT(checked_days, 250);
  // Nothing extra in the latest version.
  for (const Holiday& h : latest.holidays()) {
    for (Date d = h.from; d <= h.to; d = d.plus_days(1)) {
      EXPECT_EQ(ref_holiday_days.count(d.to_string()), 1u) << h.name << " " << d.to_string();
    }
    for (const Date& m : h.makeup_workdays) {
      EXPECT_EQ(ref_makeup_days.count(m.to_string()), 1u) << h.name << " " << m.to_string();
    }
  }
}

// cn.json is exactly what the generator makes from the reference file.
TEST(CalendarData, ShippedCnIsReproducibleFromTheGenerator) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  testing::TempDir dir;
  const std::string out = dir.file("cn.json");
  const std::string cmd = "python3 '" + std::string(GONGKAI_SOURCE_DIR) +
                          "/tools/calendar/build_cn_calendar.py' '" + kReference + "' -o '" + out +
                          "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(read_text(out), read_text(kShipped + "/cn.json"));
}

// ---- is_working_day and its reasons
// ----------------------------------------------------------------

TEST(CalendarDay, Reasons) {
  const Calendar cal = cn_latest();
  EXPECT_EQ(cal.day(date("2019-04-29")).reason(), "weekday");  // Mon
  EXPECT_TRUE(cal.day(date("2019-04-29")).working);
  EXPECT_EQ(cal.day(date("2019-04-27")).reason(), "weekend");  // Sat
  EXPECT_FALSE(cal.day(date("2019-04-27")).working);
  EXPECT_EQ(cal.day(date("2019-05-02")).reason(), "holiday:劳动节");  // Thu, amended
  EXPECT_FALSE(cal.is_working_day(date("2019-05-02")));
  EXPECT_EQ(cal.day(date("2019-05-04")).reason(), "holiday:劳动节");         // Sat inside the range
  EXPECT_EQ(cal.day(date("2019-04-28")).reason(), "makeup_workday:劳动节");  // Sun
  EXPECT_TRUE(cal.is_working_day(date("2019-04-28")));
  EXPECT_EQ(cal.day(date("2019-02-03")).reason(), "makeup_workday:春节");     // Sun
  EXPECT_EQ(cal.day(date("2017-10-04")).reason(), "holiday:中秋节、国庆节");  // Wed
  // 2019 元旦 starts in 2018: 2018-12-30 (Sun) and 12-31 (Mon) are holidays, 12-29 (Sat) worked.
  EXPECT_EQ(cal.day(date("2018-12-31")).reason(), "holiday:元旦");
  EXPECT_EQ(cal.day(date("2018-12-29")).reason(), "makeup_workday:元旦");
  // 2026 元旦: make-up Sunday 2026-01-04 after the holiday.
  EXPECT_EQ(cal.day(date("2026-01-04")).reason(), "makeup_workday:元旦");
  // Before the 2019 notice (version 2), 2018-12-31 was an ordinary Monday.
  EXPECT_EQ(cn_version(2).day(date("2018-12-31")).reason(), "weekday");
  EXPECT_EQ(cn_version(2).day(date("2018-12-29")).reason(), "weekend");
  // Before the amendment (version 3), 2019-05-02 was an ordinary Thursday, 04-28 an ordinary
  // Sunday.
  EXPECT_EQ(cn_version(3).day(date("2019-05-02")).reason(), "weekday");
  EXPECT_EQ(cn_version(3).day(date("2019-04-28")).reason(), "weekend");
  for (const char* d : {"2019-05-02", "2019-04-28", "2017-10-04"}) {
    EXPECT_TRUE(cal.day(date(d)).covered) << d;
    EXPECT_FALSE(cal.day(date(d)).provisional()) << d;
  }
}

TEST(CalendarDay, UncoveredYearsAreDecidedByWeekendsAndProvisional) {
  const Calendar cal = cn_latest();
  const DayInfo fri = cal.day(date("2027-01-01"));  // Fri: surely 元旦, but not announced yet
  EXPECT_TRUE(fri.working);
  EXPECT_EQ(fri.reason(), "weekday");
  EXPECT_FALSE(fri.covered);
  EXPECT_TRUE(fri.provisional());
  EXPECT_EQ(fri.uncovered_by, (std::vector<std::string>{"cn"}));
  const DayInfo sat = cal.day(date("2027-01-02"));
  EXPECT_FALSE(sat.working);
  EXPECT_EQ(sat.reason(), "weekend");
  EXPECT_TRUE(sat.provisional());
  EXPECT_TRUE(cal.day(date("2016-06-01")).provisional());  // before the first notice
  EXPECT_TRUE(cal.covers(2026));
  EXPECT_FALSE(cal.covers(2027));
  EXPECT_FALSE(cal.covers(2016));
}

// ---- working days
// ---------------------------------------------------------------------------------

struct HolidayCase {
  const char* holiday;
  const char* trigger;  // the day before the holiday
  const char* due;      // the 20th working day after it
  int holiday_days;     // holiday days skipped on the way
  int makeup_days;      // make-up Saturdays/Sundays counted on the way
  int weekend_days;     // ordinary weekend days skipped on the way
};

// 20 working days from the day before every Spring Festival and National Day 2017-2026.
const HolidayCase kHolidayCases[] = {
    {"春节", "2017-01-26", "2017-03-01", 7, 1, 7},            // Thu -> Wed; 02-04 Sat worked
    {"中秋节、国庆节", "2017-09-30", "2017-11-03", 8, 0, 6},  // Sat (a make-up day) -> Fri
    {"春节", "2018-02-14", "2018-03-20", 7, 1, 7},            // Wed -> Tue; 02-24 Sat worked
    {"国庆节", "2018-09-30", "2018-11-02", 7, 0, 6},          // Sun (a make-up day) -> Fri
    {"春节", "2019-02-03", "2019-03-08", 7, 0, 6},            // Sun (a make-up day) -> Fri
    {"国庆节", "2019-09-30", "2019-11-01", 7, 1, 5},          // Mon -> Fri; 10-12 Sat worked
    {"春节", "2020-01-23", "2020-02-28", 10, 0, 6},           // Thu -> Fri; extended to 02-02
    {"国庆节、中秋节", "2020-09-30", "2020-11-04", 8, 1, 7},  // Wed -> Wed; 10-10 Sat worked
    {"春节", "2021-02-10", "2021-03-16", 7, 1, 7},            // Wed -> Tue; 02-20 Sat worked
    {"国庆节", "2021-09-30", "2021-11-03", 7, 1, 7},          // Thu -> Wed; 10-09 Sat worked
    {"春节", "2022-01-30", "2022-03-04", 7, 0, 6},            // Sun (a make-up day) -> Fri
    {"国庆节", "2022-09-30", "2022-11-02", 7, 2, 6},          // Fri -> Wed; 10-08/09 worked
    {"春节", "2023-01-20", "2023-02-22", 7, 2, 6},            // Fri -> Wed; 01-28/29 worked
    {"中秋节、国庆节", "2023-09-28", "2023-11-01", 8, 2, 6},  // Thu -> Wed; 10-07/08 worked
    {"春节", "2024-02-09", "2024-03-14", 8, 1, 6},            // Fri -> Thu; 02-18 Sun worked
    {"国庆节", "2024-09-30", "2024-11-01", 7, 1, 5},          // Mon -> Fri; 10-12 Sat worked
    {"春节", "2025-01-27", "2025-03-03", 8, 1, 7},            // Mon -> Mon; 02-08 Sat worked
    {"国庆节、中秋节", "2025-09-30", "2025-11-04", 8, 1, 7},  // Tue -> Tue; 10-11 Sat worked
    {"春节", "2026-02-14", "2026-03-20", 9, 1, 5},            // Sat (a make-up day) -> Fri
    {"国庆节", "2026-09-30", "2026-11-03", 7, 1, 7},          // Wed -> Tue; 10-10 Sat worked
};

TEST(CalendarWorkingDays, TwentyDaysAcrossEverySpringFestivalAndNationalDay) {
  const Calendar cal = cn_latest();
  for (const HolidayCase& c : kHolidayCases) {
    SCOPED_TRACE(std::string(c.holiday) + " " + c.trigger);
    Result<Deadline> r = cal.add_working_days(at(std::string(c.trigger) + "T10:00:00+08:00"), 20);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->trigger_date, date(c.trigger));
    EXPECT_EQ(r->last_day, date(c.due));
    EXPECT_EQ(r->due, local_midnight(date(c.due).plus_days(1)));
    EXPECT_FALSE(r->provisional);
    EXPECT_EQ(count_steps(*r, StepKind::counted, DayKind::weekday) +
                  count_steps(*r, StepKind::counted, DayKind::makeup_workday),
              20);
    EXPECT_EQ(count_steps(*r, StepKind::skipped, DayKind::holiday), c.holiday_days);
    EXPECT_EQ(count_steps(*r, StepKind::counted, DayKind::makeup_workday), c.makeup_days);
    EXPECT_EQ(count_steps(*r, StepKind::skipped, DayKind::weekend), c.weekend_days);
    // The first day after the trigger is a skipped day of the holiday, with its name.
    ASSERT_GE(r->steps.size(), 2u);
    EXPECT_EQ(r->steps[1].kind, StepKind::skipped);
    EXPECT_EQ(r->steps[1].holiday, c.holiday);
    EXPECT_EQ(r->steps.front().kind, StepKind::trigger);
    EXPECT_EQ(r->steps.back().kind, StepKind::due);
    EXPECT_EQ(r->steps.back().date, date(c.due));
  }
}

TEST(CalendarWorkingDays, DueInstantIsTwentyFourHundredLocal) {
  const Calendar cal = cn_latest();
  // Wed 2024-06-05 10:00 + 5 working days: Thu 06, Fri 07, (Sat 08, Sun 09, Mon 10 端午节 skipped),
  // Tue 11, Wed 12, Thu 13. Due at 24:00 of Thu 2024-06-13 = 2024-06-14T00:00+08:00.
  Result<Deadline> r = cal.add_working_days(at("2024-06-05T10:00:00+08:00"), 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2024-06-13"));
  EXPECT_EQ(format_local(r->due), "2024-06-14T00:00:00.000+08:00");
  EXPECT_EQ(format_utc(r->due), "2024-06-13T16:00:00.000Z");
  EXPECT_EQ(r->unit, TimeUnit::working_days);
  EXPECT_EQ(r->amount, 5);
  EXPECT_EQ(r->calendar_id, "cn");
  EXPECT_EQ(r->calendar_version, 12);
  EXPECT_EQ(r->calendar_digest, cal.digest());
  ASSERT_EQ(r->calendar_layers.size(), 1u);
  EXPECT_NE(r->rule.find("民法典 art. 201"), std::string::npos);
  // A trigger late in the evening UTC is already the next local day: 2024-06-04T17:00Z is
  // Wed 2024-06-05 01:00 local, so the same due date.
  Result<Deadline> utc = cal.add_working_days(at("2024-06-04T17:00:00Z"), 5);
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->trigger_date, date("2024-06-05"));
  EXPECT_EQ(utc->last_day, date("2024-06-13"));
  // With a unit's closing time of 17:30 the period ends at 17:30 of the last day (art. 203).
  Result<Deadline> closing =
      cal.add_working_days(at("2024-06-05T10:00:00+08:00"), 5, std::chrono::minutes(17 * 60 + 30));
  ASSERT_TRUE(closing.ok());
  EXPECT_EQ(format_local(closing->due), "2024-06-13T17:30:00.000+08:00");
  EXPECT_EQ(closing->closing_time, std::chrono::minutes(17 * 60 + 30));
}

TEST(CalendarWorkingDays, Labour2019OriginalNoticeVersusAmendment) {
  const Calendar original = cn_version(3);  // 国办发明电〔2018〕15号: 5-01 only
  const Calendar amended =
      cn_version(4);  // 国办发明电〔2019〕3号: 5-01..5-04, 4-28 and 5-05 worked
  EXPECT_EQ(original.layers().front().source, "国办发明电〔2018〕15号");
  EXPECT_EQ(amended.layers().front().source, "国办发明电〔2019〕3号");

  // 5 working days from Fri 2019-04-26. Original: Mon 4-29 (1), Tue 4-30 (2), [Wed 5-01 劳动节],
  // Thu 5-02 (3), Fri 5-03 (4), Mon 5-06 (5). Amended: Sun 4-28 make-up (1), 4-29 (2), 4-30 (3),
  // [5-01..5-04 劳动节], Sun 5-05 make-up (4), Mon 5-06 (5). Both end on Mon 2019-05-06: the two
  // weekdays lost are made up by the two Sundays worked. The explanations differ.
  const Instant t = at("2019-04-26T09:00:00+08:00");
  Result<Deadline> a = original.add_working_days(t, 5);
  Result<Deadline> b = amended.add_working_days(t, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->last_day, date("2019-05-06"));
  EXPECT_EQ(b->last_day, date("2019-05-06"));
  EXPECT_EQ(count_steps(*a, StepKind::skipped, DayKind::holiday), 1);
  EXPECT_EQ(count_steps(*b, StepKind::skipped, DayKind::holiday), 4);
  EXPECT_EQ(count_steps(*b, StepKind::counted, DayKind::makeup_workday), 2);
  using K = StepKind;
  EXPECT_EQ(kinds(*b),
            (std::vector<K>{K::trigger, K::skipped, K::counted, K::counted, K::counted, K::skipped,
                            K::skipped, K::skipped, K::skipped, K::counted, K::counted, K::due}));
  EXPECT_EQ(b->steps[2].what, "2019-04-28 Sun: working day 1 of 5 (makeup_workday:劳动节)");
  EXPECT_EQ(b->steps[5].what, "2019-05-01 Wed: skipped (holiday:劳动节)");
  EXPECT_EQ(b->steps[1].what, "2019-04-27 Sat: skipped (weekend)");
  EXPECT_EQ(b->steps[9].ordinal, 4);
  EXPECT_EQ(b->calendar_version, 4);
  EXPECT_EQ(a->calendar_version, 3);
  EXPECT_NE(a->calendar_digest, b->calendar_digest);

  // Where the due dates differ. 3 working days from Fri 4-26: original Thu 5-02, amended Tue 4-30.
  EXPECT_EQ(original.add_working_days(t, 3)->last_day, date("2019-05-02"));
  EXPECT_EQ(amended.add_working_days(t, 3)->last_day, date("2019-04-30"));
  // 5 working days from Mon 4-29: original 4-30, 5-02, 5-03, 5-06, Tue 5-07;
  // amended 4-30, Sun 5-05, 5-06, 5-07, Wed 5-08.
  const Instant monday = at("2019-04-29T09:00:00+08:00");
  EXPECT_EQ(original.add_working_days(monday, 5)->last_day, date("2019-05-07"));
  EXPECT_EQ(amended.add_working_days(monday, 5)->last_day, date("2019-05-08"));
  // The latest version keeps the amendment.
  EXPECT_EQ(cn_latest().add_working_days(monday, 5)->last_day, date("2019-05-08"));
}

TEST(CalendarWorkingDays, SpringFestival2020Extension) {
  const Calendar original = cn_version(5);  // 国办发明电〔2019〕16号: 1-24..1-30, 2-01 Sat worked
  const Calendar extended = cn_version(6);  // 国办发明电〔2020〕1号: to Sun 2-02, 2-01 not worked
  const Instant t = at("2020-01-23T10:00:00+08:00");  // Thu, the day before
  // Original: Fri 1-31 (1), Sat 2-01 make-up (2), [Sun 2-02], Mon 2-03 (3), 2-04 (4), Wed 2-05 (5).
  // Extended: [1-24..2-02 春节], Mon 2-03 (1) ... Fri 2-07 (5).
  Result<Deadline> a = original.add_working_days(t, 5);
  Result<Deadline> b = extended.add_working_days(t, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->last_day, date("2020-02-05"));
  EXPECT_EQ(b->last_day, date("2020-02-07"));
  EXPECT_EQ(count_steps(*a, StepKind::counted, DayKind::makeup_workday), 1);
  EXPECT_EQ(count_steps(*b, StepKind::counted, DayKind::makeup_workday), 0);
  EXPECT_EQ(count_steps(*b, StepKind::skipped, DayKind::holiday), 10);
  // 20 working days: original Wed 2020-02-26, extended Fri 2020-02-28.
  EXPECT_EQ(original.add_working_days(t, 20)->last_day, date("2020-02-26"));
  EXPECT_EQ(extended.add_working_days(t, 20)->last_day, date("2020-02-28"));
  // 5 working days from Mon 2020-01-20: originally ending on the make-up Saturday 2-01; extended
  // Tue 2-04 (1-21, 1-22, 1-23, 2-03, 2-04).
  const Instant monday = at("2020-01-20T10:00:00+08:00");
  Result<Deadline> c = original.add_working_days(monday, 5);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->last_day, date("2020-02-01"));
  EXPECT_EQ(c->steps.back().what,
            "2020-02-01 Sat: last day; due 2020-02-02T00:00:00.000+08:00 (24:00)");
  EXPECT_EQ(extended.add_working_days(monday, 5)->last_day, date("2020-02-04"));
}

TEST(CalendarWorkingDays, ZeroMeansTheSameDayEvenOnARestDay) {
  const Calendar cal = cn_latest();
  // Sat 2019-05-04, a day of 劳动节: 同步 means by 24:00 of that day.
  for (const std::string t : {"2019-05-04T15:00:00+08:00", "2019-05-06T09:00:00+08:00"}) {
    Result<Deadline> r = cal.add_working_days(at(t), 0);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->last_day, local_date(at(t)));
    EXPECT_EQ(r->due, local_midnight(local_date(at(t)).plus_days(1)));
    EXPECT_FALSE(r->provisional);
    EXPECT_EQ(kinds(*r), (std::vector<StepKind>{StepKind::trigger, StepKind::due}));
  }
  Result<Deadline> r = cal.add_working_days(at("2019-05-04T15:00:00+08:00"), 0);
  EXPECT_EQ(format_local(r->due), "2019-05-05T00:00:00.000+08:00");
  EXPECT_EQ(r->steps.front().day_kind, DayKind::holiday);
  // The closing time does not apply to 同步.
  Result<Deadline> c =
      cal.add_working_days(at("2019-05-06T20:00:00+08:00"), 0, std::chrono::minutes(17 * 60));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(format_local(c->due), "2019-05-07T00:00:00.000+08:00");
  // Calendar days and hours: the same day / the same instant.
  EXPECT_EQ(format_local(cal.add_calendar_days(at("2019-05-04T15:00:00+08:00"), 0)->due),
            "2019-05-05T00:00:00.000+08:00");
  EXPECT_EQ(cal.add_hours(at("2019-05-04T15:00:00+08:00"), 0)->due,
            at("2019-05-04T15:00:00+08:00"));
  // In an uncovered year too, and not provisional: no day is looked up.
  EXPECT_FALSE(cal.add_working_days(at("2030-01-05T10:00:00+08:00"), 0)->provisional);
}

TEST(CalendarWorkingDays, UncoveredYearUsesWeekendsAndIsProvisional) {
  const Calendar cal = cn_latest();
  // Fri 2027-01-01 + 5: (Sat 01-02, Sun 01-03 skipped) Mon 01-04 .. Fri 01-08.
  Result<Deadline> r = cal.add_working_days(at("2027-01-01T10:00:00+08:00"), 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2027-01-08"));
  EXPECT_TRUE(r->provisional);
  for (std::size_t i = 1; i < r->steps.size(); ++i) EXPECT_TRUE(r->steps[i].provisional) << i;
  EXPECT_EQ(r->steps[1].what,
            "2027-01-02 Sat: skipped (weekend) [provisional: 2027 not covered by cn]");
  // From Wed 2026-12-30: Thu 12-31 (covered), Fri 2027-01-01 (not covered: 元旦 2027 is not
  // announced yet), Mon 2027-01-04 -> provisional.
  Result<Deadline> s = cal.add_working_days(at("2026-12-30T10:00:00+08:00"), 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->last_day, date("2027-01-04"));
  EXPECT_TRUE(s->provisional);
  EXPECT_FALSE(s->steps[1].provisional);
  EXPECT_TRUE(s->steps[2].provisional);
  // Entirely inside the covered years: not provisional.
  EXPECT_FALSE(cal.add_working_days(at("2026-12-21T10:00:00+08:00"), 3)->provisional);
}

TEST(CalendarWorkingDays, Errors) {
  const Calendar cal = cn_latest();
  const Instant t = at("2024-06-05T10:00:00+08:00");
  EXPECT_EQ(cal.add_working_days(t, -1).status().code(), Errc::invalid_argument);
  EXPECT_EQ(cal.add_working_days(t, kMaxCountedDays + 1).status().code(), Errc::invalid_argument);
  EXPECT_EQ(cal.add_working_days(t, 5, std::chrono::minutes(0)).status().code(),
            Errc::invalid_argument);
  EXPECT_EQ(cal.add_working_days(t, 5, std::chrono::minutes(24 * 60 + 1)).status().code(),
            Errc::invalid_argument);
  EXPECT_EQ(cal.add_working_days(at("1850-01-01"), 5).status().code(), Errc::invalid_argument);
  EXPECT_EQ(cal.add_calendar_days(t, -3).status().code(), Errc::invalid_argument);
  EXPECT_EQ(cal.add_hours(t, -3).status().code(), Errc::invalid_argument);
  EXPECT_EQ(cal.add_hours(t, kMaxCountedHours + 1).status().code(), Errc::invalid_argument);
  EXPECT_TRUE(cal.add_working_days(t, kMaxCountedDays).ok());
  // Regression (fuzz target calendar): the extreme instants are refused, with no overflow on the
  // way (UndefinedBehaviorSanitizer caught one in local_date).
  for (const Instant extreme : {Instant::min(), Instant::max()}) {
    EXPECT_EQ(cal.add_working_days(extreme, 1).status().code(), Errc::invalid_argument);
    EXPECT_EQ(cal.add_calendar_days(extreme, 1).status().code(), Errc::invalid_argument);
    EXPECT_EQ(cal.add_hours(extreme, 1).status().code(), Errc::invalid_argument);
  }
}

TEST(CalendarWorkingDays, Between) {
  const Calendar cal = cn_latest();
  // After Tue 2019-04-30 up to Mon 5-06: 5-01..5-04 劳动节, Sun 5-05 worked, Mon 5-06 -> 2.
  Result<WorkingDayCount> r = cal.working_days_between(date("2019-04-30"), date("2019-05-06"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, 2);
  EXPECT_FALSE(r->provisional);
  EXPECT_EQ(cal.working_days_between(date("2019-05-06"), date("2019-04-30"))->count, -2);
  EXPECT_EQ(cal.working_days_between(date("2019-05-06"), date("2019-05-06"))->count, 0);
  // How late: due at the end of Mon 2024-06-03; done on Tue 06-11 (Mon 06-10 is 端午节) ->
  // Tue 06-04 .. Fri 06-07 and Tue 06-11: 5 working days late.
  Result<WorkingDayCount> late =
      cal.working_days_between(date("2024-06-03"), local_date(at("2024-06-11T09:00:00+08:00")));
  EXPECT_EQ(late->count, 5);
  // Instants: their local dates.
  EXPECT_EQ(cal.working_days_between(at("2019-04-30T10:00:00+08:00"),
                                     at("2019-04-30T16:30:00Z"))  // 2019-05-01 00:30 local
                ->count,
            0);  // 5-01 is a holiday
  EXPECT_TRUE(cal.working_days_between(date("2026-12-30"), date("2027-01-05"))->provisional);
  EXPECT_EQ(cal.working_days_between(Date{2019, 2, 30}, date("2019-03-01")).status().code(),
            Errc::invalid_argument);
}

// ---- calendar days
// --------------------------------------------------------------------------------

TEST(CalendarCalendarDays, EndingOnAHolidayIsExtendedToTheNextWorkingDay) {
  const Calendar cal = cn_latest();
  // Wed 2019-09-11 + 20 days = Tue 2019-10-01, 国庆节 (10-01..10-07) -> Tue 2019-10-08.
  Result<Deadline> r = cal.add_calendar_days(at("2019-09-11T10:00:00+08:00"), 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2019-10-08"));
  EXPECT_EQ(format_local(r->due), "2019-10-09T00:00:00.000+08:00");
  using K = StepKind;
  EXPECT_EQ(kinds(*r), (std::vector<K>{K::trigger, K::period_end, K::skipped, K::skipped,
                                       K::skipped, K::skipped, K::skipped, K::skipped, K::due}));
  EXPECT_EQ(r->steps[1].date, date("2019-10-01"));
  EXPECT_EQ(r->steps[1].holiday, "国庆节");
  EXPECT_NE(r->steps[1].what.find("民法典 art. 203"), std::string::npos);
  EXPECT_FALSE(r->provisional);
}

TEST(CalendarCalendarDays, EndingOnAWeekendIsExtended) {
  // Sun 2024-06-02 + 20 = Sat 2024-06-22 -> Mon 2024-06-24.
  Result<Deadline> r = cn_latest().add_calendar_days(at("2024-06-02T10:00:00+08:00"), 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2024-06-24"));
  EXPECT_EQ(kinds(*r), (std::vector<StepKind>{StepKind::trigger, StepKind::period_end,
                                              StepKind::skipped, StepKind::due}));
  EXPECT_EQ(r->steps[1].day_kind, DayKind::weekend);
}

TEST(CalendarCalendarDays, EndingOnAMakeupSaturdayIsNotExtended) {
  // Sun 2019-09-22 + 20 = Sat 2019-10-12, a make-up working day of 国庆节: not extended.
  Result<Deadline> r = cn_latest().add_calendar_days(at("2019-09-22T10:00:00+08:00"), 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2019-10-12"));
  EXPECT_EQ(kinds(*r), (std::vector<StepKind>{StepKind::trigger, StepKind::due}));
  EXPECT_EQ(r->steps.back().day_kind, DayKind::makeup_workday);
  EXPECT_EQ(r->steps.back().ordinal, 20);
  // Wed 2020-01-22 + 10 = Sat 2020-02-01: a make-up day in the original 2020 notice (not
  // extended), a day of the extended 春节 since 国办发明电〔2020〕1号 (extended to Mon 02-03).
  const Instant t = at("2020-01-22T10:00:00+08:00");
  EXPECT_EQ(cn_version(5).add_calendar_days(t, 10)->last_day, date("2020-02-01"));
  EXPECT_EQ(cn_version(6).add_calendar_days(t, 10)->last_day, date("2020-02-03"));
}

TEST(CalendarCalendarDays, ClosingTimeHook) {
  Result<Deadline> r = cn_latest().add_calendar_days(at("2024-06-02T10:00:00+08:00"), 20,
                                                     std::chrono::minutes(17 * 60 + 30));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(format_local(r->due), "2024-06-24T17:30:00.000+08:00");
  // Through Duration, as a standard's rule gives it.
  Result<Deadline> d =
      cn_latest().add(at("2024-06-02T10:00:00+08:00"), Duration{20, TimeUnit::calendar_days});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->last_day, date("2024-06-24"));
  EXPECT_EQ(d->unit, TimeUnit::calendar_days);
}

TEST(CalendarCalendarDays, UncoveredLastDayIsProvisional) {
  // Mon 2026-12-21 + 12 = Sat 2027-01-02 -> Mon 2027-01-04 (1-01..1-03 will likely be 元旦).
  Result<Deadline> r = cn_latest().add_calendar_days(at("2026-12-21T10:00:00+08:00"), 12);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2027-01-04"));
  EXPECT_TRUE(r->provisional);
  // A period inside the covered years whose last day is covered is not provisional.
  EXPECT_FALSE(cn_latest().add_calendar_days(at("2026-12-01T10:00:00+08:00"), 20)->provisional);
}

// ---- hours
// ----------------------------------------------------------------------------------------

TEST(CalendarHours, AroundTheClockAcrossMidnightAndHolidays) {
  const Calendar cal = cn_latest();
  // 48 h from Tue 2019-04-30 20:00 local: Thu 2019-05-02 20:00, through 劳动节.
  Result<Deadline> r = cal.add_hours(at("2019-04-30T20:00:00+08:00"), 48);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(format_local(r->due), "2019-05-02T20:00:00.000+08:00");
  EXPECT_EQ(r->last_day, date("2019-05-02"));
  EXPECT_FALSE(r->provisional);
  using K = StepKind;
  EXPECT_EQ(kinds(*r), (std::vector<K>{K::trigger, K::crossed, K::due}));
  EXPECT_EQ(r->steps[1].what, "2019-05-01 Wed: hours run through (holiday:劳动节)");
  EXPECT_EQ(r->steps[2].holiday, "劳动节");
  // 5 h across midnight into 国庆节: Mon 2019-09-30 22:00 -> Tue 2019-10-01 03:00 (given in UTC).
  Result<Deadline> m = cal.add_hours(at("2019-09-30T14:00:00Z"), 5);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(format_local(m->due), "2019-10-01T03:00:00.000+08:00");
  EXPECT_EQ(m->trigger_date, date("2019-09-30"));
  EXPECT_EQ(m->last_day, date("2019-10-01"));
  // Ending exactly at local midnight: the last moment lies in the day before.
  Result<Deadline> e = cal.add_hours(at("2019-09-30T19:00:00+08:00"), 5);
  EXPECT_EQ(e->last_day, date("2019-09-30"));
  EXPECT_EQ(format_local(e->due), "2019-10-01T00:00:00.000+08:00");
  // Never provisional, even in an uncovered year.
  EXPECT_FALSE(cal.add_hours(at("2030-02-01T10:00:00+08:00"), 48)->provisional);
  EXPECT_EQ(cal.add(at("2019-04-30T20:00:00+08:00"), Duration{24, TimeUnit::hours})->due,
            at("2019-05-01T20:00:00+08:00"));
}

// ---- regional calendars
// ---------------------------------------------------------------------------

TEST(CalendarRegional, NingxiaAddsItsHolidaysOnTopOfCn) {
  Result<Calendar> nx = shipped().latest("ningxia");
  ASSERT_TRUE(nx.ok()) << nx.status().to_string();
  ASSERT_EQ(nx->layers().size(), 2u);
  EXPECT_EQ(nx->layers()[0].id, "ningxia");
  EXPECT_EQ(nx->layers()[1].id, "cn");
  EXPECT_EQ(nx->layers()[1].version, 12);
  // Mon 2020-05-25: 开斋节 in Ningxia, an ordinary Monday nationally.
  const DayInfo eid = nx->day(date("2020-05-25"));
  EXPECT_EQ(eid.reason(), "holiday:开斋节");
  EXPECT_EQ(eid.calendar_id, "ningxia");
  EXPECT_FALSE(eid.working);
  EXPECT_EQ(cn_latest().day(date("2020-05-25")).reason(), "weekday");
  EXPECT_EQ(nx->day(date("2020-07-31")).reason(), "holiday:古尔邦节");
  // The national holidays come from the base, including the 2020 extension.
  EXPECT_EQ(nx->day(date("2020-01-31")).reason(), "holiday:春节");
  EXPECT_EQ(nx->day(date("2020-01-31")).calendar_id, "cn");
  EXPECT_EQ(nx->day(date("2020-04-26")).reason(), "makeup_workday:劳动节");
  // 5 working days from Fri 2020-05-22: cn Mon 5-25 .. Fri 5-29; Ningxia skips 5-25/26:
  // Wed 5-27, Thu 5-28, Fri 5-29, Mon 6-01, Tue 6-02.
  const Instant t = at("2020-05-22T10:00:00+08:00");
  EXPECT_EQ(cn_latest().add_working_days(t, 5)->last_day, date("2020-05-29"));
  Result<Deadline> r = nx->add_working_days(t, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_day, date("2020-06-02"));
  EXPECT_EQ(r->calendar_id, "ningxia");
  EXPECT_EQ(r->calendar_layers.size(), 2u);
  EXPECT_EQ(count_steps(*r, StepKind::skipped, DayKind::holiday), 2);
  EXPECT_FALSE(r->provisional);
  EXPECT_NE(nx->digest(), cn_latest().digest());
  // Ningxia covers 2020 only: elsewhere the national days apply and answers are provisional.
  const DayInfo other = nx->day(date("2021-05-13"));  // Thu; a Ningxia 开斋节 not recorded here
  EXPECT_EQ(other.reason(), "weekday");
  EXPECT_TRUE(other.provisional());
  EXPECT_EQ(other.uncovered_by, (std::vector<std::string>{"ningxia"}));
  EXPECT_EQ(nx->day(date("2021-02-12")).reason(), "holiday:春节");
  EXPECT_TRUE(nx->add_working_days(at("2021-05-10T10:00:00+08:00"), 5)->provisional);
  EXPECT_TRUE(nx->covers(2020));
  EXPECT_FALSE(nx->covers(2021));
}

TEST(CalendarRegional, AsOfFollowsTheBaseVersionsPublishedByThen) {
  // On 2020-01-01 the regional notice (2019-12-04) and cn version 5 were in force: Fri 2020-01-31
  // was a working day; from 2020-01-26 (国办发明电〔2020〕1号) a day of 春节.
  Result<Calendar> before = shipped().as_of("ningxia", at("2020-01-01T10:00:00+08:00"));
  ASSERT_TRUE(before.ok()) << before.status().to_string();
  EXPECT_EQ(before->layers()[1].version, 5);
  EXPECT_TRUE(before->is_working_day(date("2020-01-31")));
  Result<Calendar> after = shipped().as_of("ningxia", at("2020-01-26T10:00:00+08:00"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->layers()[1].version, 6);
  EXPECT_FALSE(after->is_working_day(date("2020-01-31")));
  // Before the regional notice there is no Ningxia calendar.
  EXPECT_EQ(shipped().as_of("ningxia", at("2019-12-03T10:00:00+08:00")).status().code(),
            Errc::definition_unknown_reference);
}

TEST(CalendarRegional, PinnedBaseVersionAndChains) {
  const std::string base = R"({"id": "base", "name": "B", "versions": [
      {"version": 1, "published": "2023-01-01", "source": "B1", "covers": {"from_year": 2024, "to_year": 2024},
       "holidays": [{"name": "H1", "from": "2024-03-04", "to": "2024-03-04"}]},
      {"version": 2, "published": "2023-06-01", "source": "B2",
       "holidays": [{"name": "H2", "from": "2024-03-05", "to": "2024-03-05"}]}]})";
  const std::string pinned = R"({"id": "pinned", "name": "P", "base": "base", "base_version": 1,
      "description": "an example county day, for tests", "versions": [
      {"version": 1, "published": "2023-02-01", "source": "P1", "covers": {"from_year": 2024, "to_year": 2024},
       "holidays": [{"name": "县庆", "from": "2024-03-06", "to": "2024-03-06"}]}]})";
  const std::string county = R"({"id": "county", "name": "C", "base": "pinned", "versions": [
      {"version": 1, "published": "2023-03-01", "source": "C1", "covers": {"from_year": 2024, "to_year": 2024},
       "holidays": [{"name": "乡庆", "from": "2024-03-07", "to": "2024-03-07",
                     "makeup_workdays": ["2024-03-09"]}]}]})";
  Result<CalendarSet> set =
      calendars_from_json({{"base.json", base}, {"pinned.json", pinned}, {"county.json", county}});
  ASSERT_TRUE(set.ok()) << set.status().to_string();
  Result<Calendar> c = set->latest("county");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->layers().size(), 3u);
  EXPECT_EQ(c->layers()[2].version, 1);  // pinned, although base has version 2
  EXPECT_EQ(c->day(date("2024-03-04")).reason(), "holiday:H1");
  EXPECT_EQ(c->day(date("2024-03-05")).reason(), "weekday");  // H2 is in base version 2 only
  EXPECT_EQ(c->day(date("2024-03-06")).reason(), "holiday:县庆");
  EXPECT_EQ(c->day(date("2024-03-06")).calendar_id, "pinned");
  EXPECT_EQ(c->day(date("2024-03-07")).reason(), "holiday:乡庆");
  EXPECT_EQ(c->day(date("2024-03-09")).reason(), "makeup_workday:乡庆");
  EXPECT_EQ(c->holidays().size(), 3u);
  // Fri 2024-03-01 + 5: Mon 3-04 H1, (3-05 weekday 1), 3-06 县庆, 3-07 乡庆, Fri 3-08 (2),
  // Sat 3-09 make-up (3), Mon 3-11 (4), Tue 3-12 (5).
  EXPECT_EQ(c->add_working_days(at("2024-03-01T10:00:00+08:00"), 5)->last_day, date("2024-03-12"));
  EXPECT_EQ(set->latest("pinned")->layers()[1].version, 1);
}

// ---- versions, look-ups and digests
// ------------------------------------------------------------------

TEST(CalendarSetLookup, VersionsAndAsOf) {
  const CalendarSet& set = shipped();
  EXPECT_EQ(set.latest("cn")->version(), 12);
  EXPECT_EQ(set.as_of("cn", at("2019-03-21T23:59:59+08:00"))->version(), 3);
  EXPECT_EQ(set.as_of("cn", at("2019-03-22T00:00:00+08:00"))->version(), 4);
  EXPECT_EQ(set.as_of("cn", at("2020-01-25T12:00:00+08:00"))->version(), 5);
  EXPECT_EQ(set.as_of("cn", at("2020-01-26T12:00:00+08:00"))->version(), 6);
  EXPECT_EQ(set.as_of("cn", at("2030-01-01T12:00:00+08:00"))->version(), 12);
  // The local date decides: 2019-03-21T16:30Z is 2019-03-22 00:30 in Beijing.
  EXPECT_EQ(set.as_of("cn", at("2019-03-21T16:30:00Z"))->version(), 4);
  EXPECT_EQ(set.as_of("cn", at("2016-11-30T12:00:00+08:00")).status().code(),
            Errc::definition_unknown_reference);
  EXPECT_EQ(set.version("cn", 13).status().code(), Errc::definition_unknown_reference);
  EXPECT_EQ(set.version("cn", 0).status().code(), Errc::definition_unknown_reference);
  EXPECT_EQ(set.latest("mars").status().code(), Errc::definition_unknown_reference);
  EXPECT_EQ(set.find("mars"), nullptr);
  EXPECT_TRUE(set.contains("cn"));
  EXPECT_FALSE(set.contains("mars"));
  EXPECT_TRUE(CalendarSet().ids().empty());
  // Calendars outlive the set they came from.
  std::optional<Calendar> kept;
  {
    Result<CalendarSet> copy = load_calendar_directory(kShipped);
    kept = *copy->latest("cn");
  }
  EXPECT_EQ(kept->day(date("2019-05-02")).reason(), "holiday:劳动节");
}

TEST(CalendarSetLookup, Digests) {
  const CalendarDefinition* cn = shipped().find("cn");
  ASSERT_NE(cn, nullptr);
  std::set<std::string> digests;
  for (const CalendarVersion& v : cn->versions) {
    EXPECT_EQ(v.digest.size(), 64u);
    EXPECT_EQ(v.digest.find_first_not_of("0123456789abcdef"), std::string::npos);
    digests.insert(v.digest);
  }
  EXPECT_EQ(digests.size(), cn->versions.size());
  EXPECT_EQ(cn_latest().digest(), cn->versions.back().digest);
  EXPECT_EQ(cn_version(4).layers().front().digest, cn->versions[3].digest);
  // Stable: the same files give the same digests.
  Result<CalendarSet> again =
      calendars_from_json({{"cn.json", read_text(kShipped + "/cn.json")},
                           {"ningxia.json", read_text(kShipped + "/ningxia.json")}});
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->latest("cn")->digest(), cn_latest().digest());
  EXPECT_EQ(again->latest("ningxia")->digest(), shipped().latest("ningxia")->digest());
  // A regional calendar's digest depends on the base version it resolved against.
  EXPECT_NE(shipped().as_of("ningxia", at("2020-01-01"))->digest(),
            shipped().latest("ningxia")->digest());
}

TEST(CalendarSetLookup, ConcurrentUseOfOneCalendar) {
  const Calendar cal = cn_latest();
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&cal, &failures, i] {
      for (const HolidayCase& c : kHolidayCases) {
        Result<Deadline> r =
            cal.add_working_days(at(std::string(c.trigger) + "T10:00:00+08:00"), 20);
        if (!r.ok() || r->last_day != date(c.due)) ++failures[static_cast<std::size_t>(i)];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ---- validation
// -----------------------------------------------------------------------------------

// A small valid calendar, mutated by each case.
json valid_calendar() {
  return json::parse(R"({
    "id": "t", "name": "Test", "versions": [
      {"version": 1, "published": "2023-11-01", "source": "N1",
       "covers": {"from_year": 2024, "to_year": 2024},
       "holidays": [{"name": "春节", "from": "2024-02-10", "to": "2024-02-17",
                     "makeup_workdays": ["2024-02-04", "2024-02-18"]}]},
      {"version": 2, "published": "2024-01-10", "source": "N2",
       "withdraws": [{"name": "春节", "from": "2024-02-10", "to": "2024-02-17"}],
       "holidays": [{"name": "春节", "from": "2024-02-10", "to": "2024-02-18",
                     "makeup_workdays": ["2024-02-04"]}]}]})");
}

Status load_text(const std::string& text, const std::string& file = "t.json") {
  return calendars_from_json({{file, text}}).status();
}

Status load_json(const json& doc) {
  return load_text(doc.dump());
}

TEST(CalendarLoader, ValidExampleLoads) {
  Result<CalendarSet> set = calendars_from_json({{"t.json", valid_calendar().dump()}});
  ASSERT_TRUE(set.ok()) << set.status().to_string();
  EXPECT_EQ(set->version("t", 1)->day(date("2024-02-18")).reason(), "makeup_workday:春节");
  EXPECT_EQ(set->version("t", 2)->day(date("2024-02-18")).reason(), "holiday:春节");
}

TEST(CalendarLoader, EveryInvalidCaseHasItsErrorId) {
  struct Case {
    const char* name;
    std::function<void(json&)> mutate;
    Errc code;
    const char* pointer;
  };
  const std::vector<Case> cases = {
      {"missing versions", [](json& j) { j.erase("versions"); }, Errc::definition_missing_field,
       "/versions"},
      {"missing holiday end", [](json& j) { j["versions"][0]["holidays"][0].erase("to"); },
       Errc::definition_missing_field, "/versions/0/holidays/0/to"},
      {"missing source", [](json& j) { j["versions"][1].erase("source"); },
       Errc::definition_missing_field, "/versions/1/source"},
      {"version as text", [](json& j) { j["versions"][0]["version"] = "1"; },
       Errc::definition_wrong_type, "/versions/0/version"},
      {"holidays not an array", [](json& j) { j["versions"][0]["holidays"] = json::object(); },
       Errc::definition_wrong_type, "/versions/0/holidays"},
      {"date as a number", [](json& j) { j["versions"][0]["published"] = 20231101; },
       Errc::definition_wrong_type, "/versions/0/published"},
      {"name as a number", [](json& j) { j["name"] = 5; }, Errc::definition_wrong_type, "/name"},
      {"document not an object", [](json& j) { j = json::array(); }, Errc::definition_wrong_type,
       "t.json"},
      {"impossible date", [](json& j) { j["versions"][0]["holidays"][0]["from"] = "2024-02-30"; },
       Errc::definition_invalid_value, "/versions/0/holidays/0/from"},
      {"from after to", [](json& j) { j["versions"][0]["holidays"][0]["to"] = "2024-02-09"; },
       Errc::definition_invalid_value, "/versions/0/holidays/0/to"},
      {"make-up day on a weekday",
       [](json& j) { j["versions"][0]["holidays"][0]["makeup_workdays"][0] = "2024-02-05"; },
       Errc::definition_invalid_value, "/versions/0/holidays/0/makeup_workdays/0"},
      {"make-up day inside a holiday",
       [](json& j) { j["versions"][0]["holidays"][0]["makeup_workdays"][0] = "2024-02-11"; },
       Errc::definition_invalid_value, "/versions/0/holidays/0/makeup_workdays/0"},
      {"overlapping holidays",
       [](json& j) {
         j["versions"][0]["holidays"].push_back(
             {{"name", "x"}, {"from", "2024-02-17"}, {"to", "2024-02-17"}});
       },
       Errc::definition_invalid_value, "/versions/0/holidays/1"},
      {"versions out of order", [](json& j) { j["versions"][0]["version"] = 2; },
       Errc::definition_invalid_value, "/versions/0/version"},
      {"published going backwards", [](json& j) { j["versions"][1]["published"] = "2023-10-01"; },
       Errc::definition_invalid_value, "/versions/1/published"},
      {"date outside the covered years",
       [](json& j) {
         j["versions"][0]["holidays"][0]["from"] = "2022-02-10";
         j["versions"][0]["holidays"][0]["to"] = "2022-02-12";
       },
       Errc::definition_invalid_value, "/versions/0/holidays/0/from"},
      {"empty versions", [](json& j) { j["versions"] = json::array(); },
       Errc::definition_invalid_value, "/versions"},
      {"id not matching the file", [](json& j) { j["id"] = "other"; },
       Errc::definition_invalid_value, "/id"},
      {"id with capitals", [](json& j) { j["id"] = "T"; }, Errc::definition_invalid_value, "/id"},
      {"empty name", [](json& j) { j["name"] = ""; }, Errc::definition_invalid_value, "/name"},
      {"covers backwards",
       [](json& j) {
         j["versions"][0]["covers"] = {{"from_year", 2025}, {"to_year", 2024}};
       },
       Errc::definition_invalid_value, "/versions/0/covers/to_year"},
      {"base_version without base", [](json& j) { j["base_version"] = 1; },
       Errc::definition_invalid_value, "/base_version"},
      {"a version changing nothing",
       [](json& j) {
         j["versions"][1].erase("withdraws");
         j["versions"][1]["holidays"] = json::array();
       },
       Errc::definition_invalid_value, "/versions/1"},
      {"unknown top-level field", [](json& j) { j["comment"] = "x"; },
       Errc::definition_unknown_field, "/comment"},
      {"unknown holiday field", [](json& j) { j["versions"][0]["holidays"][0]["days"] = 8; },
       Errc::definition_unknown_field, "/versions/0/holidays/0/days"},
      {"unknown base", [](json& j) { j["base"] = "nowhere"; }, Errc::definition_unknown_reference,
       "/base"},
      {"withdrawing a holiday not in force",
       [](json& j) { j["versions"][1]["withdraws"][0]["to"] = "2024-02-16"; },
       Errc::definition_unknown_reference, "/versions/1/withdraws/0"},
      {"its own base", [](json& j) { j["base"] = "t"; }, Errc::definition_invalid_value, "/base"},
  };
  ASSERT_TRUE(load_json(valid_calendar()).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = valid_calendar();
    c.mutate(doc);
    const Status s = load_json(doc);
    EXPECT_EQ(s.code(), c.code) << s.to_string();
    EXPECT_EQ(s.message().rfind("t.json", 0), 0u) << s.message();  // starts with the file
    EXPECT_NE(s.message().find(c.pointer), std::string::npos) << s.message();
    EXPECT_NE(s.to_string().find("error[" + std::string(error_id(c.code)) + "]"),
              std::string::npos);
  }
}

TEST(CalendarLoader, ParseErrors) {
  Status s = load_text("{\"id\": \"t\",");
  EXPECT_EQ(s.code(), Errc::definition_parse_error) << s.to_string();
  EXPECT_EQ(s.message().rfind("t.json: not valid JSON", 0), 0u) << s.message();
  // A repeated key is refused, with its pointer.
  std::string text = valid_calendar().dump();
  text.replace(text.find("\"source\":\"N1\""), 13, "\"source\":\"N1\",\"source\":\"N9\"");
  s = load_text(text);
  EXPECT_EQ(s.code(), Errc::definition_parse_error) << s.to_string();
  EXPECT_NE(s.message().find("/versions/0/source"), std::string::npos) << s.message();
  EXPECT_NE(s.details_json().find("\"pointer\":\"/versions/0/source\""), std::string::npos);
}

TEST(CalendarLoader, ErrorsAcrossFiles) {
  const std::string base = valid_calendar().dump();
  json regional = json::parse(R"({"id": "r", "name": "R", "base": "t", "base_version": 3,
      "versions": [{"version": 1, "published": "2024-01-01", "source": "R1",
                    "covers": {"from_year": 2024, "to_year": 2024}}]})");
  Status s = calendars_from_json({{"t.json", base}, {"r.json", regional.dump()}}).status();
  EXPECT_EQ(s.code(), Errc::definition_unknown_reference) << s.to_string();
  EXPECT_NE(s.message().find("r.json: /base_version"), std::string::npos) << s.message();
  regional["base_version"] = 2;
  EXPECT_TRUE(calendars_from_json({{"t.json", base}, {"r.json", regional.dump()}}).ok());
  // Two files with one id.
  s = calendars_from_json({{"a/t.json", base}, {"b/t.json", base}}).status();
  EXPECT_EQ(s.code(), Errc::definition_duplicate_id) << s.to_string();
  EXPECT_NE(s.message().find("b/t.json: /id"), std::string::npos) << s.message();
  // A cycle of bases.
  json x = json::parse(R"({"id": "x", "name": "X", "base": "y", "versions": [
      {"version": 1, "published": "2024-01-01", "source": "X1", "covers": {"from_year": 2024, "to_year": 2024}}]})");
  json y = x;
  y["id"] = "y";
  y["base"] = "x";
  s = calendars_from_json({{"x.json", x.dump()}, {"y.json", y.dump()}}).status();
  EXPECT_EQ(s.code(), Errc::definition_invalid_value) << s.to_string();
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s.message();
}

TEST(CalendarLoader, Directories) {
  EXPECT_EQ(load_calendar_directory("/nonexistent/calendars").status().code(),
            Errc::definition_io_error);
  testing::TempDir dir;
  Result<CalendarSet> empty = load_calendar_directory(dir.path().string());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->ids().empty());
  testing::write_file(dir.path() / "t.json", valid_calendar().dump());
  testing::write_file(dir.path() / "README.txt", "not a calendar");
  testing::write_file(dir.path() / "sub" / "ignored.json", "{");
  Result<CalendarSet> one = load_calendar_directory(dir.path().string());
  ASSERT_TRUE(one.ok()) << one.status().to_string();
  EXPECT_EQ(one->ids(), (std::vector<std::string>{"t"}));
  EXPECT_EQ(one->find("t")->file, dir.file("t.json"));
  testing::write_file(dir.path() / "broken.json", "[1,");
  Status s = load_calendar_directory(dir.path().string()).status();
  EXPECT_EQ(s.code(), Errc::definition_parse_error);
  EXPECT_NE(s.message().find(dir.file("broken.json")), std::string::npos) << s.message();
}

// due_date() is add() without the explanation, written separately for speed: for every unit,
// amount and closing time, on a single-layer and a layered calendar, across holidays, make-up days
// and years no notice covers, it gives add()'s due, last_day and provisional, and its errors.
TEST(CalendarArithmetic, DueDateAgreesWithAdd) {
  std::uint64_t state = 0x2545f4914f6cdd1dULL;
  auto next = [&state](std::uint64_t bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % bound;
  };
  const Instant first = at("2016-06-01T00:00:00+08:00");
  std::vector<Calendar> calendars = {cn_latest(), cn_version(1), *shipped().latest("ningxia")};
  const TimeUnit units[] = {TimeUnit::working_days, TimeUnit::calendar_days, TimeUnit::hours};
  const std::chrono::minutes closings[] = {kEndOfDay, std::chrono::minutes(17 * 60 + 30),
                                           std::chrono::minutes(0),
                                           kEndOfDay + std::chrono::minutes(1)};
  int provisional = 0;
  for (int i = 0; i < 20000; ++i) {
    const Calendar& calendar = calendars[next(calendars.size())];
    const Instant trigger =
        first + std::chrono::minutes(static_cast<std::int64_t>(next(12ULL * 366 * 24 * 60)));
    const TimeUnit unit = units[next(3)];
    std::int64_t amount = static_cast<std::int64_t>(next(unit == TimeUnit::hours ? 400 : 70));
    if (next(50) == 0) amount = -1;
    const auto closing = closings[next(10) < 8 ? 0 : 1 + next(3)];
    const Duration limit{amount, unit};
    auto full = calendar.add(trigger, limit, closing);
    auto quick = calendar.due_date(trigger, limit, closing);
    const std::string what = calendar.id() + " " + format_utc(trigger) + " + " +
                             std::to_string(amount) + " " + std::string(to_string(unit)) +
                             " closing " + std::to_string(closing.count());
    ASSERT_EQ(full.ok(), quick.ok()) << what;
    if (!full.ok()) {
      EXPECT_EQ(full.status().code(), quick.status().code()) << what;
      continue;
    }
    ASSERT_EQ(quick->due, full->due) << what;
    ASSERT_EQ(quick->last_day, full->last_day) << what;
    ASSERT_EQ(quick->provisional, full->provisional) << what;
    provisional += full->provisional ? 1 : 0;
  }
  EXPECT_GT(provisional, 0);  // the years past the last notice were reached
}

}  // namespace
}  // namespace gongkai
