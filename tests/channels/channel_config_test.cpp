// The per-deployment channel configuration: parsing, unit overrides, secrets (from the file or
// the environment, never echoed), errors with the file and a JSON pointer, the shipped sample,
// and the registry built from it.
#include "adapters/channels/channel_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/channels/print_spool_channel.h"
#include "adapters/channels/webhook_channel.h"
#include "adapters/channels/website_channel.h"
#include "channels/channel_test_support.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using ::gongkai::testing::DeliveryFixture;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const char* const kSecret = "s3cr3t-do-not-echo-8f2a";

EnvLookup env_with(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<ChannelConfig> parse(const std::string& text, const EnvLookup& env = {},
                            const DefinitionSet* definitions = nullptr) {
  return parse_channel_config(text, "deploy.json", "/etc/gongkai", definitions,
                              env ? env : env_with({}));
}

TEST(ChannelConfig, DefaultsUnitsPolicyAndPaths) {
  auto config = parse(R"({
    // comments are allowed
    "format": 1,
    "policy": {"max_attempts": 3, "first_backoff_ms": 500, "max_backoff_ms": 4000, "batch": 10},
    "defaults": {
      "website": {"adapter": "website", "web_root": "www", "base_url": "https://gk.example.gov.cn/"},
      "new_media": {"adapter": "webhook", "url": "http://127.0.0.1:9/{unit}/hook",
                    "secret": "k1", "timeout_ms": 1500},
      "bulletin_board": {"adapter": "print_spool", "spool_dir": "/var/spool/{unit}/{channel}"}
    },
    "units": {
      "alpha.two": {"new_media": {"adapter": "webhook", "url": "http://127.0.0.1:10/x",
                                  "secret_env": "TWO_SECRET"},
                    "bulletin_board": null}
    }
  })",
                      env_with({{"TWO_SECRET", "k2"}}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->policy.max_attempts, 3);
  EXPECT_EQ(config->policy.first_backoff.count(), 500);
  EXPECT_EQ(config->policy.max_backoff.count(), 4000);
  EXPECT_EQ(config->policy.batch, 10);

  const ChannelTarget* web = config->target("alpha.one", "website");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->adapter, AdapterKind::website);
  EXPECT_EQ(web->web_root, fs::path("/etc/gongkai/www"));  // relative to the file's folder

  const ChannelTarget* one = config->target("alpha.one", "new_media");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->secret, "k1");
  EXPECT_EQ(one->timeout.count(), 1500);
  const ChannelTarget* two = config->target("alpha.two", "new_media");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->url, "http://127.0.0.1:10/x");
  EXPECT_EQ(two->secret, "k2");
  EXPECT_EQ(two->secret_env, "TWO_SECRET");
  EXPECT_EQ(two->timeout.count(), 5000);

  EXPECT_NE(config->target("alpha.one", "bulletin_board"), nullptr);
  EXPECT_EQ(config->target("alpha.two", "bulletin_board"), nullptr);  // turned off
  EXPECT_EQ(config->target("alpha.one", "newspaper"), nullptr);       // not configured
}

TEST(ChannelConfig, ErrorsNameTheFileAndThePointer) {
  struct Case {
    std::string text, pointer, words;
  };
  const std::vector<Case> cases = {
      {"[]", "deploy.json: expected an object", ""},
      {"{", "deploy.json: not valid JSON", ""},
      {R"({"format": 2})", "/format", "only format 1"},
      {R"({"colour": 1})", "/colour", "unknown field"},
      {R"({"policy": {"max_attempts": 0}})", "/policy/max_attempts", "1..1000"},
      {R"({"policy": {"first_backoff_ms": 5000, "max_backoff_ms": 10}})", "/policy/max_backoff_ms",
       "at least"},
      {R"({"defaults": {"website": {"adapter": "ftp"}}})", "/defaults/website/adapter",
       "unknown adapter"},
      {R"({"defaults": {"website": {"adapter": "website"}}})", "/defaults/website",
       "missing \"web_root\""},
      {R"({"defaults": {"website": {"adapter": "website", "web_root": "w", "extra": 1}}})",
       "/defaults/website/extra", "unknown field"},
      {R"({"defaults": {"new_media": {"adapter": "webhook", "url": "https://x.example/h", "secret": "k"}}})",
       "/defaults/new_media/url", "http://"},
      {R"({"defaults": {"new_media": {"adapter": "webhook", "url": "http://x.example/h"}}})",
       "/defaults/new_media", "exactly one of"},
      {R"({"defaults": {"new_media": {"adapter": "webhook", "url": "http://x.example:99999/h", "secret": "k"}}})",
       "/defaults/new_media/url", "port"},
      {R"({"units": {"../etc": {}}})", "/units/..~1etc", "not a unit id"},
      // A repeated key would silently replace the first: refused, naming where.
      {R"({"policy": {"batch": 8}, "policy": {"batch": 9}})",
       "deploy.json: /policy: ", "the key appears twice"},
      {"{\"defaults\": {\"new_media\": {\"adapter\": \"webhook\", // the CMS\n"
       "\"url\": \"http://x.example/h\", \"secret\": \"k1\", \"secret\": \"k2\"}}}",
       "/defaults/new_media/secret", "appears twice"},
      {R"({"units": {"a/b": {}, "a/b": {}}})", "/units/a~1b", "appears twice"},
  };
  for (const Case& c : cases) {
    auto config = parse(c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.status().code(), Errc::channel_config_invalid) << c.text;
    EXPECT_THAT(config.status().message(), HasSubstr(c.pointer)) << c.text;
    EXPECT_THAT(config.status().message(), HasSubstr(c.words)) << c.text;
    EXPECT_THAT(config.status().message(), ::testing::StartsWith("deploy.json: ")) << c.text;
  }
}

TEST(ChannelConfig, ARepeatedSecretIsRefusedWithoutEchoingIt) {
  auto config = parse(R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret": ")" +
                      std::string(kSecret) + R"(", "secret": "other-)" + kSecret + R"("}}})");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Errc::channel_config_invalid);
  EXPECT_EQ(config.status().message(),
            "deploy.json: /defaults/new_media/secret: the key appears twice in one object");
}

TEST(ChannelConfig, MissingSecretVariableIsNamedNotEchoed) {
  auto config = parse(R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret_env": "NOT_SET_ANYWHERE"}}})");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Errc::channel_secret_missing);
  EXPECT_THAT(config.status().message(), HasSubstr("NOT_SET_ANYWHERE"));
  EXPECT_THAT(config.status().message(), HasSubstr("/defaults/new_media/secret_env"));

  auto empty = parse(R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret_env": "EMPTY"}}})",
                     env_with({{"EMPTY", ""}}));
  EXPECT_EQ(empty.status().code(), Errc::channel_secret_missing);
}

TEST(ChannelConfig, SecretsAreNeverInErrorsOrDescriptions) {
  // An error elsewhere in an entry that holds a secret.
  auto bad = parse(std::string(R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret": ")") +
                   kSecret + R"(", "timeout_ms": "soon"}}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().to_string(), Not(HasSubstr(kSecret)));
  // The secret given with the wrong type.
  auto typed = parse(R"({"defaults": {"new_media": {"adapter": "webhook",
      "url": "http://127.0.0.1:9/h", "secret": 123456789}}})");
  ASSERT_FALSE(typed.ok());
  EXPECT_THAT(typed.status().to_string(), Not(HasSubstr("123456789")));

  // A syntax error inside or just after the secret: the parser's message quotes what it last
  // read, which is not passed on.
  for (const std::string& broken :
       {std::string(R"({"defaults": {"new_media": {"secret": ")") + kSecret + "\n\"}}}",
        std::string(R"({"defaults": {"new_media": {"secret": ")") + kSecret + "\" x}}}",
        std::string(R"({"defaults": {"new_media": {"secret": ")") + kSecret}) {
    auto syntax = parse(broken);
    ASSERT_FALSE(syntax.ok());
    EXPECT_EQ(syntax.status().code(), Errc::channel_config_invalid);
    EXPECT_THAT(syntax.status().message(), HasSubstr("not valid JSON"));
    EXPECT_THAT(syntax.status().message(), HasSubstr(", column "));
    EXPECT_THAT(syntax.status().to_string(), Not(HasSubstr(std::string(kSecret).substr(0, 6))));
  }

  auto good = parse(std::string(R"({"defaults": {
      "new_media": {"adapter": "webhook", "url": "http://127.0.0.1:9/h?token=q-secret", "secret": ")") +
                        kSecret + R"("},
      "gazette": {"adapter": "webhook", "url": "http://127.0.0.1:9/g", "secret_env": "G"}}})",
                    env_with({{"G", kSecret}}));
  ASSERT_TRUE(good.ok()) << good.status().to_string();
  const std::string described = good->describe();
  EXPECT_THAT(described, Not(HasSubstr(kSecret)));
  EXPECT_THAT(described, Not(HasSubstr("q-secret")));  // no query strings either
  EXPECT_THAT(described, HasSubstr("$G"));
  EXPECT_THAT(described, HasSubstr("(in the file)"));
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(described));
}

TEST(ChannelConfig, WithDefinitionsChannelAndUnitIdsMustBeKnown) {
  auto defs = load_definitions(gongkai::testing::channel_test_definitions());
  ASSERT_TRUE(defs.ok()) << defs.status().to_string();
  auto channel = parse(R"({"defaults": {"telegraph": null}})", {}, &*defs);
  ASSERT_FALSE(channel.ok());
  EXPECT_THAT(channel.status().message(), HasSubstr("no channel 'telegraph'"));
  auto unit = parse(R"({"units": {"gamma.nine": {}}})", {}, &*defs);
  ASSERT_FALSE(unit.ok());
  EXPECT_THAT(unit.status().message(), HasSubstr("no pilot unit 'gamma.nine'"));
  auto fine = parse(R"({"units": {"alpha.one": {"website": null}}})", {}, &*defs);
  ASSERT_TRUE(fine.ok()) << fine.status().to_string();
  for (const auto& c : defs->channels) EXPECT_EQ(fine->channel_names.at(c.id), c.name);
}

TEST(ChannelConfig, TheShippedSampleLoadsAndNamesEveryChannel) {
  const std::string sample =
      std::string(GONGKAI_SOURCE_DIR) + "/definitions/channels.config.example.json";
  auto defs = load_definitions(std::string(GONGKAI_SOURCE_DIR) + "/definitions");
  ASSERT_TRUE(defs.ok()) << defs.status().to_string();
  auto text = gongkai::testing::read_file(sample);
  auto config = parse_channel_config(text, sample, fs::path(sample).parent_path(), &*defs,
                                     env_with({{"GONGKAI_NEW_MEDIA_SECRET", "a"},
                                               {"GONGKAI_GAZETTE_SECRET", "b"},
                                               {"GONGKAI_DONGCHENG_SECRET", "c"}}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  // Every channel of channels.json is either served or listed in the sample's comment.
  for (const auto& c : defs->channels) {
    EXPECT_NE(text.find(c.id), std::string::npos) << c.id;
  }
  const std::map<std::string, AdapterKind> expected = {
      {"website", AdapterKind::website},
      {"new_media", AdapterKind::webhook},
      {"bulletin_board", AdapterKind::print_spool},
      {"service_center", AdapterKind::print_spool},
      {"service_station", AdapterKind::print_spool},
      {"reading_point", AdapterKind::print_spool},
      {"newspaper", AdapterKind::print_spool}};
  for (const auto& [channel, adapter] : expected) {
    const ChannelTarget* t = config->target("beijing.xicheng", channel);
    ASSERT_NE(t, nullptr) << channel;
    EXPECT_EQ(t->adapter, adapter) << channel;
  }
  EXPECT_EQ(config->target("beijing.dongcheng", "newspaper"), nullptr);
  EXPECT_EQ(config->target("beijing.dongcheng", "new_media")->timeout.count(), 3000);
  EXPECT_EQ(config->target("beijing.xicheng", "broadcast_tv"), nullptr);
}

TEST(ChannelConfig, RegistrySharesAdaptersAndExpandsPlaceholders) {
  gongkai::testing::TempDir dir;
  auto config = parse_channel_config(R"({"defaults": {
      "website": {"adapter": "website", "web_root": "www"},
      "new_media": {"adapter": "webhook", "url": "http://127.0.0.1:9/{unit}", "secret": "k"},
      "bulletin_board": {"adapter": "print_spool", "spool_dir": "spool/{unit}/{channel}"},
      "service_center": {"adapter": "print_spool", "spool_dir": "spool/shared"},
      "service_station": {"adapter": "print_spool", "spool_dir": "spool/shared"}}})",
                                     "c.json", dir.path(), nullptr, env_with({}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  ConfiguredChannels registry(std::move(*config));
  Channel* web1 = registry.find("alpha.one", "website");
  Channel* web2 = registry.find("alpha.two", "website");
  ASSERT_NE(web1, nullptr);
  EXPECT_EQ(web1, web2);  // one web root, one adapter (and one index cache)
  EXPECT_EQ(web1->id(), "website");
  EXPECT_NE(dynamic_cast<WebsiteChannel*>(web1), nullptr);
  Channel* hook1 = registry.find("alpha.one", "new_media");
  Channel* hook2 = registry.find("alpha.two", "new_media");
  ASSERT_NE(hook1, nullptr);
  EXPECT_NE(hook1, hook2);  // different URLs
  EXPECT_NE(dynamic_cast<WebhookChannel*>(hook1), nullptr);
  Channel* board1 = registry.find("alpha.one", "bulletin_board");
  EXPECT_NE(board1, registry.find("alpha.two", "bulletin_board"));
  EXPECT_NE(dynamic_cast<PrintSpoolChannel*>(board1), nullptr);
  // Same folder, different channels: different adapters (each names its own channel).
  EXPECT_NE(registry.find("alpha.one", "service_center"),
            registry.find("alpha.one", "service_station"));
  EXPECT_EQ(registry.find("alpha.one", "newspaper"), nullptr);
  EXPECT_EQ(registry.find("alpha.one", "website"), web1);  // cached
}

TEST(ChannelConfig, UnreadableFile) {
  auto config = load_channel_config("/nonexistent/channels.json", nullptr);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), Errc::channel_config_invalid);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/channels.json"));
}

// A channel of the standard that the configuration does not serve: the worker records a
// permanent failure at once, naming the channel and the unit.
class ChannelNotConfigured : public DeliveryFixture {};

TEST_F(ChannelNotConfigured, IsAPermanentFailureAtOnce) {
  gongkai::testing::MapRegistry registry;
  gongkai::testing::AcceptingChannel website("website");
  registry.add("website", &website);
  const Item item = released();  // website + new_media
  const DeliveryReport report = deliver(registry, fast_policy());
  EXPECT_EQ(report.delivered, 1);
  EXPECT_EQ(report.failed, 1);
  const Delivery d = row(item.id, "new_media");
  EXPECT_EQ(d.state, "failed");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_THAT(d.last_error, HasSubstr("no adapter is configured for channel 'new_media' in unit "
                                      "'alpha.one'"));
  const auto events = delivery_events(item.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(row(item.id, "website").state, "delivered");
}

}  // namespace
}  // namespace gongkai::channels
