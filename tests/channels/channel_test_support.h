// Test support for the channel tests: an engine on a simulation database (time is driven by the
// test, so backoff never makes a test slow), helpers to move items through the lifecycle and run
// the delivery worker, a registry of given adapters, a small XML well-formedness check, and
// snapshots of a folder tree.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gongkai/engine.h"
#include "support/temp_dir.h"

namespace gongkai::testing {

// The test definitions (units alpha.one, alpha.two, beta.three; test.with_interpretation →
// website + new_media, test.without_interpretation → website + bulletin_board,
// test.planning → website).
std::string channel_test_definitions();

// A hand-made release document of gk-000001 in alpha.one as the engine writes it
// (docs/channels.md): published Monday 2026-03-02 10:05, on notice for 30 calendar days — from
// 03-03 the 30th day is Wednesday 04-01, served at its 24:00 —, still running.
nlohmann::json release_document_with_notice();
// A delivery of `document` to `channel` (item and unit from the document, version 4).
Delivery delivery_of(const nlohmann::json& document, const std::string& channel = "website");

// Adapters by channel id, the same in every unit.
class MapRegistry : public ChannelRegistry {
 public:
  void add(const std::string& channel, Channel* adapter) { adapters_[channel] = adapter; }
  Channel* find(const std::string&, const std::string& channel) override {
    auto it = adapters_.find(channel);
    return it == adapters_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, Channel*> adapters_;
};

// A channel that accepts everything and counts.
class AcceptingChannel : public Channel {
 public:
  explicit AcceptingChannel(std::string id) : id_(std::move(id)) {}
  std::string id() const override { return id_; }
  DeliveryOutcome deliver(const Delivery&) override {
    ++count_;
    return DeliveryOutcome::ok();
  }
  int count() const { return count_; }

 private:
  std::string id_;
  std::atomic<int> count_{0};
};

// A fresh simulation database with an engine, starting Monday 2 March 2026 09:00 China time.
class DeliveryFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  // Moves the simulated clock on and returns it.
  Instant later(std::chrono::milliseconds d = std::chrono::hours(1));

  Item create(const std::string& standard = "test.with_interpretation",
              const std::string& title = "2026年城乡低保标准调整",
              const std::string& content =
                  "自2026年4月1日起，城市低保标准"
                  "调整为每人每月900元。");
  // Fires `event` (with a reason or text where one is needed, or as `set` says).
  Item must(const std::string& id, EventType event, std::function<void(FireRequest&)> set = {});
  // Created, submitted, approved and published.
  Item released(const std::string& standard = "test.with_interpretation",
                const std::string& title = "2026年城乡低保标准调整",
                const std::string& content = "自2026年4月1日起，城市低保标准调整为每人每月900元。");

  // One run of the worker at later(`step`).
  DeliveryReport deliver(ChannelRegistry& registry, const DeliveryPolicy& policy,
                         std::chrono::milliseconds step = std::chrono::hours(1));
  // Runs until nothing is due any more (at most `rounds` runs, each later by `step`).
  DeliveryReport deliver_all(ChannelRegistry& registry, const DeliveryPolicy& policy,
                             std::chrono::milliseconds step = std::chrono::hours(1),
                             int rounds = 20);

  std::vector<Delivery> rows(const std::string& item, const std::string& channel = "");
  Delivery row(const std::string& item, const std::string& channel);
  // The item's events whose type starts with "delivery_".
  std::vector<Event> delivery_events(const std::string& item);

  // A quick policy: 5 attempts, 1 s doubling to 1 min.
  static DeliveryPolicy fast_policy(int attempts = 5);

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Engine> engine_;
  Instant now_{};
};

// "" when `text` is a well-formed XML document, otherwise the first problem (a small checker:
// prolog, elements, attributes, character and entity references, comments, CDATA). When
// /usr/bin/xmllint exists the text is also checked with it.
std::string xml_problem(const std::string& text);

// Every file under `root` (relative path → content), without those under a folder named
// `.gongkai` unless `with_state`.
std::map<std::string, std::string> snapshot(const std::filesystem::path& root,
                                            bool with_state = false);
// Every file under `root` (relative path → inode number).
std::map<std::string, std::uint64_t> inodes(const std::filesystem::path& root);

// The href="..." values of an HTML or XML text, in order.
std::vector<std::string> hrefs(const std::string& html);

// Counts non-overlapping occurrences.
std::size_t count_of(const std::string& text, const std::string& what);

}  // namespace gongkai::testing
