#include "engine/auditor.h"

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/audit_stream.h"
#include "engine/item_json.h"
#include "engine/item_schedule.h"
#include "engine/utf8.h"

namespace gongkai {
namespace {

// Damage SQLite itself found in the file (the store marks it): not a sign of tampering.
bool file_damage(const Status& s) {
  return s.details_json().find("\"damage\":\"file\"") != std::string::npos;
}

// Walks two lists sorted by `key` side by side: `only_want` for a key only `want` has,
// `only_got` for one only `got` has, `both` for a key in both.
template <typename Row, typename Key, typename OnlyWant, typename OnlyGot, typename Both>
void merge_by_key(const std::vector<Row>& want, const std::vector<Row>& got, Key key,
                  OnlyWant only_want, OnlyGot only_got, Both both) {
  std::size_t i = 0, j = 0;
  while (i < want.size() || j < got.size()) {
    if (j == got.size() || (i < want.size() && key(want[i]) < key(got[j]))) {
      only_want(want[i++]);
    } else if (i == want.size() || key(got[j]) < key(want[i])) {
      only_got(got[j++]);
    } else {
      both(want[i++], got[j++]);
    }
  }
}

// What differs between the timer and deadline rows `replayed` implies and the stored ones, one
// phrase per difference.
std::vector<std::string> schedule_differences(const Item& replayed,
                                              const StoredProjection& stored) {
  std::vector<TimerRecord> timers;
  std::vector<DeadlineRecord> deadlines;
  schedule_of(replayed, timers, deadlines);
  sort_as_stored(timers, deadlines);
  std::vector<std::string> found;
  merge_by_key(
      deadlines, stored.deadlines,
      [](const DeadlineRecord& d) -> const std::string& { return d.deadline_id; },
      [&](const DeadlineRecord& want) {
        found.push_back("deadline " + want.deadline_id + " is missing from the deadlines table");
      },
      [&](const DeadlineRecord& got) {
        found.push_back("deadline " + got.deadline_id +
                        " is in the deadlines table, replay gives no such deadline");
      },
      [&](const DeadlineRecord& want, const DeadlineRecord& got) {
        const std::string in_table = " in the deadlines table, replay gives ";
        if (got.kind != want.kind) {
          found.push_back("deadline " + want.deadline_id + " is of kind '" + got.kind + "'" +
                          in_table + "'" + want.kind + "'");
        }
        if (got.state != want.state) {
          found.push_back("deadline " + want.deadline_id + " is '" + got.state + "'" + in_table +
                          "'" + want.state + "'");
        }
        if (format_utc(got.due) != format_utc(want.due)) {
          found.push_back("deadline " + want.deadline_id + " is due " + format_utc(got.due) +
                          in_table + format_utc(want.due));
        }
      });
  merge_by_key(
      timers, stored.timers, [](const TimerRecord& t) -> const std::string& { return t.key; },
      [&](const TimerRecord& want) {
        found.push_back("timer " + want.key + " is missing from the timers table");
      },
      [&](const TimerRecord& got) {
        found.push_back("timer " + got.key + " is in the timers table, replay gives no such timer");
      },
      [&](const TimerRecord& want, const TimerRecord& got) {
        if (format_utc(got.fire_at) != format_utc(want.fire_at)) {
          found.push_back("timer " + want.key + " fires at " + format_utc(got.fire_at) +
                          " in the timers table, replay gives " + format_utc(want.fire_at));
        }
      });
  return found;
}

// Why `replayed` is not its stored projection, read again after the scan: ": <what differs>".
// The projection read again must be the one the scan compared (`scanned_digest`); when a command
// has landed on the item since, only that is said.
std::string describe_mismatch(Store& store, const Item& replayed,
                              const std::string& scanned_digest) {
  StoredProjection stored;
  bool found = false;
  const Status read = store.read_snapshot([&] {
    return store.scan_projection(
        [&](StoredProjection& p) {
          if (p.id == replayed.id) {
            stored = p;
            found = true;
          }
          return false;
        },
        replayed.id);
  });
  if (!read.ok() || !found || !stored.has_row) return "";
  if (projection_digest(stored.row, stored.timers, stored.deadlines) != scanned_digest) {
    return " (its stored projection changed after it was read; verify again to see what differs)";
  }
  std::vector<std::string> parts;
  if (record_digest(stored.row) != item_record_digest(replayed)) {
    if (replayed.stage != stored.row.stage) {
      parts.push_back("replay gives stage '" + std::string(to_string(replayed.stage)) +
                      "', the projection says '" + std::string(to_string(stored.row.stage)) + "'");
    } else {
      parts.push_back("the projection's state, or a rehashed event, was altered");
    }
  }
  for (std::string& d : schedule_differences(replayed, stored)) parts.push_back(std::move(d));
  std::string detail;
  for (const std::string& part : parts) detail += (detail.empty() ? ": " : "; ") + part;
  return detail;
}

std::string where(const Event& e) {
  return "event seq " + std::to_string(e.seq) + " (item " + e.item_id + " #" +
         std::to_string(e.item_seq) + ", " + e.type + ")";
}

// What the projection says about one item, and how far the history has been followed.
struct Tracked {
  std::int64_t version = -1;   // the projection's version; -1: the item has no projection row
  std::string last_hash;       // the projection's last_hash
  std::int64_t last_seq = 0;   // the projection's last_seq (where its history is found)
  std::string state_digest;    // projection_digest of the row, its timers and its deadline rows
  std::int64_t seen = 0;       // events of this item met so far
  std::string hash;            // hash of the last event met
  std::int64_t seq = 0;        // seq of the last event met
  bool replaying = true;       // false once compared, or once its replay failed
  std::unique_ptr<Item> item;  // the replayed state while its last event is still ahead
};

}  // namespace

// One pass over the events in seq order checks the database-wide chain and each item's chain, and
// replays each item; an item's replayed state is compared with its projection — its row, timers
// and deadline rows, by one digest — as soon as its last event (its projection's version) is
// reached, and then dropped, so memory holds only the items whose history is still being read. The
// projection is read first, to know where each ends.
// Findings are reported in order of strength: a broken chain, then the head, then a projection
// that does not match its history, then a history that does not replay to its projection.
Result<VerifyReport> Auditor::verify(Store& store) const {
  VerifyReport report;
  Status problem;

  // 1. The projection (each item's version, last hash and the digest of its row, timers and
  // deadline rows), then 2. the events in seq order, from the reading thread.
  std::unordered_map<std::string, Tracked> tracked;
  std::int64_t expected_seq = 1;
  std::string prev_hash;
  Event previous;         // the previous event's seq, item and type, for messages
  Status replay_problem;  // the first history that does not replay (step failed)
  std::int64_t replay_problem_seq = 0;
  std::string mismatched;  // the first item that replays to another state than its projection
  std::unique_ptr<Item> mismatched_item;  // its replayed state
  std::string mismatched_digest;          // the digest of its stored projection
  std::int64_t mismatched_seq = 0;
  ResolveMemo memo;  // the definitions and calendars each event refers to, looked up once
  auto visit = [&](const Event& e, bool hash_ok, const nlohmann::json& payload) {
    if (e.seq != expected_seq) {
      problem = Status(Errc::audit_sequence_gap,
                       where(e) + " follows seq " + std::to_string(expected_seq - 1) +
                           ": events were deleted, inserted or renumbered");
      return false;
    }
    if (e.prev_hash != prev_hash) {
      problem = Status(Errc::audit_chain_broken,
                       where(e) + " does not chain to its predecessor" +
                           (e.seq > 1 ? " (" + where(previous) + " was altered or replaced)" : ""));
      return false;
    }
    if (!hash_ok) {
      problem = Status(Errc::audit_hash_mismatch,
                       where(e) + ": its stored hash does not match its content (altered)");
      return false;
    }
    Tracked& t = tracked[e.item_id];
    if (e.item_seq != t.seen + 1) {
      problem = Status(Errc::audit_sequence_gap,
                       where(e) + " follows item_seq " + std::to_string(t.seen) +
                           " of its item: events were deleted, inserted or reordered");
      return false;
    }
    if (e.item_prev_hash != t.hash) {
      problem = Status(Errc::audit_chain_broken,
                       where(e) + " does not chain to its item's previous event");
      return false;
    }
    // The locator the store reads the item's history by (not hashed, so checked here).
    if (e.item_prev_seq != t.seq) {
      problem = Status(Errc::audit_chain_broken,
                       where(e) + " locates its item's previous event at seq " +
                           std::to_string(e.item_prev_seq) + ", not at seq " +
                           std::to_string(t.seq) + " (its item_prev_seq was altered)");
      return false;
    }
    t.seen = e.item_seq;
    t.hash = e.hash;
    t.seq = e.seq;
    prev_hash = e.hash;
    previous.seq = e.seq;
    previous.item_id.assign(e.item_id);
    previous.item_seq = e.item_seq;
    previous.type.assign(e.type);
    ++expected_seq;
    ++report.events;
    // The engine writes only UTF-8 (the payload's text is checked by its parser): another text is
    // a rewritten event, even when every hash was recomputed after it. Such an item is not
    // replayed further (its state would have no state document to digest).
    for (const auto& [name, text] : {std::pair<const char*, const std::string*>{"actor", &e.actor},
                                     {"role", &e.role},
                                     {"reason", &e.reason},
                                     {"command_id", &e.command_id}}) {
      if (is_valid_utf8(*text)) continue;
      if (replay_problem.ok()) {
        replay_problem = Status(Errc::audit_replay_mismatch,
                                where(e) + ": its " + name +
                                    " is not UTF-8, which the engine never writes (the event was "
                                    "rewritten and rehashed)");
        replay_problem_seq = e.seq;
      }
      t.replaying = false;
      t.item.reset();
      break;
    }

    // The replay, while the item's history is within its projection.
    if (!t.replaying || e.item_seq > t.version) return true;
    if (!t.item) t.item = std::make_unique<Item>();
    Item& item = *t.item;
    Status step = replay_step(item, e, payload, memo);
    if (step.ok() && e.item_seq == t.version) {
      item.id = e.item_id;
      ++report.items;
      if (mismatched.empty() && item_projection_digest(item) != t.state_digest) {
        mismatched = e.item_id;  // described after the scan, which holds the store
        mismatched_item = std::move(t.item);
        mismatched_digest = t.state_digest;
        mismatched_seq = e.seq;
      }
      t.replaying = false;
      t.item.reset();
    }
    if (!step.ok()) {
      if (replay_problem.ok()) {
        replay_problem = step;
        replay_problem_seq = e.seq;
      }
      t.replaying = false;
      t.item.reset();
    }
    return true;
  };
  Status scanned;
  std::optional<Result<ChainHead>> recorded_head;  // read in the same snapshot as the events
  {
    AuditStream stream(store);
    AuditStream::Batch batch;
    bool going = true;
    while (going && stream.next(batch)) {
      for (std::size_t i = 0; i < batch.rows; ++i) {
        const StoredProjection& p = batch.row[i];
        Tracked& t = tracked[p.id];
        if (!p.has_row) continue;  // timer or deadline rows only: found in step 4
        t.version = p.row.version;
        t.last_hash = p.row.last_hash;
        t.last_seq = p.row.last_seq;
        t.state_digest = std::move(batch.row_digest[i]);
      }
      for (std::size_t i = 0; going && i < batch.events; ++i) {
        going = visit(batch.event[i], batch.hash_ok[i] != 0, batch.payload[i]);
      }
    }
    if (!going) stream.stop();
    // A stored value of the projection that does not read (a time, a stage) was changed behind
    // the engine's back, unless SQLite found the damage in the file itself.
    if (Status rows = stream.rows_status(); !rows.ok()) {
      if (rows.code() == Errc::storage_corrupt && !file_damage(rows)) {
        return Status(
            Errc::audit_replay_mismatch,
            "a stored value of the projection does not read (altered): " + rows.message());
      }
      return rows;
    }
    scanned = stream.events_status();
    recorded_head = stream.head();
  }
  // A stored value that does not read was changed behind the engine's back; damage SQLite finds
  // in the file itself stays storage_corrupt (restore a backup; nobody need have tampered).
  if (scanned.code() == Errc::storage_corrupt && !file_damage(scanned)) {
    return Status(Errc::audit_hash_mismatch, "an event does not read: " + scanned.message());
  }
  if (!scanned.ok()) return scanned;
  if (!problem.ok()) return problem;

  // 3. The history ends where the database says: the head read in the same snapshot is the last
  // event, and the item counter has numbered exactly the items that have a history. Newest
  // events deleted or appended show in their item's projection (step 4); whole items deleted
  // from the end (events and projection row), or added, show here.
  auto head = recorded_head ? std::move(*recorded_head) : store.chain_head();
  if (head.status().code() == Errc::storage_corrupt && !file_damage(head.status())) {
    return Status(Errc::audit_head_mismatch, head.status().message());
  }
  if (!head.ok()) return head.status();
  if (head->seq != report.events || head->hash != prev_hash) {
    return Status(Errc::audit_head_mismatch,
                  "the chain head is seq " + std::to_string(head->seq) +
                      " but the last event read is seq " + std::to_string(report.events) +
                      " (the database changed under the audit's snapshot)");
  }
  std::int64_t with_history = 0;
  for (const auto& entry : tracked) with_history += entry.second.seen > 0 ? 1 : 0;
  if (with_history != head->items) {
    return Status(
        Errc::audit_head_mismatch,
        "the item counter has numbered " + std::to_string(head->items) + " items but " +
            std::to_string(with_history) + " have a history: " +
            (with_history < head->items ? "the newest items were deleted" : "items were added") +
            " (events and projection rows)");
  }
  report.head = *head;

  // 4. Every projection row matches its history, and every history has a projection row. The
  // first finding by item id, so that the report does not depend on hash-map order.
  std::string first_id;
  Status mismatch;
  for (const auto& [id, t] : tracked) {
    if (!first_id.empty() && id > first_id) continue;
    Status found;
    if (t.version < 0 && t.seen == 0) {
      found = Status(Errc::audit_replay_mismatch,
                     "item " + id +
                         " has timer or deadline rows but neither a projection row nor events "
                         "(rows added, or an item deleted)");
    } else if (t.version < 0) {
      found = Status(Errc::audit_replay_mismatch, "item " + id + " has " + std::to_string(t.seen) +
                                                      " events but no projection row (deleted)");
    } else if (t.seen == 0) {
      found = Status(Errc::audit_replay_mismatch,
                     "item " + id + " is in the projection but has no events (deleted)");
    } else if (t.seen != t.version) {
      found = Status(Errc::audit_replay_mismatch, "item " + id + " is at version " +
                                                      std::to_string(t.version) +
                                                      " in the projection but its history has " +
                                                      std::to_string(t.seen) + " events");
    } else if (t.hash != t.last_hash) {
      found = Status(Errc::audit_replay_mismatch,
                     "item " + id +
                         ": the projection's last_hash is not the hash of its last "
                         "event (the next event would chain to a forged hash)");
    } else if (t.seq != t.last_seq) {
      found = Status(Errc::audit_replay_mismatch,
                     "item " + id + ": the projection locates its last event at seq " +
                         std::to_string(t.last_seq) + ", but it is seq " + std::to_string(t.seq) +
                         " (its last_seq was altered; its history would not read)");
    }
    if (!found.ok()) {
      first_id = id;
      mismatch = found;
    }
  }
  if (!mismatch.ok()) return mismatch;

  // 5. Every history replays to its projection: the first finding in seq order.
  if (!replay_problem.ok() && (mismatched.empty() || replay_problem_seq < mismatched_seq)) {
    return replay_problem;
  }
  if (!mismatched.empty()) {
    const std::string detail = describe_mismatch(store, *mismatched_item, mismatched_digest);
    return Status(Errc::audit_replay_mismatch,
                  "item " + mismatched + " does not replay to its stored state" + detail);
  }
  return report;
}

}  // namespace gongkai
