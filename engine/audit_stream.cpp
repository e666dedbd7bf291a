#include "engine/audit_stream.h"

#include <algorithm>
#include <utility>

#include "engine/item_json.h"
#include "engine/item_state.h"

namespace gongkai {

AuditStream::AuditStream(Store& store) : reader_([this, &store] { read(store); }) {}

AuditStream::~AuditStream() {
  stop();
  reader_.join();
}

void AuditStream::check(Batch& batch, std::size_t limit) {
  const std::size_t end = std::min(batch.rows + batch.events, batch.progress + limit);
  for (; batch.progress < end; ++batch.progress) {
    const std::size_t i = batch.progress;
    if (batch.rows > 0) {
      const StoredProjection& p = batch.row[i];
      if (p.has_row) {
        batch.row_digest[i] = projection_digest(p.row, p.timers, p.deadlines);
      } else {
        batch.row_digest[i].clear();
      }
    } else {
      batch.hash_ok[i] = event_hash(batch.event[i]) == batch.event[i].hash;
      batch.payload[i] = parse_payload(batch.event[i].payload);
    }
  }
  batch.checked = batch.progress == batch.rows + batch.events;
}

bool AuditStream::next(Batch& out) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    waiting_ = full_.empty() && !done_ && !stopped_;
    ready_.wait(lock, [this] { return !full_.empty() || done_ || stopped_; });
    waiting_ = false;
    if (full_.empty() || stopped_) return false;
    if (!out.row.empty() || !out.event.empty()) spare_.push_back(std::move(out));
    out = std::move(full_.front());
    full_.pop_front();
    space_.notify_one();
  }
  if (!out.checked) check(out, out.rows + out.events);
  return true;
}

void AuditStream::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  space_.notify_one();
  ready_.notify_all();
}

void AuditStream::wait_done() {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock, [this] { return done_; });
}

Status AuditStream::rows_status() {
  wait_done();
  std::lock_guard<std::mutex> lock(mutex_);
  return rows_status_;
}

Status AuditStream::events_status() {
  wait_done();
  std::lock_guard<std::mutex> lock(mutex_);
  return events_status_;
}

// Hands `batch` over, checked as far as the reader got before the consumer waited for work, and
// replaces it with spare slots. False when the stream was stopped.
bool AuditStream::hand_over(Batch& batch) {
  constexpr std::size_t kStep = 32;  // entries checked between looks at the consumer
  while (!batch.checked && !waiting_.load(std::memory_order_relaxed)) check(batch, kStep);
  std::unique_lock<std::mutex> lock(mutex_);
  space_.wait(lock, [this] { return full_.size() < kInFlight || stopped_; });
  if (stopped_) return false;
  full_.push_back(std::move(batch));
  ready_.notify_one();
  if (!spare_.empty()) {
    batch = std::move(spare_.back());
    spare_.pop_back();
  } else {
    batch = Batch{};
  }
  batch.rows = 0;
  batch.events = 0;
  batch.checked = false;
  batch.progress = 0;
  return true;
}

void AuditStream::read(Store& store) {
  Batch batch;
  bool going = true;  // false once stopped
  Status rows, events;
  std::optional<Result<ChainHead>> head;
  // One snapshot for the rows, the events and the head: commits that land meanwhile (the portal
  // goes on working while it is audited) are not half seen.
  const Status snapshot = store.read_snapshot([&]() -> Status {
    read_all(store, batch, going, rows, events);
    if (rows.ok() && events.ok() && going) head = store.chain_head();
    return Status::Ok();
  });
  if (!snapshot.ok() && rows.ok()) rows = snapshot;
  std::lock_guard<std::mutex> lock(mutex_);
  rows_status_ = rows;
  events_status_ = events;
  head_ = std::move(head);
  done_ = true;
  ready_.notify_all();
}

void AuditStream::read_all(Store& store, Batch& batch, bool& going, Status& rows, Status& events) {
  try {
    rows = store.scan_projection([&](StoredProjection& r) {
      if (batch.rows == batch.row.size()) {
        batch.row.emplace_back();
        batch.row_digest.emplace_back();
      }
      std::swap(batch.row[batch.rows], r);  // the scan refills the slot's old storage
      going = ++batch.rows < kBatch || hand_over(batch);
      return going;
    });
    if (rows.ok() && going && batch.rows > 0) going = hand_over(batch);
  } catch (const std::exception& e) {
    rows = Status(Errc::internal, std::string("reading the projection: ") + e.what());
  }
  if (rows.ok() && going) {
    try {
      events = store.scan_events([&](const Event& e) {
        if (batch.events == batch.event.size()) {
          batch.event.emplace_back();
          batch.hash_ok.emplace_back();
          batch.payload.emplace_back();
        }
        batch.event[batch.events] = e;
        return ++batch.events < kBatch || hand_over(batch);
      });
      if (events.ok() && batch.events > 0) hand_over(batch);
    } catch (const std::exception& e) {
      events = Status(Errc::internal, std::string("reading the events: ") + e.what());
    }
  }
}

std::optional<Result<ChainHead>> AuditStream::head() {
  wait_done();
  std::lock_guard<std::mutex> lock(mutex_);
  return head_;
}

}  // namespace gongkai
