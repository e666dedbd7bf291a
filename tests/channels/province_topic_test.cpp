// The province special-topic page (试点工作专题): its content (escaping, ordering, the latest N,
// the catalogue), regeneration when the website channel delivers a release of one of the
// province's units (and no change for the end of a notice period), the atomic write, and a real
// headless browser rendering it and a release page.
#include "adapters/channels/province_topic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "adapters/channels/website_channel.h"
#include "channels/channel_test_support.h"
#include "support/process.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using ::gongkai::testing::AcceptingChannel;
using ::gongkai::testing::count_of;
using ::gongkai::testing::DeliveryFixture;
using ::gongkai::testing::hrefs;
using ::gongkai::testing::inodes;
using ::gongkai::testing::MapRegistry;
using ::gongkai::testing::read_file;
using ::testing::HasSubstr;
using ::testing::Not;

// A small definition set built by hand: two provinces, the first with three units, names that
// need escaping.
DefinitionSet hand_made_definitions() {
  DefinitionSet d;
  d.domains = {{"planning", "城乡<规划>"}, {"budget", "财政预决算"}, {"extra", "本省&增加"}};
  d.channels = {{"website", "政府网站"}, {"board", "公示栏\"一\""}};
  d.groups = {{1, {"planning", "budget"}}, {2, {"budget"}}};
  d.provinces = {{"p1", "甲省<script>alert(1)</script>", 1, {"extra"}, ""},
                 {"p2", "乙省", 2, {}, ""}};
  d.units = {{"p1.b", "乙县", "p1", ""},
             {"p1.a", "甲县 & 'quoted'", "p1", ""},
             {"p2.c", "丙县", "p2", ""},
             {"p1.z", "无发布县", "p1", ""}};
  ItemStandard plan;
  plan.id = "planning.draft";
  plan.name_level1 = "城乡规划";
  plan.name_level2 = "规划草案<公示>";
  plan.domain = "planning";
  plan.legal_basis = {"《城乡规划法》第二十六条", "《规定》"};
  plan.time_limit_text = "公告时间不得少于30日";
  plan.channels = {"website", "board"};
  plan.notice_period = Duration{30, TimeUnit::calendar_days};
  ItemStandard budget;
  budget.id = "budget.final";
  budget.name_level1 = "财政预决算";
  budget.name_level2 = "部门决算";
  budget.domain = "budget";
  budget.legal_basis = {"《预算法》第十四条"};
  budget.time_limit_text = "批准后20日内";
  budget.channels = {"website"};
  ItemStandard other;
  other.id = "other.x";
  other.name_level1 = "别省事项";
  other.domain = "nowhere";
  other.channels = {"website"};
  d.standards = {plan, budget, other};
  return d;
}

TopicRelease release(const std::string& id, const std::string& title, const std::string& first,
                     const std::string& status = "released") {
  return TopicRelease{id, title, "部门决算", status, first, first};
}

TEST(ProvinceTopicPage, ListsUnitsCataloguesAndTheLatestReleasesEscaped) {
  const DefinitionSet defs = hand_made_definitions();
  std::map<std::string, std::vector<TopicRelease>> releases;
  // Given out of order: the page sorts newest first and keeps the latest 3.
  releases["p1.a"] = {release("gk-000001", "一月", "2026-01-05T10:00:00.000+08:00"),
                      release("gk-000004", "四月<b>决算</b>", "2026-04-05T10:00:00.000+08:00"),
                      release("gk-000002", "二月 & 三月", "2026-02-05T10:00:00.000+08:00"),
                      release("gk-000003", "三月", "2026-03-05T10:00:00.000+08:00", "correcting")};
  releases["p1.b"] = {release("gk-000009", "乙县唯一", "2026-03-01T08:00:00.000+08:00")};
  releases["p2.c"] = {release("gk-000010", "别省的", "2026-03-01T08:00:00.000+08:00")};
  const std::string page = render_province_topic(defs, defs.provinces[0], releases, 3);

  // Escaped everywhere; nothing of the markup in names gets through.
  EXPECT_THAT(page, Not(HasSubstr("<script>")));
  EXPECT_THAT(
      page,
      HasSubstr("甲省&lt;script&gt;alert(1)&lt;/script&gt;基层政务公开标准化规范化试点工作专题"));
  EXPECT_THAT(page, HasSubstr("甲县 &amp; &#39;quoted&#39;"));
  EXPECT_THAT(page, HasSubstr("四月&lt;b&gt;决算&lt;/b&gt;"));
  EXPECT_THAT(page, HasSubstr("城乡&lt;规划&gt;"));
  EXPECT_THAT(page, HasSubstr("规划草案&lt;公示&gt;"));
  EXPECT_THAT(page, HasSubstr("公示栏&quot;一&quot;"));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  // The group's domains and the province's own.
  EXPECT_THAT(page, HasSubstr("试点领域（第1组）：城乡&lt;规划&gt;、财政预决算"));
  EXPECT_THAT(page, HasSubstr("本省增加的试点内容：本省&amp;增加"));
  // Units of the province only, in the order of units.json.
  const auto b = page.find("id=\"unit-p1.b\"");
  const auto a = page.find("id=\"unit-p1.a\"");
  const auto z = page.find("id=\"unit-p1.z\"");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(z, std::string::npos);
  EXPECT_LT(b, a);
  EXPECT_LT(a, z);
  EXPECT_THAT(page, Not(HasSubstr("丙县")));
  EXPECT_THAT(page, Not(HasSubstr("别省的")));
  EXPECT_THAT(page, HasSubstr("试点单位3个"));
  // The latest 3 of unit p1.a, newest first; the oldest is left out.
  const auto april = page.find("四月&lt;b&gt;");
  const auto march = page.find("三月</a>");
  const auto feb = page.find("二月 &amp; 三月");
  ASSERT_NE(april, std::string::npos);
  ASSERT_NE(march, std::string::npos);
  ASSERT_NE(feb, std::string::npos);
  EXPECT_LT(april, march);
  EXPECT_LT(march, feb);
  EXPECT_THAT(page, Not(HasSubstr("一月")));
  EXPECT_THAT(page, HasSubstr("三月</a> <span class=\"correcting\">（更正中）</span>"));
  EXPECT_THAT(page, HasSubstr("2026年4月5日"));
  // Links go to the release pages of the units' sites, relative to <root>/<province>/pilot/.
  const auto links = hrefs(page);
  EXPECT_THAT(links, ::testing::Contains("../../p1.a/items/gk-000004/index.html"));
  EXPECT_THAT(links, ::testing::Contains("../../p1.b/items/gk-000009/index.html"));
  EXPECT_THAT(links, ::testing::Contains("../../p1.a/index.html"));
  EXPECT_THAT(links, ::testing::Contains("#unit-p1.a"));
  EXPECT_EQ(count_of(page, "暂无发布"), 1u) << "unit p1.z has none";
  EXPECT_THAT(links, Not(::testing::Contains("../../p1.z/index.html"))) << "it has no site";
  EXPECT_THAT(page, HasSubstr("列出最新发布4条"));
  // Each unit's catalogue: the standards of its group's domains (3 units × 2 standards).
  EXPECT_EQ(count_of(page, "公开事项标准目录（2项）"), 3u);
  EXPECT_EQ(count_of(page, "《城乡规划法》第二十六条；《规定》"), 3u);
  EXPECT_EQ(count_of(page, "不少于30日"), 3u);
  EXPECT_EQ(count_of(page, "公告时间不得少于30日"), 3u);
  EXPECT_EQ(count_of(page, "政府网站、公示栏&quot;一&quot;"), 3u);
  EXPECT_THAT(page, Not(HasSubstr("别省事项")));
  // Self-contained: no script, no external resource.
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("http://")));
  EXPECT_THAT(page, Not(HasSubstr("https://")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
  EXPECT_THAT(page, HasSubstr("<meta charset=\"utf-8\">"));
  // Deterministic.
  EXPECT_EQ(page, render_province_topic(defs, defs.provinces[0], releases, 3));
}

TEST(ProvinceTopicPage, AProvinceWithoutReleasesAndAnUnknownProvince) {
  const DefinitionSet defs = hand_made_definitions();
  const std::string page = render_province_topic(defs, defs.provinces[1], {}, 10);
  EXPECT_THAT(page, HasSubstr("乙省基层政务公开标准化规范化试点工作专题"));
  EXPECT_THAT(page, HasSubstr("试点领域（第2组）：财政预决算"));
  EXPECT_THAT(page, Not(HasSubstr("本省增加")));
  EXPECT_EQ(count_of(page, "暂无发布"), 1u);

  ::gongkai::testing::TempDir dir;
  auto missing = write_province_topic(dir.path(), defs, "nowhere");
  EXPECT_EQ(missing.status().code(), Errc::unit_not_found);
  auto bad = write_province_topic(dir.path(), defs, "../p1");
  EXPECT_EQ(bad.status().code(), Errc::unit_not_found);
  EXPECT_FALSE(fs::exists(dir.path() / "nowhere"));
}

TEST(ProvinceTopicPage, AWriteIsAtomicAndAnUnchangedPageIsNotRewritten) {
  const DefinitionSet defs = hand_made_definitions();
  ::gongkai::testing::TempDir dir;
  const fs::path root = dir.path() / "www";
  auto first = write_province_topic(root, defs, "p1");
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->path, root / "p1" / "pilot" / "index.html");
  EXPECT_EQ(first->units, 3u);
  EXPECT_EQ(first->releases, 0u);
  const auto before = inodes(root);
  auto again = write_province_topic(root, defs, "p1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(inodes(root), before) << "the same bytes are not written again";

  // A unit's site state changes: the page is replaced by a rename (a new inode), and no temporary
  // file is left beside it.
  ::gongkai::testing::write_file(
      root / "p1.a" / ".gongkai" / "site.json",
      R"({"format":1,"latest":[{"id":"gk-000007","title":"新发布","listed":true,"status":"released",)"
      R"("subject":"部门决算","published_at":"2026-05-01T09:00:00.000+08:00",)"
      R"("first_published_at":"2026-05-01T09:00:00.000+08:00"},)"
      R"({"id":"gk-000008","title":"已撤回的","listed":true,"status":"withdrawn",)"
      R"("first_published_at":"2026-05-02T09:00:00.000+08:00"}],"recent":[],"months":{}})");
  auto changed = write_province_topic(root, defs, "p1");
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_TRUE(changed->changed);
  EXPECT_EQ(changed->releases, 1u);
  const auto after = inodes(root);
  const std::string page_key = "p1/pilot/index.html";
  ASSERT_TRUE(after.count(page_key));
  EXPECT_NE(after.at(page_key), before.at(page_key));
  for (const auto& [path, inode] : after) {
    EXPECT_EQ(path.find(".tmp"), std::string::npos) << path;
  }
  const std::string page = read_file(first->path);
  EXPECT_THAT(page, HasSubstr("新发布"));
  EXPECT_THAT(page, Not(HasSubstr("已撤回的"))) << "withdrawn items are not latest releases";

  // A state that does not read is an error, and the page stays as it was.
  ::gongkai::testing::write_file(root / "p1.b" / ".gongkai" / "site.json", "{not json");
  auto broken = write_province_topic(root, defs, "p1");
  EXPECT_EQ(broken.status().code(), Errc::invalid_json);
  EXPECT_EQ(read_file(first->path), page);

  // A folder that cannot be written (a file where the province folder should be).
  ::gongkai::testing::write_file(root / "p2", "a file");
  auto blocked = write_province_topic(root, defs, "p2");
  EXPECT_EQ(blocked.status().code(), Errc::storage_error);
}

// The website channel with the definitions: every delivery regenerates the province's page.
class ProvinceTopicDeliveryTest : public DeliveryFixture {
 protected:
  void SetUp() override {
    DeliveryFixture::SetUp();
    root_ = dir_.path() / "www";
    WebsiteOptions o;
    o.web_root = root_;
    TopicPages topic;
    topic.definitions = [this] { return engine_->definitions(); };
    topic.releases = 2;
    site_ = std::make_unique<WebsiteChannel>(std::move(o), std::move(topic));
    registry_.add("website", site_.get());
    registry_.add("new_media", &others_);
    registry_.add("bulletin_board", &others_);
  }

  std::string topic(const std::string& province = "alpha") {
    return read_file(root_ / province / "pilot" / "index.html");
  }

  fs::path root_;
  std::unique_ptr<WebsiteChannel> site_;
  AcceptingChannel others_{"other"};
  MapRegistry registry_;
};

TEST_F(ProvinceTopicDeliveryTest, ADeliveredReleaseAppearsOnItsProvincePage) {
  EXPECT_FALSE(fs::exists(root_ / "alpha" / "pilot" / "index.html"));
  Item first = released("test.with_interpretation", "第一条<发布>");
  deliver_all(registry_, fast_policy());
  std::string page = topic();
  EXPECT_THAT(page, HasSubstr("甲省基层政务公开标准化规范化试点工作专题"));
  EXPECT_THAT(page, HasSubstr("第一条&lt;发布&gt;"));
  EXPECT_THAT(page, HasSubstr("../../alpha.one/items/" + first.id + "/index.html"));
  // Both units of 甲省, one without releases; the catalogue of the group's domains.
  EXPECT_THAT(page, HasSubstr("一县"));
  EXPECT_THAT(page, HasSubstr("二县"));
  EXPECT_EQ(count_of(page, "暂无发布"), 1u);
  EXPECT_THAT(page, HasSubstr("《社会救助暂行办法》"));
  EXPECT_THAT(page, HasSubstr("信息形成或者变更之日起20个工作日内"));
  EXPECT_FALSE(fs::exists(root_ / "beta" / "pilot" / "index.html")) << "only the unit's province";
  // Every link of the page that leads into the web root resolves to a file.
  for (const std::string& link : hrefs(page)) {
    if (link.rfind("../../", 0) != 0) continue;
    EXPECT_TRUE(fs::exists(root_ / "alpha" / "pilot" / link)) << link;
  }

  // Two more releases: the latest two are listed (topic_releases = 2), newest first.
  later(std::chrono::hours(24));
  Item second = released("test.without_interpretation", "第二条");
  later(std::chrono::hours(24));
  Item third = released("test.with_interpretation", "第三条");
  deliver_all(registry_, fast_policy());
  page = topic();
  EXPECT_THAT(page, Not(HasSubstr("第一条")));
  ASSERT_NE(page.find("第三条"), std::string::npos);
  ASSERT_NE(page.find("第二条"), std::string::npos);
  EXPECT_LT(page.find("第三条"), page.find("第二条"));

  // A withdrawal takes the item off the page; the one before it comes back.
  must(third.id, EventType::withdraw, [](FireRequest& r) { r.reason = "内容有误"; });
  deliver_all(registry_, fast_policy());
  page = topic();
  EXPECT_THAT(page, Not(HasSubstr("第三条")));
  EXPECT_THAT(page, HasSubstr("第一条&lt;发布&gt;"));
  EXPECT_THAT(page, HasSubstr("第二条"));
  EXPECT_TRUE(engine_->verify().ok());
}

// The end of a notice period (notice_served) is delivered to the unit's site, but the province page
// lists releases by first publication, with their status and publication date: an old release
// whose period ended does not come back among the latest, nor is it labelled anew — the page keeps
// its bytes and is not rewritten.
TEST_F(ProvinceTopicDeliveryTest, TheEndOfANoticePeriodDoesNotRelistAnOldRelease) {
  // test.planning (beta.three, 30 calendar days): published 03-02, 03-03 and 03-04.
  const Item old = released("test.planning", "旧规划草案");
  later(std::chrono::hours(24));
  released("test.planning", "第二规划草案");
  later(std::chrono::hours(24));
  released("test.planning", "第三规划草案");
  deliver_all(registry_, fast_policy());
  const fs::path page = root_ / "beta" / "pilot" / "index.html";
  const std::string before = topic("beta");
  EXPECT_THAT(before, HasSubstr("第三规划草案"));
  EXPECT_THAT(before, HasSubstr("第二规划草案"));
  EXPECT_THAT(before, Not(HasSubstr("旧规划草案"))) << "two releases per unit";
  const auto inode = inodes(root_ / "beta").at("pilot/index.html");

  // Only the oldest period has ended (04-02 00:00; the next ends 04-03 00:00).
  now_ = *parse_instant("2026-04-02T00:00:00+08:00");
  auto tick = engine_->run_due(now_);
  ASSERT_TRUE(tick.ok()) << tick.status().to_string();
  ASSERT_EQ(tick->notices_served, 1);
  deliver_all(registry_, fast_policy());
  std::size_t ends = 0;
  for (const Delivery& d : rows(old.id, "website")) {
    if (d.kind != "notice_served") continue;
    ++ends;
    EXPECT_EQ(d.state, "delivered");
  }
  EXPECT_EQ(ends, 1u);
  EXPECT_THAT(read_file(root_ / "beta.three" / "items" / old.id / "index.html"),
              HasSubstr("<td class=\"served\">公示期满</td>"));
  EXPECT_EQ(topic("beta"), before);
  EXPECT_EQ(inodes(root_ / "beta").at("pilot/index.html"), inode) << "not rewritten";
}

TEST_F(ProvinceTopicDeliveryTest, ConcurrentDeliveriesToUnitsOfOneProvinceAllReachThePage) {
  // Two adapters (two workers) on one web root, each delivering another unit's releases at once:
  // whichever writes the page last has read both units' committed states.
  WebsiteOptions o;
  o.web_root = root_;
  TopicPages pages;
  pages.definitions = [this] { return engine_->definitions(); };
  WebsiteChannel a(o, pages), b(o, pages);
  auto document = [](const std::string& unit, int n) {
    nlohmann::json d = {
        {"kind", "release"},
        {"at", "2026-03-02T10:00:00.000+08:00"},
        {"item_id", "gk-" + unit.substr(6) + std::to_string(n)},
        {"version", 4},
        {"revision", 1},
        {"unit_id", unit},
        {"unit_name", unit},
        {"province_name", "甲省"},
        {"title", unit + " 第" + std::to_string(n) + "条"},
        {"content", "内容"},
        {"withdrawn", false},
        {"withdrawn_reason", nullptr},
        {"published_at", "2026-03-02T10:00:00.000+08:00"},
        {"interpretation", ""},
        {"responses", nlohmann::json::array()},
        {"standard", {{"id", "test.with_interpretation"}, {"name_level1", "社会救助"}}}};
    Delivery delivery;
    delivery.item_id = d["item_id"].get<std::string>();
    delivery.unit_id = unit;
    delivery.channel = "website";
    delivery.item_version = 4;
    delivery.id = delivery.item_id + "-v4-website";
    delivery.kind = "release";
    delivery.document = d.dump();
    return delivery;
  };
  std::thread ta([&] {
    for (int n = 1; n <= 4; ++n) EXPECT_EQ(a.deliver(document("alpha.one", n)).error, "");
  });
  std::thread tb([&] {
    for (int n = 1; n <= 4; ++n) EXPECT_EQ(b.deliver(document("alpha.two", n)).error, "");
  });
  ta.join();
  tb.join();
  const std::string page = topic();
  for (int n = 1; n <= 4; ++n) {
    EXPECT_THAT(page, HasSubstr("alpha.one 第" + std::to_string(n) + "条"));
    EXPECT_THAT(page, HasSubstr("alpha.two 第" + std::to_string(n) + "条"));
  }
}

// The CLI rebuilds the pages from the database's definitions and the units' sites.
TEST_F(ProvinceTopicDeliveryTest, TheCliRebuildsThePagesFromTheStore) {
  Item item = released("test.planning", "规划草案公示");
  deliver_all(registry_, fast_policy());
  fs::remove_all(root_ / "beta");
  engine_.reset();  // the CLI opens the database itself
  auto run = [&](const std::vector<std::string>& args) {
    ::gongkai::testing::CliProcess p(args, dir_.path());
    return p.wait();
  };
  auto result =
      run({"--db", db_, "website", "topic", "--all", "--web-root", root_.string(), "--json"});
  ASSERT_TRUE(::gongkai::testing::Succeeded(result)) << result;
  const auto out = result.json_out();
  ASSERT_EQ(out.size(), 2u);
  const std::string page = topic("beta");
  EXPECT_THAT(page, HasSubstr("规划草案公示"));
  EXPECT_THAT(page, HasSubstr("不少于30日")) << "the standard's notice period";
  EXPECT_THAT(page, HasSubstr("../../beta.three/items/" + item.id + "/index.html"));
  // Unchanged the second time; errors for bad options.
  auto again = run({"--db", db_, "website", "topic", "--province", "beta", "--web-root",
                    root_.string(), "--json"});
  ASSERT_TRUE(::gongkai::testing::Succeeded(again)) << again;
  EXPECT_FALSE(again.json_out()[0]["changed"].get<bool>());
  EXPECT_TRUE(::gongkai::testing::Failed(
      run({"--db", db_, "website", "topic", "--web-root", root_.string()}), 2, "usage"));
  EXPECT_TRUE(::gongkai::testing::Failed(
      run({"--db", db_, "website", "topic", "--province", "beta"}), 2, "usage"));
  EXPECT_TRUE(::gongkai::testing::Failed(
      run({"--db", db_, "website", "topic", "--province", "gamma", "--web-root", root_.string()}),
      4, "unit_not_found"));
}

// The house rule: a real headless browser renders the pages. Debian's chromium, no network.
TEST_F(ProvinceTopicDeliveryTest, ChromiumRendersTheProvincePageAndAReleasePage) {
  ASSERT_EQ(std::system("command -v chromium > /dev/null 2>&1"), 0)
      << "chromium is missing: install it (tools/setup.sh lists it)";
  Item item = released("test.with_interpretation", "2026年城乡低保标准调整");
  deliver_all(registry_, fast_policy());
  const fs::path scratch = dir_.path() / "chromium";
  fs::create_directories(scratch);
  auto render = [&](const fs::path& page, const std::string& name) {
    const fs::path png = scratch / (name + ".png");
    const fs::path dom = scratch / (name + ".html");
    const std::string flags =
        "--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
        "--user-data-dir=" +
        (scratch / ("profile-" + name)).string() + " ";
    const std::string url = "file://" + fs::absolute(page).string();
    const std::string shot = "timeout 120 chromium " + flags + "--screenshot=" + png.string() +
                             " --window-size=1280,2000 '" + url + "' > " +
                             (scratch / (name + ".log")).string() + " 2>&1";
    EXPECT_EQ(std::system(shot.c_str()), 0) << shot << "\n" << read_file(scratch / (name + ".log"));
    const std::string dump = "timeout 120 chromium " + flags + "--dump-dom '" + url + "' > " +
                             dom.string() + " 2>> " + (scratch / (name + ".log")).string();
    EXPECT_EQ(std::system(dump.c_str()), 0) << dump;
    // A PNG of some size.
    std::ifstream in(png, std::ios::binary);
    std::string magic(8, '\0');
    in.read(magic.data(), 8);
    EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    EXPECT_GT(fs::exists(png) ? fs::file_size(png) : 0, 10000u);
    return fs::exists(dom) ? read_file(dom) : std::string();
  };
  const std::string province = render(root_ / "alpha" / "pilot" / "index.html", "province");
  EXPECT_THAT(province, HasSubstr("甲省基层政务公开标准化规范化试点工作专题"));
  EXPECT_THAT(province, HasSubstr("2026年城乡低保标准调整"));
  EXPECT_THAT(province, HasSubstr("一县"));
  EXPECT_THAT(province, HasSubstr("公开事项标准目录"));
  const std::string release =
      render(root_ / "alpha.one" / "items" / item.id / "index.html", "release");
  EXPECT_THAT(release, HasSubstr("<h1>2026年城乡低保标准调整</h1>"));
  EXPECT_THAT(release, HasSubstr("《社会救助暂行办法》"));
  if (const char* keep = std::getenv("GONGKAI_KEEP_SCREENSHOTS"); keep && *keep) {
    fs::copy(scratch / "province.png", fs::path(keep) / "province.png",
             fs::copy_options::overwrite_existing);
    fs::copy(scratch / "release.png", fs::path(keep) / "release.png",
             fs::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace gongkai::channels
