// A deployment's channel configuration: per unit (or a default for every unit), where each channel
// delivers — a web root, a webhook URL and its secret, a spool folder — and the retry policy of
// the delivery worker. Loaded from a JSON file (format: docs/channels.md; a sample with every
// shipped channel id: definitions/channels.config.example.json) into a ChannelRegistry.
//
//   {
//     "format": 1,
//     "policy":   {"max_attempts": 8, "first_backoff_ms": 1000, "max_backoff_ms": 600000,
//                  "batch": 64},
//     "defaults": {
//       "website":        {"adapter": "website", "web_root": "/srv/gongkai/www",
//                          "base_url": "https://gk.example.gov.cn"},
//       "new_media":      {"adapter": "webhook", "url": "http://127.0.0.1:8090/hook",
//                          "secret_env": "GONGKAI_NEW_MEDIA_SECRET", "timeout_ms": 5000},
//       "bulletin_board": {"adapter": "print_spool",
//                          "spool_dir": "/var/spool/gongkai/{unit}/{channel}"}
//     },
//     "units": {"beijing.dongcheng": {"new_media": {...}, "newspaper": null}}
//   }
//
// A unit's entry for a channel replaces the default entry whole; null turns the channel off in
// that unit. A channel with no entry has no adapter: the worker records a permanent failure ("no
// adapter is configured ..."). Relative paths are resolved against the config file's folder.
// `{unit}` and `{channel}` in url and spool_dir are replaced per delivery. `//` and `/* */`
// comments are allowed. A webhook's secret comes from "secret" (in the file) or "secret_env" (an
// environment variable's name); it is never part of an error, a log or describe().
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "gongkai/channel.h"
#include "gongkai/definitions.h"
#include "gongkai/status.h"

namespace gongkai::channels {

enum class AdapterKind { website, webhook, print_spool };

// "website", "webhook", "print_spool".
std::string_view to_string(AdapterKind kind) noexcept;

// Where one channel delivers (in every unit, or in one).
struct ChannelTarget {
  AdapterKind adapter = AdapterKind::website;
  std::filesystem::path web_root;           // website
  std::string base_url;                     // website, optional
  std::string url;                          // webhook
  std::string secret;                       // webhook; never shown
  std::string secret_env;                   // webhook: the variable it came from, if any
  std::chrono::milliseconds timeout{5000};  // webhook
  std::filesystem::path spool_dir;          // print_spool
};

struct ChannelConfig {
  std::string path;  // the file it was read from
  DeliveryPolicy policy;
  std::map<std::string, std::optional<ChannelTarget>> defaults;  // channel -> target (null: off)
  std::map<std::string, std::map<std::string, std::optional<ChannelTarget>>> units;
  std::map<std::string, std::string> channel_names;  // from channels.json, when known

  // The target of `channel` in `unit_id`: the unit's entry when it has one, else the default;
  // nullptr when none (or turned off).
  const ChannelTarget* target(const std::string& unit_id, const std::string& channel) const;

  // The configuration as JSON text for people: adapters, folders, URLs without query strings,
  // where each secret comes from — never a secret.
  std::string describe() const;
};

// Reads an environment variable; std::nullopt when unset. Replaceable in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Parses a configuration. `origin` names it in errors; relative paths are resolved against
// `base_dir`. With `definitions`, channel and unit ids must be known and channel names are taken
// from it. Errors: channel_config_invalid (with the origin and a JSON pointer), and
// channel_secret_missing (a secret_env variable unset or empty).
Result<ChannelConfig> parse_channel_config(const std::string& text, const std::string& origin,
                                           const std::filesystem::path& base_dir,
                                           const DefinitionSet* definitions,
                                           const EnvLookup& env = {});

// Reads and parses a configuration file. Errors: channel_config_invalid (also when unreadable),
// channel_secret_missing.
Result<ChannelConfig> load_channel_config(const std::string& path,
                                          const DefinitionSet* definitions);

// The definitions in force, asked when needed (e.g. `[&engine] { return engine.definitions(); }`).
using DefinitionsSource = std::function<std::shared_ptr<const DefinitionSet>()>;

// The adapters of a configuration, created on first use per unit and channel and shared where
// they write the same place. Thread-safe. With `definitions`, website adapters also regenerate
// the province special-topic pages (TopicPages::definitions).
class ConfiguredChannels : public ChannelRegistry {
 public:
  explicit ConfiguredChannels(ChannelConfig config, DefinitionsSource definitions = {});
  ~ConfiguredChannels() override;

  Channel* find(const std::string& unit_id, const std::string& channel) override;
  const ChannelConfig& config() const { return config_; }

 private:
  ChannelConfig config_;
  DefinitionsSource definitions_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Channel>> adapters_;  // by what they write to
  std::map<std::pair<std::string, std::string>, Channel*> found_;
};

// load_channel_config, then the registry (with `topic_definitions` for the province pages).
Result<std::unique_ptr<ConfiguredChannels>> load_channel_registry(
    const std::string& path, const DefinitionSet* definitions,
    DefinitionsSource topic_definitions = {});

}  // namespace gongkai::channels
