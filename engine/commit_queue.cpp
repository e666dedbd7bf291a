#include "engine/commit_queue.h"

namespace gongkai {

Result<CommitOutcome> CommitQueue::commit(CommitRequest request) {
  Waiter self;
  self.request = std::move(request);
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.result.has_value() || queue_.front() == &self; });
  if (self.result) return std::move(*self.result);

  // The leader: commit what is queued now, in order.
  std::vector<Waiter*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                  queue_.size(), max_batch_)));
  lock.unlock();
  std::vector<CommitRequest> requests;
  requests.reserve(batch.size());
  for (Waiter* w : batch) requests.push_back(std::move(w->request));
  auto results = store_.commit(requests);
  lock.lock();
  ++batches_;
  requests_ += batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(results[i]);
    queue_.pop_front();
    if (batch[i] != &self) batch[i]->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(*self.result);
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
