// Internal: group commit. Concurrent callers queue their commits; the first in the queue becomes
// the leader and commits in one store transaction (one fsync for many) everything queued — what
// was queued when it began and what joins the queue while the transaction is being written — then
// hands each caller its own result. A lone caller commits at once, so latency under light load is
// one commit. Each caller returns only after its transaction is durable. A leader passes the lead
// on before it wakes its batch's callers, so the next batch is being written while they wake.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "gongkai/store.h"

namespace gongkai {

class CommitQueue {
 public:
  // Writes one transaction: pulls its requests from `next` until it gives nullptr and returns one
  // result per request pulled, in order (the contract of Store::commit_pulled).
  using Committer =
      std::function<std::vector<Result<CommitOutcome>>(const Store::NextRequest& next)>;

  // Commits into `store`, which must outlive the queue. `max_batch` bounds one transaction.
  explicit CommitQueue(Store& store, std::size_t max_batch = 512);
  // Commits through `committer` (a store's commit_pulled, possibly wrapped).
  explicit CommitQueue(Committer committer, std::size_t max_batch = 512);

  // Commits `request` (possibly together with other callers' requests) and returns its result.
  // Thread-safe.
  Result<CommitOutcome> commit(CommitRequest request);

  // Transactions written and requests in them, for benchmarks and tests.
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

  const Committer committer_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;  // guards queue_ and the counts
  // The callers waiting, in order; the leader's batch is at the front until it is answered.
  std::deque<std::shared_ptr<Waiter>> queue_;
  std::uint64_t batches_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace gongkai
