#include "adapters/channels/delivery_worker.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace gongkai::channels {

struct DeliveryWorker::Impl {
  Engine& engine;
  ChannelRegistry& channels;
  DeliveryPolicy policy;
  std::chrono::milliseconds poll;
  std::function<void(const Status&)> on_error;

  mutable std::mutex mutex;
  std::condition_variable wakeup;
  bool running = false;
  bool stopping = false;
  bool woken = false;
  DeliveryReport totals;
  std::thread thread;

  Impl(Engine& e, ChannelRegistry& c, DeliveryPolicy p, std::chrono::milliseconds poll_every,
       std::function<void(const Status&)> errors)
      : engine(e), channels(c), policy(p), poll(poll_every), on_error(std::move(errors)) {}

  void loop() {
    for (;;) {
      // Runs while they come back full, then sleeps.
      for (;;) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (stopping) return;
        }
        auto report = engine.run_deliveries(channels, policy);
        if (!report.ok()) {
          if (on_error) on_error(report.status());
          break;
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          totals.delivered += report->delivered;
          totals.retrying += report->retrying;
          totals.failed += report->failed;
        }
        if (report->delivered + report->retrying + report->failed < policy.batch) break;
      }
      std::unique_lock<std::mutex> lock(mutex);
      wakeup.wait_for(lock, poll, [&] { return stopping || woken; });
      woken = false;
      if (stopping) return;
    }
  }
};

DeliveryWorker::DeliveryWorker(Engine& engine, ChannelRegistry& channels, DeliveryPolicy policy,
                               std::chrono::milliseconds poll,
                               std::function<void(const Status&)> on_error)
    : impl_(std::make_unique<Impl>(engine, channels, policy, poll, std::move(on_error))) {}

DeliveryWorker::~DeliveryWorker() {
  stop();
}

void DeliveryWorker::start() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->running) return;
  impl_->running = true;
  impl_->stopping = false;
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

void DeliveryWorker::wake() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->woken = true;
  impl_->wakeup.notify_all();
}

void DeliveryWorker::stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->running) return;
    impl_->stopping = true;
    impl_->running = false;
    thread = std::move(impl_->thread);
    impl_->wakeup.notify_all();
  }
  if (thread.joinable()) thread.join();
}

DeliveryReport DeliveryWorker::totals() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->totals;
}

}  // namespace gongkai::channels
