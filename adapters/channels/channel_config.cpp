#include "adapters/channels/channel_config.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "adapters/channels/file_ops.h"
#include "adapters/channels/print_spool_channel.h"
#include "adapters/channels/webhook_channel.h"
#include "adapters/channels/website_channel.h"
#include "engine/strict_json.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using strict_json::pointer_token;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string expand(const std::string& pattern, const std::string& unit,
                   const std::string& channel) {
  return replace_all(replace_all(pattern, "{unit}", unit), "{channel}", channel);
}

// The SHA-256 of a secret, so that two webhooks with different secrets are different adapters
// without keeping the secret in a map key.
std::string fingerprint(const std::string& secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

class Parser {
 public:
  Parser(std::string origin, fs::path base_dir, const DefinitionSet* definitions,
         const EnvLookup& env)
      : origin_(std::move(origin)),
        base_dir_(std::move(base_dir)),
        definitions_(definitions),
        env_(env) {}

  Result<ChannelConfig> parse(const std::string& text) {
    strict_json::ParseResult parsed = strict_json::parse(text, /*allow_comments=*/true);
    if (!parsed.ok()) {
      if (parsed.error.kind == strict_json::ParseError::Kind::repeated_key) {
        return invalid(parsed.error.pointer, "the key appears twice in one object");
      }
      // The parser's message ends with what it last read ("; last read: '...'"), which may be
      // part of a secret: the line and column say where the problem is without it.
      std::string message = parsed.error.message;
      message = message.substr(0, message.find("; last read: "));
      return invalid("", "not valid JSON: " + message);
    }
    const json root = std::move(*parsed.document);
    if (!root.is_object()) return invalid("", "expected an object");
    ChannelConfig config;
    config.path = origin_;
    if (definitions_) {
      for (const auto& c : definitions_->channels) config.channel_names[c.id] = c.name;
    }
    if (Status s = only(root, "", {"format", "policy", "defaults", "units"}); !s.ok()) return s;
    if (auto it = root.find("format"); it != root.end() && *it != 1) {
      return invalid("/format", "only format 1 is known");
    }
    if (auto it = root.find("policy"); it != root.end()) {
      if (Status s = parse_policy(*it, config.policy); !s.ok()) return s;
    }
    if (auto it = root.find("defaults"); it != root.end()) {
      if (Status s = parse_targets(*it, "/defaults", config.defaults); !s.ok()) return s;
    }
    if (auto it = root.find("units"); it != root.end()) {
      if (!it->is_object()) return invalid("/units", "expected an object of unit ids");
      for (const auto& [unit, targets] : it->items()) {
        const std::string ptr = "/units/" + pointer_token(unit);
        if (!safe_file_name(unit)) return invalid(ptr, "'" + unit + "' is not a unit id");
        if (definitions_ && !definitions_->find_unit(unit)) {
          return invalid(ptr, "no pilot unit '" + unit + "' in the definitions");
        }
        if (Status s = parse_targets(targets, ptr, config.units[unit]); !s.ok()) return s;
      }
    }
    return config;
  }

 private:
  Status invalid(const std::string& ptr, const std::string& what) const {
    return Status(Errc::channel_config_invalid,
                  origin_ + ": " + (ptr.empty() ? std::string() : ptr + ": ") + what);
  }

  Status only(const json& object, const std::string& ptr, std::set<std::string> known) const {
    for (const auto& [key, value] : object.items()) {
      if (!known.count(key)) {
        std::string names;
        for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
        return invalid(ptr + "/" + pointer_token(key), "unknown field (known: " + names + ")");
      }
    }
    return Status::Ok();
  }

  Status number(const json& object, const std::string& ptr, const char* key, std::int64_t min,
                std::int64_t max, std::int64_t& out) const {
    auto it = object.find(key);
    if (it == object.end()) return Status::Ok();
    if (!it->is_number_integer() || it->get<std::int64_t>() < min ||
        it->get<std::int64_t>() > max) {
      return invalid(ptr + "/" + key,
                     "expected an integer in " + std::to_string(min) + ".." + std::to_string(max));
    }
    out = it->get<std::int64_t>();
    return Status::Ok();
  }

  Status string(const json& object, const std::string& ptr, const char* key, bool required,
                std::string& out) const {
    auto it = object.find(key);
    if (it == object.end()) {
      return required ? invalid(ptr, std::string("missing \"") + key + "\"") : Status::Ok();
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      return invalid(ptr + "/" + key, "expected a non-empty string");
    }
    out = it->get<std::string>();
    return Status::Ok();
  }

  Status parse_policy(const json& p, DeliveryPolicy& policy) const {
    const std::string ptr = "/policy";
    if (!p.is_object()) return invalid(ptr, "expected an object");
    if (Status s = only(p, ptr, {"max_attempts", "first_backoff_ms", "max_backoff_ms", "batch"});
        !s.ok()) {
      return s;
    }
    std::int64_t attempts = policy.max_attempts, first = policy.first_backoff.count(),
                 max = policy.max_backoff.count(), batch = policy.batch;
    if (Status s = number(p, ptr, "max_attempts", 1, 1000, attempts); !s.ok()) return s;
    if (Status s = number(p, ptr, "first_backoff_ms", 1, 86400000, first); !s.ok()) return s;
    if (Status s = number(p, ptr, "max_backoff_ms", 1, 7 * 86400000LL, max); !s.ok()) return s;
    if (Status s = number(p, ptr, "batch", 1, 100000, batch); !s.ok()) return s;
    if (max < first) return invalid(ptr + "/max_backoff_ms", "must be at least first_backoff_ms");
    policy.max_attempts = static_cast<int>(attempts);
    policy.first_backoff = std::chrono::milliseconds(first);
    policy.max_backoff = std::chrono::milliseconds(max);
    policy.batch = batch;
    return Status::Ok();
  }

  Status parse_targets(const json& object, const std::string& ptr,
                       std::map<std::string, std::optional<ChannelTarget>>& out) const {
    if (!object.is_object()) return invalid(ptr, "expected an object of channel ids");
    for (const auto& [channel, entry] : object.items()) {
      const std::string cptr = ptr + "/" + pointer_token(channel);
      if (definitions_) {
        bool known = false;
        std::string names;
        for (const auto& c : definitions_->channels) {
          known = known || c.id == channel;
          names += (names.empty() ? "" : ", ") + c.id;
        }
        if (!known) return invalid(cptr, "no channel '" + channel + "' (channels: " + names + ")");
      } else if (!safe_file_name(channel)) {
        return invalid(cptr, "'" + channel + "' is not a channel id");
      }
      if (entry.is_null()) {
        out[channel] = std::nullopt;
        continue;
      }
      ChannelTarget target;
      if (Status s = parse_target(entry, cptr, channel, target); !s.ok()) return s;
      out[channel] = std::move(target);
    }
    return Status::Ok();
  }

  fs::path resolve(const std::string& path) const {
    const fs::path p(path);
    return p.is_absolute() ? p.lexically_normal() : (base_dir_ / p).lexically_normal();
  }

  Status parse_target(const json& entry, const std::string& ptr, const std::string& channel,
                      ChannelTarget& target) const {
    if (!entry.is_object()) return invalid(ptr, "expected an object (or null: no adapter)");
    std::string adapter;
    if (Status s = string(entry, ptr, "adapter", true, adapter); !s.ok()) return s;
    if (adapter == "website") {
      target.adapter = AdapterKind::website;
      if (Status s = only(entry, ptr, {"adapter", "web_root", "base_url"}); !s.ok()) return s;
      std::string root;
      if (Status s = string(entry, ptr, "web_root", true, root); !s.ok()) return s;
      target.web_root = resolve(root);
      if (Status s = string(entry, ptr, "base_url", false, target.base_url); !s.ok()) return s;
      if (!target.base_url.empty() && target.base_url.rfind("http://", 0) != 0 &&
          target.base_url.rfind("https://", 0) != 0) {
        return invalid(ptr + "/base_url", "expected an http:// or https:// URL");
      }
    } else if (adapter == "webhook") {
      target.adapter = AdapterKind::webhook;
      if (Status s = only(entry, ptr, {"adapter", "url", "secret", "secret_env", "timeout_ms"});
          !s.ok()) {
        return s;
      }
      if (Status s = string(entry, ptr, "url", true, target.url); !s.ok()) return s;
      auto url = parse_http_url(expand(target.url, "unit", channel));
      if (!url.ok()) return invalid(ptr + "/url", url.status().message());
      std::int64_t timeout = 5000;
      if (Status s = number(entry, ptr, "timeout_ms", 1, 600000, timeout); !s.ok()) return s;
      target.timeout = std::chrono::milliseconds(timeout);
      const bool inline_secret = entry.contains("secret");
      const bool env_secret = entry.contains("secret_env");
      if (inline_secret == env_secret) {
        return invalid(ptr, "give exactly one of \"secret\" and \"secret_env\" (the HMAC key)");
      }
      if (inline_secret) {
        const json& s = entry["secret"];
        // Never echo the value.
        if (!s.is_string() || s.get<std::string>().empty()) {
          return invalid(ptr + "/secret", "expected a non-empty string");
        }
        target.secret = s.get<std::string>();
      } else {
        if (Status s = string(entry, ptr, "secret_env", true, target.secret_env); !s.ok()) return s;
        std::optional<std::string> value;
        if (env_) {
          value = env_(target.secret_env);
        } else if (const char* v = std::getenv(target.secret_env.c_str())) {
          value = std::string(v);
        }
        if (!value || value->empty()) {
          return Status(Errc::channel_secret_missing,
                        origin_ + ": " + ptr + "/secret_env: the environment variable " +
                            target.secret_env + " (the webhook's secret) is not set");
        }
        target.secret = *value;
      }
    } else if (adapter == "print_spool") {
      target.adapter = AdapterKind::print_spool;
      if (Status s = only(entry, ptr, {"adapter", "spool_dir"}); !s.ok()) return s;
      std::string dir;
      if (Status s = string(entry, ptr, "spool_dir", true, dir); !s.ok()) return s;
      target.spool_dir = resolve(dir);
    } else {
      return invalid(ptr + "/adapter",
                     "unknown adapter '" + adapter + "' (adapters: website, webhook, print_spool)");
    }
    return Status::Ok();
  }

  std::string origin_;
  fs::path base_dir_;
  const DefinitionSet* definitions_;
  const EnvLookup& env_;
};

json describe_target(const std::optional<ChannelTarget>& target) {
  if (!target) return nullptr;
  json out = {{"adapter", std::string(to_string(target->adapter))}};
  switch (target->adapter) {
    case AdapterKind::website:
      out["web_root"] = target->web_root.string();
      if (!target->base_url.empty()) out["base_url"] = target->base_url;
      break;
    case AdapterKind::webhook: {
      auto url = parse_http_url(target->url);
      out["url"] = url.ok() ? url->redacted : std::string("(invalid)");
      out["secret"] = target->secret_env.empty() ? "(in the file)" : "$" + target->secret_env;
      out["timeout_ms"] = target->timeout.count();
      break;
    }
    case AdapterKind::print_spool:
      out["spool_dir"] = target->spool_dir.string();
      break;
  }
  return out;
}

}  // namespace

std::string_view to_string(AdapterKind kind) noexcept {
  switch (kind) {
    case AdapterKind::website:
      return "website";
    case AdapterKind::webhook:
      return "webhook";
    case AdapterKind::print_spool:
      return "print_spool";
  }
  return "?";
}

const ChannelTarget* ChannelConfig::target(const std::string& unit_id,
                                           const std::string& channel) const {
  if (auto u = units.find(unit_id); u != units.end()) {
    if (auto c = u->second.find(channel); c != u->second.end()) {
      return c->second ? &*c->second : nullptr;
    }
  }
  auto d = defaults.find(channel);
  return d != defaults.end() && d->second ? &*d->second : nullptr;
}

std::string ChannelConfig::describe() const {
  json out = {{"path", path},
              {"policy",
               {{"max_attempts", policy.max_attempts},
                {"first_backoff_ms", policy.first_backoff.count()},
                {"max_backoff_ms", policy.max_backoff.count()},
                {"batch", policy.batch}}},
              {"defaults", json::object()},
              {"units", json::object()}};
  for (const auto& [channel, target] : defaults) out["defaults"][channel] = describe_target(target);
  for (const auto& [unit, targets] : units) {
    out["units"][unit] = json::object();
    for (const auto& [channel, target] : targets) {
      out["units"][unit][channel] = describe_target(target);
    }
  }
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

Result<ChannelConfig> parse_channel_config(const std::string& text, const std::string& origin,
                                           const std::filesystem::path& base_dir,
                                           const DefinitionSet* definitions, const EnvLookup& env) {
  return Parser(origin, base_dir, definitions, env).parse(text);
}

Result<ChannelConfig> load_channel_config(const std::string& path,
                                          const DefinitionSet* definitions) {
  auto text = read_whole_file(path);
  std::error_code ec;
  if (!text || fs::is_directory(path, ec)) {
    return Status(Errc::channel_config_invalid, path + ": cannot read the channel configuration");
  }
  const fs::path absolute = fs::absolute(path, ec);
  return parse_channel_config(*text, path, absolute.parent_path(), definitions);
}

ConfiguredChannels::ConfiguredChannels(ChannelConfig config, DefinitionsSource definitions)
    : config_(std::move(config)), definitions_(std::move(definitions)) {}

ConfiguredChannels::~ConfiguredChannels() = default;

Channel* ConfiguredChannels::find(const std::string& unit_id, const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_pair(unit_id, channel);
  if (auto it = found_.find(key); it != found_.end()) return it->second;
  const ChannelTarget* target = config_.target(unit_id, channel);
  Channel* adapter = nullptr;
  if (target && safe_file_name(unit_id)) {
    std::string where;
    switch (target->adapter) {
      case AdapterKind::website:
        where = "website\n" + channel + "\n" + target->web_root.string() + "\n" + target->base_url;
        break;
      case AdapterKind::webhook:
        where = "webhook\n" + channel + "\n" + expand(target->url, unit_id, channel) + "\n" +
                std::to_string(target->timeout.count()) + "\n" + fingerprint(target->secret);
        break;
      case AdapterKind::print_spool:
        where =
            "print_spool\n" + channel + "\n" + expand(target->spool_dir.string(), unit_id, channel);
        break;
    }
    auto existing = adapters_.find(where);
    if (existing != adapters_.end()) {
      adapter = existing->second.get();
    } else {
      std::unique_ptr<Channel> made;
      auto name = config_.channel_names.find(channel);
      switch (target->adapter) {
        case AdapterKind::website: {
          WebsiteOptions o;
          o.channel = channel;
          o.web_root = target->web_root;
          o.base_url = target->base_url;
          made = std::make_unique<WebsiteChannel>(std::move(o), TopicPages{definitions_});
          break;
        }
        case AdapterKind::webhook: {
          WebhookOptions o;
          o.channel = channel;
          o.url = expand(target->url, unit_id, channel);
          o.secret = target->secret;
          o.timeout = target->timeout;
          auto webhook = make_webhook_channel(std::move(o));
          if (webhook.ok()) made = std::move(*webhook);
          break;
        }
        case AdapterKind::print_spool: {
          PrintSpoolOptions o;
          o.channel = channel;
          o.channel_name = name != config_.channel_names.end() ? name->second : channel;
          o.spool_dir = expand(target->spool_dir.string(), unit_id, channel);
          made = std::make_unique<PrintSpoolChannel>(std::move(o));
          break;
        }
      }
      if (made) {
        adapter = made.get();
        adapters_.emplace(where, std::move(made));
      }
    }
  }
  found_[key] = adapter;
  return adapter;
}

Result<std::unique_ptr<ConfiguredChannels>> load_channel_registry(
    const std::string& path, const DefinitionSet* definitions,
    DefinitionsSource topic_definitions) {
  auto config = load_channel_config(path, definitions);
  if (!config.ok()) return config.status();
  return std::make_unique<ConfiguredChannels>(std::move(*config), std::move(topic_definitions));
}

}  // namespace gongkai::channels
