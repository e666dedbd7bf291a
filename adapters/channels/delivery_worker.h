// A background delivery worker for long-running processes (`gongkai serve`): runs
// Engine::run_deliveries over a registry every `poll`, and at once again while runs come back
// full. `gongkai deliver` and `gongkai tick --channels` run the worker once instead.
//
//   auto registry = gongkai::channels::load_channel_registry(path, engine.definitions().get());
//   gongkai::channels::DeliveryWorker worker(engine, **registry, (*registry)->config().policy);
//   worker.start();   // ... worker.stop() before the engine and the registry go away
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "gongkai/engine.h"

namespace gongkai::channels {

class DeliveryWorker {
 public:
  // `engine` and `channels` must outlive the worker. `on_error` (optional) receives the errors
  // of a run (storage errors); the worker keeps going and tries again at the next poll.
  DeliveryWorker(Engine& engine, ChannelRegistry& channels, DeliveryPolicy policy,
                 std::chrono::milliseconds poll = std::chrono::seconds(1),
                 std::function<void(const Status&)> on_error = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Starts the background thread. Idempotent.
  void start();
  // Asks for a run now (e.g. right after a publication) instead of at the next poll.
  void wake();
  // Stops after the run in progress (at most policy.batch deliveries, each bounded by its
  // adapter's time-out); the outbox keeps the rest. Idempotent.
  void stop();

  // Totals since construction, for metrics.
  DeliveryReport totals() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gongkai::channels
