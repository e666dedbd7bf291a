// Black-box tests of the public endpoints (no token): only released items, with their
// interpretation and answered concerns; never drafts, items under review, internal notes
// (reasons, the confidentiality override) or anybody's name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using nlohmann::json;

class HttpPublic : public ::testing::Test {
 protected:
  void SetUp() override {
    served_.start();
    ASSERT_TRUE(served_.server && served_.server->started());
    client_ = std::make_unique<HttpClient>(served_.server->port());
  }
  std::string token(const char* user) { return served_.tokens[user]; }
  std::string create(const char* user, const std::string& unit, const std::string& standard,
                     const std::string& content) {
    const HttpAnswer a = client_->post("/v1/items",
                                       {{"standard_id", standard},
                                        {"unit_id", unit},
                                        {"title", "标题" + content.substr(0, 6)},
                                        {"content", content}},
                                       token(user));
    EXPECT_EQ(a.status, 201) << a;
    return a.json()["id"];
  }
  void fire(const char* user, const std::string& id, json body) {
    const HttpAnswer a = client_->post("/v1/items/" + id + "/events", body, token(user));
    EXPECT_EQ(a.status, 200) << body.dump() << " " << a;
  }

  ServedDatabase served_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpPublic, ShowsOnlyReleasedItemsAndNoNamesOrInternalNotes) {
  const std::string draft =
      create(kDrafter, "alpha.one", "test.without_interpretation", "草稿正文");
  const std::string in_review =
      create(kDrafter, "alpha.one", "test.without_interpretation", "审核中正文");
  fire(kDrafter, in_review, {{"event", "submit"}});
  const std::string approved =
      create(kDrafter, "alpha.one", "test.without_interpretation", "待发布正文");
  fire(kDrafter, approved, {{"event", "submit"}});
  fire(kReviewer, approved, {{"event", "approve"}});

  // Published with an overridden finding, interpreted, one concern answered and one open.
  const std::string published = create(kDrafter, "alpha.one", "test.with_interpretation",
                                       "低保标准调整，咨询电话13812345678。");
  fire(kDrafter, published, {{"event", "submit"}});
  fire(kReviewer, published, {{"event", "approve"}, {"reason", "内部备注：热线号码可公开"}});
  fire(kPublisher, published, {{"event", "publish"}});
  fire(kInterpreter, published, {{"event", "interpret"}, {"text", "政策解读正文"}});
  fire(kResponder, published, {{"event", "raise_concern"}, {"text", "已答的关切"}});
  fire(kResponder, published, {{"event", "respond"}, {"text", "关切的答复"}});
  fire(kResponder, published, {{"event", "raise_concern"}, {"text", "未答的关切"}});

  // Published, then withdrawn: listed as withdrawn, without content or reason.
  const std::string withdrawn =
      create(kDrafter, "alpha.one", "test.without_interpretation", "撤回前正文");
  fire(kDrafter, withdrawn, {{"event", "submit"}});
  fire(kReviewer, withdrawn, {{"event", "approve"}});
  fire(kPublisher, withdrawn, {{"event", "publish"}});
  fire(kPublisher, withdrawn, {{"event", "withdraw"}, {"reason", "内部撤回原因"}});
  // Withdrawn before it was ever published: never public.
  const std::string never =
      create(kDrafter, "alpha.one", "test.without_interpretation", "未发布正文");
  fire(kDrafter, never, {{"event", "submit"}});
  fire(kReviewer, never, {{"event", "approve"}});
  fire(kPublisher, never, {{"event", "withdraw"}, {"reason", "不发布"}});
  // Published, then corrected: the new revision is under review, so not public.
  const std::string corrected =
      create(kDrafter, "alpha.one", "test.without_interpretation", "更正前正文");
  fire(kDrafter, corrected, {{"event", "submit"}});
  fire(kReviewer, corrected, {{"event", "approve"}});
  fire(kPublisher, corrected, {{"event", "publish"}});
  fire(kDrafter, corrected, {{"event", "correct"}, {"reason", "更正理由"}, {"text", "更正草稿"}});
  // Another unit's release.
  const std::string elsewhere =
      create(kOtherDrafter, "alpha.two", "test.without_interpretation", "二县正文");
  fire(kOtherDrafter, elsewhere, {{"event", "submit"}});
  fire(kAdmin, elsewhere, {{"event", "approve"}});
  fire(kAdmin, elsewhere, {{"event", "publish"}});

  const HttpAnswer list = client_->get("/public/v1/units/alpha.one/items");
  ASSERT_EQ(list.status, 200) << list;
  const json page = list.json();
  EXPECT_EQ(page["unit"]["name"], "一县");
  std::set<std::string> ids;
  for (const auto& item : page["items"]) ids.insert(item["id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{published, withdrawn}));

  json shown;
  for (const auto& item : page["items"]) {
    if (item["id"] == published) shown = item;
    if (item["id"] == withdrawn) {
      EXPECT_EQ(item["withdrawn"], true);
      EXPECT_EQ(item["stage"], "withdrawn");
      EXPECT_FALSE(item.contains("content"));
    }
  }
  EXPECT_EQ(shown["content"], "低保标准调整，咨询电话13812345678。");
  EXPECT_EQ(shown["interpretation"], "政策解读正文");
  EXPECT_EQ(shown["stage"], "response");
  ASSERT_EQ(shown["concerns"].size(), 1u) << "only answered concerns";
  EXPECT_EQ(shown["concerns"][0]["text"], "已答的关切");
  EXPECT_EQ(shown["concerns"][0]["answer"], "关切的答复");

  // Nothing internal, nobody's name, in the list or in any single item.
  std::string everything = list.body;
  for (const auto& id : {draft, in_review, approved, published, withdrawn, never, corrected}) {
    everything += client_->get("/public/v1/items/" + id).body;
  }
  for (const auto& [name, tok] : served_.tokens) {
    EXPECT_EQ(everything.find(name), std::string::npos) << name;
  }
  for (const char* hidden :
       {"草稿正文", "审核中正文", "待发布正文", "撤回前正文", "未发布正文", "更正前正文",
        "更正草稿", "内部备注", "内部撤回原因", "更正理由", "未答的关切", "二县正文", "_by",
        "confidentiality_override", "withdrawn_reason", "reason", "actor"}) {
    EXPECT_EQ(everything.find(hidden), std::string::npos) << hidden;
  }

  // One item at a time: released ones only.
  EXPECT_EQ(client_->get("/public/v1/items/" + published).status, 200);
  EXPECT_EQ(client_->get("/public/v1/items/" + withdrawn).json()["withdrawn"], true);
  for (const auto& id : {draft, in_review, approved, never, corrected, std::string("gk-999999")}) {
    const HttpAnswer a = client_->get("/public/v1/items/" + id);
    EXPECT_EQ(a.status, 404) << id << " " << a;
    EXPECT_EQ(a.error_id(), "item_not_found");
  }
  EXPECT_EQ(client_->get("/public/v1/units/alpha.two/items").json()["items"].size(), 1u);
  EXPECT_EQ(client_->get("/public/v1/units/beta.three/items").json()["items"].size(), 0u);
  const HttpAnswer unknown = client_->get("/public/v1/units/gamma.nine/items");
  EXPECT_EQ(unknown.status, 404) << unknown;
  EXPECT_EQ(unknown.error_id(), "unit_not_found");

  // Paging.
  const HttpAnswer first = client_->get("/public/v1/units/alpha.one/items?limit=1");
  ASSERT_EQ(first.status, 200) << first;
  ASSERT_EQ(first.json()["items"].size(), 1u);
  const std::string next = first.json()["next"];
  const HttpAnswer second = client_->get(next);
  ASSERT_EQ(second.json()["items"].size(), 1u);
  EXPECT_TRUE(second.json()["next"].is_null());
  EXPECT_NE(first.json()["items"][0]["id"], second.json()["items"][0]["id"]);
}

}  // namespace
}  // namespace gongkai
