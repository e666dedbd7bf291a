// adapters/channels/public_document: reading the notice period (公示期) of a delivery's document —
// absent, null, complete, and every value the engine never writes — and the section the release
// page shows for it in each state; the duration and delivery kind labels. Hand-made documents, no
// engine.
#include "adapters/channels/public_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "channels/channel_test_support.h"

namespace gongkai::channels {
namespace {

using ::gongkai::testing::delivery_of;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// gk-000001, published 2026-03-02 10:05, 30 calendar days on notice to 04-01 (running).
json release_document() {
  return ::gongkai::testing::release_document_with_notice();
}

PublicDocument parsed(const json& document) {
  auto doc = parse_public_document(delivery_of(document));
  EXPECT_TRUE(doc.ok()) << doc.status().to_string();
  return doc.ok() ? *doc : PublicDocument{};
}

TEST(PublicDocumentNotice, IsReadWithEveryField) {
  const PublicDocument doc = parsed(release_document());
  ASSERT_TRUE(doc.notice.has_value());
  EXPECT_EQ(doc.notice->revision, 1);
  EXPECT_EQ(doc.notice->amount, 30);
  EXPECT_EQ(doc.notice->unit, "calendar_days");
  EXPECT_EQ(doc.notice->starts_at, "2026-03-02T10:05:00.000+08:00");
  EXPECT_EQ(doc.notice->ends_at, "2026-04-02T00:00:00.000+08:00");
  EXPECT_EQ(doc.notice->last_day, "2026-04-01");
  EXPECT_EQ(doc.notice->state, "running");
  EXPECT_EQ(doc.notice->cut_short_at, "");
  EXPECT_EQ(doc.notice->cut_short_by, "");
}

TEST(PublicDocumentNotice, AbsentOrNullMeansNone) {
  json doc = release_document();
  doc["notice_period"] = nullptr;
  EXPECT_FALSE(parsed(doc).notice.has_value());
  doc.erase("notice_period");  // a document written before notice periods reached the channels
  EXPECT_FALSE(parsed(doc).notice.has_value());
  EXPECT_EQ(notice_period_section(parsed(doc)), "");
}

TEST(PublicDocumentNotice, ValuesTheEngineNeverWritesAreRefused) {
  const std::pair<const char*, json> bad[] = {
      {"amount", "30"},     {"amount", 0},         {"amount", -1},
      {"unit", "weeks"},    {"unit", nullptr},     {"starts_at", "yesterday"},
      {"ends_at", ""},      {"last_day", "04-01"}, {"last_day", "2026-02-30"},
      {"state", "expired"}, {"state", 1},          {"revision", "1"},
      {"amount", 2.5},      {"amount", 1e300},     {"revision", 1e300},
  };
  for (const auto& [field, value] : bad) {
    json doc = release_document();
    doc["notice_period"][field] = value;
    const auto result = parse_public_document(delivery_of(doc));
    ASSERT_FALSE(result.ok()) << field << " = " << value.dump();
    EXPECT_EQ(result.status().code(), Errc::invalid_json) << field << " = " << value.dump();
    EXPECT_THAT(result.status().message(), HasSubstr("notice_period")) << result.status().message();
  }
  for (const char* field : {"amount", "unit", "starts_at", "ends_at", "last_day", "state"}) {
    json doc = release_document();
    doc["notice_period"].erase(field);
    EXPECT_EQ(parse_public_document(delivery_of(doc)).status().code(), Errc::invalid_json)
        << "without " << field;
  }
  json not_object = release_document();
  not_object["notice_period"] = json::array({30});
  EXPECT_EQ(parse_public_document(delivery_of(not_object)).status().code(), Errc::invalid_json);
  // Cut short needs the time and what cut it short.
  json cut = release_document();
  cut["notice_period"]["state"] = "cut_short";
  EXPECT_EQ(parse_public_document(delivery_of(cut)).status().code(), Errc::invalid_json);
  cut["notice_period"]["cut_short_at"] = "2026-03-10T09:00:00.000+08:00";
  cut["notice_period"]["cut_short_by"] = "close";
  EXPECT_EQ(parse_public_document(delivery_of(cut)).status().code(), Errc::invalid_json);
  cut["notice_period"]["cut_short_by"] = "withdraw";
  EXPECT_TRUE(parse_public_document(delivery_of(cut)).ok());
}

TEST(PublicDocument, NumbersThatAreNoIntegerOfTheirTypeAreRefused) {
  // A plain cast of 1e300 to an integer is undefined; such a document is refused instead.
  const std::pair<const char*, json> bad[] = {
      {"/version", 1e300},
      {"/version", 2.5},
      {"/revision", 1e300},
      {"/revision", std::int64_t{1} << 40},
      {"/responses/0/number", -1e300},
  };
  for (const auto& [pointer, value] : bad) {
    json doc = release_document();
    doc["responses"] = json::array({json{{"number", 1}, {"concern", "?"}, {"answer", "!"}}});
    ASSERT_TRUE(parse_public_document(delivery_of(doc)).ok());
    doc[json::json_pointer(pointer)] = value;
    const auto result = parse_public_document(delivery_of(doc));
    ASSERT_FALSE(result.ok()) << pointer << " = " << value.dump();
    EXPECT_EQ(result.status().code(), Errc::invalid_json) << pointer << " = " << value.dump();
  }
}

TEST(NoticePeriodSection, RunningShowsThePeriodTheEndAndTheStateAsOfTheDocument) {
  const std::string html = notice_period_section(parsed(release_document()));
  EXPECT_EQ(
      html,
      "<section id=\"notice-period\">\n<h2>公示期</h2>\n<table class=\"notice-period\">\n"
      "<tr><th>公示期限</th><td>不少于30日</td></tr>\n"
      "<tr><th>公示时间</th><td>2026年3月2日 10:05起至2026年4月1日止</td></tr>\n"
      "<tr><th>公示状态</th><td class=\"running\">公示中（截至2026年3月2日 10:05）</td></tr>\n"
      "</table>\n</section>\n");
}

TEST(NoticePeriodSection, ReachedOnceTheDocumentIsAtOrAfterTheEnd) {
  json doc = release_document();
  // A later document (a response) still says running — the timer has not recorded it yet — but
  // its instant is at the end: the minimum is served.
  doc["kind"] = "response";
  doc["at"] = "2026-04-02T00:00:00.000+08:00";
  std::string html = notice_period_section(parsed(doc));
  EXPECT_THAT(html, HasSubstr("<td class=\"served\">公示期满</td>"));
  EXPECT_THAT(html, Not(HasSubstr("公示中")));
  // One millisecond earlier it is still running.
  doc["at"] = "2026-04-01T23:59:59.999+08:00";
  html = notice_period_section(parsed(doc));
  EXPECT_THAT(html, HasSubstr("公示中（截至2026年4月1日 23:59）"));
  // Recorded as served.
  doc["notice_period"]["state"] = "served";
  EXPECT_THAT(notice_period_section(parsed(doc)), HasSubstr("<td class=\"served\">公示期满</td>"));
}

TEST(NoticePeriodSection, CutShortSaysByWhatAndWhen) {
  json doc = release_document();
  doc["kind"] = "withdrawal";
  doc["at"] = "2026-03-10T09:30:00.000+08:00";
  doc["notice_period"]["state"] = "cut_short";
  doc["notice_period"]["cut_short_at"] = "2026-03-10T09:30:00.000+08:00";
  doc["notice_period"]["cut_short_by"] = "withdraw";
  EXPECT_THAT(notice_period_section(parsed(doc)),
              HasSubstr("<td class=\"cut_short\">因撤回提前结束（2026年3月10日 09:30）</td>"));
  doc["notice_period"]["cut_short_by"] = "correct";
  EXPECT_THAT(notice_period_section(parsed(doc)),
              HasSubstr("<td class=\"cut_short\">因更正提前结束（2026年3月10日 09:30）</td>"));
}

TEST(NoticePeriodSection, HoursEndAtAnInstantWorkingDaysOnADay) {
  json doc = release_document();
  doc["notice_period"]["amount"] = 72;
  doc["notice_period"]["unit"] = "hours";
  doc["notice_period"]["ends_at"] = "2026-03-05T10:05:00.000+08:00";
  doc["notice_period"]["last_day"] = "2026-03-05";
  std::string html = notice_period_section(parsed(doc));
  EXPECT_THAT(html, HasSubstr("不少于72小时"));
  EXPECT_THAT(html, HasSubstr("2026年3月2日 10:05起至2026年3月5日 10:05止"));
  doc["notice_period"]["amount"] = 5;
  doc["notice_period"]["unit"] = "working_days";
  doc["notice_period"]["ends_at"] = "2026-03-10T00:00:00.000+08:00";
  doc["notice_period"]["last_day"] = "2026-03-09";
  html = notice_period_section(parsed(doc));
  EXPECT_THAT(html, HasSubstr("不少于5个工作日"));
  EXPECT_THAT(html, HasSubstr("起至2026年3月9日止"));
}

TEST(DurationLabel, NamesEachUnitInChinese) {
  EXPECT_EQ(duration_label(30, "calendar_days"), "30日");
  EXPECT_EQ(duration_label(10, "working_days"), "10个工作日");
  EXPECT_EQ(duration_label(72, "hours"), "72小时");
  EXPECT_EQ(duration_label(3, "fortnights"), "3 fortnights");
}

TEST(KindLabel, NamesEachDeliveryKindInChinese) {
  EXPECT_EQ(kind_label("release"), "发布");
  EXPECT_EQ(kind_label("interpretation"), "解读");
  EXPECT_EQ(kind_label("response"), "回应");
  EXPECT_EQ(kind_label("withdrawal"), "撤回");
  EXPECT_EQ(kind_label("correction"), "更正");
  EXPECT_EQ(kind_label("notice_served"), "公示期满");
  EXPECT_EQ(kind_label("broadcast"), "broadcast") << "an unknown kind as it is";
}

}  // namespace
}  // namespace gongkai::channels
