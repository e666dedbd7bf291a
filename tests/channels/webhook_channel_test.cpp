// The webhook channel against a real HTTP receiver on 127.0.0.1: signature and headers (also of
// the end of a notice period), 5xx
// retried, a slow receiver timed out and retried, an unreachable one failed after the attempts,
// 4xx failed at once (408/429 retried), a wrong secret refused, and no secret in any error;
// connections kept alive and reused, a connection the receiver closed replaced, a receiver that
// closes every connection served. Time is simulated (a simulation database), so backoff costs
// nothing.
#include "adapters/channels/webhook_channel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "channels/channel_test_support.h"
#include "channels/webhook_receiver.h"

namespace gongkai::channels {
namespace {

using namespace std::chrono_literals;
using ::gongkai::testing::AcceptingChannel;
using ::gongkai::testing::DeliveryFixture;
using ::gongkai::testing::MapRegistry;
using ::gongkai::testing::ReceiverReply;
using ::gongkai::testing::WebhookReceiver;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const char* const kSecret = "webhook-secret-7c1e";

class WebhookChannelTest : public DeliveryFixture {
 protected:
  // A webhook for new_media at `url`; the website accepts everything.
  void use(const std::string& url, std::chrono::milliseconds timeout = 2s,
           const std::string& secret = kSecret) {
    auto channel = make_webhook_channel(WebhookOptions{"new_media", url, secret, timeout});
    ASSERT_TRUE(channel.ok()) << channel.status().to_string();
    hook_ = std::move(*channel);
    registry_ = MapRegistry();
    registry_.add("new_media", hook_.get());
    registry_.add("website", &website_);
  }

  // Event types of the item's delivery events for new_media.
  std::vector<std::string> new_media_outcomes(const std::string& item) {
    std::vector<std::string> out;
    for (const Event& e : delivery_events(item)) {
      if (json::parse(e.payload).value("channel", "") == "new_media") out.push_back(e.type);
    }
    return out;
  }

  // A delivery handed straight to the channel (no outbox).
  static Delivery direct(int n) {
    Delivery d;
    d.id = "GK-2026-00000" + std::to_string(n) + "-v4-new_media";
    d.item_id = "GK-2026-00000" + std::to_string(n);
    d.unit_id = "alpha.one";
    d.channel = "new_media";
    d.kind = "release";
    d.document = json{{"item_id", d.item_id}, {"n", n}}.dump();
    return d;
  }

  WebhookReceiver receiver_{kSecret};
  std::unique_ptr<WebhookChannel> hook_;
  AcceptingChannel website_{"website"};
  MapRegistry registry_;
};

TEST(WebhookSignature, IsHexHmacSha256) {
  // RFC 4231, test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookUrl, ParsesAndRedacts) {
  auto url = parse_http_url("http://cms.example.gov.cn:8080/hooks/gk?token=abc#frag");
  ASSERT_TRUE(url.ok()) << url.status().to_string();
  EXPECT_EQ(url->host, "cms.example.gov.cn");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->target, "/hooks/gk?token=abc");
  EXPECT_EQ(url->redacted, "http://cms.example.gov.cn:8080/hooks/gk");
  auto plain = parse_http_url("http://127.0.0.1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->target, "/");
  auto v6 = parse_http_url("http://[::1]:9000/h");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->redacted, "http://[::1]:9000/h");
  EXPECT_FALSE(parse_http_url("https://x.example/h").ok());
  EXPECT_FALSE(parse_http_url("ftp://x.example/h").ok());
  EXPECT_FALSE(parse_http_url("http://user:pw@x.example/h").ok());
  EXPECT_THAT(parse_http_url("http://user:pw@x.example/h").status().message(),
              Not(HasSubstr("pw")));
  EXPECT_FALSE(parse_http_url("http://x.example:0/h").ok());
  EXPECT_FALSE(parse_http_url("http:///h").ok());
}

TEST_F(WebhookChannelTest, PostsTheSignedDocumentWithItsIdempotencyKey) {
  use(receiver_.url("/gongkai/new_media"));
  const Item item = released();
  const DeliveryReport report = deliver(registry_, fast_policy());
  EXPECT_EQ(report.delivered, 2);
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "delivered");
  EXPECT_EQ(d.attempts, 1);
  const auto processed = receiver_.processed();
  ASSERT_EQ(processed.size(), 1u);
  const auto& r = processed.at(d.id);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/gongkai/new_media");
  EXPECT_TRUE(r.signature_ok);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("idempotency-key"), d.id);
  EXPECT_EQ(r.headers.at("x-gongkai-kind"), "release");
  EXPECT_EQ(r.headers.at("x-gongkai-item"), item.id);
  EXPECT_EQ(r.headers.at("x-gongkai-unit"), "alpha.one");
  EXPECT_EQ(r.headers.at("x-gongkai-signature"), webhook_signature(kSecret, r.body));
  EXPECT_EQ(r.body, d.document);
  const json body = json::parse(r.body);
  EXPECT_EQ(body.at("title"), "2026年城乡低保标准调整");
  EXPECT_EQ(body.at("kind"), "release");
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  EXPECT_EQ(new_media_outcomes(item.id), std::vector<std::string>{"delivery_delivered"});
}

// The end of a notice period reaches a webhook like every other kind: the receiver sees kind
// notice_served in the header and the signed body, with the notice period served. Through the
// engine: test.planning (30 calendar days) delivers to `website` only, here a CMS fed by webhook.
TEST_F(WebhookChannelTest, TheEndOfANoticePeriodIsPostedWithItsKind) {
  auto cms = make_webhook_channel(WebhookOptions{"website", receiver_.url("/cms"), kSecret, 2s});
  ASSERT_TRUE(cms.ok()) << cms.status().to_string();
  MapRegistry registry;
  registry.add("website", cms->get());
  const Item plan = released("test.planning", "某镇总体规划草案", "草案全文。");
  deliver_all(registry, fast_policy());
  now_ = *parse_instant("2026-04-02T00:00:00+08:00");
  auto tick = engine_->run_due(now_);
  ASSERT_TRUE(tick.ok()) << tick.status().to_string();
  ASSERT_EQ(tick->notices_served, 1);
  deliver_all(registry, fast_policy());

  std::vector<Delivery> ends;
  for (const Delivery& d : rows(plan.id, "website")) {
    if (d.kind == "notice_served") ends.push_back(d);
  }
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].state, "delivered");
  const auto processed = receiver_.processed();
  ASSERT_EQ(processed.size(), 2u) << "the release and its end";
  const auto& r = processed.at(ends[0].id);
  EXPECT_TRUE(r.signature_ok);
  EXPECT_EQ(r.target, "/cms");
  EXPECT_EQ(r.headers.at("x-gongkai-kind"), "notice_served");
  EXPECT_EQ(r.headers.at("idempotency-key"), ends[0].id);
  EXPECT_EQ(r.headers.at("x-gongkai-item"), plan.id);
  EXPECT_EQ(r.body, ends[0].document);
  const json body = json::parse(r.body);
  EXPECT_EQ(body.at("kind"), "notice_served");
  EXPECT_EQ(body.at("at"), "2026-04-02T00:00:00.000+08:00");
  EXPECT_EQ(body.at("content"), "草案全文。");
  EXPECT_EQ(body.at("notice_period").at("state"), "served");
  EXPECT_EQ(body.at("notice_period").at("last_day"), "2026-04-01");
  EXPECT_EQ(receiver_.bad_signatures(), 0);
}

TEST_F(WebhookChannelTest, ServerErrorIsRetriedAndReceivedOnce) {
  use(receiver_.url());
  receiver_.script({ReceiverReply{500, 0ms}});
  const Item item = released();
  DeliveryReport first = deliver(registry_, fast_policy());
  EXPECT_EQ(first.retrying, 1);
  Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "retrying");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 500"));
  Event retrying;
  for (const Event& e : delivery_events(item.id)) {
    if (e.type == "delivery_retrying") retrying = e;
  }
  ASSERT_EQ(json::parse(retrying.payload).at("channel"), "new_media");
  // Backoff with jitter: 1 s ± 50%.
  EXPECT_GE(d.next_attempt_at - retrying.at, 500ms);
  EXPECT_LE(d.next_attempt_at - retrying.at, 1500ms);

  deliver(registry_, fast_policy());
  d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "delivered");
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(receiver_.requests_by_key().at(d.id), 2);
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_EQ(new_media_outcomes(item.id),
            (std::vector<std::string>{"delivery_retrying", "delivery_delivered"}));

  // Handed over once more (a worker that crashed before recording its outcome): the receiver's
  // idempotency key keeps it from being processed twice.
  EXPECT_EQ(hook_->deliver(d).kind, DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_EQ(receiver_.duplicates(), 1);
}

TEST_F(WebhookChannelTest, SlowReceiverTimesOutAndIsRetried) {
  use(receiver_.url(), 200ms);
  receiver_.script({ReceiverReply{200, 1500ms}});
  const Item item = released();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(deliver(registry_, fast_policy()).retrying, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);  // did not wait for the answer
  EXPECT_EQ(hook_->connections_opened(), 1);
  Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "retrying");
  EXPECT_THAT(d.last_error, HasSubstr("no answer within 200 ms"));
  EXPECT_THAT(d.last_error, HasSubstr(receiver_.url()));
  deliver(registry_, fast_policy());
  d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "delivered");
  EXPECT_EQ(d.attempts, 2);
  // The slow receiver had processed the first request; the retry was a duplicate.
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_EQ(receiver_.duplicates(), 1);
  // The timed-out connection (its late answer still on the way) was not reused.
  EXPECT_EQ(hook_->connections_opened(), 2);
}

TEST_F(WebhookChannelTest, KeepsOneConnectionForConsecutiveDeliveries) {
  use(receiver_.url("/hook/new_media"));
  for (int n = 1; n <= 5; ++n) {
    const DeliveryOutcome outcome = hook_->deliver(direct(n));
    EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::delivered) << n << ": " << outcome.error;
  }
  EXPECT_EQ(receiver_.processed().size(), 5u);
  EXPECT_EQ(receiver_.requests(), 5);
  EXPECT_EQ(receiver_.connections(), 1);
  EXPECT_EQ(hook_->connections_opened(), 1);
  // Through the outbox too: the release's delivery goes over the same connection.
  const Item item = released();
  EXPECT_EQ(deliver(registry_, fast_policy()).delivered, 2);
  EXPECT_EQ(row(item.id, "new_media").state, "delivered");
  EXPECT_EQ(receiver_.connections(), 1);
  EXPECT_EQ(receiver_.processed().size(), 6u);
}

TEST_F(WebhookChannelTest, AConnectionTheReceiverClosedIsReplaced) {
  use(receiver_.url());
  ASSERT_EQ(hook_->deliver(direct(1)).kind, DeliveryOutcome::Kind::delivered);
  ASSERT_EQ(hook_->deliver(direct(2)).kind, DeliveryOutcome::Kind::delivered);
  receiver_.close_connections();  // an idle time-out on the receiver's side
  const DeliveryOutcome outcome = hook_->deliver(direct(3));
  EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::delivered) << outcome.error;
  EXPECT_EQ(hook_->connections_opened(), 2);
  EXPECT_EQ(receiver_.connections(), 2);
  const auto processed = receiver_.processed();
  EXPECT_EQ(processed.size(), 3u);
  EXPECT_EQ(processed.count(direct(3).id), 1u);
  EXPECT_EQ(receiver_.duplicates(), 0);
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  // And the new connection is kept in turn.
  ASSERT_EQ(hook_->deliver(direct(4)).kind, DeliveryOutcome::Kind::delivered);
  EXPECT_EQ(hook_->connections_opened(), 2);
}

TEST_F(WebhookChannelTest, AReceiverThatClosesEveryConnectionIsServed) {
  use(receiver_.url());
  receiver_.set_keep_alive(false);
  for (int n = 1; n <= 3; ++n) {
    const DeliveryOutcome outcome = hook_->deliver(direct(n));
    EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::delivered) << n << ": " << outcome.error;
  }
  EXPECT_EQ(receiver_.processed().size(), 3u);
  EXPECT_EQ(receiver_.requests(), 3);  // no request sent into a connection being closed
  EXPECT_EQ(receiver_.connections(), 3);
  EXPECT_EQ(hook_->connections_opened(), 3);
}

TEST_F(WebhookChannelTest, AnUnreachableReceiverAfterAKeptConnectionIsRetriedLater) {
  // The receiver goes away for good after one delivery: the kept connection fails, the new one
  // cannot connect, and the delivery is a transient failure (retried by the worker).
  auto receiver = std::make_unique<WebhookReceiver>(kSecret);
  use(receiver->url());
  ASSERT_EQ(hook_->deliver(direct(1)).kind, DeliveryOutcome::Kind::delivered);
  receiver.reset();
  const DeliveryOutcome outcome = hook_->deliver(direct(2));
  EXPECT_EQ(outcome.kind, DeliveryOutcome::Kind::retry);
  EXPECT_THAT(outcome.error, HasSubstr("cannot connect"));
  EXPECT_EQ(hook_->connections_opened(), 2);
}

TEST_F(WebhookChannelTest, UnreachableReceiverFailsAfterTheAttempts) {
  use("http://127.0.0.1:" + std::to_string(gongkai::testing::closed_port()) + "/hook");
  const Item item = released();
  for (int attempt = 1; attempt <= 3; ++attempt) deliver(registry_, fast_policy(3));
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_EQ(d.attempts, 3);
  EXPECT_THAT(d.last_error, HasSubstr("cannot connect"));
  EXPECT_EQ(
      new_media_outcomes(item.id),
      (std::vector<std::string>{"delivery_retrying", "delivery_retrying", "delivery_failed"}));
  // Failed deliveries are not handed over again.
  EXPECT_EQ(deliver(registry_, fast_policy(3)).failed, 0);
  EXPECT_EQ(row(item.id, "website").state, "delivered");
}

TEST_F(WebhookChannelTest, ClientErrorFailsAtOnce) {
  use(receiver_.url());
  receiver_.script({ReceiverReply{422, 0ms}});
  const Item item = released();
  const DeliveryReport report = deliver(registry_, fast_policy());
  EXPECT_EQ(report.failed, 1);
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 422"));
  EXPECT_EQ(new_media_outcomes(item.id), std::vector<std::string>{"delivery_failed"});
  EXPECT_TRUE(receiver_.processed().empty());
}

TEST_F(WebhookChannelTest, RequestTimeoutAndTooManyRequestsAreRetried) {
  use(receiver_.url());
  receiver_.script({ReceiverReply{408, 0ms}, ReceiverReply{429, 0ms}, ReceiverReply{503, 0ms}});
  const Item item = released();
  deliver_all(registry_, fast_policy());
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "delivered");
  EXPECT_EQ(d.attempts, 4);
  EXPECT_EQ(receiver_.processed().size(), 1u);
}

TEST_F(WebhookChannelTest, AWrongSecretIsRefusedByTheReceiver) {
  use(receiver_.url(), 2s, "not-the-shared-secret");
  const Item item = released();
  deliver(registry_, fast_policy());
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_THAT(d.last_error, HasSubstr("HTTP 401"));
  EXPECT_EQ(receiver_.bad_signatures(), 1);
  EXPECT_TRUE(receiver_.processed().empty());
}

TEST_F(WebhookChannelTest, ErrorsShowNeitherTheSecretNorTheQuery) {
  const std::string port = std::to_string(gongkai::testing::closed_port());
  use("http://127.0.0.1:" + port + "/hook?access_token=QUERY-TOKEN-1");
  const Item item = released();
  deliver_all(registry_, fast_policy(2));
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_THAT(d.last_error, HasSubstr("http://127.0.0.1:" + port + "/hook"));
  const auto history = engine_->history(item.id);
  ASSERT_TRUE(history.ok());
  for (const Event& e : *history) {
    EXPECT_THAT(e.payload, Not(HasSubstr("QUERY-TOKEN-1")));
    EXPECT_THAT(e.payload, Not(HasSubstr(kSecret)));
  }
  EXPECT_THAT(d.last_error, Not(HasSubstr("QUERY-TOKEN-1")));
  EXPECT_THAT(d.last_error, Not(HasSubstr(kSecret)));
}

}  // namespace
}  // namespace gongkai::channels
