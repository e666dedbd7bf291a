// Black-box tests of GET /v1/items/{id}/explain: how each deadline and notice period of an item
// was derived, the same document as `gongkai item explain --json`, scoped by unit like the other
// item routes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using nlohmann::json;

// A planner who acts for beta.three (where test.planning, the standard with a notice period,
// applies) and reviews there.
const char* const kPlanner = "reviewer.wu";

class HttpExplain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    served_ = new ServedDatabase();
    served_->add_user(kPlanner, {"reviewer"}, {"beta.three"});
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

  std::string create(const char* user, const std::string& standard, const std::string& unit) {
    const HttpAnswer a = client_->post(
        "/v1/items", {{"standard_id", standard}, {"unit_id", unit}, {"title", "标题"}},
        token(user));
    EXPECT_EQ(a.status, 201) << a;
    return a.json().value("id", "");
  }
  void fire(const char* user, const std::string& id, const char* event) {
    const HttpAnswer a =
        client_->post("/v1/items/" + id + "/events", {{"event", event}}, token(user));
    EXPECT_EQ(a.status, 200) << event << " " << a;
  }
  // What the CLI prints for the same item, on the same database.
  json cli_explain(const std::string& id) {
    const CliRun run =
        run_cli({"--db", served_->db, "item", "explain", id, "--json"}, served_->dir.path());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return json::parse(run.out, nullptr, false);
  }

  static ServedDatabase* served_;
  std::unique_ptr<HttpClient> client_;
};

ServedDatabase* HttpExplain::served_ = nullptr;

TEST_F(HttpExplain, DeadlinesOfADraftAreExplainedAsTheCliDoes) {
  const std::string id = create(kDrafter, "test.with_interpretation", "alpha.one");
  const HttpAnswer a = client_->get("/v1/items/" + id + "/explain", token(kDrafter));
  ASSERT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.header("cache-control"), "no-store");
  const json body = a.json();
  EXPECT_EQ(body["item_id"], id);
  const json& explanations = body["explanations"];
  ASSERT_TRUE(explanations.is_array());
  ASSERT_FALSE(explanations.empty());
  // The publication deadline runs from the moment the information was formed: 20 working days,
  // each day counted or skipped on the unit's calendar.
  const json& publication = explanations[0];
  EXPECT_EQ(publication["deadline"], "publication");
  EXPECT_EQ(publication["state"], "pending");
  EXPECT_EQ(publication["computation"]["amount"], 20);
  EXPECT_EQ(publication["computation"]["unit"], "working_days");
  EXPECT_GE(publication["computation"]["steps"].size(), 20u);
  EXPECT_EQ(publication["time_limit"], "信息形成或者变更之日起20个工作日内");
  EXPECT_EQ(explanations, cli_explain(id)) << "the API and `item explain --json` agree";
}

TEST_F(HttpExplain, NoticePeriodsFollowTheDeadlines) {
  // test.planning has a notice period (30 calendar days) that starts at publication.
  const std::string id = create(kAdmin, "test.planning", "beta.three");
  fire(kAdmin, id, "submit");
  fire(kPlanner, id, "approve");
  fire(kAdmin, id, "publish");
  const HttpAnswer a = client_->get("/v1/items/" + id + "/explain", token(kPlanner));
  ASSERT_EQ(a.status, 200) << a;
  const json explanations = a.json()["explanations"];
  ASSERT_FALSE(explanations.empty());
  const json& last = explanations.back();
  EXPECT_EQ(last["kind"], "notice_period");
  EXPECT_EQ(last["state"], "running");
  EXPECT_EQ(last["revision"], 1);
  EXPECT_EQ(last["computation"]["amount"], 30);
  EXPECT_EQ(last["computation"]["unit"], "calendar_days");
  ASSERT_FALSE(last["records"].empty());
  EXPECT_EQ(last["records"][0]["type"], "publish");
  EXPECT_TRUE(explanations[0].contains("deadline"));
  EXPECT_EQ(explanations, cli_explain(id));
}

TEST_F(HttpExplain, AnotherUnitsItemHasNoExplanation) {
  const std::string id = create(kDrafter, "test.without_interpretation", "alpha.one");
  const HttpAnswer unknown = client_->get("/v1/items/gk-999999/explain", token(kAdmin));
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_EQ(unknown.error_id(), "item_not_found");
  // An official of alpha.two, and one of beta.three, get the answer of an id never issued.
  for (const char* user : {kOtherDrafter, kPlanner}) {
    const HttpAnswer a = client_->get("/v1/items/" + id + "/explain", token(user));
    EXPECT_EQ(a.status, 404) << user << " " << a;
    EXPECT_EQ(a.error_id(), "item_not_found") << user;
    EXPECT_EQ(a.json()["error"]["message"], "no item '" + id + "'") << user;
  }
  // Auditors and admins see every unit; any official of the unit, whatever their role.
  for (const char* user : {kAuditor, kAdmin, kReviewer, kResponder}) {
    EXPECT_EQ(client_->get("/v1/items/" + id + "/explain", token(user)).status, 200) << user;
  }
  // A token is required, and the route takes no query parameters and no other method.
  EXPECT_EQ(client_->get("/v1/items/" + id + "/explain").status, 401);
  EXPECT_EQ(client_->get("/v1/items/" + id + "/explain?verbose=1", token(kAdmin)).status, 400);
  EXPECT_EQ(client_->post("/v1/items/" + id + "/explain", json::object(), token(kAdmin)).status,
            405);
}

}  // namespace
}  // namespace gongkai
