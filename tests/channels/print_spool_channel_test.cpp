// The print spool channel: A4 documents and the manifest in a real folder, idempotency, notices
// without content, the notice period on a release and the notice of its end, escaping, concurrent
// writers.
#include "adapters/channels/print_spool_channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "channels/channel_test_support.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using ::gongkai::testing::AcceptingChannel;
using ::gongkai::testing::DeliveryFixture;
using ::gongkai::testing::MapRegistry;
using ::gongkai::testing::read_file;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class PrintSpoolChannelTest : public DeliveryFixture {
 protected:
  void SetUp() override {
    DeliveryFixture::SetUp();
    spool_ = dir_.path() / "spool";
    board_ = std::make_unique<PrintSpoolChannel>(
        PrintSpoolOptions{"bulletin_board", "社区/村公示栏(电子屏)", spool_});
    registry_.add("bulletin_board", board_.get());
    registry_.add("website", &others_);
  }

  json manifest() { return json::parse(read_file(spool_ / "manifest.json")); }

  // test.without_interpretation goes to website + bulletin_board.
  Item board_item(const std::string& title = "2025年部门决算",
                  const std::string& content = "决算总额1200万元。\n其中基本支出800万元。") {
    return released("test.without_interpretation", title, content);
  }

  fs::path spool_;
  std::unique_ptr<PrintSpoolChannel> board_;
  AcceptingChannel others_{"website"};
  MapRegistry registry_;
};

TEST_F(PrintSpoolChannelTest, WritesAnA4DocumentAndAManifestEntry) {
  const Item item = board_item();
  deliver_all(registry_, fast_policy());
  const Delivery d = row(item.id, "bulletin_board");
  EXPECT_EQ(d.state, "delivered");
  const std::string html = read_file(spool_ / (d.id + ".html"));
  EXPECT_THAT(html, HasSubstr("@page { size: A4;"));
  EXPECT_THAT(html, HasSubstr("<html lang=\"zh-CN\">"));
  EXPECT_THAT(html, HasSubstr("<h1>2025年部门决算</h1>"));
  EXPECT_THAT(html, HasSubstr("<p>决算总额1200万元。</p>"));
  EXPECT_THAT(html, HasSubstr("<p>其中基本支出800万元。</p>"));
  EXPECT_THAT(html, HasSubstr("《中华人民共和国预算法》第十四条"));  // basis
  EXPECT_THAT(html, HasSubstr("县财政局"));                          // responsible body
  EXPECT_THAT(html, HasSubstr("批准后20日内"));                      // time limit
  EXPECT_THAT(html, HasSubstr("2026年3月2日"));                      // date
  EXPECT_THAT(html, HasSubstr("甲省一县政务公开 · 社区/村公示栏(电子屏)"));
  EXPECT_THAT(html, HasSubstr(d.id));

  const json m = manifest();
  ASSERT_EQ(m.at("files").size(), 1u);
  const json& entry = m["files"][0];
  EXPECT_EQ(entry.at("file"), d.id + ".html");
  EXPECT_EQ(entry.at("delivery"), d.id);
  EXPECT_EQ(entry.at("item"), item.id);
  EXPECT_EQ(entry.at("channel"), "bulletin_board");
  EXPECT_EQ(entry.at("unit"), "alpha.one");
  EXPECT_EQ(entry.at("kind"), "release");
  EXPECT_EQ(entry.at("title"), "2025年部门决算");
  EXPECT_EQ(entry.at("created_at"), format_local(d.created_at));
  EXPECT_TRUE(parse_instant(entry.at("spooled_at").get<std::string>()).ok());
}

TEST_F(PrintSpoolChannelTest, IdempotentByDeliveryId) {
  board_item();
  DeliveryQuery q;
  q.channel = "bulletin_board";
  const std::vector<Delivery> pending = *engine_->deliveries(q);
  ASSERT_EQ(pending.size(), 1u);
  ASSERT_EQ(board_->deliver(pending[0]).kind, DeliveryOutcome::Kind::delivered);
  const std::string first_manifest = read_file(spool_ / "manifest.json");
  const std::string first_file = read_file(spool_ / (pending[0].id + ".html"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(board_->deliver(pending[0]).kind, DeliveryOutcome::Kind::delivered);
  }
  EXPECT_EQ(read_file(spool_ / "manifest.json"), first_manifest);
  EXPECT_EQ(read_file(spool_ / (pending[0].id + ".html")), first_file);
  // A file lost from the spool (printed and removed by hand) is written again, listed once.
  fs::remove(spool_ / (pending[0].id + ".html"));
  ASSERT_EQ(board_->deliver(pending[0]).kind, DeliveryOutcome::Kind::delivered);
  EXPECT_TRUE(fs::exists(spool_ / (pending[0].id + ".html")));
  EXPECT_EQ(manifest().at("files").size(), 1u);
}

TEST_F(PrintSpoolChannelTest, WithdrawalAndCorrectionNoticesCarryNoContent) {
  const Item a = board_item("拟撤回的公告", "原内容XYZ。");
  must(a.id, EventType::withdraw, [](FireRequest& r) { r.reason = "数据有误"; });
  const Item b = board_item("拟更正的公告", "旧内容。");
  must(b.id, EventType::correct, [](FireRequest& r) {
    r.text = "未审核的新内容QRS。";
    r.reason = "金额有误";
  });
  deliver_all(registry_, fast_policy());
  const json m = manifest();
  ASSERT_EQ(m.at("files").size(), 4u);
  std::map<std::string, std::string> by_kind;
  for (const json& f : m["files"]) {
    by_kind[f["item"].get<std::string>() + "/" + f["kind"].get<std::string>()] =
        read_file(spool_ / f["file"].get<std::string>());
  }
  const std::string withdrawal = by_kind.at(a.id + "/withdrawal");
  EXPECT_THAT(withdrawal, HasSubstr("撤回公告"));
  EXPECT_THAT(withdrawal, HasSubstr("关于撤回《拟撤回的公告》的公告"));
  EXPECT_THAT(withdrawal, HasSubstr("数据有误"));
  EXPECT_THAT(withdrawal, HasSubstr("请予以撤除"));
  EXPECT_THAT(withdrawal, Not(HasSubstr("XYZ")));
  const std::string correction = by_kind.at(b.id + "/correction");
  EXPECT_THAT(correction, HasSubstr("更正公告"));
  EXPECT_THAT(correction, HasSubstr("第2版经审核后重新公布"));
  EXPECT_THAT(correction, Not(HasSubstr("QRS")));
}

TEST_F(PrintSpoolChannelTest, EscapesTheDocument) {
  const Item item = board_item("<b>标题</b>", "<script>x()</script> & 内容");
  deliver_all(registry_, fast_policy());
  const std::string html = read_file(spool_ / (row(item.id, "bulletin_board").id + ".html"));
  EXPECT_THAT(html, Not(HasSubstr("<script>x")));
  EXPECT_THAT(html, Not(HasSubstr("<b>标题")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;x()&lt;/script&gt; &amp; 内容"));
}

// The paper put up for a release with a notice period states it (公示期); other notices and
// releases without one do not. A hand-made document: the shipped test standards on the board have
// none.
TEST(PrintDocument, AReleaseStatesItsNoticePeriod) {
  json doc = ::gongkai::testing::release_document_with_notice();
  Delivery d = ::gongkai::testing::delivery_of(doc, "bulletin_board");
  auto html = print_document(d, "公示栏");
  ASSERT_TRUE(html.ok()) << html.status().to_string();
  EXPECT_THAT(*html,
              HasSubstr("<tr><th>公示期</th><td>不少于30日，2026年3月2日 10:05起至2026年4月1日止"
                        "</td></tr>"));
  // The state is not printed: paper does not change when the period ends.
  EXPECT_THAT(*html, Not(HasSubstr("公示中")));

  doc["kind"] = "interpretation";
  doc["interpretation"] = "解读。";
  d.kind = "interpretation";
  d.document = doc.dump();
  html = print_document(d, "公示栏");
  ASSERT_TRUE(html.ok()) << html.status().to_string();
  EXPECT_THAT(*html, Not(HasSubstr("公示期")));

  doc["kind"] = "release";
  doc["notice_period"] = nullptr;
  d.kind = "release";
  d.document = doc.dump();
  html = print_document(d, "公示栏");
  ASSERT_TRUE(html.ok()) << html.status().to_string();
  EXPECT_THAT(*html, Not(HasSubstr("公示期")));

  // A malformed notice period is a bad document, as everywhere.
  doc["notice_period"] = {{"amount", 30}};
  d.document = doc.dump();
  EXPECT_EQ(print_document(d, "公示栏").status().code(), Errc::invalid_json);
}

// The end of a notice period (notice_served) is what a bulletin board puts up beside the 公示: a
// 公示期满 notice with the period, without the content (the release's paper is still up), listed
// in the manifest with its kind. A hand-made document, as above.
TEST_F(PrintSpoolChannelTest, TheEndOfANoticePeriodPrintsANoticeThatItEnded) {
  json doc = ::gongkai::testing::release_document_with_notice();
  doc["kind"] = "notice_served";
  doc["at"] = "2026-04-02T00:00:00.000+08:00";
  doc["version"] = 5;
  doc["notice_period"]["state"] = "served";
  const Delivery d = ::gongkai::testing::delivery_of(doc, "bulletin_board");
  auto html = print_document(d, "社区/村公示栏(电子屏)");
  ASSERT_TRUE(html.ok()) << html.status().to_string();
  EXPECT_THAT(*html, HasSubstr("<title>公示期满公告：规划草案</title>"));
  EXPECT_THAT(*html, HasSubstr("<div class=\"kind\">公示期满公告</div>"));
  EXPECT_THAT(*html, HasSubstr("<h1>关于《规划草案》公示期满的公告</h1>"));
  EXPECT_THAT(*html,
              HasSubstr("<div class=\"notice\"><p>《规划草案》于2026年3月2日 10:05起至2026年4月"
                        "1日止公示，公示期不少于30日，现公示期已满。</p></div>"));
  EXPECT_THAT(*html,
              HasSubstr("<tr><th>公示期</th><td>不少于30日，2026年3月2日 10:05起至2026年4月1日止"
                        "</td></tr>"));
  EXPECT_THAT(*html, HasSubstr("<tr><th>原发布日期</th><td>2026年3月2日</td></tr>"));
  EXPECT_THAT(*html, HasSubstr("<p>2026年4月2日</p></div>")) << "dated the day it ended";
  EXPECT_THAT(*html, Not(HasSubstr("草案全文"))) << "no content: the release's paper is up";
  EXPECT_THAT(*html, Not(HasSubstr("公示中")));

  EXPECT_EQ(board_->deliver(d).kind, DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(read_file(spool_ / (d.id + ".html")), *html);
  const json m = manifest();
  ASSERT_EQ(m.at("files").size(), 1u);
  EXPECT_EQ(m["files"][0].at("kind"), "notice_served");
  EXPECT_EQ(m["files"][0].at("delivery"), "gk-000001-v5-bulletin_board");
  EXPECT_EQ(m["files"][0].at("title"), "规划草案");

  // A document of this kind without a notice period (none the engine writes) still says it ended.
  doc["notice_period"] = nullptr;
  Delivery bare = ::gongkai::testing::delivery_of(doc, "bulletin_board");
  html = print_document(bare, "公示栏");
  ASSERT_TRUE(html.ok()) << html.status().to_string();
  EXPECT_THAT(*html, HasSubstr("<p>《规划草案》现公示期已满。</p>"));
  EXPECT_THAT(*html, Not(HasSubstr("<th>公示期</th>")));
}

TEST_F(PrintSpoolChannelTest, ConcurrentWritersKeepEveryManifestEntry) {
  for (int i = 0; i < 24; ++i) board_item("公告" + std::to_string(i));
  DeliveryQuery q;
  q.channel = "bulletin_board";
  const std::vector<Delivery> pending = *engine_->deliveries(q);
  ASSERT_EQ(pending.size(), 24u);
  PrintSpoolChannel other(PrintSpoolOptions{"bulletin_board", "公示栏", spool_});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      PrintSpoolChannel& adapter = t % 2 == 0 ? *board_ : other;
      // Every thread hands over every delivery: 4 copies of each.
      for (std::size_t i = 0; i < pending.size(); ++i) {
        EXPECT_EQ(
            adapter.deliver(pending[(i + static_cast<std::size_t>(t) * 6) % pending.size()]).kind,
            DeliveryOutcome::Kind::delivered);
      }
    });
  }
  for (auto& t : threads) t.join();
  const json m = manifest();
  ASSERT_EQ(m.at("files").size(), 24u);
  std::set<std::string> ids;
  for (const json& f : m["files"]) ids.insert(f["delivery"].get<std::string>());
  EXPECT_EQ(ids.size(), 24u);
  std::size_t html = 0;
  for (const auto& entry : fs::directory_iterator(spool_)) {
    if (entry.path().extension() == ".html") ++html;
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos);
  }
  EXPECT_EQ(html, 24u);
}

}  // namespace
}  // namespace gongkai::channels
