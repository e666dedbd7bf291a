// The website channel against a real web root: pages parsed and their links followed, feeds
// checked as XML and JSON, withdrawal and correction, escaping, idempotency, incremental writes,
// concurrent writers, recovery of a lost index, and a site rewritten in place (a simulation's).
#include "adapters/channels/website_channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "channels/channel_test_support.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::gongkai::testing::AcceptingChannel;
using ::gongkai::testing::count_of;
using ::gongkai::testing::DeliveryFixture;
using ::gongkai::testing::hrefs;
using ::gongkai::testing::MapRegistry;
using ::gongkai::testing::read_file;
using ::gongkai::testing::snapshot;
using ::gongkai::testing::xml_problem;
using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class WebsiteChannelTest : public DeliveryFixture {
 protected:
  void SetUp() override {
    DeliveryFixture::SetUp();
    root_ = dir_.path() / "www";
    site_ = std::make_unique<WebsiteChannel>(WebsiteOptions{"website", root_, "", 100, 50});
    registry_.add("website", site_.get());
    registry_.add("new_media", &others_);
    registry_.add("bulletin_board", &others_);
  }

  void deliver_now() { deliver_all(registry_, fast_policy()); }
  fs::path unit() const { return root_ / "alpha.one"; }
  std::string page(const std::string& item, const std::string& name = "index.html") {
    return read_file(unit() / "items" / item / name);
  }
  // The website delivery rows still pending.
  std::vector<Delivery> pending_website_rows() {
    DeliveryQuery q;
    q.channel = "website";
    q.state = "pending";
    return *engine_->deliveries(q);
  }

  fs::path root_;
  std::unique_ptr<WebsiteChannel> site_;
  AcceptingChannel others_{"other"};
  MapRegistry registry_;
};

TEST_F(WebsiteChannelTest, ReleaseLinksToInterpretationAndResponses) {
  Item item = released();
  must(item.id, EventType::interpret, [](FireRequest& r) {
    r.text = "解读：本次调整依据2025年城镇居民人均消费支出。\n第二段解读。";
  });
  must(item.id, EventType::raise_concern, [](FireRequest& r) { r.text = "标准为何不分城乡？"; });
  must(item.id, EventType::respond, [](FireRequest& r) { r.text = "城乡标准将于2027年统一。"; });
  must(item.id, EventType::raise_concern, [](FireRequest& r) { r.text = "何时发放？"; });
  must(item.id, EventType::respond, [](FireRequest& r) { r.text = "每月10日前发放。"; });
  deliver_now();
  for (const Delivery& d : rows(item.id, "website")) EXPECT_EQ(d.state, "delivered") << d.id;

  const std::string release = page(item.id);
  EXPECT_THAT(release, HasSubstr("<h1>2026年城乡低保标准调整</h1>"));
  EXPECT_THAT(release, HasSubstr("<p>自2026年4月1日起，城市低保标准调整为每人每月900元。</p>"));
  // The standard: legal basis, responsible body, time limit, kind.
  EXPECT_THAT(release, HasSubstr("《社会救助暂行办法》"));
  EXPECT_THAT(release, HasSubstr("县民政局"));
  EXPECT_THAT(release, HasSubstr("信息形成或者变更之日起20个工作日内"));
  EXPECT_THAT(release, HasSubstr("决策公开"));
  EXPECT_THAT(release, HasSubstr("<html lang=\"zh-CN\">"));
  // 发布、解读、回应有序衔接: the release links to its interpretation and every response.
  const auto links = hrefs(release);
  EXPECT_THAT(links, Contains("interpretation.html"));
  EXPECT_THAT(links, Contains("response-1.html"));
  EXPECT_THAT(links, Contains("response-2.html"));
  EXPECT_THAT(links, Contains("../../index.html"));
  EXPECT_THAT(links, Contains("../../feed.xml"));
  for (const std::string& link : hrefs(release)) {
    if (link.rfind("http", 0) == 0) continue;
    EXPECT_TRUE(fs::exists(unit() / "items" / item.id / link)) << "dead link " << link;
  }
  // The history lists release, interpretation and responses in order.
  const std::size_t released_at = release.find("发布（第1版）");
  const std::size_t interpreted_at = release.find("解读</li>");
  const std::size_t responded_at = release.find("回应</li>");
  ASSERT_NE(released_at, std::string::npos);
  ASSERT_NE(interpreted_at, std::string::npos);
  ASSERT_NE(responded_at, std::string::npos);
  EXPECT_LT(released_at, interpreted_at);
  EXPECT_LT(interpreted_at, responded_at);

  const std::string interpretation = page(item.id, "interpretation.html");
  EXPECT_THAT(interpretation, HasSubstr("<p>解读：本次调整依据2025年城镇居民人均消费支出。</p>"));
  EXPECT_THAT(interpretation, HasSubstr("<p>第二段解读。</p>"));
  EXPECT_THAT(hrefs(interpretation), Contains("index.html"));  // back to the release
  EXPECT_THAT(hrefs(interpretation), Contains("response-1.html"));

  const std::string response = page(item.id, "response-1.html");
  EXPECT_THAT(response, HasSubstr("标准为何不分城乡？"));
  EXPECT_THAT(response, HasSubstr("城乡标准将于2027年统一。"));
  EXPECT_THAT(hrefs(response), Contains("index.html"));
  EXPECT_THAT(hrefs(response), Contains("interpretation.html"));
  EXPECT_THAT(page(item.id, "response-2.html"), HasSubstr("每月10日前发放。"));

  const std::string index = read_file(unit() / "index.html");
  EXPECT_THAT(hrefs(index), Contains("items/" + item.id + "/index.html"));
  EXPECT_THAT(hrefs(index), Contains("items/" + item.id + "/interpretation.html"));
  EXPECT_THAT(hrefs(index), Contains("archive/2026-03.html"));
  EXPECT_THAT(index, HasSubstr("甲省一县政务公开"));
  const std::string archive = read_file(unit() / "archive" / "2026-03.html");
  EXPECT_THAT(hrefs(archive), Contains("../items/" + item.id + "/index.html"));
}

TEST_F(WebsiteChannelTest, FeedsAreValidAtomAndJsonFeed) {
  const Item a = released();
  const Item b = released("test.without_interpretation", "2025年部门决算", "决算总额1200万元。");
  must(a.id, EventType::interpret, [](FireRequest& r) { r.text = "解读"; });
  deliver_now();

  const std::string atom = read_file(unit() / "feed.xml");
  EXPECT_EQ(xml_problem(atom), "") << atom;
  EXPECT_THAT(atom, HasSubstr("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
  EXPECT_EQ(count_of(atom, "<entry>"), 2u);
  EXPECT_THAT(atom, HasSubstr("<title>2025年部门决算</title>"));
  EXPECT_THAT(atom, HasSubstr("<summary type=\"text\">决算总额1200万元。</summary>"));
  EXPECT_THAT(atom, HasSubstr("href=\"items/" + b.id + "/index.html\""));
  // The latest change first: a's interpretation came after b's release.
  EXPECT_LT(atom.find(a.id), atom.find(b.id));
  EXPECT_THAT(atom, HasSubstr("<updated>2026-03-02T"));

  const json feed = json::parse(read_file(unit() / "feed.json"));
  EXPECT_EQ(feed.at("version"), "https://jsonfeed.org/version/1.1");
  EXPECT_EQ(feed.at("title"), "甲省一县政务公开");
  EXPECT_EQ(feed.at("language"), "zh-CN");
  ASSERT_EQ(feed.at("items").size(), 2u);
  for (const json& entry : feed.at("items")) {
    EXPECT_TRUE(entry.at("id").is_string());
    EXPECT_FALSE(entry.at("id").get<std::string>().empty());
    EXPECT_TRUE(entry.contains("content_text") || entry.contains("content_html"));
    EXPECT_TRUE(entry.at("url").is_string());
    EXPECT_TRUE(parse_instant(entry.at("date_published").get<std::string>()).ok());
    EXPECT_TRUE(parse_instant(entry.at("date_modified").get<std::string>()).ok());
  }
  EXPECT_EQ(feed["items"][1]["title"], "2025年部门决算");
}

TEST_F(WebsiteChannelTest, BaseUrlMakesFeedLinksAbsolute) {
  WebsiteChannel site(WebsiteOptions{"website", root_, "https://gk.example.gov.cn/", 100, 50});
  MapRegistry registry;
  registry.add("website", &site);
  registry.add("new_media", &others_);
  const Item a = released();
  deliver_all(registry, fast_policy());
  const std::string atom = read_file(unit() / "feed.xml");
  EXPECT_EQ(xml_problem(atom), "");
  const std::string href = "https://gk.example.gov.cn/alpha.one/items/" + a.id + "/index.html";
  EXPECT_THAT(atom, HasSubstr("href=\"" + href + "\""));
  EXPECT_THAT(atom, HasSubstr("<id>" + href + "</id>"));
  const json feed = json::parse(read_file(unit() / "feed.json"));
  EXPECT_EQ(feed["feed_url"], "https://gk.example.gov.cn/alpha.one/feed.json");
  EXPECT_EQ(feed["home_page_url"], "https://gk.example.gov.cn/alpha.one/index.html");
  EXPECT_EQ(feed["items"][0]["url"], href);
}

TEST_F(WebsiteChannelTest, WithdrawnItemsShowYiChehuiWithoutContent) {
  const Item item = released("test.with_interpretation", "拟撤回的通知", "此内容XYZ将被撤回。");
  must(item.id, EventType::interpret, [](FireRequest& r) { r.text = "解读ABC"; });
  must(item.id, EventType::raise_concern, [](FireRequest& r) { r.text = "关切DEF"; });
  must(item.id, EventType::respond, [](FireRequest& r) { r.text = "回应GHI"; });
  deliver_now();
  ASSERT_THAT(page(item.id), HasSubstr("此内容XYZ将被撤回。"));
  must(item.id, EventType::withdraw, [](FireRequest& r) { r.reason = "数据有误，重新核定"; });
  deliver_now();

  const std::string release = page(item.id);
  EXPECT_THAT(release, HasSubstr("已撤回"));
  EXPECT_THAT(release, HasSubstr("数据有误，重新核定"));
  EXPECT_THAT(release, HasSubstr("拟撤回的通知"));
  for (const auto& [path, text] : snapshot(unit(), /*with_state=*/true)) {
    EXPECT_THAT(text, Not(HasSubstr("XYZ"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("ABC"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("DEF"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("GHI"))) << path;
  }
  // Old links still answer, without content.
  EXPECT_THAT(page(item.id, "interpretation.html"), HasSubstr("已撤回"));
  EXPECT_THAT(page(item.id, "response-1.html"), HasSubstr("已撤回"));
  EXPECT_THAT(read_file(unit() / "feed.xml"), HasSubstr("<title>【已撤回】拟撤回的通知</title>"));
  EXPECT_THAT(read_file(unit() / "index.html"), HasSubstr("已撤回"));
  EXPECT_EQ(xml_problem(read_file(unit() / "feed.xml")), "");
}

// 公示期 (test.planning: 30 calendar days, unit beta.three). Published Monday 2026-03-02 09:08
// (09:00 + create, submit, approve, publish a minute each, after the first item's four): the 30
// days count from 03-03, so 03-03..03-31 are 29 and the 30th is Wednesday 04-01, no holiday — the
// minimum is served at its 24:00. A standard without a notice period shows none.
TEST_F(WebsiteChannelTest, ReleasePageShowsTheNoticePeriodAndItsState) {
  const Item plain = released();
  const Item plan = released("test.planning", "某镇总体规划草案", "草案全文。");
  ASSERT_EQ(plan.notices.size(), 1u);
  // What the engine puts in the release's document (docs/channels.md).
  const std::vector<Delivery> plan_rows = rows(plan.id, "website");
  ASSERT_EQ(plan_rows.size(), 1u);
  const json notice = json::parse(plan_rows[0].document).at("notice_period");
  EXPECT_EQ(notice, json({{"revision", 1},
                          {"amount", 30},
                          {"unit", "calendar_days"},
                          {"starts_at", "2026-03-02T09:08:00.000+08:00"},
                          {"ends_at", "2026-04-02T00:00:00.000+08:00"},
                          {"last_day", "2026-04-01"},
                          {"state", "running"},
                          {"cut_short_at", nullptr},
                          {"cut_short_by", nullptr}}));
  EXPECT_TRUE(json::parse(rows(plain.id, "website")[0].document).at("notice_period").is_null());
  deliver_now();
  EXPECT_THAT(page(plain.id), Not(HasSubstr("notice-period")));
  const fs::path plan_page = root_ / "beta.three" / "items" / plan.id / "index.html";
  std::string release = read_file(plan_page);
  EXPECT_THAT(release, HasSubstr("<h2>公示期</h2>"));
  EXPECT_THAT(release, HasSubstr("<tr><th>公示期限</th><td>不少于30日</td></tr>"));
  EXPECT_THAT(release,
              HasSubstr("<tr><th>公示时间</th><td>2026年3月2日 09:08起至2026年4月1日止</td></tr>"));
  EXPECT_THAT(release, HasSubstr("<td class=\"running\">公示中（截至2026年3月2日 09:08）</td>"));

  // Withdrawn on 03-10, during the period: cut short, said on the withdrawn page.
  must(plan.id, EventType::withdraw,
       [&](FireRequest& r) { r.at = later(std::chrono::hours(24 * 8)); });
  deliver_now();
  release = read_file(plan_page);
  EXPECT_THAT(release, HasSubstr("已撤回"));
  EXPECT_THAT(release, HasSubstr("<td class=\"cut_short\">因撤回提前结束（2026年3月10日"));
  EXPECT_THAT(release, HasSubstr("2026年3月2日 09:08起至2026年4月1日止"));

  // Another draft plan corrected after the end (04-11): the notice was served, then corrected.
  const Item served = released("test.planning", "另一规划草案", "第一版。");
  deliver_now();
  must(served.id, EventType::correct, [&](FireRequest& r) {
    r.text = "第二版。";
    r.at = later(std::chrono::hours(24 * 32));
  });
  deliver_now();
  release = read_file(root_ / "beta.three" / "items" / served.id / "index.html");
  EXPECT_THAT(release, HasSubstr("更正中"));
  EXPECT_THAT(release, HasSubstr("<td class=\"served\">公示期满</td>"));
  EXPECT_THAT(release, Not(HasSubstr("公示中")));
}

// The end of the period is delivered (notice_served, recorded by the timer at 04-02 00:00): the
// release page goes from 公示中 to 公示期满 and its record lists the end — byte for byte the page
// it was otherwise —; the feeds show the change; a repeated delivery changes nothing.
TEST_F(WebsiteChannelTest, TheEndOfTheNoticePeriodIsDeliveredAndThePageSaysSo) {
  // Created 09:01, submitted 09:02, approved 09:03, published 09:04: served at 04-02 00:00.
  const Item plan = released("test.planning", "某镇总体规划草案", "草案全文。");
  deliver_now();
  const fs::path plan_page = root_ / "beta.three" / "items" / plan.id / "index.html";
  const std::string before = read_file(plan_page);
  const std::string running = "<td class=\"running\">公示中（截至2026年3月2日 09:04）</td>";
  const std::string released_line = "<li>2026年3月2日 09:04 发布（第1版）</li>\n";
  ASSERT_THAT(before, HasSubstr(running));
  ASSERT_THAT(before, HasSubstr(released_line));

  now_ = *parse_instant("2026-04-02T00:00:00+08:00");
  auto tick = engine_->run_due(now_);
  ASSERT_TRUE(tick.ok()) << tick.status().to_string();
  ASSERT_EQ(tick->notices_served, 1);
  std::vector<Delivery> served = pending_website_rows();
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].kind, "notice_served");
  deliver_now();
  EXPECT_EQ(row(plan.id, "website").state, "delivered");

  std::string expected = before;
  expected.replace(expected.find(running), running.size(), "<td class=\"served\">公示期满</td>");
  const std::size_t history = expected.find(released_line) + released_line.size();
  expected.insert(history, "<li>2026年4月2日 00:00 公示期满（第1版）</li>\n");
  const std::string after = read_file(plan_page);
  EXPECT_EQ(after, expected);
  EXPECT_THAT(after, Not(HasSubstr("公示中")));

  const fs::path site = root_ / "beta.three";
  EXPECT_THAT(read_file(site / "feed.xml"),
              HasSubstr("<title>【公示期满】某镇总体规划草案</title>"));
  EXPECT_THAT(read_file(site / "feed.xml"),
              HasSubstr("<updated>2026-04-02T00:00:00.000+08:00</updated>"));
  EXPECT_EQ(xml_problem(read_file(site / "feed.xml")), "");
  const json feed = json::parse(read_file(site / "feed.json"));
  EXPECT_EQ(feed.at("items").at(0).at("title"), "【公示期满】某镇总体规划草案");
  EXPECT_THAT(read_file(site / "index.html"), HasSubstr("已发布"));
  const json record = json::parse(read_file(site / ".gongkai" / "items" / (plan.id + ".json")));
  EXPECT_EQ(record.at("history").size(), 2u);
  EXPECT_EQ(record.at("history").at(1).at("kind"), "notice_served");
  EXPECT_EQ(record.at("released").at("notice_period").at("state"), "served");

  // Handed over again (a crash before the outcome was recorded): the same bytes.
  const auto once = snapshot(site);
  ASSERT_TRUE(site_->deliver(served[0]).kind == DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(snapshot(site), once);
}

TEST_F(WebsiteChannelTest, WithdrawnBeforeReleaseIsNeverListed) {
  Item item = create();
  must(item.id, EventType::submit);
  must(item.id, EventType::approve);
  must(item.id, EventType::withdraw);  // from release: never published
  deliver_now();
  EXPECT_FALSE(fs::exists(unit() / "items" / item.id));
  EXPECT_EQ(row(item.id, "website").state, "delivered");
}

TEST_F(WebsiteChannelTest, CorrectionKeepsTheReleasedRevisionUntilRepublished) {
  const Item item = released("test.with_interpretation", "补助标准", "第一版内容：每人每月800元。");
  deliver_now();
  must(item.id, EventType::correct, [](FireRequest& r) {
    r.text = "第二版内容：每人每月900元。";
    r.reason = "金额有误";
  });
  deliver_now();
  std::string release = page(item.id);
  EXPECT_THAT(release, HasSubstr("更正中"));
  EXPECT_THAT(release, HasSubstr("第2版经审核后重新发布"));
  EXPECT_THAT(release, HasSubstr("第一版内容"));
  // Not approved yet: nowhere in the web root, not even in the adapter's state.
  for (const auto& [path, text] : snapshot(unit(), /*with_state=*/true)) {
    EXPECT_THAT(text, Not(HasSubstr("第二版内容"))) << path;
  }

  must(item.id, EventType::approve);
  must(item.id, EventType::publish);
  deliver_now();
  release = page(item.id);
  EXPECT_THAT(release, HasSubstr("已发布 · 第2版"));
  EXPECT_THAT(release, HasSubstr("第二版内容：每人每月900元。"));
  EXPECT_THAT(release, Not(HasSubstr("第一版内容")));
  EXPECT_THAT(release, HasSubstr("发布（第1版）"));
  EXPECT_THAT(release, HasSubstr("更正（第2版）"));
  EXPECT_THAT(release, HasSubstr("发布（第2版）"));
  EXPECT_THAT(read_file(unit() / "feed.xml"), HasSubstr("第二版内容"));
}

TEST_F(WebsiteChannelTest, EverythingFromTheDocumentIsEscaped) {
  const Item item = released("test.with_interpretation", "<script>alert(\"t\")</script> & 标题",
                             "<img src=x onerror=alert(1)>\n第二段 & \"引号\" 'x'");
  must(item.id, EventType::interpret, [](FireRequest& r) { r.text = "</p><iframe src=y>"; });
  deliver_now();
  for (const auto& [path, text] : snapshot(unit())) {
    if (path == "feed.json") continue;  // JSON holds the text itself (checked below)
    EXPECT_THAT(text, Not(HasSubstr("<script>alert"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("<img src=x"))) << path;
    EXPECT_THAT(text, Not(HasSubstr("<iframe"))) << path;
  }
  const std::string release = page(item.id);
  EXPECT_THAT(release, HasSubstr("&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; 标题"));
  EXPECT_THAT(release, HasSubstr("<p>第二段 &amp; &quot;引号&quot; &#39;x&#39;</p>"));
  EXPECT_EQ(xml_problem(read_file(unit() / "feed.xml")), "");
  const json feed = json::parse(read_file(unit() / "feed.json"));
  EXPECT_EQ(feed["items"][0]["title"], "<script>alert(\"t\")</script> & 标题");  // JSON holds text
}

TEST_F(WebsiteChannelTest, RepeatedAndStaleDeliveriesChangeNothing) {
  const Item item = released();
  const std::vector<Delivery> first = pending_website_rows();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(site_->deliver(first[0]).kind == DeliveryOutcome::Kind::delivered);
  const auto once = snapshot(unit());
  ASSERT_TRUE(site_->deliver(first[0]).kind == DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(snapshot(unit()), once);  // idempotent by delivery id: the same bytes

  // A fresh adapter (another process) writes the same bytes too.
  WebsiteChannel other(WebsiteOptions{"website", root_, "", 100, 50});
  ASSERT_TRUE(other.deliver(first[0]).kind == DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(snapshot(unit()), once);

  // The withdrawal arrives; then the release is handed over again (a retry after a crash): the
  // site keeps showing the withdrawal.
  (void)deliver(registry_, fast_policy());  // records the first delivery
  must(item.id, EventType::withdraw);
  const std::vector<Delivery> second = pending_website_rows();
  ASSERT_EQ(second.size(), 1u);
  ASSERT_TRUE(site_->deliver(second[0]).kind == DeliveryOutcome::Kind::delivered);
  const auto withdrawn = snapshot(unit(), /*with_state=*/true);
  EXPECT_TRUE(site_->deliver(first[0]).kind == DeliveryOutcome::Kind::delivered);
  EXPECT_TRUE(other.deliver(first[0]).kind == DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(snapshot(unit(), true), withdrawn);
  EXPECT_THAT(page(item.id), HasSubstr("已撤回"));
}

TEST_F(WebsiteChannelTest, ABadDocumentIsAPermanentFailure) {
  Delivery d;
  d.id = "gk-1-v4-website";
  d.item_id = "gk-1";
  d.unit_id = "alpha.one";
  d.channel = "website";
  d.kind = "release";
  d.document = "{not json";
  EXPECT_EQ(site_->deliver(d).kind, DeliveryOutcome::Kind::failed);
  d.document = R"({"item_id": "../../etc", "unit_id": "alpha.one"})";
  d.item_id = "../../etc";
  const DeliveryOutcome outcome = site_->deliver(d);
  EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::failed);
  EXPECT_THAT(outcome.error, HasSubstr("cannot name a file"));
  EXPECT_FALSE(fs::exists(root_ / "etc"));
}

TEST_F(WebsiteChannelTest, OneDeliveryRewritesOnlyItsItemAndTheUnitPages) {
  for (int i = 0; i < 12; ++i) released("test.with_interpretation", "事项" + std::to_string(i));
  deliver_now();
  const auto before = gongkai::testing::inodes(unit());
  const std::int64_t written_before = site_->files_written();
  const Item fresh = released("test.with_interpretation", "新事项");
  deliver_now();
  const auto after = gongkai::testing::inodes(unit());
  const std::set<std::string> allowed = {"index.html", "archive/2026-03.html", "feed.xml",
                                         "feed.json"};
  std::set<std::string> changed;
  for (const auto& [path, inode] : after) {
    auto was = before.find(path);
    if (was != before.end() && was->second == inode) continue;  // untouched (rename = new inode)
    changed.insert(path);
    const bool ok = allowed.count(path) > 0 || path.rfind("items/" + fresh.id + "/", 0) == 0 ||
                    path.rfind(".gongkai/", 0) == 0;
    EXPECT_TRUE(ok) << "rewrote " << path;
  }
  EXPECT_TRUE(changed.count("items/" + fresh.id + "/index.html"));
  EXPECT_TRUE(changed.count("index.html"));
  // The record, the page, index, archive, two feeds, the month shard, generation, site state.
  EXPECT_EQ(site_->files_written() - written_before, 9);
  // No temporary file is left behind.
  for (const auto& [path, inode] : after) {
    EXPECT_EQ(path.find(".tmp-"), std::string::npos) << path;
  }
}

TEST_F(WebsiteChannelTest, AnInPlaceSiteHasTheSamePagesAsADurableOne) {
  // A simulation's site (durable = false) is rewritten in place: files overwritten and cut only
  // when the new text is shorter, folders made when missing. Its pages are the durable site's.
  const fs::path in_place_root = dir_.path() / "in-place";
  WebsiteChannel in_place(WebsiteOptions{"website", in_place_root, "", 100, 50, false});
  auto deliver_both = [&] {
    for (const Delivery& d : pending_website_rows()) {
      const DeliveryOutcome outcome = in_place.deliver(d);
      EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::delivered) << outcome.error;
    }
    deliver_now();  // the durable site, and the outcomes recorded
  };
  const Item long_one = released("test.with_interpretation",
                                 "关于调整城乡居民最低生活保障标准和特困人员救助供养标准的通知");
  const Item other = released();
  deliver_both();
  const std::string before =
      read_file(in_place_root / "alpha.one" / "items" / long_one.id / "index.html");
  must(long_one.id, EventType::withdraw);  // its release page gets shorter
  deliver_both();
  const std::string after =
      read_file(in_place_root / "alpha.one" / "items" / long_one.id / "index.html");
  EXPECT_LT(after.size(), before.size());
  EXPECT_THAT(after, HasSubstr("已撤回"));
  EXPECT_EQ(after.find("</html>"), after.size() - std::string("</html>\n").size());
  EXPECT_EQ(snapshot(in_place_root / "alpha.one"), snapshot(unit()));
  EXPECT_THAT(read_file(in_place_root / "alpha.one" / "index.html"), HasSubstr(other.id));
}

TEST_F(WebsiteChannelTest, ALostIndexIsRebuiltFromTheItemRecords) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(released("test.with_interpretation", "事项" + std::to_string(i)).id);
  deliver_now();
  fs::remove(unit() / ".gongkai" / "site.json");
  fs::remove(unit() / ".gongkai" / "generation");
  WebsiteChannel restarted(WebsiteOptions{"website", root_, "", 100, 50});
  MapRegistry registry;
  registry.add("website", &restarted);
  registry.add("new_media", &others_);
  ids.push_back(released("test.with_interpretation", "事项3").id);
  deliver_all(registry, fast_policy());
  const auto links = hrefs(read_file(unit() / "index.html"));
  for (const auto& id : ids) EXPECT_THAT(links, Contains("items/" + id + "/index.html")) << id;
  EXPECT_EQ(count_of(read_file(unit() / "feed.xml"), "<entry>"), 4u);
}

TEST_F(WebsiteChannelTest, ConcurrentWritersOfOneUnitKeepEveryItem) {
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i)
    ids.push_back(released("test.with_interpretation", "并发" + std::to_string(i)).id);
  const std::vector<Delivery> pending = pending_website_rows();
  ASSERT_EQ(pending.size(), 24u);
  // Two adapters (as in two processes: separate caches) and four threads.
  WebsiteChannel other(WebsiteOptions{"website", root_, "", 100, 50});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      WebsiteChannel& adapter = t % 2 == 0 ? *site_ : other;
      for (std::size_t i = static_cast<std::size_t>(t); i < pending.size(); i += 4) {
        if (adapter.deliver(pending[i]).kind != DeliveryOutcome::Kind::delivered) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto links = hrefs(read_file(unit() / "index.html"));
  for (const auto& id : ids) {
    EXPECT_THAT(links, Contains("items/" + id + "/index.html")) << id;
    EXPECT_TRUE(fs::exists(unit() / "items" / id / "index.html")) << id;
  }
  const json site = json::parse(read_file(unit() / ".gongkai" / "site.json"));
  EXPECT_EQ(site.at("months").at("2026-03"), 24);
  EXPECT_THAT(read_file(unit() / "index.html"), HasSubstr("共24条"));
}

}  // namespace
}  // namespace gongkai::channels
