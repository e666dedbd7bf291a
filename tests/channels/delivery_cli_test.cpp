// Black-box tests of the delivery commands: the real `gongkai` binary on a real simulation
// database, a real webhook receiver in this process, a real web root. `deliver`, `tick
// --channels`, `delivery list [--failed]`, `delivery retry ITEM --channel C`, `item show`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "channels/webhook_receiver.h"
#include "gongkai/time.h"
#include "http/http_test_support.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
using ::gongkai::testing::CliRun;
using ::gongkai::testing::ReceiverReply;
using ::gongkai::testing::TempDir;
using ::gongkai::testing::WebhookReceiver;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const char* const kSecret = "cli-test-secret-b5d0";
const char* const kSecretVariable = "GONGKAI_TEST_CLI_HOOK_SECRET";

std::string describe(const CliRun& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class DeliveryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv(kSecretVariable, kSecret, 1);
    db_ = dir_.file("gongkai.db");
    const CliRun init =
        cli({"init", "--definitions", std::string(GONGKAI_TEST_DATA) + "/engine_definitions",
             "--simulation"});
    ASSERT_EQ(init.exit_code, 0) << describe(init);
    config_ = dir_.file("channels.json");
    gongkai::testing::write_file(config_, R"({
  // the test deployment
  "policy": {"max_attempts": 3, "first_backoff_ms": 1000, "max_backoff_ms": 60000},
  "defaults": {
    "website": {"adapter": "website", "web_root": "www"},
    "new_media": {"adapter": "webhook", "url": ")" +
                                              receiver_.url() + R"(", "secret_env": ")" +
                                              kSecretVariable + R"("}
  }
})");
  }

  CliRun cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return gongkai::testing::run_cli(args, dir_.path());
  }
  // --now: minutes after Monday 2 March 2026 09:00 China time.
  std::string at(int minutes) {
    return format_local(*parse_instant("2026-03-02T09:00:00+08:00") +
                        std::chrono::minutes(minutes));
  }

  // A released test.with_interpretation item (website + new_media); returns its id.
  std::string released() {
    const CliRun created =
        cli({"item", "create", "--standard", "test.with_interpretation", "--unit", "alpha.one",
             "--title", "低保标准调整", "--actor", "drafter", "--now", at(1), "--json"});
    EXPECT_EQ(created.exit_code, 0) << describe(created);
    const std::string id = json::parse(created.out).at("id").get<std::string>();
    int minute = 2;
    for (const auto& [event, actor] : std::vector<std::pair<std::string, std::string>>{
             {"submit", "drafter"}, {"approve", "reviewer"}, {"publish", "reviewer"}}) {
      const CliRun fired =
          cli({"item", "fire", id, event, "--actor", actor, "--now", at(minute++)});
      EXPECT_EQ(fired.exit_code, 0) << describe(fired);
    }
    return id;
  }

  TempDir dir_;
  std::string db_, config_;
  WebhookReceiver receiver_{kSecret};
};

TEST_F(DeliveryCli, ListFailedAndRetryOnlyWhatFailed) {
  receiver_.script({ReceiverReply{400, 0ms}});  // the first request of each key is refused
  const std::string id = released();

  const CliRun delivered = cli({"deliver", "--channels", config_, "--now", at(10)});
  ASSERT_EQ(delivered.exit_code, 0) << describe(delivered);
  EXPECT_EQ(delivered.out, "deliver: 1 delivered, 0 retrying, 1 failed\n");
  EXPECT_EQ(delivered.err, "");

  const CliRun failed = cli({"delivery", "list", "--failed", "--json"});
  ASSERT_EQ(failed.exit_code, 0) << describe(failed);
  const json rows = json::parse(failed.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("item_id"), id);
  EXPECT_EQ(rows[0].at("channel"), "new_media");
  EXPECT_EQ(rows[0].at("state"), "failed");
  EXPECT_EQ(rows[0].at("attempts"), 1);
  EXPECT_THAT(rows[0].at("last_error").get<std::string>(), HasSubstr("HTTP 400"));
  const std::string failed_id = rows[0].at("id").get<std::string>();
  const CliRun failed_text = cli({"delivery", "list", "--failed"});
  EXPECT_THAT(failed_text.out, HasSubstr(failed_id));
  EXPECT_THAT(failed_text.out, HasSubstr("1 failed delivery"));

  const CliRun shown = cli({"item", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << describe(shown);
  EXPECT_THAT(shown.out, HasSubstr("PARTLY DELIVERED: 1 of 2 channels (new_media: failed)"));
  EXPECT_THAT(shown.out, HasSubstr("website  release  delivered  attempts 1"));
  EXPECT_THAT(shown.out, HasSubstr("new_media  release  failed  attempts 1"));
  const json shown_json = json::parse(cli({"item", "show", id, "--json"}).out);
  EXPECT_EQ(shown_json.at("id"), id);  // the item's own fields are still there
  EXPECT_EQ(shown_json.at("deliveries").size(), 2u);
  EXPECT_EQ(shown_json.at("delivery_status").at("state"), "partly_delivered");
  EXPECT_EQ(shown_json.at("delivery_status").at("partly_delivered"), true);

  // The website did not fail: nothing to retry there.
  const CliRun none =
      cli({"delivery", "retry", id, "--channel", "website", "--actor", "ops.wu", "--now", at(20)});
  EXPECT_EQ(none.exit_code, 2) << describe(none);
  EXPECT_THAT(none.err, ::testing::StartsWith("error[invalid_argument]: "));

  const CliRun retried = cli(
      {"delivery", "retry", id, "--channel", "new_media", "--actor", "ops.wu", "--now", at(21)});
  ASSERT_EQ(retried.exit_code, 0) << describe(retried);
  EXPECT_THAT(retried.out, HasSubstr("1 failed delivery back in the outbox"));
  const json after = json::parse(cli({"delivery", "list", "--item", id, "--json"}).out);
  ASSERT_EQ(after.size(), 2u);
  for (const json& d : after) {
    if (d.at("channel") == "website") {
      EXPECT_EQ(d.at("state"), "delivered");
      EXPECT_EQ(d.at("attempts"), 1);
    } else {
      EXPECT_EQ(d.at("state"), "pending");
      EXPECT_EQ(d.at("attempts"), 0);
    }
  }

  // `tick --channels` runs the worker too.
  const CliRun tick = cli({"tick", "--channels", config_, "--now", at(30), "--json"});
  ASSERT_EQ(tick.exit_code, 0) << describe(tick);
  EXPECT_EQ(json::parse(tick.out).at("deliveries"),
            (json{{"delivered", 1}, {"retrying", 0}, {"failed", 0}}));
  EXPECT_EQ(receiver_.processed().size(), 1u);
  EXPECT_EQ(receiver_.requests_by_key().at(failed_id), 2);

  EXPECT_EQ(json::parse(cli({"delivery", "list", "--failed", "--json"}).out).size(), 0u);
  const json done = json::parse(cli({"item", "show", id, "--json"}).out);
  EXPECT_EQ(done.at("delivery_status").at("state"), "delivered");
  EXPECT_THAT(cli({"item", "show", id}).out, HasSubstr("delivered to all 2 channels"));
  EXPECT_THAT(cli({"item", "history", id}).out, HasSubstr("delivery_retry_requested"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "www/alpha.one/items" / id / "index.html"));
  EXPECT_EQ(cli({"audit", "verify"}).exit_code, 0);
}

TEST_F(DeliveryCli, TickWithoutChannelsDeliversNothing) {
  released();
  const CliRun tick = cli({"tick", "--now", at(30), "--json"});
  ASSERT_EQ(tick.exit_code, 0) << describe(tick);
  EXPECT_FALSE(json::parse(tick.out).contains("deliveries"));
  EXPECT_EQ(json::parse(cli({"delivery", "list", "--json", "--state", "pending"}).out).size(), 2u);
  const CliRun bad = cli({"delivery", "list", "--state", "lost"});
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
}

TEST_F(DeliveryCli, BadConfigurationsAreRefusedWithoutEchoingSecrets) {
  released();
  const std::string bad = dir_.file("bad.json");
  gongkai::testing::write_file(
      bad, std::string(
               R"({"defaults": {"new_media": {"adapter": "webhook", "url": "http://127.0.0.1:9/h",
           "secret": ")") +
               kSecret + R"(", "retries": 3}}})");
  CliRun r = cli({"deliver", "--channels", bad, "--now", at(10)});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err, ::testing::StartsWith("error[channel_config_invalid]: "));
  EXPECT_THAT(r.err, HasSubstr("/defaults/new_media/retries"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr(kSecret)));

  const std::string unset = dir_.file("unset.json");
  gongkai::testing::write_file(unset, R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret_env": "GONGKAI_TEST_UNSET_VARIABLE"}}})");
  r = cli({"deliver", "--channels", unset, "--now", at(10)});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err, ::testing::StartsWith("error[channel_secret_missing]: "));
  EXPECT_THAT(r.err, HasSubstr("GONGKAI_TEST_UNSET_VARIABLE"));

  r = cli({"deliver", "--channels", dir_.file("missing.json"), "--now", at(10)});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_THAT(r.err, ::testing::StartsWith("error[channel_config_invalid]: "));
  // Nothing was delivered or recorded.
  EXPECT_EQ(json::parse(cli({"delivery", "list", "--json", "--state", "pending"}).out).size(), 2u);
  EXPECT_EQ(receiver_.requests(), 0);
}

}  // namespace
}  // namespace gongkai
