// gongkai — durable timers: a background scheduler that fires what is due (scheduled
// publications, deadline reminders, breaches and escalations) at its instant.
//
// The timers live in the store with the items, so nothing is lost when a process stops: at start
// the scheduler fires everything that came due while it was down (once — a step already recorded
// is never recorded again, even with several schedulers or `gongkai tick` on the same database),
// then sleeps until the nearest timer. Commands that create an earlier timer wake it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "gongkai/engine.h"

namespace gongkai {

// One scheduler per engine. start() and stop() are thread-safe; the destructor stops it.
class Scheduler {
 public:
  // `engine` must outlive the scheduler. `poll` bounds how long it sleeps without looking at the
  // store (timers created by other processes are seen within it). `on_error` (optional) receives
  // storage errors; the scheduler keeps going and retries at the next poll.
  explicit Scheduler(Engine& engine, std::chrono::milliseconds poll = std::chrono::seconds(1),
                     std::function<void(const Status&)> on_error = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Fires what is due now and starts the background thread. Idempotent.
  void start();
  // Stops the thread after the current run finishes; timers stay in the store. Idempotent.
  void stop();
  // Totals since start, for metrics.
  std::int64_t steps_fired() const;
  std::int64_t published() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gongkai
