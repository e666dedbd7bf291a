#include "engine/commit_queue.h"

#include <algorithm>
#include <cassert>

namespace gongkai {

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
  // leader takes callers off the queue): commit what is queued now, in order.
  std::vector<std::shared_ptr<Waiter>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.assign(queue_.begin(),
                 queue_.begin() + static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_batch_)));
  }
  std::vector<CommitRequest> requests;
  requests.reserve(batch.size());
  assert(!batch.empty() && batch.front() == self);
  for (const auto& w : batch) requests.push_back(std::move(w->request));
  // Whatever happens in the store, every caller of the batch gets an answer and the lead passes
  // on: a leader that left without either would leave every later caller waiting for ever.
  std::vector<Result<CommitOutcome>> results;
  try {
    results = store_.commit(requests);
  } catch (const std::exception& e) {
    results.clear();
    results.resize(batch.size(), Status(Errc::internal, std::string("commit: ") + e.what()));
  }
  if (results.size() != batch.size()) {
    results.assign(batch.size(),
                   Status(Errc::internal, "the store answered a batch with another count"));
  }
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++batches_;
    requests_ += batch.size();
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
    if (!queue_.empty()) next = queue_.front();
  }
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
