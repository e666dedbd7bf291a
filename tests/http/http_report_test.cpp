// Black-box tests of GET /v1/report on the real `gongkai serve`: the same bytes as the CLI's
// `gongkai report`, the content type of each format, unit scoping of the caller, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gongkai/engine.h"
#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Instant at(const char* text) {
  return *parse_instant(text);
}

class HttpReport : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      // A published item in each of alpha.one and alpha.two, one concern answered in 3 hours.
      auto engine = Engine::open(served_.db);
      ASSERT_TRUE(engine.ok()) << engine.status().to_string();
      for (const char* unit : {"alpha.one", "alpha.two"}) {
        CreateItemRequest c;
        c.standard_id = "test.without_interpretation";
        c.unit_id = unit;
        c.title = "事项";
        c.actor = "zhang";
        c.at = at("2026-03-02T09:00:00+08:00");
        auto item = (*engine)->create_item(c);
        ASSERT_TRUE(item.ok()) << item.status().to_string();
        const std::pair<EventType, const char*> steps[] = {
            {EventType::submit, "2026-03-03T09:00:00+08:00"},
            {EventType::approve, "2026-03-03T10:00:00+08:00"},
            {EventType::publish, "2026-03-04T10:00:00+08:00"},
            {EventType::raise_concern, "2026-03-05T10:00:00+08:00"},
            {EventType::respond, "2026-03-05T13:00:00+08:00"}};
        for (const auto& [event, when] : steps) {
          FireRequest f;
          f.item_id = item->id;
          f.event = event;
          f.actor = event == EventType::submit ? "zhang" : "li";
          f.text = "文字";
          f.at = at(when);
          auto fired = (*engine)->fire(f);
          ASSERT_TRUE(fired.ok()) << fired.status().to_string();
        }
      }
    }
    served_.start();
    ASSERT_TRUE(served_.server && served_.server->started());
    client_ = std::make_unique<HttpClient>(served_.server->port());
  }
  std::string token(const char* user) { return served_.tokens[user]; }

  ServedDatabase served_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpReport, AnswersWhatTheCliPrints) {
  for (const char* format : {"json", "text", "html"}) {
    const HttpAnswer a = client_->get(
        std::string("/v1/report?from=2026-03-01&to=2026-04-01&format=") + format, token(kAuditor));
    ASSERT_EQ(a.status, 200) << a;
    const CliRun cli = run_cli({"--db", served_.db, "report", "--from", "2026-03-01", "--to",
                                "2026-04-01", "--format", format},
                               served_.dir.path());
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(a.body, cli.out) << format;
  }
  const HttpAnswer json = client_->get("/v1/report", token(kAdmin));
  ASSERT_EQ(json.status, 200) << json;
  EXPECT_THAT(json.header("content-type"), StartsWith("application/json"));
  EXPECT_EQ(json.json()["overall"]["items_formed"], 2);
  EXPECT_EQ(json.json()["overall"]["concerns"]["response_median_hours"], 3.0);
  EXPECT_EQ(json.json()["overall"]["publication"]["on_time_rate"], 1.0);
  const HttpAnswer html = client_->get("/v1/report?format=html", token(kAdmin));
  EXPECT_EQ(html.header("content-type"), "text/html; charset=utf-8");
  EXPECT_THAT(html.body, HasSubstr("<svg"));
  const HttpAnswer text = client_->get("/v1/report?format=text", token(kAdmin));
  EXPECT_EQ(text.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_THAT(text.body, HasSubstr("publication on time"));
}

TEST_F(HttpReport, AUnitScopedCallerSeesOnlyTheirUnit) {
  // A drafter of alpha.one: their unit only, and must name it.
  const HttpAnswer own = client_->get("/v1/report?unit=alpha.one", token(kDrafter));
  ASSERT_EQ(own.status, 200) << own;
  EXPECT_EQ(own.json()["overall"]["items_formed"], 1);
  EXPECT_EQ(own.json()["units"].size(), 1u);
  const HttpAnswer other = client_->get("/v1/report?unit=alpha.two", token(kDrafter));
  EXPECT_EQ(other.status, 403) << other;
  EXPECT_EQ(other.error_id(), "forbidden");
  EXPECT_EQ(client_->get("/v1/report", token(kDrafter)).error_id(), "forbidden");
  EXPECT_EQ(client_->get("/v1/report?province=alpha", token(kDrafter)).error_id(), "forbidden");
  EXPECT_EQ(client_->get("/v1/report").status, 401);
}

TEST_F(HttpReport, BadQueriesAreRefusedWithTheirIds) {
  const auto id = [&](const std::string& target) {
    const HttpAnswer a = client_->get(target, token(kAuditor));
    return std::to_string(a.status) + " " + a.error_id();
  };
  EXPECT_EQ(id("/v1/report?format=pdf"), "400 report_format_unknown");
  EXPECT_EQ(id("/v1/report?from=yesterday"), "400 invalid_time");
  EXPECT_EQ(id("/v1/report?from=2026-04-01&to=2026-03-01"), "400 invalid_argument");
  EXPECT_EQ(id("/v1/report?unit=alpha.one&province=alpha"), "400 invalid_argument");
  EXPECT_EQ(id("/v1/report?province=gamma"), "404 province_not_found");
  EXPECT_EQ(id("/v1/report?unit=gamma.one"), "404 unit_not_found");
  EXPECT_EQ(id("/v1/report?colour=red"), "400 invalid_argument");
}

}  // namespace
}  // namespace gongkai
