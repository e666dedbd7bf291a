// gongkai — the engine's only source of "now", so tests and simulations control time.
#pragma once

#include <atomic>
#include <memory>

#include "gongkai/time.h"

namespace gongkai {

// A source of the current instant. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // The current instant.
  virtual Instant now() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  Instant now() const override { return system_now(); }
};

// A clock that shows what it is set to; for tests and simulations. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant(std::chrono::milliseconds(now_.load())); }
  // Sets the clock. Moving it backwards is allowed (the engine refuses events that would go back
  // in an item's history).
  void set(Instant t) { now_.store(t.time_since_epoch().count()); }
  // Moves the clock forward by `d`.
  void advance(std::chrono::milliseconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace gongkai
