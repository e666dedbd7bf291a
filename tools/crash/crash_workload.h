// gongkai-crash: the workload — a seeded generator, the commands the load generator sends (and
// the harness re-sends), the receiver channel, and the load generator that runs in the child.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gongkai/engine.h"

namespace gongkai::crash {

// splitmix64: the same seed gives the same commands everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(int percent) { return static_cast<int>(below(100)) < percent; }

 private:
  std::uint64_t state_;
};

// The two users who act (two, for four eyes).
inline constexpr const char* kActors[] = {"alice", "bob"};

// Runs a command recorded as JSON ({"op": "create" | "fire", "key", "at", ...}) on the engine.
Result<Item> run_command(Engine& engine, const nlohmann::json& command);

// The next command that moves `item` on, as JSON without "key" and "at"; null when there is
// nothing to do (a scheduled publication not yet due, a closed or withdrawn item).
nlohmann::json next_command(const Item& item, Rng& rng, Instant at);

// A channel (and a registry of it for every channel) that appends each delivery id to a file and
// fsyncs it; with `flaky`, 20 % of the attempts fail transiently first.
class FileReceiver final : public Channel, public ChannelRegistry {
 public:
  FileReceiver(std::string path, Rng* flaky) : path_(std::move(path)), flaky_(flaky) {}
  std::string id() const override { return "receiver"; }
  DeliveryOutcome deliver(const Delivery& d) override;
  Channel* find(const std::string&, const std::string&) override { return this; }

 private:
  std::string path_;
  Rng* flaky_;
};

// A standard and a unit it applies to.
struct Target {
  std::string standard;
  std::string unit;
};

// The child of an engine round: opens the database and sends commands until killed, writing
// "READY", then "SEND <command>" before and "ACK <key> <item> <version>" (or "NACK <key> <error>")
// after each, "TICK" and "DELIVER" before the timers and the outbox run, to `fd`.
[[noreturn]] void generate(const std::string& db, int fd, std::uint64_t seed, int round,
                           Instant start, const std::vector<Target>& targets,
                           const std::string& receiver_log);

}  // namespace gongkai::crash
