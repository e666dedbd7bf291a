// Internal: what `audit verify` reads — the projection (each item's row with its timer and deadline
// rows), then the events in seq order — read on a second thread and handed over in batches, each
// item's projection with its digest and each event with the check of its hash and its parsed
// payload.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gongkai/event.h"
#include "gongkai/status.h"
#include "gongkai/store.h"

namespace gongkai {

// Reading (SQLite) and checking (the digests, the hashes, parsing the payloads) cost about as much
// as replaying, so they run beside the replay. The reading thread checks a full batch itself, a
// few entries at a time, until the consumer is waiting for work; it then hands the batch over as it
// is and next() checks the rest — so that the consumer does not idle while the reader checks, and
// the reader checks while the consumer is busy. The reader holds the store for the whole scan:
// nothing else may use the store until the stream is destroyed.
class AuditStream {
 public:
  // A batch holds rows or events, never both. Its vectors are slots reused from batch to batch
  // (their strings keep their capacity, so reading allocates little once they have grown): only
  // the first `rows` rows and `events` events are valid.
  struct Batch {
    std::size_t rows = 0;
    std::vector<StoredProjection> row;    // an item's stored projection (scan_projection)
    std::vector<std::string> row_digest;  // projection_digest of row[i]; "" when it has no row
    std::size_t events = 0;
    std::vector<Event> event;
    std::vector<char> hash_ok;            // event_hash(event[i]) == event[i].hash
    std::vector<nlohmann::json> payload;  // parse_payload(event[i].payload)
    bool checked = false;
    std::size_t progress = 0;  // internal: rows or events checked so far                 //
                               // row_digest, hash_ok and payload are filled
  };

  // Starts reading `store` (scan_projection, then scan_events by seq) on a new thread.
  explicit AuditStream(Store& store);

  // Stops the reader and waits for it.
  ~AuditStream();

  AuditStream(const AuditStream&) = delete;
  AuditStream& operator=(const AuditStream&) = delete;

  // The next batch, checked, in the stores's order (every row batch before the first event
  // batch); false once everything has been handed over, the reading failed, or stop() was called.
  // `out` gives its slots back to the stream.
  bool next(Batch& out);

  // Asks the reader to stop after the batch it is reading.
  void stop();

  // How reading the projection rows ended; valid once next() has returned false. When it failed,
  // no event was read.
  Status rows_status();

  // How reading the events ended; valid once next() has returned false.
  Status events_status();

  // The chain head (the last event, the item counter), read in the same snapshot as the rows and
  // events; std::nullopt when the events were not all read. Valid once next() has returned false.
  std::optional<Result<ChainHead>> head();

  // Rows or events per batch.
  static constexpr std::size_t kBatch = 512;

 private:
  static constexpr std::size_t kInFlight = 4;

  // Checks up to `limit` more entries of `batch`.
  static void check(Batch& batch, std::size_t limit);
  void read(Store& store);
  void read_all(Store& store, Batch& batch, bool& going, Status& rows, Status& events);
  bool hand_over(Batch& batch);
  void wait_done();

  std::mutex mutex_;
  std::condition_variable ready_;  // a batch is full, or the reader is done
  std::condition_variable space_;  // room for another batch, or stop
  std::deque<Batch> full_;
  std::vector<Batch> spare_;
  bool stopped_ = false;
  std::atomic<bool> waiting_{false};  // the consumer is blocked in next()
  bool done_ = false;
  Status rows_status_;
  Status events_status_;
  std::optional<Result<ChainHead>> head_;
  std::thread reader_;  // last: starts once everything above is constructed
};

}  // namespace gongkai
