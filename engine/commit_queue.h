// Internal: group commit. Concurrent callers queue their commits; the first in the queue becomes
// the leader, commits everything queued in one store transaction (one fsync for many), and hands
// each caller its own result. A lone caller commits at once, so latency under light load is one
// commit. Each caller returns only after its transaction is durable. A leader passes the lead on
// before it wakes its batch's callers, so the next batch is being written while they wake.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
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
  // One caller. Shared between the caller and the leader that commits its request, so the leader
  // can hand over the result and wake the caller after the queue's lock is released (the caller
  // may return at once; the leader's reference keeps the waiter alive).
  struct Waiter {
    CommitRequest request;  // written by the caller before it is queued, then read by the leader
    std::mutex mutex;       // guards result and lead
    std::condition_variable cv;
    std::optional<Result<CommitOutcome>> result;
    bool lead = false;  // the caller is the front of the queue: it commits the next batch
  };

  Store& store_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;  // guards queue_ and the counts
  std::deque<std::shared_ptr<Waiter>> queue_;
  std::uint64_t batches_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace gongkai
