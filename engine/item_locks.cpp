#include "engine/item_locks.h"

#include <functional>

namespace gongkai {

ItemLocks::Guard::Guard(Guard&& other) noexcept : stripe_(other.stripe_), entry_(other.entry_) {
  other.stripe_ = nullptr;
}

ItemLocks::Guard::~Guard() {
  if (!stripe_) return;
  entry_->second.mutex.unlock();
  std::lock_guard<std::mutex> lock(stripe_->mutex);
  // Whoever waits for the lock counted itself in: the entry is dropped only when nobody does.
  if (--entry_->second.users == 0) stripe_->entries.erase(stripe_->entries.find(entry_->first));
}

ItemLocks::Guard ItemLocks::lock(const std::string& item_id) {
  Stripe& stripe = stripes_[std::hash<std::string>{}(item_id) % kStripes];
  Guard::Node* entry = nullptr;
  {
    std::lock_guard<std::mutex> lock(stripe.mutex);
    entry = &*stripe.entries.try_emplace(item_id).first;
    ++entry->second.users;
  }
  entry->second.mutex.lock();
  return Guard(&stripe, entry);
}

std::size_t ItemLocks::size() const {
  std::size_t n = 0;
  for (const Stripe& stripe : stripes_) {
    std::lock_guard<std::mutex> lock(stripe.mutex);
    n += stripe.entries.size();
  }
  return n;
}

}  // namespace gongkai
