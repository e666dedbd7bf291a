// gongkai — channels (公开渠道): where a release, its interpretation, the responses to public
// concerns, a withdrawal, a correction or the end of a notice period (公示期满) is delivered (the
// government website first, then new media, broadcast, bulletin boards, service halls ...).
//
// Deliveries go through a transactional outbox: the engine writes them in the same transaction as
// the event that causes them, and a worker (in `gongkai serve` and `gongkai tick`) hands each to
// its channel at least once, retrying with backoff. Every outcome is an event in the item's
// history. A channel must be idempotent by delivery id: a delivery may be handed over again after
// a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai {

// One delivery of one item's document to one channel.
struct Delivery {
  std::string id;  // "<item>-v<version>-<channel>": the receiver's idempotency key
  std::string item_id;
  std::int64_t item_version = 0;  // the item version whose event caused it
  std::string unit_id;
  std::string channel;   // a channel id from channels.json
  std::string kind;      // release, interpretation, response, withdrawal, correction, notice_served
  std::string document;  // JSON: what the public may see of the item (see docs/channels.md)
  std::string state;     // "pending", "delivered", "retrying", "failed"
  int attempts = 0;
  std::string last_error;
  Instant created_at{};
  Instant next_attempt_at{};
  std::optional<Instant> delivered_at;
};

// How a delivery attempt ended.
struct DeliveryOutcome {
  enum class Kind {
    delivered,  // the channel has it (or had it already)
    retry,      // a transient failure (time-out, 5xx, ...): try again later
    failed,     // a permanent failure (4xx, misconfiguration): do not retry
  };
  Kind kind = Kind::delivered;
  std::string error;  // for people; never a secret

  static DeliveryOutcome ok() { return {Kind::delivered, {}}; }
  static DeliveryOutcome transient(std::string why) { return {Kind::retry, std::move(why)}; }
  static DeliveryOutcome permanent(std::string why) { return {Kind::failed, std::move(why)}; }
};

// A channel adapter. Implementations must be thread-safe and idempotent by Delivery::id.
class Channel {
 public:
  virtual ~Channel() = default;
  // The channel id it serves (e.g. "website").
  virtual std::string id() const = 0;
  // Delivers one document. Must not throw; must not block longer than its own time-out.
  virtual DeliveryOutcome deliver(const Delivery& delivery) = 0;
};

// The channels a deployment delivers to, by unit and channel id.
class ChannelRegistry {
 public:
  virtual ~ChannelRegistry() = default;
  // The adapter for `channel` in `unit_id`, or nullptr when none is configured.
  virtual Channel* find(const std::string& unit_id, const std::string& channel) = 0;
};

// Retry policy of the delivery worker.
struct DeliveryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds first_backoff{1000};  // doubled each attempt, ±50% jitter
  std::chrono::milliseconds max_backoff{std::chrono::minutes(10)};
  std::int64_t batch = 64;  // deliveries handled per run
};

}  // namespace gongkai
