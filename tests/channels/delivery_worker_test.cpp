// The delivery worker end to end over the configured adapters (website, webhook to a real
// receiver, print spool): a crash between the event's commit and the delivery, two workers at
// once, backoff, retry of what failed, and the history still verifying.
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "adapters/channels/channel_config.h"
#include "adapters/channels/delivery_worker.h"
#include "channels/channel_test_support.h"
#include "channels/webhook_receiver.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::gongkai::testing::DeliveryFixture;
using ::gongkai::testing::read_file;
using ::gongkai::testing::ReceiverReply;
using ::gongkai::testing::WebhookReceiver;
using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

const char* const kSecret = "worker-test-secret";

class DeliveryWorkerTest : public DeliveryFixture {
 protected:
  // A registry over a configuration: website into www/, new_media to the receiver,
  // bulletin_board into spool/.
  std::unique_ptr<ConfiguredChannels> registry(int max_attempts = 5) {
    const std::string text = R"({"policy": {"max_attempts": )" + std::to_string(max_attempts) +
                             R"(, "first_backoff_ms": 1000, "max_backoff_ms": 8000},
      "defaults": {
        "website": {"adapter": "website", "web_root": "www"},
        "new_media": {"adapter": "webhook", "url": ")" +
                             receiver_.url() + R"(", "secret": ")" + kSecret +
                             R"(", "timeout_ms": 2000},
        "bulletin_board": {"adapter": "print_spool", "spool_dir": "spool/{unit}"}}})";
    auto config = parse_channel_config(text, "test.json", dir_.path(), engine_->definitions().get(),
                                       [](const std::string&) { return std::nullopt; });
    EXPECT_TRUE(config.ok()) << config.status().to_string();
    return std::make_unique<ConfiguredChannels>(std::move(*config));
  }

  std::size_t outbox(const std::string& state) {
    DeliveryQuery q;
    q.state = state;
    const std::size_t listed = engine_->deliveries(q)->size();
    EXPECT_EQ(*engine_->count_deliveries(q), static_cast<std::int64_t>(listed)) << state;
    return listed;
  }

  WebhookReceiver receiver_{kSecret, 4};
};

TEST_F(DeliveryWorkerTest, CrashBetweenCommitAndDeliveryIsDeliveredAfterRestart) {
  engine_.reset();  // the child opens the file itself
  const std::string db = db_;
  const Instant at = now_;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The "process" that publishes and dies before any worker ran: SIGKILL right after the
    // commit, no destructors, no clean close.
    auto engine = Engine::open(db);
    if (!engine.ok()) ::_exit(10);
    CreateItemRequest c;
    c.standard_id = "test.with_interpretation";
    c.unit_id = "alpha.one";
    c.title = "崩溃前发布";
    c.content = "发布后进程立即终止。";
    c.actor = "drafter";
    c.at = at + 1min;
    auto item = (*engine)->create_item(c);
    if (!item.ok()) ::_exit(11);
    for (auto [event, actor, minutes] : {std::tuple{EventType::submit, "drafter", 2},
                                         std::tuple{EventType::approve, "reviewer", 3},
                                         std::tuple{EventType::publish, "reviewer", 4}}) {
      FireRequest f;
      f.item_id = item->id;
      f.event = event;
      f.actor = actor;
      f.at = at + std::chrono::minutes(minutes);
      if (!(*engine)->fire(f).ok()) ::_exit(12);
    }
    ::raise(SIGKILL);
    ::_exit(13);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  // Restart: a new engine on the file finds the deliveries in the outbox.
  auto reopened = Engine::open(db_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().to_string();
  engine_ = std::move(*reopened);
  now_ += 10min;
  auto items = engine_->list_items({});
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  const std::string id = items->front().id;
  ASSERT_EQ(rows(id).size(), 2u);
  for (const Delivery& d : rows(id)) EXPECT_EQ(d.state, "pending") << d.id;
  EXPECT_TRUE(receiver_.processed().empty());

  auto channels = registry();
  const DeliveryReport report = deliver(*channels, channels->config().policy);
  EXPECT_EQ(report.delivered, 2);
  for (const Delivery& d : rows(id)) EXPECT_EQ(d.state, "delivered") << d.id;
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_THAT(read_file(dir_.path() / "www/alpha.one/items" / id / "index.html"),
              HasSubstr("发布后进程立即终止。"));
  auto verified = engine_->verify();
  EXPECT_TRUE(verified.ok()) << verified.status().to_string();
}

TEST_F(DeliveryWorkerTest, TwoWorkersAtOnceLoseNothingAndDeliverNothingTwice) {
  constexpr int kItems = 16;
  std::vector<std::string> ids;
  for (int i = 0; i < kItems; ++i) {
    ids.push_back(released("test.with_interpretation", "两个进程" + std::to_string(i)).id);
    if (i % 2 == 0) {
      must(ids.back(), EventType::interpret, [](FireRequest& r) { r.text = "解读"; });
    }
  }
  ids.push_back(released("test.without_interpretation", "公示栏事项").id);
  const std::size_t total = outbox("pending");
  ASSERT_EQ(total, static_cast<std::size_t>(kItems * 2 + kItems + 2));

  // A second engine on the same file (another process's connection), its own adapters.
  auto second = Engine::open(db_);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  auto channels_a = registry();
  auto channels_b = registry();
  DeliveryPolicy policy = channels_a->config().policy;
  policy.batch = 8;
  const Instant at = later();
  std::atomic<std::int64_t> delivered{0};
  std::atomic<bool> failed{false};
  auto worker = [&](Engine& engine, ChannelRegistry& channels) {
    for (int round = 0; round < 50; ++round) {
      auto report = engine.run_deliveries(channels, policy, at);
      if (!report.ok()) {
        ADD_FAILURE() << report.status().to_string();
        failed = true;
        return;
      }
      delivered += report->delivered;
      if (report->delivered + report->retrying + report->failed == 0) return;
    }
  };
  std::thread a([&] { worker(*engine_, *channels_a); });
  std::thread b([&] { worker(**second, *channels_b); });
  a.join();
  b.join();
  ASSERT_FALSE(failed.load());

  // Nothing lost: every delivery is delivered, and recorded exactly once.
  EXPECT_EQ(outbox("delivered"), total);
  EXPECT_EQ(delivered.load(), static_cast<std::int64_t>(total));
  std::map<std::string, int> recorded;
  for (const auto& id : ids) {
    for (const Event& e : delivery_events(id)) {
      ASSERT_EQ(e.type, "delivery_delivered");
      ++recorded[json::parse(e.payload).at("delivery").get<std::string>()];
    }
  }
  EXPECT_EQ(recorded.size(), total);
  for (const auto& [id, n] : recorded) EXPECT_EQ(n, 1) << id;
  // Nothing twice past the receiver's key: each new_media delivery processed once (the two
  // workers may both have handed one over; the receiver counted those as duplicates).
  std::set<std::string> expected;
  DeliveryQuery q;
  q.channel = "new_media";
  const auto new_media = engine_->deliveries(q);
  ASSERT_TRUE(new_media.ok());
  for (const Delivery& d : *new_media) expected.insert(d.id);
  std::set<std::string> processed;
  for (const auto& [key, request] : receiver_.processed()) processed.insert(key);
  EXPECT_EQ(processed, expected);
  for (const auto& [key, n] : receiver_.requests_by_key()) EXPECT_LE(n, 2) << key;
  // The website lists every item once; the spool holds its notice once.
  const std::string index = read_file(dir_.path() / "www/alpha.one/index.html");
  for (const auto& id : ids) {
    EXPECT_EQ(gongkai::testing::count_of(index, "href=\"items/" + id + "/index.html\""), 1u) << id;
  }
  EXPECT_EQ(json::parse(read_file(dir_.path() / "spool/alpha.one/manifest.json"))["files"].size(),
            1u);
  auto verified = engine_->verify();
  EXPECT_TRUE(verified.ok()) << verified.status().to_string();
}

TEST_F(DeliveryWorkerTest, BackoffDoublesWithJitterUpToTheCap) {
  receiver_.set_handler([](const gongkai::testing::ReceivedRequest&) {
    return ReceiverReply{503, 0ms};
  });
  auto channels = registry(/*max_attempts=*/6);
  const Item item = released();
  for (int i = 0; i < 6; ++i) deliver(*channels, channels->config().policy);
  std::vector<double> waits;
  for (const Event& e : delivery_events(item.id)) {
    const json p = json::parse(e.payload);
    if (p.at("channel") != "new_media" || e.type != "delivery_retrying") continue;
    const Instant next = *parse_instant(p.at("next_attempt_at").get<std::string>());
    waits.push_back(std::chrono::duration<double>(next - e.at).count());
  }
  ASSERT_EQ(waits.size(), 5u);
  const double base[] = {1, 2, 4, 8, 8};  // doubled, capped at max_backoff_ms
  for (std::size_t i = 0; i < waits.size(); ++i) {
    EXPECT_GE(waits[i], 0.5 * base[i]) << i;
    EXPECT_LE(waits[i], 1.5 * base[i]) << i;
  }
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_EQ(d.attempts, 6);
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 503"));
}

TEST_F(DeliveryWorkerTest, RetryPutsBackOnlyWhatFailed) {
  receiver_.script({ReceiverReply{400, 0ms}});
  auto channels = registry();
  const Item item = released();
  deliver(*channels, channels->config().policy);
  ASSERT_EQ(row(item.id, "new_media").state, "failed");
  ASSERT_EQ(row(item.id, "website").state, "delivered");

  auto nothing = engine_->retry_deliveries(item.id, "website", "ops.li", "", later());
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), Errc::invalid_argument);

  auto retried = engine_->retry_deliveries(item.id, "new_media", "ops.li", "", later());
  ASSERT_TRUE(retried.ok()) << retried.status().to_string();
  EXPECT_EQ(row(item.id, "new_media").state, "pending");
  EXPECT_EQ(row(item.id, "new_media").attempts, 0);
  EXPECT_EQ(row(item.id, "website").attempts, 1);
  EXPECT_EQ(delivery_events(item.id).back().type, "delivery_retry_requested");
  EXPECT_EQ(delivery_events(item.id).back().actor, "ops.li");

  const DeliveryReport report = deliver(*channels, channels->config().policy);
  EXPECT_EQ(report.delivered, 1);  // only new_media was handed over again
  EXPECT_EQ(row(item.id, "new_media").state, "delivered");
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(DeliveryWorkerTest, TheWholeCourseReachesEveryChannelInOrder) {
  auto channels = registry();
  const Item item = released();
  deliver(*channels, channels->config().policy);
  must(item.id, EventType::interpret, [](FireRequest& r) { r.text = "政策解读全文"; });
  deliver(*channels, channels->config().policy);
  must(item.id, EventType::raise_concern, [](FireRequest& r) { r.text = "关切"; });
  must(item.id, EventType::respond, [](FireRequest& r) { r.text = "回应全文"; });
  deliver(*channels, channels->config().policy);
  must(item.id, EventType::withdraw, [](FireRequest& r) { r.reason = "政策调整"; });
  deliver(*channels, channels->config().policy);

  std::vector<std::string> kinds;
  for (const auto& [key, request] : receiver_.processed()) {
    kinds.push_back(json::parse(request.body).at("kind").get<std::string>());
  }
  EXPECT_EQ(kinds.size(), 4u);
  EXPECT_THAT(kinds, Contains("release"));
  EXPECT_THAT(kinds, Contains("interpretation"));
  EXPECT_THAT(kinds, Contains("response"));
  EXPECT_THAT(kinds, Contains("withdrawal"));
  for (const Delivery& d : rows(item.id)) EXPECT_EQ(d.state, "delivered") << d.id;
  const std::string page = read_file(dir_.path() / "www/alpha.one/items" / item.id / "index.html");
  EXPECT_THAT(page, HasSubstr("已撤回"));
  EXPECT_THAT(page, HasSubstr("政策调整"));
  EXPECT_TRUE(engine_->verify().ok());
}

TEST_F(DeliveryWorkerTest, TheBackgroundWorkerDeliversAndStops) {
  auto channels = registry();
  DeliveryWorker worker(*engine_, *channels, channels->config().policy, 50ms,
                        [](const Status& s) { ADD_FAILURE() << s.to_string(); });
  worker.start();
  worker.start();  // idempotent
  const Item item = released();
  worker.wake();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline && outbox("delivered") < 2) {
    std::this_thread::sleep_for(20ms);
  }
  worker.stop();
  worker.stop();  // idempotent
  EXPECT_EQ(outbox("delivered"), 2u);
  EXPECT_EQ(worker.totals().delivered, 2);
  EXPECT_EQ(receiver_.processed().size(), 1u);
  // Stopped: a new release stays in the outbox.
  released();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(outbox("pending"), 2u);
}

}  // namespace
}  // namespace gongkai::channels
