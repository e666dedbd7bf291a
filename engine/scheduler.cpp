#include "gongkai/scheduler.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <thread>

namespace gongkai {

namespace asio = boost::asio;

struct Scheduler::Impl {
  Impl(Engine& e, std::chrono::milliseconds p, std::function<void(const Status&)> err)
      : engine(e), poll(p), on_error(std::move(err)), timer(io) {}

  Engine& engine;
  std::chrono::milliseconds poll;
  std::function<void(const Status&)> on_error;
  asio::io_context io;
  asio::steady_timer timer;
  std::thread thread;
  std::mutex mutex;
  bool running = false;
  std::atomic<std::int64_t> steps{0};
  std::atomic<std::int64_t> published{0};
  // The system-clock instant the timer is armed for (milliseconds since the epoch).
  std::atomic<std::int64_t> armed_for{0};

  // Fires what is due, then sleeps until the nearest timer (at most `poll`).
  void run_once() {
    std::optional<Instant> next;
    auto report = engine.run_due();
    if (report.ok()) {
      steps += report->steps_fired;
      published += report->published;
      next = report->next_timer;
    } else if (on_error) {
      on_error(report.status());
    }
    arm(next);
  }

  void arm(std::optional<Instant> next) {
    const Instant now = engine.clock().now();
    auto wait = poll;
    if (next) {
      wait = std::min(poll, std::chrono::duration_cast<std::chrono::milliseconds>(*next - now));
    }
    if (wait < std::chrono::milliseconds(0)) wait = std::chrono::milliseconds(0);
    armed_for = (now + wait).time_since_epoch().count();
    timer.expires_after(wait);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) run_once();
    });
  }

  // A command created a timer at `at`: wake earlier if needed.
  void wake_for(Instant at) {
    if (at.time_since_epoch().count() >= armed_for.load()) return;
    asio::post(io, [this] {
      timer.cancel();
      run_once();
    });
  }
};

Scheduler::Scheduler(Engine& engine, std::chrono::milliseconds poll,
                     std::function<void(const Status&)> on_error)
    : impl_(std::make_unique<Impl>(engine, poll, std::move(on_error))) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->running) return;
  impl_->running = true;
  impl_->io.restart();
  impl_->engine.set_timer_listener([impl = impl_.get()](Instant at) { impl->wake_for(at); });
  asio::post(impl_->io, [impl = impl_.get()] { impl->run_once(); });
  impl_->thread = std::thread([impl = impl_.get()] {
    auto guard = asio::make_work_guard(impl->io);
    impl->io.run();
  });
}

void Scheduler::stop() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->running) return;
  impl_->engine.set_timer_listener({});
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->running = false;
}

std::int64_t Scheduler::steps_fired() const {
  return impl_->steps.load();
}
std::int64_t Scheduler::published() const {
  return impl_->published.load();
}

}  // namespace gongkai
