// Black-box tests of the delivery routes: GET /v1/items/{id}/deliveries and GET /v1/deliveries —
// the outbox rows as `gongkai delivery list --json` names them (plus the document), scoped by unit
// like the items, with their filters validated; never on the public routes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using nlohmann::json;
using ::testing::HasSubstr;

class HttpDeliveries : public ::testing::Test {
 protected:
  // Two released items — one in alpha.one (channels website and bulletin_board), one in alpha.two
  // (website and new_media) — and one run of the delivery worker that serves only the website (a
  // print spool): each item has a delivered row and a failed one ("no adapter is configured").
  static void SetUpTestSuite() {
    served_ = new ServedDatabase();
    served_->start();
    HttpClient client(served_->server->port());
    one_ = release(client, kDrafter, kReviewer, "test.without_interpretation", "alpha.one");
    two_ = release(client, kOtherDrafter, kOtherReviewer, "test.with_interpretation", "alpha.two");
    const std::string config = served_->dir.file("channels.json");
    std::ofstream(config) << R"({"defaults": {"website": {"adapter": "print_spool",
                                 "spool_dir": "spool/{unit}/{channel}"}}})";
    const CliRun run =
        run_cli({"--db", served_->db, "deliver", "--channels", config}, served_->dir.path());
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  }
  static void TearDownTestSuite() {
    delete served_;
    served_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(served_->server && served_->server->started());
    ASSERT_FALSE(one_.empty());
    ASSERT_FALSE(two_.empty());
    client_ = std::make_unique<HttpClient>(served_->server->port());
  }
  static std::string token(const char* user) { return served_->tokens[user]; }

  static std::string release(HttpClient& client, const char* drafter, const char* reviewer,
                             const std::string& standard, const std::string& unit) {
    const HttpAnswer made =
        client.post("/v1/items", {{"standard_id", standard}, {"unit_id", unit}, {"title", "标题"}},
                    served_->tokens[drafter]);
    EXPECT_EQ(made.status, 201) << made;
    const std::string id = made.json().value("id", "");
    for (const auto& [user, event] : {std::pair<const char*, const char*>{drafter, "submit"},
                                      {reviewer, "approve"},
                                      {kAdmin, "publish"}}) {
      const HttpAnswer a =
          client.post("/v1/items/" + id + "/events", {{"event", event}}, served_->tokens[user]);
      EXPECT_EQ(a.status, 200) << event << " " << a;
    }
    return id;
  }

  // GET `target` as `user`, expecting 200; the body.
  json get_ok(const std::string& target, const char* user) {
    const HttpAnswer a = client_->get(target, token(user));
    EXPECT_EQ(a.status, 200) << target << " " << a;
    return a.json();
  }
  // The items of a /v1/deliveries answer's rows.
  static std::set<std::string> items_of(const json& body) {
    std::set<std::string> items;
    for (const auto& d : body["deliveries"]) items.insert(d["item_id"].get<std::string>());
    return items;
  }

  static ServedDatabase* served_;
  static std::string one_, two_;
  std::unique_ptr<HttpClient> client_;
};

ServedDatabase* HttpDeliveries::served_ = nullptr;
std::string HttpDeliveries::one_;
std::string HttpDeliveries::two_;

TEST_F(HttpDeliveries, AnItemsRowsAreThoseOfTheCliWithTheirDocument) {
  const json body = get_ok("/v1/items/" + one_ + "/deliveries", kDrafter);
  EXPECT_EQ(body["item_id"], one_);
  const json& rows = body["deliveries"];
  ASSERT_EQ(rows.size(), 2u) << body.dump();
  std::map<std::string, json> by_channel;
  for (const auto& row : rows) by_channel[row["channel"]] = row;
  ASSERT_EQ(by_channel.count("website"), 1u);
  ASSERT_EQ(by_channel.count("bulletin_board"), 1u);
  EXPECT_EQ(by_channel["website"]["state"], "delivered");
  EXPECT_EQ(by_channel["website"]["attempts"], 1);
  EXPECT_TRUE(by_channel["website"]["delivered_at"].is_string());
  EXPECT_TRUE(by_channel["website"]["next_attempt_at"].is_null());
  EXPECT_EQ(by_channel["bulletin_board"]["state"], "failed");
  EXPECT_THAT(by_channel["bulletin_board"]["last_error"].get<std::string>(),
              HasSubstr("no adapter is configured"));
  // Each row carries the document its channel receives: the public view of the release.
  const json& document = by_channel["website"]["document"];
  EXPECT_EQ(document["kind"], "release");
  EXPECT_EQ(document["item_id"], one_);
  EXPECT_EQ(document["unit_id"], "alpha.one");
  EXPECT_EQ(body["delivery_status"], json({{"state", "partly_delivered"},
                                           {"channels", 2},
                                           {"delivered", 1},
                                           {"partly_delivered", true}}));

  // Apart from the document, the rows are those of `gongkai delivery list --json`, field for field.
  const CliRun run = run_cli({"--db", served_->db, "delivery", "list", "--item", one_, "--json"},
                             served_->dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json cli = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(cli.is_array()) << run.out;
  json without_documents = rows;
  for (auto& row : without_documents) row.erase("document");
  EXPECT_EQ(without_documents, cli);
  // /v1/deliveries?item= gives the same rows.
  EXPECT_EQ(get_ok("/v1/deliveries?item=" + one_, kDrafter)["deliveries"], rows);
}

TEST_F(HttpDeliveries, OfficialsSeeTheirUnitsRowsOnly) {
  // Auditors and admins see both units.
  for (const char* user : {kAuditor, kAdmin}) {
    const json all = get_ok("/v1/deliveries", user);
    EXPECT_EQ(items_of(all), (std::set<std::string>{one_, two_})) << user;
    EXPECT_EQ(all["total"], 4) << user;
    EXPECT_EQ(all["limit"], 50);
  }
  // Any official of alpha.one (whatever the role) sees alpha.one's rows; alpha.two's, theirs.
  for (const char* user : {kDrafter, kPublisher, kResponder}) {
    const json mine = get_ok("/v1/deliveries", user);
    EXPECT_EQ(items_of(mine), std::set<std::string>{one_}) << user;
    EXPECT_EQ(mine["total"], 2) << user;
  }
  const json theirs = get_ok("/v1/deliveries", kOtherDrafter);
  EXPECT_EQ(items_of(theirs), std::set<std::string>{two_});
  EXPECT_EQ(theirs["total"], 2);
  // Another unit's item has no deliveries for them: the answer of an id never issued.
  const HttpAnswer unknown = client_->get("/v1/items/gk-999999/deliveries", token(kOtherDrafter));
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_EQ(unknown.error_id(), "item_not_found");
  for (const std::string& target :
       {"/v1/items/" + one_ + "/deliveries", "/v1/deliveries?item=" + one_,
        "/v1/deliveries?item=" + one_ + "&state=failed"}) {
    const HttpAnswer a = client_->get(target, token(kOtherDrafter));
    EXPECT_EQ(a.status, 404) << target << " " << a;
    EXPECT_EQ(a.error_id(), "item_not_found") << target;
    EXPECT_EQ(a.json()["error"]["message"], "no item '" + one_ + "'") << target;
  }
  EXPECT_EQ(client_->get("/v1/deliveries?item=gk-999999", token(kAdmin)).error_id(),
            "item_not_found");
  // Asking for another unit is forbidden; for one's own, or as an auditor, it filters.
  const HttpAnswer other = client_->get("/v1/deliveries?unit=alpha.one", token(kOtherDrafter));
  EXPECT_EQ(other.status, 403) << other;
  EXPECT_EQ(other.error_id(), "forbidden");
  EXPECT_EQ(items_of(get_ok("/v1/deliveries?unit=alpha.two", kOtherDrafter)),
            std::set<std::string>{two_});
  EXPECT_EQ(items_of(get_ok("/v1/deliveries?unit=alpha.one", kAuditor)),
            std::set<std::string>{one_});
  EXPECT_TRUE(get_ok("/v1/deliveries?unit=beta.three", kAdmin)["deliveries"].empty());
  EXPECT_TRUE(get_ok("/v1/deliveries?unit=alpha.two&item=" + one_, kAdmin)["deliveries"].empty());
}

TEST_F(HttpDeliveries, FiltersAndLimit) {
  const json failed = get_ok("/v1/deliveries?state=failed", kAuditor);
  EXPECT_EQ(failed["total"], 2);
  for (const auto& d : failed["deliveries"]) EXPECT_EQ(d["state"], "failed");
  const json website = get_ok("/v1/deliveries?channel=website&state=delivered", kAdmin);
  EXPECT_EQ(items_of(website), (std::set<std::string>{one_, two_}));
  for (const auto& d : website["deliveries"]) EXPECT_EQ(d["channel"], "website");
  EXPECT_TRUE(get_ok("/v1/deliveries?state=pending", kAdmin)["deliveries"].empty());
  EXPECT_TRUE(get_ok("/v1/deliveries?channel=tv", kAdmin)["deliveries"].empty());
  // The limit cuts the page; total still counts every match — also when the rows are filtered
  // by unit here rather than in the store.
  for (const char* user : {kAdmin, kDrafter}) {
    const json one = get_ok("/v1/deliveries?limit=1", user);
    EXPECT_EQ(one["deliveries"].size(), 1u) << user;
    EXPECT_EQ(one["limit"], 1) << user;
    EXPECT_EQ(one["total"], std::string(user) == kAdmin ? 4 : 2) << user;
  }
  EXPECT_EQ(get_ok("/v1/deliveries?limit=500", kAdmin)["deliveries"].size(), 4u);
}

TEST_F(HttpDeliveries, BadFiltersAreRefused) {
  struct Case {
    std::string query;
    int status;
    const char* id;
  };
  for (const Case& c : std::vector<Case>{
           {"state=lost", 400, "invalid_argument"},
           {"state=FAILED", 400, "invalid_argument"},
           {"limit=0", 400, "invalid_argument"},
           {"limit=-1", 400, "invalid_argument"},
           {"limit=1.5", 400, "invalid_argument"},
           {"limit=ten", 400, "invalid_argument"},
           {"limit=", 400, "invalid_argument"},
           {"limit=501", 400, "invalid_argument"},
           {"offset=0", 400, "invalid_argument"},
           {"state=failed&state=delivered", 400, "invalid_argument"},
           {"unit=nope", 404, "unit_not_found"},
           {"unit=alpha.one%00", 404, "unit_not_found"},
           {"item=gk-000001%00", 404, "item_not_found"},
       }) {
    const HttpAnswer a = client_->get("/v1/deliveries?" + c.query, token(kAdmin));
    EXPECT_EQ(a.status, c.status) << c.query << " " << a;
    EXPECT_EQ(a.error_id(), c.id) << c.query;
  }
  // An unknown unit is 404 also for an official (units are public), before the scope check.
  EXPECT_EQ(client_->get("/v1/deliveries?unit=nope", token(kDrafter)).error_id(), "unit_not_found");
  EXPECT_EQ(client_->get("/v1/deliveries?state=lost", token(kDrafter)).error_id(),
            "invalid_argument");
  EXPECT_EQ(client_->get("/v1/items/" + one_ + "/deliveries?state=failed", token(kAdmin)).status,
            400);
}

TEST_F(HttpDeliveries, NeverWithoutAToken) {
  for (const std::string& target :
       std::vector<std::string>{"/v1/deliveries", "/v1/items/" + one_ + "/deliveries"}) {
    const HttpAnswer a = client_->get(target);
    EXPECT_EQ(a.status, 401) << target << " " << a;
    EXPECT_EQ(a.error_id(), "unauthenticated");
  }
  // The public sees the released item, but no outbox data.
  const HttpAnswer item = client_->get("/public/v1/items/" + one_);
  ASSERT_EQ(item.status, 200) << item;
  for (const char* field : {"deliveries", "delivery_status", "attempts", "last_error"}) {
    EXPECT_FALSE(item.json().contains(field)) << field;
  }
  EXPECT_THAT(item.body, ::testing::Not(HasSubstr("no adapter")));
  for (const std::string& target : std::vector<std::string>{
           "/public/v1/deliveries", "/public/v1/items/" + one_ + "/deliveries"}) {
    EXPECT_EQ(client_->get(target).error_id(), "route_not_found") << target;
  }
}

}  // namespace
}  // namespace gongkai
