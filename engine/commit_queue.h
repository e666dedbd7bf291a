// Internal: group commit. Concurrent callers queue their commits; the first in the queue becomes
// the leader, commits everything queued in one store transaction (one fsync for many), and hands
// each caller its own result. A lone caller commits at once, so latency under light load is one
// commit. Each caller returns only after its transaction is durable.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "gongkai/store.h"

namespace gongkai {

class CommitQueue {
 public:
  // `store` must outlive the queue. `max_batch` bounds one transaction.
  explicit CommitQueue(Store& store, std::size_t max_batch = 512)
      : store_(store), max_batch_(max_batch) {}

  // Commits `request` (possibly together with other callers' requests) and returns its result.
  // Thread-safe.
  Result<CommitOutcome> commit(CommitRequest request);

  // Batches committed and requests in them, for benchmarks.
  std::uint64_t batches() const;
  std::uint64_t requests() const;

 private:
  struct Waiter {
    CommitRequest request;
    std::optional<Result<CommitOutcome>> result;
    std::condition_variable cv;
  };

  Store& store_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::deque<Waiter*> queue_;
  std::uint64_t batches_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace gongkai
