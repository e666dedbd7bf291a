// Internal: one lock per item id, made when a command asks for it and dropped when no command
// holds it or waits for it. Commands on one item run one at a time; commands on different items
// never wait for each other. (A fixed table of striped locks made unrelated items share a lock:
// with 64 callers about one in five waited for another item's whole commit, some for 100 ms.)
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gongkai {

class ItemLocks {
 private:
  struct Entry {
    std::mutex mutex;
    std::size_t users = 0;  // holding or waiting; guarded by the stripe's mutex
  };
  struct Stripe {
    mutable std::mutex mutex;  // guards entries (the map and each entry's count)
    std::unordered_map<std::string, Entry> entries;
  };

 public:
  // Holds an item's lock until destroyed (or moved from).
  class Guard {
   public:
    Guard(Guard&& other) noexcept;
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard();

   private:
    friend class ItemLocks;
    using Node = std::pair<const std::string, Entry>;
    Guard(Stripe* stripe, Node* entry) : stripe_(stripe), entry_(entry) {}
    Stripe* stripe_;  // nullptr once moved from
    Node* entry_;     // a map element stays where it is while others are added and removed
  };

  // Blocks until no other command holds `item_id`'s lock, then holds it. Not reentrant: a thread
  // holding an item's lock must not ask for it again.
  [[nodiscard]] Guard lock(const std::string& item_id);

  // Item ids with a lock now (held or waited for); 0 when no command is running.
  std::size_t size() const;

 private:
  static constexpr std::size_t kStripes = 64;  // map lookups of unrelated items rarely meet
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace gongkai
