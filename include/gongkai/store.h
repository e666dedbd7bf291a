// gongkai — the store: where the history, the projection and the idempotency keys live.
//
// The engine depends on this interface only. gongkai ships a SQLite implementation
// (open_sqlite_store); a server database can implement the same contract. Every commit is atomic:
// the events, the projection row and the command record land together or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/channel.h"
#include "gongkai/event.h"
#include "gongkai/lifecycle.h"
#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai {

// One item's row of the projection: its current stage and version, and its full state as JSON
// — all of it but its long texts (the content and the interpretation), which are kept apart and
// written only when they change (a command rewrites the row; a disclosure's text may be hundreds
// of kilobytes).
struct ItemRecord {
  std::string id;
  std::string unit_id;
  std::string standard_id;
  std::int64_t definition_version = 0;
  Stage stage = Stage::drafting;
  std::int64_t version = 0;
  Instant created_at{};
  Instant updated_at{};
  std::string title;
  std::string state_json;      // the engine's serialisation of the Item but its id and long texts
  std::string content;         // the item's content (Item::content)
  std::string interpretation;  // the item's interpretation material (Item::interpretation)
  std::string last_hash;       // the hash of the item's last event (set by the store)
  std::int64_t last_seq = 0;   // the seq of the item's last event (set by the store)
};

// An event to append; the store assigns seq, item_seq and the hashes.
struct NewEvent {
  std::string type;
  std::string actor;
  std::string role;
  std::string reason;
  std::string command_id;
  Instant at{};
  std::string payload = "{}";
  std::int64_t definition_version = 0;
  std::string calendar_version;
};

// A timer the engine must fire: the next escalation step of a deadline, or a scheduled
// publication. Part of an item's projection; replaced with it on every commit.
struct TimerRecord {
  std::string item_id;
  std::string key;  // "deadline:<deadline id>:<step>", "notice:<notice id>" or "publish"
  Instant fire_at{};
};

// A deadline row of the projection, for cross-item queries (overdue lists, reports).
struct DeadlineRecord {
  std::string item_id;
  std::string deadline_id;
  std::string kind;
  std::string state;  // DeadlineState name
  Instant due{};
};

// An item's timer and deadline rows.
struct ScheduleRows {
  std::vector<TimerRecord> timers;
  std::vector<DeadlineRecord> deadlines;
};

// One item's part of the projection as stored: its row, and its timer and deadline rows.
struct StoredProjection {
  std::string id;
  bool has_row = false;  // false: timer or deadline rows of an item that has no projection row
  ItemRecord row;        // the projection row when has_row
  std::vector<TimerRecord> timers;        // by key (byte order)
  std::vector<DeadlineRecord> deadlines;  // by deadline id (byte order)
};

// One atomic change of one item.
struct CommitRequest {
  // The item; empty to create a new item (the store assigns the id, "gk-" and 6+ digits).
  std::string item_id;
  // The version the item must have when the commit lands (0 when creating). A mismatch is
  // version_conflict and nothing is written.
  std::int64_t expected_version = 0;
  // The events to append, in order (at least one).
  std::vector<NewEvent> events;
  // The projection after the events; its id and version are filled in by the store.
  ItemRecord projection;
  // Whether projection.content and projection.interpretation are to be written: false when the
  // events left both as stored at expected_version (the store then does not touch them). A new
  // item's are always written.
  bool write_texts = true;
  // The idempotency key, or empty. When a command with this id was already committed, nothing is
  // written and the outcome reports the earlier commit (`repeated`).
  std::string command_id;
  // What the command asked for, to tell a true repeat from a reused key (compared byte for byte).
  std::string command_fingerprint;
  // The item's timers and deadline rows after the events; they replace the stored ones.
  std::vector<TimerRecord> timers;
  std::vector<DeadlineRecord> deadlines;
  // The item's timer and deadline rows as stored at expected_version, when the caller knows them
  // (the rows of the item it evaluated the events on, which every commit wrote with that
  // version): the store then writes what differs from them without reading the stored rows (a
  // sixth of a batched commit's work). std::nullopt, or a new item: the store compares with the
  // stored rows.
  std::optional<ScheduleRows> schedule_before;
  // Deliveries to add to the outbox, and outbox rows to update (by id), in the same transaction.
  std::vector<Delivery> new_deliveries;
  std::vector<Delivery> delivery_updates;
};

// What a commit did.
struct CommitOutcome {
  std::string item_id;
  std::int64_t version = 0;  // the item's version after the commit (or after the earlier one)
  bool repeated = false;     // the command id had been committed before; nothing was written
  std::string command_fingerprint;  // the earlier command's fingerprint when repeated
  std::vector<Event> events;  // the appended events with their seq and hashes (empty if repeated)
};

// A stored version of the definitions.
struct DefinitionVersion {
  std::int64_t version = 0;
  std::string digest;
  Instant loaded_at{};
  std::string canonical_json;
};

// Filter for list_deliveries and count_deliveries. Empty fields match everything.
struct DeliveryQuery {
  std::string item_id;
  std::string channel;
  std::string state;  // "pending", "delivered", "retrying", "failed"
  // Rows of these units only (none when the list is empty); std::nullopt = every unit.
  std::optional<std::vector<std::string>> units;
  std::int64_t limit = 0;
};

// A stored version of the calendars: every calendar file as loaded.
struct CalendarSetVersion {
  std::int64_t version = 0;
  std::string digest;
  Instant loaded_at{};
  std::string files_json;  // {"cn.json": "<text>", ...}
};

// Filter for list_items. Empty fields match everything.
struct ItemQuery {
  std::string unit_id;
  std::optional<Stage> stage;
  std::int64_t limit = 0;  // 0 = no limit
  std::int64_t offset = 0;
};

// A committed command, found by its idempotency key.
struct CommandRecord {
  std::string item_id;
  std::int64_t item_version = 0;  // the item's version right after the command
  std::string fingerprint;
};

// Where the history ends: the last event of the database-wide chain, and how many items the
// database has numbered (every new item takes the next number of a counter written in the same
// transaction as its first event).
struct ChainHead {
  std::int64_t seq = 0;
  std::string hash;
  std::int64_t items = 0;
};

// A store of histories. Implementations are safe to call from several threads (they may
// serialise internally) and from several processes on the same database.
class Store {
 public:
  virtual ~Store() = default;

  // Applies each request atomically and independently, in order; a failed request writes nothing
  // and does not affect the others. Errors per request: version_conflict, item_not_found (a
  // non-empty item_id that does not exist), storage_* errors. A storage error that makes the
  // whole batch fail is reported for every request.
  virtual std::vector<Result<CommitOutcome>> commit(const std::vector<CommitRequest>& requests) = 0;

  // Supplies the requests of commit_pulled one at a time: the next request, or nullptr when there
  // are none (yet). A request it gives must stay valid until commit_pulled returns.
  using NextRequest = std::function<const CommitRequest*()>;
  // As commit, but with the requests pulled from `next` while the transaction is open, until it
  // gives nullptr; then the transaction commits (or, when every request was refused, ends without
  // writing). A caller can so add requests that arrive while the transaction is being written: a
  // group commit gathers more requests under one fsync. Returns one result per request pulled, in
  // the order pulled. When the transaction fails as a whole, every request pulled gets the error,
  // and so does every request `next` still gives (pulled to be answered, never left out).
  virtual std::vector<Result<CommitOutcome>> commit_pulled(const NextRequest& next) = 0;

  // The item's projection row; std::nullopt when there is no such item.
  virtual Result<std::optional<ItemRecord>> get_item(const std::string& id) = 0;
  // Projection rows matching `query`, ordered by id.
  virtual Result<std::vector<ItemRecord>> list_items(const ItemQuery& query) = 0;
  // The item's events in item_seq order, up to and including `max_item_seq` (0 = all), as of its
  // projection row. An unknown item (no projection row) gives an empty vector. A history that
  // does not link back from the row to the item's first event (a missing event, a locator or
  // hash that does not match) is storage_corrupt naming the item.
  virtual Result<std::vector<Event>> history(const std::string& item_id,
                                             std::int64_t max_item_seq = 0) = 0;
  // Calls `visit` for every event in seq order (for audits). Stops early, returning ok, when visit
  // returns false. `visit` must not call back into the store; the event it is given is valid only
  // during the call (it may be one object refilled row after row).
  virtual Status scan_events(const std::function<bool(const Event&)>& visit) = 0;
  // The command committed under `command_id`; std::nullopt when none was.
  virtual Result<std::optional<CommandRecord>> find_command(const std::string& command_id) = 0;
  // Calls `visit` for every projection row in id order. `visit` must not call back into the
  // store.
  virtual Status scan_items(const std::function<bool(const ItemRecord&)>& visit) = 0;
  // Calls `visit` for every item id that has a projection row, timer rows or deadline rows, in
  // id order (byte order), from `from_id` on ("" = the first), with all of its rows: the three
  // tables merged (for audits; inside read_snapshot the tables are read as of one commit). Stops
  // early, returning ok, when visit returns false. `visit` must not call back into the store. The
  // object it gets is refilled from call to call: `visit` may take its contents (swap it with an
  // object of its own, whose storage the scan then reuses). A stored value
  // that does not read is storage_corrupt naming the item; rows out of id order (an id stored as
  // another type than text) are storage_corrupt too, and so are an item the index of items by
  // stage lists under another stage than its own (SQLite stores: its last event at or before the
  // index's listed_seq, docs/storage.md) and a listed_seq that does not read.
  virtual Status scan_projection(const std::function<bool(StoredProjection&)>& visit,
                                 const std::string& from_id = "") = 0;
  // The chain head (seq 0, "" and 0 items for an empty database).
  virtual Result<ChainHead> chain_head() = 0;
  // Runs `body` with every read the calling thread makes through this store inside one read
  // transaction: they all see the database as of one commit, while other threads and processes
  // go on committing (an audit reads the projection, the events and the head this way, so that a
  // commit landing between its reads is not mistaken for tampering). Reads of other threads are
  // not affected; `body` must not commit. Returns what `body` returns, or storage_* when the
  // transaction cannot begin.
  virtual Status read_snapshot(const std::function<Status()>& body) = 0;

  // Stores a new definitions version unless the latest one has the same digest; returns the
  // version (the latest, or the new one, numbered 1, 2, ...). A digest an earlier version holds
  // becomes a new version again: the latest version is the one in force. Atomic across processes.
  virtual Result<DefinitionVersion> add_definitions(const std::string& digest,
                                                    const std::string& canonical_json,
                                                    Instant loaded_at) = 0;
  // Every stored definitions version, oldest first.
  virtual Result<std::vector<DefinitionVersion>> definition_versions() = 0;

  // Stores a new calendars version unless the latest one has the same digest; returns the version
  // (the latest, or the new one). As add_definitions, an earlier digest becomes a new version.
  virtual Result<CalendarSetVersion> add_calendars(const std::string& digest,
                                                   const std::string& files_json,
                                                   Instant loaded_at) = 0;
  // Every stored calendars version, oldest first.
  virtual Result<std::vector<CalendarSetVersion>> calendar_versions() = 0;

  // Timers due at or before `now`, earliest first, at most `limit`.
  virtual Result<std::vector<TimerRecord>> due_timers(Instant now, std::int64_t limit) = 0;
  // The earliest timer; std::nullopt when there is none.
  virtual Result<std::optional<TimerRecord>> next_timer() = 0;
  // Deadline rows that are breached, or pending with `due` at or before `now`, by due instant.
  virtual Result<std::vector<DeadlineRecord>> overdue_deadlines(Instant now,
                                                                std::int64_t limit) = 0;
  // Ids of the items with at least one open (pending, breached or paused) deadline or a running
  // notice period (a timer "notice:<id>"): what a calendar change may move.
  virtual Result<std::vector<std::string>> items_with_open_deadlines() = 0;
  // Outbox rows that are pending or retrying with next_attempt_at <= now, oldest first.
  virtual Result<std::vector<Delivery>> due_deliveries(Instant now, std::int64_t limit) = 0;
  // Outbox rows matching `query`, by creation.
  virtual Result<std::vector<Delivery>> list_deliveries(const DeliveryQuery& query) = 0;
  // How many outbox rows match `query` (its limit ignored), without reading them.
  virtual Result<std::int64_t> count_deliveries(const DeliveryQuery& query) = 0;
  // One outbox row; std::nullopt when there is none.
  virtual Result<std::optional<Delivery>> get_delivery(const std::string& id) = 0;

  // A small key-value note kept beside the history (e.g. the calendar versions last in force).
  virtual Result<std::string> get_note(const std::string& key) = 0;
  virtual Status set_note(const std::string& key, const std::string& value) = 0;

  // True when the database was initialised as a simulation (its clock may be set by commands).
  virtual bool is_simulation() const = 0;

  // Simulation databases only: opens a batch. Every commit() until end_batch() goes into one
  // transaction (each request still applied atomically and independently, in a savepoint of its
  // own), so thousands of commands cost one transaction's writes instead of one each. Until
  // end_batch() the batch's commits are neither durable nor visible to other connections or
  // processes; reads through this store see them (it reads on the connection that writes —
  // an implementation with separate read connections must read on the writing one while a batch
  // is open). add_definitions, add_calendars and set_note must not be called while a batch is
  // open. A batch still open when the store is destroyed is rolled back. Errors: simulation_only
  // (a production database), invalid_argument (a batch is open already), storage errors.
  virtual Status begin_batch() = 0;
  // Commits the open batch. When that fails, every commit since begin_batch() is rolled back and
  // the error is returned. Errors: invalid_argument (no batch open), storage errors.
  virtual Status end_batch() = 0;
};

// How to open a SQLite store.
struct SqliteOptions {
  // Create the file and schema when missing (`gongkai init`). Without it a missing file is
  // database_missing.
  bool create = false;
  // Mark a newly created database as a simulation. Ignored for an existing database.
  bool simulation = false;
  // Open read-only (audits, queries on a read-only file).
  bool read_only = false;
  // PRAGMA synchronous: "FULL" (default; a commit is on disk when acknowledged), "NORMAL", or
  // "OFF" — a simulation database only (invalid_argument otherwise): nothing is ever synced, an
  // operating-system crash may corrupt the file.
  std::string synchronous = "FULL";
  // How long to wait for another process's lock before storage_busy.
  int busy_timeout_ms = 10000;
  // How many events may be committed before the index of items by stage is brought up to date,
  // in the transaction of the command that reaches the count (at least 1; invalid_argument
  // otherwise). A command that moves its item to another stage writes no entry of that index;
  // list_items by stage reads the index and the items of the events committed since it was last
  // brought up to date, so a listing is always current. Larger: fewer index writes, each listing
  // by stage reads more events.
  std::int64_t stage_index_lag = 256;
};

// Opens (or with options.create, creates) a SQLite database file in WAL mode and migrates its
// schema forward. Errors: database_missing, not_a_gongkai_database (a file that is not SQLite or
// not gongkai's), schema_too_new, storage_read_only, storage_corrupt, storage_error. The returned
// store owns its connection and closes it on destruction.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options = {});

}  // namespace gongkai
