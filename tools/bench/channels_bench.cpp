// gongkai-channels-bench: how fast the channel adapters deliver (docs/channels.md).
//
//   1. webhook: deliveries/s of the adapter to a local receiver (tools/sim/webhook_receiver:
//      Beast, signature checked, idempotency keys), one and several sending threads;
//   2. the delivery worker end to end: items published on a simulation database, then
//      Engine::run_deliveries to a website and a webhook, each outcome recorded as an event;
//   3. website: a unit with N released items (default 10,000) built delivery by delivery, then the
//      time of one more delivery (incremental: only the item's pages, the index, the month
//      archive and the feeds are written), with a warm adapter and with a fresh one (another
//      process: it reads the unit's index first).
//
//   gongkai-channels-bench [--items N] [--webhooks N] [--engine-items N] [--threads T] [--dir D]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/channels/webhook_channel.h"
#include "adapters/channels/website_channel.h"
#include "channels/webhook_receiver.h"
#include "gongkai/engine.h"

namespace {

namespace fs = std::filesystem;
using namespace gongkai;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A release document as the engine writes it (engine/deliveries.cpp).
Delivery synthetic(int n, const std::string& unit, Instant at) {
  const std::string id = "gk-" + std::to_string(1000000 + n).substr(1);
  json doc = {
      {"kind", "release"},
      {"at", format_local(at)},
      {"item_id", id},
      {"version", 4},
      {"revision", 1},
      {"unit_id", unit},
      {"unit_name", "一县"},
      {"province_name", "甲省"},
      {"title", "第" + std::to_string(n) + "号 2026年城乡低保标准调整的公告"},
      {"content",
       "自2026年4月1日起，城市低保标准调整为每人每月900元，农村低保标准调整为每人每年"
       "8400元。\n各乡镇（街道）要按照新标准及时调整低保金发放。\n本公告由县民政局负责解释。"},
      {"withdrawn", false},
      {"withdrawn_reason", nullptr},
      {"published_at", format_local(at)},
      {"interpretation", ""},
      {"responses", json::array()},
      {"standard",
       {{"id", "social_assistance.minimum_living"},
        {"name_level1", "社会救助"},
        {"name_level2", "最低生活保障标准"},
        {"kind", "decision"},
        {"legal_basis", {"《社会救助暂行办法》第十条"}},
        {"content_elements", {"保障标准", "调整依据"}},
        {"responsible_body", "县民政局"},
        {"time_limit", "信息形成或者变更之日起20个工作日内"},
        {"channels", {"政府网站", "两微一端/政务新媒体"}}}}};
  Delivery d;
  d.id = id + "-v4-website";
  d.item_id = id;
  d.item_version = 4;
  d.unit_id = unit;
  d.channel = "website";
  d.kind = "release";
  d.document = doc.dump();
  d.created_at = at;
  return d;
}

void bench_webhook(int count, int threads) {
  gongkai::testing::WebhookReceiver receiver("bench-secret", 4);
  auto hook = channels::make_webhook_channel(
      {"new_media", receiver.url("/hook"), "bench-secret", std::chrono::milliseconds(5000)});
  if (!hook.ok()) {
    std::cerr << hook.status().to_string() << "\n";
    std::exit(1);
  }
  const Instant at = *parse_instant("2026-03-02T10:00:00+08:00");
  std::vector<Delivery> deliveries;
  for (int i = 0; i < count; ++i) {
    Delivery d = synthetic(i, "alpha.one", at);
    d.id = d.item_id + "-v4-new_media";
    d.channel = "new_media";
    deliveries.push_back(std::move(d));
  }
  for (int t : {1, threads}) {
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    std::atomic<int> failed{0};
    for (int w = 0; w < t; ++w) {
      workers.emplace_back([&, w] {
        for (std::size_t i = static_cast<std::size_t>(w); i < deliveries.size();
             i += static_cast<std::size_t>(t)) {
          if ((*hook)->deliver(deliveries[i]).kind != DeliveryOutcome::Kind::delivered) ++failed;
        }
      });
    }
    for (auto& w : workers) w.join();
    const double s = seconds_since(start);
    std::cout << "webhook adapter, " << t << " thread(s): " << count << " deliveries in "
              << std::fixed << std::setprecision(3) << s << " s = " << std::setprecision(0)
              << count / s << " deliveries/s (" << failed.load() << " failed; body "
              << deliveries[0].document.size() << " bytes, one connection each)\n";
  }
  std::cout << "  receiver: " << receiver.requests() << " requests, " << receiver.processed().size()
            << " keys processed, " << receiver.duplicates() << " duplicates, "
            << receiver.bad_signatures() << " bad signatures\n";
}

class Registry : public ChannelRegistry {
 public:
  Registry(Channel* website, Channel* webhook) : website_(website), webhook_(webhook) {}
  Channel* find(const std::string&, const std::string& channel) override {
    return channel == "website" ? website_ : channel == "new_media" ? webhook_ : nullptr;
  }

 private:
  Channel* website_;
  Channel* webhook_;
};

void bench_engine(const fs::path& dir, int items) {
  const std::string db = (dir / "engine.db").string();
  auto engine = Engine::init(db, std::string(GONGKAI_SOURCE_DIR) + "/tests/data/engine_definitions",
                             /*simulation=*/true);
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    std::exit(1);
  }
  Instant now = *parse_instant("2026-03-02T09:00:00+08:00");
  for (int i = 0; i < items; ++i) {
    CreateItemRequest c;
    c.standard_id = "test.with_interpretation";
    c.unit_id = "alpha.one";
    c.title = "事项" + std::to_string(i);
    c.content = "内容";
    c.actor = "drafter";
    c.at = now += std::chrono::seconds(1);
    auto item = (*engine)->create_item(c);
    for (auto [event, actor] :
         {std::pair{EventType::submit, "drafter"}, std::pair{EventType::approve, "reviewer"},
          std::pair{EventType::publish, "reviewer"}}) {
      FireRequest f;
      f.item_id = item->id;
      f.event = event;
      f.actor = actor;
      f.at = now += std::chrono::seconds(1);
      if (!(*engine)->fire(f).ok()) std::exit(1);
    }
  }
  gongkai::testing::WebhookReceiver receiver("bench-secret", 4);
  auto hook = channels::make_webhook_channel(
      {"new_media", receiver.url("/hook"), "bench-secret", std::chrono::milliseconds(5000)});
  channels::WebsiteChannel site({"website", dir / "engine-www", "", 100, 50});
  Registry registry(&site, hook->get());
  DeliveryPolicy policy;
  policy.batch = 256;
  const auto start = Clock::now();
  DeliveryReport total;
  for (;;) {
    auto report = (*engine)->run_deliveries(registry, policy, now += std::chrono::seconds(1));
    if (!report.ok()) {
      std::cerr << report.status().to_string() << "\n";
      std::exit(1);
    }
    total.delivered += report->delivered;
    if (report->delivered + report->retrying + report->failed == 0) break;
  }
  const double s = seconds_since(start);
  std::cout << "delivery worker end to end (website + webhook, each outcome an event, "
               "synchronous=FULL): "
            << total.delivered << " deliveries in " << std::fixed << std::setprecision(3) << s
            << " s = " << std::setprecision(0) << total.delivered / s << " deliveries/s\n";
}

void bench_website(const fs::path& dir, int items) {
  const fs::path root = dir / "www";
  channels::WebsiteChannel site({"website", root, "https://gk.example.gov.cn", 100, 50});
  Instant at = *parse_instant("2025-01-01T09:00:00+08:00");
  const auto start = Clock::now();
  for (int i = 0; i < items; ++i) {
    const DeliveryOutcome outcome =
        site.deliver(synthetic(i, "alpha.one", at += std::chrono::hours(1)));
    if (outcome.kind != DeliveryOutcome::Kind::delivered) {
      std::cerr << "website: " << outcome.error << "\n";
      std::exit(1);
    }
  }
  const double build = seconds_since(start);
  const auto files_before = site.files_written();
  std::cout << "website: " << items << " releases of one unit delivered one by one in "
            << std::fixed << std::setprecision(2) << build << " s (" << std::setprecision(2)
            << build / items * 1000 << " ms each on average, " << files_before / items
            << " files each)" << std::endl;
  std::uintmax_t largest_shard = 0;
  for (const auto& shard : fs::directory_iterator(root / "alpha.one/.gongkai/months")) {
    largest_shard = std::max(largest_shard, shard.file_size());
  }
  std::cout << "  state: .gongkai/site.json "
            << fs::file_size(root / "alpha.one/.gongkai/site.json") / 1024
            << " KiB, largest month shard " << largest_shard / 1024 << " KiB; index.html "
            << fs::file_size(root / "alpha.one/index.html") / 1024 << " KiB" << std::endl;

  // One more release, warm (this process wrote the index last).
  constexpr int kSamples = 20;
  double warm = 0;
  for (int i = 0; i < kSamples; ++i) {
    const auto t = Clock::now();
    site.deliver(synthetic(items + i, "alpha.one", at += std::chrono::hours(1)));
    warm += seconds_since(t);
  }
  const auto per_delivery = (site.files_written() - files_before) / kSamples;
  // One more release from a fresh adapter (another process: reads the unit's index first).
  double cold = 0;
  for (int i = 0; i < kSamples; ++i) {
    channels::WebsiteChannel fresh({"website", root, "https://gk.example.gov.cn", 100, 50});
    const auto t = Clock::now();
    fresh.deliver(synthetic(items + kSamples + i, "alpha.one", at += std::chrono::hours(1)));
    cold += seconds_since(t);
  }
  std::cout << "website, unit with " << items
            << " released items, one new release: " << std::setprecision(1)
            << warm / kSamples * 1000 << " ms warm, " << cold / kSamples * 1000
            << " ms from a fresh adapter; " << per_delivery << " files written (of "
            << items + 2 * kSamples << " item pages + index, archive, feeds)\n";
}

}  // namespace

int main(int argc, char** argv) {
  int items = 10000, webhooks = 2000, engine_items = 500, threads = 4;
  std::string dir_arg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--items")
      items = std::atoi(argv[i + 1]);
    else if (flag == "--webhooks")
      webhooks = std::atoi(argv[i + 1]);
    else if (flag == "--engine-items")
      engine_items = std::atoi(argv[i + 1]);
    else if (flag == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      dir_arg = argv[i + 1];
    else {
      std::cerr << "usage: gongkai-channels-bench [--items N] [--webhooks N] [--engine-items N] "
                   "[--threads T] [--dir D]\n";
      return 2;
    }
  }
  const fs::path dir =
      dir_arg.empty()
          ? fs::temp_directory_path() / ("gongkai-channels-bench-" + std::to_string(::getpid()))
          : fs::path(dir_arg);
  fs::create_directories(dir);
  std::cout << "gongkai-channels-bench in " << dir << " (" << std::thread::hardware_concurrency()
            << " CPUs)\n";
  bench_webhook(webhooks, threads);
  bench_engine(dir, engine_items);
  bench_website(dir, items);
  if (dir_arg.empty()) fs::remove_all(dir);
  return 0;
}
