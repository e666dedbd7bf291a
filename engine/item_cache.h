// Internal: items as the last command through this engine left them, so that the next command on
// an item is evaluated without reading and parsing its projection row (a fifth of a command's
// CPU). Bounded (oldest out first), so memory does not grow with the number of items. Another
// process may have moved an item since: the commit's expected-version check refuses a command
// evaluated on a stale item, and the engine then evaluates it again on the stored item.
// Thread-safe; an item found stays valid for its finder however the cache changes.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gongkai/item.h"

namespace gongkai {

class ItemCache {
 public:
  // Keeps about `capacity` items (at least one per stripe).
  explicit ItemCache(std::size_t capacity);

  // The cached item, or nullptr.
  std::shared_ptr<const Item> find(const std::string& id) const;
  // Keeps `item` as its id's latest, unless a later version of it is kept already (a command
  // answered after another one on the same item may hand in the older item).
  void put(Item item);
  // Drops the item, if kept.
  void forget(const std::string& id);

 private:
  static constexpr std::size_t kStripes = 64;
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const Item>> items;
    std::deque<std::string> order;  // insertion order, for eviction
  };
  Stripe& stripe_of(const std::string& id) const;

  const std::size_t per_stripe_;
  mutable std::array<Stripe, kStripes> stripes_;
};

}  // namespace gongkai
