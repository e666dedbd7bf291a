#include "engine/item_cache.h"

#include <algorithm>
#include <functional>

namespace gongkai {

ItemCache::ItemCache(std::size_t capacity)
    : per_stripe_(std::max<std::size_t>(1, capacity / kStripes)) {}

ItemCache::Stripe& ItemCache::stripe_of(const std::string& id) const {
  return stripes_[std::hash<std::string>{}(id) % kStripes];
}

std::shared_ptr<const Item> ItemCache::find(const std::string& id) const {
  Stripe& stripe = stripe_of(id);
  std::lock_guard<std::mutex> lock(stripe.mutex);
  auto it = stripe.items.find(id);
  return it == stripe.items.end() ? nullptr : it->second;
}

void ItemCache::put(Item item) {
  auto kept = std::make_shared<const Item>(std::move(item));  // made outside the lock
  Stripe& stripe = stripe_of(kept->id);
  std::lock_guard<std::mutex> lock(stripe.mutex);
  auto [it, inserted] = stripe.items.try_emplace(kept->id, kept);
  if (!inserted) {
    if (it->second->version <= kept->version) it->second = std::move(kept);
    return;
  }
  stripe.order.push_back(it->first);
  if (stripe.order.size() > per_stripe_) {
    stripe.items.erase(stripe.order.front());
    stripe.order.pop_front();
  }
}

void ItemCache::forget(const std::string& id) {
  Stripe& stripe = stripe_of(id);
  std::lock_guard<std::mutex> lock(stripe.mutex);
  if (stripe.items.erase(id) == 0) return;
  stripe.order.erase(std::find(stripe.order.begin(), stripe.order.end(), id));
}

}  // namespace gongkai
