// The report renderers: number formatting, escaping of every name (the escaping itself:
// tests/markup/markup_escape_test.cpp), the shape of each format, and determinism
// over the same history recorded twice through the engine.
#include "adapters/report/report_renderers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "gongkai/engine.h"
#include "support/assessment_scenario.h"
#include "support/temp_dir.h"

namespace gongkai::report {
namespace {

using gongkai::testing::at;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// An assessment made by hand, with names that must be escaped.
Assessment hostile() {
  Assessment a;
  a.to = at("2026-04-01T00:00:00+08:00");
  a.province = "p<1>";
  a.scope_name = "省 & <script>alert('x')</script>";
  AssessmentRow unit;
  unit.id = "u\"1";
  unit.name = "<img src=x onerror=alert(1)>县";
  unit.province = "p<1>";
  unit.figures.publication = {3, 2, 1, 0};
  unit.figures.score_x100 = 6667;
  unit.figures.deadlines_by_kind["pub<lication>"] = {3, 2, 1, 0};
  unit.rank = 1;
  a.units.push_back(unit);
  AssessmentRow province = unit;
  province.id = "p<1>";
  province.name = "甲&乙";
  a.provinces.push_back(province);
  a.overall = unit.figures;
  return a;
}

TEST(ReportFormatting, PercentHoursAndScoresRoundHalfUp) {
  EXPECT_EQ(format_percent(2, 3), "66.7%");
  EXPECT_EQ(format_percent(1, 3), "33.3%");
  EXPECT_EQ(format_percent(1, 2000), "0.1%");  // 0.05% → 0.1%
  EXPECT_EQ(format_percent(0, 7), "0.0%");
  EXPECT_EQ(format_percent(7, 7), "100.0%");
  EXPECT_EQ(format_percent(0, 0), "-");
  EXPECT_EQ(format_percent(0, 0, "—"), "—");
  EXPECT_EQ(format_hours(std::nullopt), "-");
  EXPECT_EQ(format_hours(0), "0.0");
  EXPECT_EQ(format_hours(3 * 3600000), "3.0");
  EXPECT_EQ(format_hours(180000), "0.1");  // 3 min = 0.05 h → 0.1
  EXPECT_EQ(format_hours(179999), "0.0");
  EXPECT_EQ(format_hours(48 * 3600000 + 30 * 60000), "48.5");
  EXPECT_EQ(format_score(std::nullopt), "-");
  EXPECT_EQ(format_score(5800), "58.00");
  EXPECT_EQ(format_score(7), "0.07");
  EXPECT_EQ(format_score(10000), "100.00");
}

TEST(ReportFormatting, FormatsAreParsedStrictly) {
  EXPECT_EQ(*parse_report_format("text"), ReportFormat::text);
  EXPECT_EQ(*parse_report_format("json"), ReportFormat::json);
  EXPECT_EQ(*parse_report_format("html"), ReportFormat::html);
  for (const char* bad : {"", "HTML", "pdf", "json "}) {
    EXPECT_EQ(parse_report_format(bad).status().code(), Errc::report_format_unknown) << bad;
  }
}

TEST(ReportHtml, EscapesEveryNameAndLoadsNothingFromOutside) {
  const std::string html = render_html(hostile());
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;县"));
  EXPECT_THAT(html, HasSubstr("省 &amp; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("u&quot;1"));
  EXPECT_THAT(html, HasSubstr("甲&amp;乙"));
  EXPECT_THAT(html, HasSubstr("pub&lt;lication&gt;"));
  // Self-contained: no tag with an attribute that fetches anything (the escaped name above holds
  // "src=" as text only), no style that does, no element that embeds another document.
  const std::regex fetching_tag("<[A-Za-z][^>]*\\s(src|href|srcset|data|action)\\s*=");
  EXPECT_FALSE(std::regex_search(html, fetching_tag));
  for (const char* fetch : {"url(", "@import", "<link", "<iframe", "<object", "<embed"}) {
    EXPECT_THAT(html, Not(HasSubstr(fetch))) << fetch;
  }
  // The only URL is the SVG namespace.
  std::regex url("https?://[^\"]*");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org/2000/svg");
  }
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
}

TEST(ReportText, KeepsNamesAndShowsDashesForUndefinedRates) {
  Assessment a = hostile();
  a.units.push_back(AssessmentRow{"z.none", "无县", "p<1>", {}, 0});
  const std::string text = render_text(a);
  EXPECT_THAT(text, HasSubstr("scope: province p<1> 省 & <script>alert('x')</script>"));
  EXPECT_THAT(text, HasSubstr("publication on time                 2 of 3 (66.7%)"));
  EXPECT_THAT(text, HasSubstr("deadlines breached                  0 (pub<lication> 1)"));
  // The ranked unit first, the unranked one after it with dashes.
  const auto ranked = text.find("u\"1 <img");
  const auto unranked = text.find("z.none 无县");
  ASSERT_NE(ranked, std::string::npos);
  ASSERT_NE(unranked, std::string::npos);
  EXPECT_LT(ranked, unranked);
  EXPECT_THAT(text,
              HasSubstr("   -       -      0        -        -        -        -       -       -"
                        "     0      0     0     0  z.none 无县"));
}

TEST(ReportJson, KeysAreStableAndUndefinedValuesAreNull) {
  const json j = json::parse(render_json(hostile()));
  EXPECT_EQ(j.at("scope").at("province"), "p<1>");
  EXPECT_EQ(j.at("scope").at("unit"), nullptr);
  EXPECT_EQ(j.at("period").at("from"), nullptr);
  EXPECT_EQ(j.at("units")[0].at("name"), "<img src=x onerror=alert(1)>县");
  EXPECT_EQ(j.at("units")[0].at("province"), "p<1>");
  EXPECT_FALSE(j.at("provinces")[0].contains("province"));
  const json& f = j.at("units")[0].at("figures");
  EXPECT_EQ(f.at("publication").at("on_time_rate"), 0.6667);
  EXPECT_EQ(f.at("interpretation").at("coverage_rate"), nullptr);
  EXPECT_EQ(f.at("concerns").at("response_median_hours"), nullptr);
  EXPECT_EQ(f.at("score"), 66.67);
  EXPECT_EQ(f.at("concerns").at("response_buckets").size(), kResponseBuckets);
  EXPECT_EQ(f.at("concerns").at("response_buckets")[4].at("to_hours"), nullptr);
  EXPECT_EQ(f.at("concerns").at("response_buckets")[4].at("from_hours"), 48);
}

// The same commands on a simulation clock into two databases: the renderers give the same bytes.
TEST(ReportDeterminism, TheSameHistoryGivesByteIdenticalReports) {
  gongkai::testing::TempDir dir;
  auto first = gongkai::testing::build_scenario(dir.file("first.db"));
  auto second = gongkai::testing::build_scenario(dir.file("second.db"));
  ASSERT_TRUE(first && second);
  AssessmentQuery all;
  AssessmentQuery march;
  march.from = at("2026-03-01T00:00:00+08:00");
  march.to = at("2026-04-01T00:00:00+08:00");
  AssessmentQuery alpha = march;
  alpha.province = "alpha";
  for (const AssessmentQuery& q : {all, march, alpha}) {
    auto a = assess(*first, q);
    auto b = assess(*second, q);
    ASSERT_TRUE(a.ok() && b.ok());
    for (ReportFormat format : {ReportFormat::text, ReportFormat::json, ReportFormat::html}) {
      const std::string ra = render_report(*a, format);
      EXPECT_FALSE(ra.empty());
      EXPECT_EQ(ra, render_report(*b, format)) << static_cast<int>(format);
      // Assessing again gives the same again.
      EXPECT_EQ(ra, render_report(*assess(*first, q), format));
    }
  }
  // The March report shows the hand-computed figures (assessment_test.cpp).
  auto a = assess(*first, march);
  ASSERT_TRUE(a.ok());
  const std::string text = render_text(*a);
  EXPECT_THAT(text, HasSubstr("publication on time                 3 of 4 (75.0%)"));
  EXPECT_THAT(text, HasSubstr("response time median / p90 (hours)  8.0 / 48.0"));
  EXPECT_THAT(text, HasSubstr("deadlines breached                  6 (concern_response 3, "
                              "interpretation 2, publication 1)"));
  EXPECT_THAT(text, HasSubstr("score                               58.00"));
  const json j = json::parse(render_json(*a));
  EXPECT_EQ(j.at("overall").at("concerns").at("response_p90_hours"), 48.0);
  EXPECT_EQ(j.at("overall").at("interpretation").at("coverage_rate"), 0.6667);
  const std::string html = render_html(*a);
  // Charts: breaches by kind, response times, and two per list (three lists).
  EXPECT_EQ(count(html, "<svg"), 8u);
  EXPECT_THAT(html, HasSubstr("一县"));
}

}  // namespace
}  // namespace gongkai::report
