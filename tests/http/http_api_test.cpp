// Black-box tests of the HTTP API: the real `gongkai serve` on a free port, a real HTTP client.
// The lifecycle, versions (ETag, If-Match), idempotency keys, the confidentiality scan, paging,
// the definitions routes, metrics and the OpenAPI document.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "gongkai/time.h"
#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using nlohmann::json;
using ::testing::HasSubstr;

class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    served_ = new ServedDatabase();
    served_->start();
  }
  static void TearDownTestSuite() {
    delete served_;
    served_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(served_->server && served_->server->started());
    client_ = std::make_unique<HttpClient>(served_->server->port());
  }

  static std::string token(const char* user) { return served_->tokens[user]; }

  // Creates an item as `user`; the item's JSON.
  json create(const char* user, const std::string& standard, const std::string& unit,
              const std::string& content = "正文",
              std::map<std::string, std::string> headers = {}) {
    const HttpAnswer a = client_->post(
        "/v1/items",
        {{"standard_id", standard}, {"unit_id", unit}, {"title", "标题"}, {"content", content}},
        token(user), std::move(headers));
    EXPECT_EQ(a.status, 201) << a;
    return a.json();
  }

  HttpAnswer fire(const char* user, const std::string& id, json body,
                  std::map<std::string, std::string> headers = {}) {
    return client_->post("/v1/items/" + id + "/events", body, token(user), std::move(headers));
  }

  // An item of alpha.one in `response`, without interpretation.
  std::string released_item(const std::string& content = "正文") {
    const std::string id =
        create(kDrafter, "test.without_interpretation", "alpha.one", content)["id"];
    EXPECT_EQ(fire(kDrafter, id, {{"event", "submit"}}).status, 200);
    EXPECT_EQ(fire(kReviewer, id, {{"event", "approve"}}).status, 200);
    EXPECT_EQ(fire(kPublisher, id, {{"event", "publish"}}).status, 200);
    return id;
  }

  static ServedDatabase* served_;
  std::unique_ptr<HttpClient> client_;
};

ServedDatabase* HttpApi::served_ = nullptr;

TEST_F(HttpApi, FullLifecycleThroughTheApi) {
  const HttpAnswer created = client_->post("/v1/items",
                                           {{"standard_id", "test.with_interpretation"},
                                            {"unit_id", "alpha.one"},
                                            {"title", "2026年低保标准"},
                                            {"content", "城市低保标准每人每月1000元。"}},
                                           token(kDrafter));
  ASSERT_EQ(created.status, 201) << created;
  const json item = created.json();
  const std::string id = item["id"];
  EXPECT_EQ(item["stage"], "drafting");
  EXPECT_EQ(item["created_by"], kDrafter);
  EXPECT_EQ(created.header("etag"), "\"1\"");
  EXPECT_EQ(created.header("location"), "/v1/items/" + id);
  EXPECT_EQ(created.header("cache-control"), "no-store");
  EXPECT_FALSE(created.header("x-request-id").empty());

  struct Step {
    const char* user;
    json body;
    const char* stage;
  };
  const std::string close_at = format_utc(system_now() + std::chrono::hours(24 * 12));
  const std::vector<Step> steps = {
      {kDrafter, {{"event", "submit"}}, "review"},
      {kReviewer, {{"event", "approve"}}, "release"},
      {kPublisher, {{"event", "publish"}}, "interpretation"},
      {kInterpreter, {{"event", "interpret"}, {"text", "解读：标准提高了10%。"}}, "response"},
      {kResponder,
       {{"event", "raise_concern"}, {"text", "何时发放？"}, {"major", true}},
       "response"},
      {kResponder, {{"event", "respond"}, {"text", "次月发放。"}, {"concern", 1}}, "response"},
      // The response window (10 calendar days) is over 12 days later: a simulation database
      // accepts the command's instant.
      {kResponder, {{"event", "close"}, {"at", close_at}}, "closed"},
  };
  int version = 1;
  for (const Step& step : steps) {
    const HttpAnswer a = fire(step.user, id, step.body);
    ASSERT_EQ(a.status, 200) << step.body.dump() << " → " << a;
    ++version;
    EXPECT_EQ(a.json()["stage"], step.stage) << step.body.dump();
    EXPECT_EQ(a.json()["version"], version);
    EXPECT_EQ(a.header("etag"), "\"" + std::to_string(version) + "\"");
  }

  const HttpAnswer shown = client_->get("/v1/items/" + id, token(kAuditor));
  ASSERT_EQ(shown.status, 200) << shown;
  EXPECT_EQ(shown.json()["stage"], "closed");
  EXPECT_EQ(shown.json()["approved_by"], kReviewer);
  EXPECT_EQ(shown.json()["interpretation"], "解读：标准提高了10%。");
  EXPECT_EQ(shown.json()["concerns"][0]["answer"], "次月发放。");
  EXPECT_EQ(shown.header("etag"), "\"8\"");

  // Conditional GET.
  const HttpAnswer same = client_->request(
      "GET", "/v1/items/" + id, "",
      {{"Authorization", "Bearer " + token(kAuditor)}, {"If-None-Match", "\"8\""}});
  EXPECT_EQ(same.status, 304) << same;

  const HttpAnswer history = client_->get("/v1/items/" + id + "/history", token(kAuditor));
  ASSERT_EQ(history.status, 200) << history;
  const json events = lifecycle_events(history.json()["events"]);
  ASSERT_EQ(events.size(), 8u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"created", kDrafter},   {"submit", kDrafter},        {"approve", kReviewer},
      {"publish", kPublisher}, {"interpret", kInterpreter}, {"raise_concern", kResponder},
      {"respond", kResponder}, {"close", kResponder}};
  const std::vector<std::string> roles = {"drafter",     "drafter",   "reviewer",  "publisher",
                                          "interpreter", "responder", "responder", "responder"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["type"], expected[i].first);
    EXPECT_EQ(events[i]["actor"], expected[i].second);
    EXPECT_EQ(events[i]["role"], roles[i]) << "the role used is recorded";
  }

  // A closed item accepts nothing: 409 with the stage and the event named.
  const HttpAnswer late = fire(kAdmin, id, {{"event", "withdraw"}, {"reason", "x"}});
  EXPECT_EQ(late.status, 409) << late;
  EXPECT_EQ(late.error_id(), "illegal_transition");
  EXPECT_THAT(late.json()["error"]["message"].get<std::string>(), HasSubstr("closed"));
}

TEST_F(HttpApi, GuardsAreRefusedWithTheirIds) {
  const std::string id = create(kDrafter, "test.without_interpretation", "alpha.one")["id"];
  // Not accepted in drafting.
  HttpAnswer a = fire(kReviewer, id, {{"event", "approve"}});
  EXPECT_EQ(a.status, 409) << a;
  EXPECT_EQ(a.error_id(), "illegal_transition");
  ASSERT_EQ(fire(kDrafter, id, {{"event", "submit"}}).status, 200);
  // reject needs a reason.
  a = fire(kReviewer, id, {{"event", "reject"}});
  EXPECT_EQ(a.status, 422) << a;
  EXPECT_EQ(a.error_id(), "reason_required");
  // Four eyes: an admin who submitted may not approve.
  const std::string own = create(kAdmin, "test.without_interpretation", "alpha.one")["id"];
  ASSERT_EQ(fire(kAdmin, own, {{"event", "submit"}}).status, 200);
  a = fire(kAdmin, own, {{"event", "approve"}});
  EXPECT_EQ(a.status, 409) << a;
  EXPECT_EQ(a.error_id(), "four_eyes_violation");
  // Unknown event, unknown item.
  a = fire(kAdmin, id, {{"event", "explode"}});
  EXPECT_EQ(a.status, 400) << a;
  EXPECT_EQ(a.error_id(), "invalid_argument");
  a = fire(kAdmin, "gk-999999", {{"event", "submit"}});
  EXPECT_EQ(a.status, 404) << a;
  EXPECT_EQ(a.error_id(), "item_not_found");
  // A field the event does not take (it would be recorded with it, or dropped).
  for (const json& body :
       {json{{"event", "reject"}, {"reason", "r"}, {"publish_at", "2026-03-09T09:00:00+08:00"}},
        json{{"event", "reject"}, {"reason", "r"}, {"text", "t"}},
        json{{"event", "reject"}, {"reason", "r"}, {"major", true}},
        json{{"event", "reject"}, {"reason", "r"}, {"concern", 1}},
        json{{"event", "approve"}, {"text", "t"}}}) {
    a = fire(kReviewer, id, body);
    EXPECT_EQ(a.status, 400) << body.dump() << a;
    EXPECT_EQ(a.error_id(), "invalid_argument") << body.dump();
    EXPECT_THAT(a.body, HasSubstr("does not apply")) << body.dump();
  }
  // Nothing of that was recorded.
  EXPECT_EQ(client_->get("/v1/items/" + id, token(kAdmin)).json()["version"], 2);
}

TEST_F(HttpApi, IfMatchCarriesTheExpectedVersion) {
  const std::string id = create(kDrafter, "test.without_interpretation", "alpha.one")["id"];
  // Stale: 412 and nothing appended.
  HttpAnswer a = fire(kDrafter, id, {{"event", "submit"}}, {{"If-Match", "\"7\""}});
  EXPECT_EQ(a.status, 412) << a;
  EXPECT_EQ(a.error_id(), "version_conflict");
  EXPECT_EQ(client_->get("/v1/items/" + id, token(kDrafter)).json()["version"], 1);
  // The current ETag, quoted or bare.
  a = fire(kDrafter, id, {{"event", "submit"}}, {{"If-Match", "\"1\""}});
  EXPECT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.header("etag"), "\"2\"");
  a = fire(kReviewer, id, {{"event", "approve"}}, {{"If-Match", "2"}});
  EXPECT_EQ(a.status, 200) << a;
  // Not a version.
  a = fire(kPublisher, id, {{"event", "publish"}}, {{"If-Match", "W/\"abc\""}});
  EXPECT_EQ(a.status, 400) << a;
  EXPECT_EQ(a.error_id(), "invalid_argument");
  // Two writers with the same expected version: exactly one lands.
  a = fire(kPublisher, id, {{"event", "publish"}}, {{"If-Match", "\"3\""}});
  EXPECT_EQ(a.status, 200) << a;
  a = fire(kPublisher, id, {{"event", "withdraw"}, {"reason", "重复"}}, {{"If-Match", "\"3\""}});
  EXPECT_EQ(a.status, 412) << a;
}

TEST_F(HttpApi, IdempotencyKeyReturnsTheFirstAnswer) {
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "create-7f3a"}};
  const HttpAnswer first = client_->post(
      "/v1/items", {{"standard_id", "test.planning"}, {"unit_id", "alpha.one"}, {"title", "规划"}},
      token(kDrafter), key);
  // test.planning (urban_planning) does not apply to alpha.one's group: refused, not stored.
  EXPECT_EQ(first.status, 400) << first;

  // With formed_at given: the engine fingerprints a create with its formed_at, which defaults to
  // the moment of the command, so a retry without it would not match the first.
  const json body = {{"standard_id", "test.without_interpretation"},
                     {"unit_id", "alpha.one"},
                     {"title", "决算"},
                     {"formed_at", "2026-03-02T09:00:00+08:00"}};
  const HttpAnswer a = client_->post("/v1/items", body, token(kDrafter), key);
  const HttpAnswer b = client_->post("/v1/items", body, token(kDrafter), key);
  ASSERT_EQ(a.status, 201) << a;
  ASSERT_EQ(b.status, 201) << b;
  EXPECT_EQ(a.body, b.body) << "a retried POST returns the first answer";
  const std::string id = a.json()["id"];

  const std::map<std::string, std::string> fire_key = {{"Idempotency-Key", "submit-7f3a"}};
  const HttpAnswer s1 = fire(kDrafter, id, {{"event", "submit"}}, fire_key);
  const HttpAnswer s2 = fire(kDrafter, id, {{"event", "submit"}}, fire_key);
  ASSERT_EQ(s1.status, 200) << s1;
  ASSERT_EQ(s2.status, 200) << s2;
  EXPECT_EQ(s1.body, s2.body);
  // One created and one submit event: the retries appended nothing. (The timers may add deadline
  // events of their own: formed_at is long past.)
  const json events =
      client_->get("/v1/items/" + id + "/history", token(kDrafter)).json()["events"];
  std::vector<std::string> commands;
  for (const auto& e : events) {
    if (!e["command_id"].get<std::string>().empty()) commands.push_back(e["type"]);
  }
  EXPECT_EQ(commands, (std::vector<std::string>{"created", "submit"})) << events.dump();
  int submits = 0;
  for (const auto& e : events) submits += e["type"] == "submit";
  EXPECT_EQ(submits, 1);

  // The same key for another command: 422.
  const HttpAnswer reused =
      fire(kReviewer, id, {{"event", "reject"}, {"reason", "再议"}}, fire_key);
  EXPECT_EQ(reused.status, 422) << reused;
  EXPECT_EQ(reused.error_id(), "idempotency_key_reused");
  // A malformed key.
  const HttpAnswer bad = fire(kDrafter, id, {{"event", "submit"}}, {{"Idempotency-Key", "a b"}});
  EXPECT_EQ(bad.status, 400) << bad;
}

// Byte offset and character (code point) offset of `needle` in `text`.
std::pair<std::size_t, std::size_t> position(const std::string& text, const std::string& needle) {
  const std::size_t bytes = text.find(needle);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
  }
  return {bytes, chars};
}

TEST_F(HttpApi, ConfidentialityScanRefusesApprovalWithPositionsUntilOverridden) {
  // 11010519491231002X has a valid check digit; 110105194912310021 the wrong one (not personal
  // data by the scan's rules); 13812345678 is a mobile number.
  const std::string content =
      "申请人：张三，身份证号11010519491231002X，联系电话13812345678。"
      "另一号码110105194912310021校验位错误。";
  const std::string id =
      create(kDrafter, "test.without_interpretation", "alpha.one", content)["id"];
  ASSERT_EQ(fire(kDrafter, id, {{"event", "submit"}}).status, 200);

  const HttpAnswer refused = fire(kReviewer, id, {{"event", "approve"}});
  ASSERT_EQ(refused.status, 422) << refused;
  EXPECT_EQ(refused.error_id(), "confidentiality_findings");
  const json findings = refused.json()["error"]["details"]["findings"];
  ASSERT_EQ(findings.size(), 2u) << findings.dump();
  const auto [id_bytes, id_chars] = position(content, "11010519491231002X");
  EXPECT_EQ(findings[0]["kind"], "resident_id");
  EXPECT_EQ(findings[0]["offset"], id_bytes);
  EXPECT_EQ(findings[0]["char_offset"], id_chars);
  EXPECT_EQ(findings[0]["length"], 18);
  EXPECT_EQ(findings[0]["masked"], "110105********002X");
  const auto [mobile_bytes, mobile_chars] = position(content, "13812345678");
  EXPECT_EQ(findings[1]["kind"], "mobile");
  EXPECT_EQ(findings[1]["offset"], mobile_bytes);
  EXPECT_EQ(findings[1]["char_offset"], mobile_chars);
  // The full numbers are never echoed.
  EXPECT_EQ(refused.body.find("11010519491231002X"), std::string::npos);
  EXPECT_EQ(client_->get("/v1/items/" + id, token(kReviewer)).json()["stage"], "review");

  const HttpAnswer approved =
      fire(kReviewer, id, {{"event", "approve"}, {"reason", "申请人同意公开其联系方式"}});
  ASSERT_EQ(approved.status, 200) << approved;
  EXPECT_EQ(approved.json()["stage"], "release");
  EXPECT_EQ(approved.json()["confidentiality_override"], "申请人同意公开其联系方式");
  const json events = lifecycle_events(
      client_->get("/v1/items/" + id + "/history", token(kReviewer)).json()["events"]);
  EXPECT_EQ(events.back()["reason"], "申请人同意公开其联系方式");
  EXPECT_EQ(events.back()["payload"]["confidentiality_findings"], 2);
}

TEST_F(HttpApi, ListsPageWithANextLink) {
  std::set<std::string> made;
  for (int i = 0; i < 5; ++i) {
    made.insert(create(kOtherDrafter, "test.without_interpretation", "alpha.two")["id"]);
  }
  std::set<std::string> seen;
  std::string target = "/v1/items?unit=alpha.two&stage=drafting&limit=2";
  int pages = 0;
  while (!target.empty() && pages < 10) {
    const HttpAnswer a = client_->get(target, token(kOtherDrafter));
    ASSERT_EQ(a.status, 200) << a;
    const json page = a.json();
    EXPECT_LE(page["items"].size(), 2u);
    for (const auto& item : page["items"]) seen.insert(item["id"].get<std::string>());
    target = page["next"].is_null() ? "" : page["next"].get<std::string>();
    ++pages;
  }
  EXPECT_EQ(seen, made);
  EXPECT_EQ(pages, 3);
  // Bad parameters.
  EXPECT_EQ(client_->get("/v1/items?limit=0", token(kAdmin)).status, 400);
  EXPECT_EQ(client_->get("/v1/items?limit=abc", token(kAdmin)).status, 400);
  EXPECT_EQ(client_->get("/v1/items?stage=limbo", token(kAdmin)).status, 400);
  EXPECT_EQ(client_->get("/v1/items?colour=red", token(kAdmin)).status, 400);
  EXPECT_EQ(client_->get("/v1/items?unit=a&unit=b", token(kAdmin)).status, 400);
}

TEST_F(HttpApi, DefinitionsAndIdentityRoutes) {
  HttpAnswer a = client_->get("/v1/catalog", token(kDrafter));
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["standards"].size(), 3u);
  a = client_->get("/v1/catalog?unit=beta.three", token(kDrafter));
  ASSERT_EQ(a.status, 200) << a;
  ASSERT_EQ(a.json()["standards"].size(), 1u);
  EXPECT_EQ(a.json()["standards"][0]["id"], "test.planning");
  a = client_->get("/v1/catalog/test.with_interpretation", token(kDrafter));
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["responsible_body"], "县民政局");
  EXPECT_EQ(client_->get("/v1/catalog/none", token(kDrafter)).error_id(), "standard_not_found");
  a = client_->get("/v1/units", token(kDrafter));
  ASSERT_EQ(a.status, 200) << a;
  ASSERT_EQ(a.json()["units"].size(), 3u);
  EXPECT_EQ(a.json()["units"][0]["in_scope"], true);
  EXPECT_EQ(a.json()["units"][1]["in_scope"], false);
  a = client_->get("/v1/me", token(kReviewer));
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["name"], kReviewer);
  EXPECT_EQ(a.json()["roles"], json::array({"reviewer"}));
  EXPECT_EQ(a.json()["units"], json::array({"alpha.one"}));
}

TEST_F(HttpApi, HealthReadinessMetricsAndOpenApi) {
  HttpAnswer a = client_->get("/healthz");
  EXPECT_EQ(a.status, 200) << a;
  a = client_->get("/readyz");
  EXPECT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["status"], "ready");

  released_item();
  a = client_->get("/metrics");
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_THAT(a.header("content-type"), HasSubstr("text/plain"));
  EXPECT_THAT(a.body, HasSubstr("gongkai_http_requests_total{method=\"POST\",route=\"/v1/items/"
                                "{id}/events\",status=\"200\"}"));
  EXPECT_THAT(a.body, HasSubstr("gongkai_commands_total{event=\"publish\"} "));
  EXPECT_THAT(a.body, HasSubstr("gongkai_http_request_duration_seconds_bucket"));
  // Metrics never carry tokens or names.
  for (const auto& [name, tok] : served_->tokens) {
    EXPECT_EQ(a.body.find(tok), std::string::npos);
    EXPECT_EQ(a.body.find(name), std::string::npos);
  }

  a = client_->get("/openapi.json");
  ASSERT_EQ(a.status, 200) << a;
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/docs/openapi.json");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(a.body, doc.str()) << "the served document is docs/openapi.json";
  EXPECT_EQ(a.json()["openapi"].get<std::string>().substr(0, 2), "3.");
}

TEST_F(HttpApi, LogsOneJsonLinePerRequestWithoutSecrets) {
  const std::string id = released_item();
  const HttpAnswer a = client_->request(
      "GET", "/v1/items/" + id, "",
      {{"Authorization", "Bearer " + token(kReviewer)}, {"X-Request-Id", "trace-42"}});
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.header("x-request-id"), "trace-42");
  client_->get("/v1/items", "gkt_not-a-real-token");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string log = served_->server->stderr_text();
  bool found = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not a JSON line: " << line;
    ASSERT_TRUE(j.contains("ts") && j.contains("level")) << line;
    if (j.value("request_id", "") == "trace-42") {
      found = true;
      EXPECT_EQ(j["method"], "GET");
      EXPECT_EQ(j["route"], "/v1/items/{id}");
      EXPECT_EQ(j["status"], 200);
      EXPECT_EQ(j["actor"], kReviewer);
      EXPECT_TRUE(j["duration_ms"].is_number());
    }
  }
  EXPECT_TRUE(found) << log;
  for (const auto& [name, tok] : served_->tokens) EXPECT_EQ(log.find(tok), std::string::npos);
  EXPECT_EQ(log.find("gkt_not-a-real-token"), std::string::npos);
}

}  // namespace
}  // namespace gongkai
