#include "engine/commit_queue.h"

#include <algorithm>
#include <cassert>

namespace gongkai {

CommitQueue::CommitQueue(Store& store, std::size_t max_batch)
    : CommitQueue([&store](const Store::NextRequest& next) { return store.commit_pulled(next); },
                  max_batch) {}

CommitQueue::CommitQueue(Committer committer, std::size_t max_batch)
    : committer_(std::move(committer)), max_batch_(std::max<std::size_t>(max_batch, 1)) {}

Result<CommitOutcome> CommitQueue::commit(CommitRequest request) {
  auto self = std::make_shared<Waiter>();
  self->request = std::move(request);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(self);
    if (queue_.size() == 1) self->lead = true;  // no leader is committing: lead at once
  }
  {
    std::unique_lock<std::mutex> lock(self->mutex);
    self->cv.wait(lock, [&] { return self->result.has_value() || self->lead; });
    if (self->result) return std::move(*self->result);
  }

  // The leader, at the front of the queue (only the front is ever given the lead, and only the
  // leader takes callers off the queue). It pulls requests from the front while its transaction
  // is open, so the callers the last batch answered, coming back while this batch's statements
  // run, are written and synced with it instead of waiting for the next transaction. The waiters
  // stay in the queue until they are answered: a caller arriving meanwhile is never the front.
  // The queue is looked at once for all the callers that queued since the last look, not once
  // per request: every look contends with callers queueing.
  std::vector<Waiter*> seen;  // the front of the queue as far as the leader has looked
  seen.reserve(std::min<std::size_t>(max_batch_, 64));
  std::size_t taken = 0;  // the first `taken` of `seen` are pulled into the transaction
  const Store::NextRequest next_request = [&]() -> const CommitRequest* {
    if (taken == seen.size()) {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::size_t end = std::min(queue_.size(), max_batch_);
      for (std::size_t i = seen.size(); i < end; ++i) seen.push_back(queue_[i].get());
    }
    if (taken == seen.size()) return nullptr;
    return &seen[taken++]->request;
  };
  // Whatever happens in the store, every caller of the batch gets an answer and the lead passes
  // on: a leader that left without either would leave every later caller waiting for ever.
  std::vector<Result<CommitOutcome>> results;
  try {
    results = committer_(next_request);
  } catch (const std::exception& e) {
    results.assign(taken, Status(Errc::internal, std::string("commit: ") + e.what()));
  }
  // The leader's own request is in the batch even when the store failed before pulling it.
  taken = std::max<std::size_t>(taken, 1);
  if (results.size() != taken) {
    results.assign(taken, Status(Errc::internal, "the store answered a batch with another count"));
  }
  std::vector<std::shared_ptr<Waiter>> batch;
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(taken);
    batch.assign(queue_.begin(), end);
    queue_.erase(queue_.begin(), end);
    ++batches_;
    requests_ += taken;
    if (!queue_.empty()) next = queue_.front();
  }
  assert(batch.front() == self);
  // The lead first: the next batch is written while this one's callers wake.
  if (next) {
    {
      std::lock_guard<std::mutex> lock(next->mutex);
      next->lead = true;
    }
    next->cv.notify_one();
  }
  for (std::size_t i = 1; i < batch.size(); ++i) {  // batch[0] is this caller
    {
      std::lock_guard<std::mutex> lock(batch[i]->mutex);
      batch[i]->result = std::move(results[i]);
    }
    batch[i]->cv.notify_one();
  }
  return std::move(results[0]);
}

std::uint64_t CommitQueue::batches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return batches_;
}

std::uint64_t CommitQueue::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

}  // namespace gongkai
