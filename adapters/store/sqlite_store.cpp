// The SQLite store (SQLiteCpp). Schema and hash chain: docs/storage.md.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gongkai/store.h"

namespace gongkai {
namespace {

// 'gkai' — marks a SQLite file as gongkai's (PRAGMA application_id).
constexpr int kApplicationId = 0x676B6169;
// The schema this build writes; older files are migrated forward on open.
constexpr int kSchemaVersion = 8;

// Forward migrations: kMigrations[v] takes a database from user_version v to v + 1.
const char* const kMigrations[] = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE definitions (
  version        INTEGER PRIMARY KEY,
  digest         TEXT NOT NULL UNIQUE,
  loaded_at      TEXT NOT NULL,
  canonical_json TEXT NOT NULL
);
CREATE TABLE events (
  seq                INTEGER PRIMARY KEY,
  item_id            TEXT    NOT NULL,
  item_seq           INTEGER NOT NULL,
  type               TEXT    NOT NULL,
  actor              TEXT    NOT NULL,
  role               TEXT    NOT NULL,
  reason             TEXT    NOT NULL,
  command_id         TEXT    NOT NULL,
  at                 TEXT    NOT NULL,
  payload            TEXT    NOT NULL,
  definition_version INTEGER NOT NULL,
  calendar_version   TEXT    NOT NULL,
  item_prev_hash     TEXT    NOT NULL,
  prev_hash          TEXT    NOT NULL,
  hash               TEXT    NOT NULL,
  UNIQUE (item_id, item_seq)
);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE items (
  id                 TEXT PRIMARY KEY,
  unit_id            TEXT    NOT NULL,
  standard_id        TEXT    NOT NULL,
  definition_version INTEGER NOT NULL,
  stage              TEXT    NOT NULL,
  version            INTEGER NOT NULL,
  created_at         TEXT    NOT NULL,
  updated_at         TEXT    NOT NULL,
  title              TEXT    NOT NULL,
  last_hash          TEXT    NOT NULL,
  state              TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX items_by_unit_stage ON items (unit_id, stage);
CREATE INDEX items_by_stage ON items (stage);
CREATE TABLE commands (
  command_id   TEXT PRIMARY KEY,
  item_id      TEXT    NOT NULL,
  item_version INTEGER NOT NULL,
  fingerprint  TEXT    NOT NULL
) WITHOUT ROWID;
)sql",
    // 1 -> 2: legal time — calendars, deadline rows and timers beside the projection.
    R"sql(
CREATE TABLE calendar_sets (
  version    INTEGER PRIMARY KEY,
  digest     TEXT NOT NULL UNIQUE,
  loaded_at  TEXT NOT NULL,
  files_json TEXT NOT NULL
);
CREATE TABLE deadlines (
  item_id     TEXT NOT NULL,
  deadline_id TEXT NOT NULL,
  kind        TEXT NOT NULL,
  state       TEXT NOT NULL,
  due         TEXT NOT NULL,
  PRIMARY KEY (item_id, deadline_id)
) WITHOUT ROWID;
CREATE INDEX deadlines_by_state_due ON deadlines (state, due);
CREATE TABLE timers (
  item_id TEXT NOT NULL,
  key     TEXT NOT NULL,
  fire_at TEXT NOT NULL,
  PRIMARY KEY (item_id, key)
) WITHOUT ROWID;
CREATE INDEX timers_by_fire_at ON timers (fire_at);
)sql",
    // 2 -> 3: the transactional outbox of channel deliveries.
    R"sql(
CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,
  item_id         TEXT    NOT NULL,
  item_version    INTEGER NOT NULL,
  unit_id         TEXT    NOT NULL,
  channel         TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  document        TEXT    NOT NULL,
  state           TEXT    NOT NULL,
  attempts        INTEGER NOT NULL,
  last_error      TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  next_attempt_at TEXT    NOT NULL,
  delivered_at    TEXT
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_by_item ON deliveries (item_id, created_at);
)sql",
    // 3 -> 4: items and deliveries become rowid tables. Their rows (an item's state document of
    // about 1 KB, a delivery's document) are longer than a WITHOUT ROWID table keeps in its page
    // (about 1 KB of a 4 KB page), so every write of one also wrote an overflow page: one page in
    // ten of a command (docs/performance.md). The indexes end with the id, so a listing by stage
    // or unit still comes in id order without a sort; the unit's index no longer holds the stage,
    // so a change of stage rewrites one index entry, not two (a listing by unit and stage reads
    // one of the two indexes and filters on the other column).
    R"sql(
CREATE TABLE items_v4 (
  id                 TEXT PRIMARY KEY,
  unit_id            TEXT    NOT NULL,
  standard_id        TEXT    NOT NULL,
  definition_version INTEGER NOT NULL,
  stage              TEXT    NOT NULL,
  version            INTEGER NOT NULL,
  created_at         TEXT    NOT NULL,
  updated_at         TEXT    NOT NULL,
  title              TEXT    NOT NULL,
  last_hash          TEXT    NOT NULL,
  state              TEXT    NOT NULL
);
INSERT INTO items_v4 (id, unit_id, standard_id, definition_version, stage, version, created_at,
                      updated_at, title, last_hash, state)
  SELECT id, unit_id, standard_id, definition_version, stage, version, created_at, updated_at,
         title, last_hash, state FROM items ORDER BY id;
DROP TABLE items;
ALTER TABLE items_v4 RENAME TO items;
CREATE INDEX items_by_unit ON items (unit_id, id);
CREATE INDEX items_by_stage ON items (stage, id);
CREATE TABLE deliveries_v4 (
  id              TEXT PRIMARY KEY,
  item_id         TEXT    NOT NULL,
  item_version    INTEGER NOT NULL,
  unit_id         TEXT    NOT NULL,
  channel         TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  document        TEXT    NOT NULL,
  state           TEXT    NOT NULL,
  attempts        INTEGER NOT NULL,
  last_error      TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  next_attempt_at TEXT    NOT NULL,
  delivered_at    TEXT
);
INSERT INTO deliveries_v4 (id, item_id, item_version, unit_id, channel, kind, document, state,
                           attempts, last_error, created_at, next_attempt_at, delivered_at)
  SELECT id, item_id, item_version, unit_id, channel, kind, document, state, attempts,
         last_error, created_at, next_attempt_at, delivered_at FROM deliveries ORDER BY id;
DROP TABLE deliveries;
ALTER TABLE deliveries_v4 RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at, id);
CREATE INDEX deliveries_by_item ON deliveries (item_id, created_at, id);
)sql",
    // 4 -> 5: a digest may come back. Loading again a catalogue or calendar set that an earlier
    // (not the latest) version holds puts it in force again as a new version with the same digest
    // (the history stays append-only: versions are never renumbered or reused), so the digest is
    // no longer UNIQUE; a load compares with the latest version only.
    R"sql(
CREATE TABLE definitions_v5 (
  version        INTEGER PRIMARY KEY,
  digest         TEXT NOT NULL,
  loaded_at      TEXT NOT NULL,
  canonical_json TEXT NOT NULL
);
INSERT INTO definitions_v5 (version, digest, loaded_at, canonical_json)
  SELECT version, digest, loaded_at, canonical_json FROM definitions ORDER BY version;
DROP TABLE definitions;
ALTER TABLE definitions_v5 RENAME TO definitions;
CREATE TABLE calendar_sets_v5 (
  version    INTEGER PRIMARY KEY,
  digest     TEXT NOT NULL,
  loaded_at  TEXT NOT NULL,
  files_json TEXT NOT NULL
);
INSERT INTO calendar_sets_v5 (version, digest, loaded_at, files_json)
  SELECT version, digest, loaded_at, files_json FROM calendar_sets ORDER BY version;
DROP TABLE calendar_sets;
ALTER TABLE calendar_sets_v5 RENAME TO calendar_sets;
)sql",
    // 5 -> 6: fewer pages per commit (docs/performance.md).
    // - An item's history is found by locators instead of an index. The UNIQUE (item_id,
    //   item_seq) index of the events was a B-tree insert at a random place for every event — at
    //   64 commands per transaction the largest single cost of a commit. Each event now records
    //   the seq of its item's previous event (item_prev_seq, 0 for the first) and each projection
    //   row the seq of its item's last event (last_seq): a history is read from the row back to
    //   the first event by seq, each step checked against the hashes (Store::history). The
    //   uniqueness the index enforced is the commit's expected-version check inside its write
    //   transaction; audit verify checks every locator.
    // - The chain head is the last event, not a copy of it in meta that every commit rewrote (one
    //   page of four of a lone command). What the copy let audit verify find — the newest events
    //   deleted — it finds by the projection (an item's last events) and by the item counter
    //   (whole items).
    R"sql(
CREATE TABLE events_v6 (
  seq                INTEGER PRIMARY KEY,
  item_id            TEXT    NOT NULL,
  item_seq           INTEGER NOT NULL,
  item_prev_seq      INTEGER NOT NULL,
  type               TEXT    NOT NULL,
  actor              TEXT    NOT NULL,
  role               TEXT    NOT NULL,
  reason             TEXT    NOT NULL,
  command_id         TEXT    NOT NULL,
  at                 TEXT    NOT NULL,
  payload            TEXT    NOT NULL,
  definition_version INTEGER NOT NULL,
  calendar_version   TEXT    NOT NULL,
  item_prev_hash     TEXT    NOT NULL,
  prev_hash          TEXT    NOT NULL,
  hash               TEXT    NOT NULL
);
INSERT INTO events_v6 (seq, item_id, item_seq, item_prev_seq, type, actor, role, reason,
                       command_id, at, payload, definition_version, calendar_version,
                       item_prev_hash, prev_hash, hash)
  SELECT e.seq, e.item_id, e.item_seq,
         COALESCE((SELECT p.seq FROM events p
                   WHERE p.item_id = e.item_id AND p.item_seq = e.item_seq - 1), 0),
         e.type, e.actor, e.role, e.reason, e.command_id, e.at, e.payload, e.definition_version,
         e.calendar_version, e.item_prev_hash, e.prev_hash, e.hash
  FROM events e ORDER BY e.seq;
ALTER TABLE items ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE items SET last_seq = COALESCE((SELECT e.seq FROM events e
                                      WHERE e.item_id = items.id AND e.item_seq = items.version),
                                     0);
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
DELETE FROM meta WHERE key IN ('head_seq', 'head_hash');
)sql",
    // 6 -> 7: an item's long texts — its content and its interpretation material — are kept in a
    // row of their own, written only when they change (a command rewrites its item's projection
    // row, and a disclosure's text may be hundreds of kilobytes: with 20 KB contents 64 callers
    // managed a quarter of the commands they do with none). Items whose texts are both empty have
    // no row. json_remove leaves the rest of each document as it was, byte for byte (SQLite keeps
    // each member's text as it read it); a member that is not text stays, to be found corrupt.
    R"sql(
CREATE TABLE item_texts (
  id             TEXT PRIMARY KEY,
  content        TEXT NOT NULL,
  interpretation TEXT NOT NULL
);
INSERT INTO item_texts (id, content, interpretation)
  SELECT id, content, interpretation FROM (
    SELECT id,
           CASE WHEN json_type(state, '$.content') = 'text'
                THEN json_extract(state, '$.content') ELSE '' END AS content,
           CASE WHEN json_type(state, '$.interpretation') = 'text'
                THEN json_extract(state, '$.interpretation') ELSE '' END AS interpretation
    FROM items WHERE json_valid(state))
  WHERE content <> '' OR interpretation <> ''
  ORDER BY id;
UPDATE items SET state = json_remove(state, '$.content')
  WHERE json_valid(state) AND json_type(state, '$.content') = 'text';
UPDATE items SET state = json_remove(state, '$.interpretation')
  WHERE json_valid(state) AND json_type(state, '$.interpretation') = 'text';
)sql",
    // 7 -> 8: the index of items by stage is kept up to date in bulk, not by every command. A
    // command that moved its item to another stage rewrote the item's entry in the index of
    // stages: one page of the three a lone command wrote (docs/performance.md). The index is now
    // on `listed_stage`, a copy of the stage brought up to date for every item with events after
    // meta's `listed_seq` once enough have gathered (SqliteOptions::stage_index_lag), in the
    // transaction of the command that gathers them. Invariant: an item whose last event is at or
    // before `listed_seq` is listed under its stage. A listing by stage reads the index for those
    // and the items of the events after `listed_seq` for the others (list_items); audit verify
    // checks the invariant (scan_projection).
    R"sql(
ALTER TABLE items ADD COLUMN listed_stage TEXT NOT NULL DEFAULT '';
UPDATE items SET listed_stage = stage;
DROP INDEX IF EXISTS items_by_stage;
CREATE INDEX items_by_listed_stage ON items (listed_stage, id);
INSERT INTO meta (key, value)
  VALUES ('listed_seq', (SELECT CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events));
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

Status from_sqlite(const SQLite::Exception& e, const std::string& what) {
  const int primary = e.getErrorCode() & 0xff;
  const std::string message = what + ": " + e.what();
  switch (primary) {
    case SQLITE_FULL:
      return Status(Errc::storage_full, message);
    case SQLITE_READONLY:
      return Status(Errc::storage_read_only, message);
    case SQLITE_CORRUPT:
      // Damage SQLite itself found in the file (not a stored value that does not read).
      return Status(Errc::storage_corrupt, message, R"({"damage":"file"})");
    case SQLITE_NOTADB:
      return Status(Errc::not_a_gongkai_database, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Errc::storage_busy, message);
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      return Status(Errc::storage_error, message);
    default:
      return Status(Errc::storage_error, message);
  }
}

// A stored value that does not read (a damaged or tampered row).
struct CorruptValue : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Status from_exception(const std::exception& e, const std::string& what) {
  if (const auto* s = dynamic_cast<const SQLite::Exception*>(&e)) return from_sqlite(*s, what);
  if (dynamic_cast<const CorruptValue*>(&e)) {
    return Status(Errc::storage_corrupt, what + ": " + e.what());
  }
  return Status(Errc::internal, what + ": " + e.what());
}

// A text column's bytes, valid until the statement steps.
std::string_view text_of(const SQLite::Column& c) {
  const char* text = c.getText();  // before getBytes: the bytes of the text form
  return std::string_view(text, static_cast<std::size_t>(c.getBytes()));
}

// `out` = the column's text, reusing out's storage (a scan reads many rows into the same strings).
void assign(std::string& out, const SQLite::Column& c) {
  const std::string_view text = text_of(c);
  out.assign(text.data(), text.size());
}

// The column's instant, parsed without copying its text first.
Instant read_instant(const SQLite::Column& c) {
  const std::string_view text = text_of(c);
  auto parsed = parse_instant(text);
  if (!parsed.ok()) throw CorruptValue("a stored time does not read: '" + std::string(text) + "'");
  return *parsed;
}

Stage read_stage(const SQLite::Column& c) {
  auto stage = parse_stage(c.getString());
  if (!stage) throw CorruptValue("a stored stage is unknown: '" + c.getString() + "'");
  return *stage;
}

constexpr const char* kEventColumns =
    "seq, item_id, item_seq, type, actor, role, reason, command_id, at, payload, "
    "definition_version, calendar_version, item_prev_hash, prev_hash, hash, item_prev_seq";

// The same columns read from a file of schema 5 or older opened read-only (an auditor's open does
// not migrate): the locator the migration would write, found through that schema's
// (item_id, item_seq) index.
constexpr const char* kEventColumnsBefore6 =
    "seq, item_id, item_seq, type, actor, role, reason, command_id, at, payload, "
    "definition_version, calendar_version, item_prev_hash, prev_hash, hash, "
    "COALESCE((SELECT p.seq FROM events p WHERE p.item_id = events.item_id "
    "AND p.item_seq = events.item_seq - 1), 0)";

// Reads the current row of a SELECT of kEventColumns into `e`, whose strings keep their capacity
// from row to row (a scan of every event allocates little once they have grown).
void read_event_into(SQLite::Statement& q, Event& e) {
  e.seq = q.getColumn(0).getInt64();
  try {
    e.at = read_instant(q.getColumn(8));
  } catch (const CorruptValue& bad) {
    throw CorruptValue("event seq " + std::to_string(e.seq) + ": " + bad.what());
  }
  assign(e.item_id, q.getColumn(1));
  e.item_seq = q.getColumn(2).getInt64();
  assign(e.type, q.getColumn(3));
  assign(e.actor, q.getColumn(4));
  assign(e.role, q.getColumn(5));
  assign(e.reason, q.getColumn(6));
  assign(e.command_id, q.getColumn(7));
  assign(e.payload, q.getColumn(9));
  e.definition_version = q.getColumn(10).getInt64();
  assign(e.calendar_version, q.getColumn(11));
  assign(e.item_prev_hash, q.getColumn(12));
  assign(e.prev_hash, q.getColumn(13));
  assign(e.hash, q.getColumn(14));
  e.item_prev_seq = q.getColumn(15).getInt64();
}

Event read_event(SQLite::Statement& q) {
  Event e;
  read_event_into(q, e);
  return e;
}

constexpr const char* kDeliveryColumns =
    "id, item_id, item_version, unit_id, channel, kind, document, state, attempts, last_error, "
    "created_at, next_attempt_at, delivered_at";

Delivery read_delivery(SQLite::Statement& q) {
  Delivery d;
  d.id = q.getColumn(0).getString();
  d.item_id = q.getColumn(1).getString();
  d.item_version = q.getColumn(2).getInt64();
  d.unit_id = q.getColumn(3).getString();
  d.channel = q.getColumn(4).getString();
  d.kind = q.getColumn(5).getString();
  d.document = q.getColumn(6).getString();
  d.state = q.getColumn(7).getString();
  d.attempts = q.getColumn(8).getInt();
  d.last_error = q.getColumn(9).getString();
  d.created_at = read_instant(q.getColumn(10));
  d.next_attempt_at = read_instant(q.getColumn(11));
  if (!q.getColumn(12).isNull()) d.delivered_at = read_instant(q.getColumn(12));
  return d;
}

// The projection row's columns read_item_into reads, in its order, from a file of `schema` (from
// items_from_): the long texts from their own table, joined (absent: empty), and the locator
// last_seq (see last_seq_). A file of schema 6 or older opened read-only (an auditor's) keeps the
// long texts in the state document: it is read as schema 7 stores it (what is not JSON, or not
// text, is left as it is).
std::string item_columns(int schema, const std::string& last_seq) {
  static constexpr const char* kTexts[] = {"content", "interpretation"};
  std::string state = "state";
  std::string texts;
  for (const std::string field : kTexts) {
    const std::string is_text =
        "json_valid(state) AND json_type(state, '$." + field + "') = 'text'";
    if (schema >= 7) {
      texts += ", COALESCE(t." + field + ", '')";
    } else {
      texts +=
          ", CASE WHEN " + is_text + " THEN json_extract(state, '$." + field + "') ELSE '' END";
      state = "CASE WHEN " + is_text + " THEN json_remove(" + state + ", '$." + field + "') ELSE " +
              state + " END";
    }
  }
  return "items.id, unit_id, standard_id, definition_version, stage, version, created_at, "
         "updated_at, title, " +
         state + ", last_hash" + texts + ", " + last_seq;
}
// last_seq read from a file of schema 5 or older opened read-only (see kEventColumnsBefore6).
constexpr const char* kItemLastSeqBefore6 =
    "COALESCE((SELECT e.seq FROM events e WHERE e.item_id = items.id "
    "AND e.item_seq = items.version), 0)";

// A whole number as meta stores it (the item counter, listed_seq), or nothing when the text is
// not one.
std::optional<std::int64_t> parse_meta_number(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// Meta's listed_seq for a writer; one that does not read is 0 (the index of items by stage is
// then brought up to date from the first event), never ahead of where the index stands.
std::int64_t read_listed_seq(const SQLite::Column& c) {
  return parse_meta_number(c.getString()).value_or(0);
}

// How many columns item_columns() selects.
constexpr int kItemColumns = 14;

// Reads the row into `r`, reusing its strings' storage (a scan reads many rows into one record).
void read_item_into(SQLite::Statement& q, ItemRecord& r) {
  assign(r.id, q.getColumn(0));
  assign(r.unit_id, q.getColumn(1));
  assign(r.standard_id, q.getColumn(2));
  r.definition_version = q.getColumn(3).getInt64();
  r.stage = read_stage(q.getColumn(4));
  r.version = q.getColumn(5).getInt64();
  r.created_at = read_instant(q.getColumn(6));
  r.updated_at = read_instant(q.getColumn(7));
  assign(r.title, q.getColumn(8));
  assign(r.state_json, q.getColumn(9));
  assign(r.last_hash, q.getColumn(10));
  assign(r.content, q.getColumn(11));
  assign(r.interpretation, q.getColumn(12));
  r.last_seq = q.getColumn(13).getInt64();
}

ItemRecord read_item(SQLite::Statement& q) {
  ItemRecord r;
  read_item_into(q, r);
  return r;
}

std::string format_item_id(std::int64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "gk-" + digits;
}

// Why writes to the database at `path` fail for want of space, or "" when there seems to be room:
// a file of it at the process's file-size limit (RLIMIT_FSIZE), or a file system with less than
// 64 KiB left for this process.
std::string out_of_space(const std::string& path) {
  constexpr std::uintmax_t kSlack = 64 * 1024;
  rlimit limit{};
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    for (const char* suffix : {"", "-wal", "-journal"}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(path + suffix, ec);
      if (!ec && size + kSlack > limit.rlim_cur) {
        return "a file of the database reached the file-size limit of " +
               std::to_string(limit.rlim_cur) + " bytes";
      }
    }
  }
  struct statvfs fs {};
  const auto folder = std::filesystem::path(path).parent_path();
  if (statvfs(folder.empty() ? "." : folder.c_str(), &fs) == 0) {
    const std::uintmax_t blocks = geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
    if (blocks * fs.f_frsize < kSlack) return "no space left on the file system";
  }
  return "";
}

// A failure of one request inside a batch: rolled back to its savepoint, reported to its caller.
struct RequestFailed {
  Status status;
};

class SqliteStore final : public Store {
 public:
  // `reader_path` is the file readers open beside the writing connection; empty for none (an
  // in-memory or read-only database: reads then share the writing connection).
  // `listed_seq` is meta's as read at the open (schema 8 on; see the migration 7 -> 8).
  SqliteStore(std::unique_ptr<SQLite::Database> db, bool simulation, int schema_version,
              std::string reader_path, int busy_timeout_ms, std::int64_t stage_index_lag,
              std::int64_t listed_seq)
      : db_(std::move(db)),
        simulation_(simulation),
        schema_version_(schema_version),
        reader_path_(std::move(reader_path)),
        busy_timeout_ms_(busy_timeout_ms),
        stage_index_lag_(stage_index_lag),
        listed_seq_(listed_seq) {}

  std::vector<Result<CommitOutcome>> commit(const std::vector<CommitRequest>& requests) override {
    std::size_t taken = 0;
    return commit_pulled([&]() -> const CommitRequest* {
      return taken < requests.size() ? &requests[taken++] : nullptr;
    });
  }

  std::vector<Result<CommitOutcome>> commit_pulled(const NextRequest& next) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Result<CommitOutcome>> results;
    if (batch_failure_) {
      while (next()) results.emplace_back(*batch_failure_);
      return results;
    }
    std::size_t pulled = 0;  // a request that failed the transaction has no result yet
    int os_error = 0;        // the system error behind a failed write, read before the rollback
    try {
      // In a batch (begin_batch) the requests go into the batch's transaction, under a savepoint
      // that undoes this call's writes if it fails as a whole.
      std::optional<WriteTransaction> tx;
      if (batch_open_) {
        statement("SAVEPOINT batch_commit")->exec();
      } else {
        tx.emplace(*this);
      }
      try {
        ChainHead head = read_chain_end();
        // A request refused by apply has written nothing (it refuses before its first write), so
        // the others need no savepoint to be kept: each cost a statement journal of the pages its
        // request changed, about a tenth of a batched command's CPU.
        bool written = false;
        while (const CommitRequest* request = next()) {
          ++pulled;
          try {
            results.emplace_back(apply(*request, head));
            written = true;
          } catch (const RequestFailed& failed) {
            results.emplace_back(failed.status);
          }
        }
        const std::optional<std::int64_t> listed =
            written ? list_by_stage_if_due(head.seq) : std::nullopt;
        if (tx && !written) {
          // Every request refused: nothing to write or sync, the transaction rolls back.
          tx.reset();
        } else if (tx) {
          tx->commit();
          if (listed) listed_seq_ = *listed;
        } else {
          statement("RELEASE batch_commit")->exec();
          if (listed) batch_listed_seq_ = *listed;
        }
      } catch (const SQLite::Exception&) {
        os_error = sqlite3_system_errno(db_->getHandle());
        if (!tx) undo_batch_commit();
        throw;  // the transaction rolls back (outside a batch)
      } catch (...) {
        if (!tx) undo_batch_commit();
        throw;
      }
    } catch (const std::exception& e) {
      Status failed = from_exception(e, "cannot commit");
      // A write the file system refused for want of space (ENOSPC, a file-size limit, a quota)
      // comes back from SQLite as SQLITE_FULL or as SQLITE_IOERR_WRITE: both are a full disk.
      // SQLite does not always keep the system error, so a failed write also looks for itself.
      if (failed.code() == Errc::storage_error) {
        std::string why;
        if (os_error == ENOSPC || os_error == EFBIG || os_error == EDQUOT) {
          why = std::strerror(os_error);
        } else if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
                   sqlite && (sqlite->getExtendedErrorCode() & 0xff) == SQLITE_IOERR) {
          why = out_of_space(db_->getFilename());
        }
        if (!why.empty()) failed = Status(Errc::storage_full, failed.message() + " (" + why + ")");
      }
      // SQLite rolls a whole transaction back on some errors (a full disk, I/O): the batch is
      // lost, and says so until end_batch.
      if (batch_open_ && !batch_failure_ && sqlite3_get_autocommit(db_->getHandle())) {
        batch_failure_ = Status(failed.code(), "the batch was rolled back: " + failed.message());
      }
      // Every request pulled fails with the transaction, and so do those not pulled yet.
      while (next()) ++pulled;
      results.assign(pulled, Result<CommitOutcome>(failed));
    }
    return results;
  }

  Result<std::optional<ItemRecord>> get_item(const std::string& id) override {
    try {
      return read([&](const Prepare& prepare) {
        Lease q_lease =
            prepare("SELECT " + item_columns_ + " FROM " + items_from_ + " WHERE items.id = ?");
        SQLite::Statement& q = *q_lease;
        q.bind(1, id);
        if (!q.executeStep()) return std::optional<ItemRecord>();
        return std::optional<ItemRecord>(read_item(q));
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read item " + id);
    }
  }

  Result<std::vector<ItemRecord>> list_items(const ItemQuery& query) override {
    try {
      const std::string unit = query.unit_id.empty() ? "" : " AND unit_id = :unit";
      const std::string select = "SELECT " + item_columns_ + " FROM " + items_from_ + " WHERE ";
      std::string sql;
      if (query.stage && schema_version_ >= 8) {
        // The items listed under the stage whose last event is at or before listed_seq, and
        // those of the events after it in the stage they are in (see the migration 7 -> 8): two
        // disjoint sets, each in id order, merged. A listed_seq that does not read, or none, is 0
        // (every item from its events: slower, still right).
        const std::string listed =
            "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'listed_seq'), 0)";
        sql = select + "listed_stage = :stage AND stage = :stage AND last_seq <= " + listed + unit +
              " UNION ALL " + select + "items.id IN (SELECT item_id FROM events WHERE seq > " +
              listed + ") AND stage = :stage" + unit + " ORDER BY 1";
      } else {
        sql =
            select + "1" + unit + (query.stage ? " AND stage = :stage" : "") + " ORDER BY items.id";
      }
      sql += " LIMIT :limit OFFSET :offset";
      return read([&](const Prepare& prepare) {
        Lease q_lease = prepare(sql);
        SQLite::Statement& q = *q_lease;
        if (!query.unit_id.empty()) q.bind(":unit", query.unit_id);
        if (query.stage) q.bind(":stage", std::string(to_string(*query.stage)));
        q.bind(":limit", static_cast<int64_t>(query.limit > 0 ? query.limit : -1));
        q.bind(":offset", static_cast<int64_t>(query.offset));
        std::vector<ItemRecord> rows;
        while (q.executeStep()) rows.push_back(read_item(q));
        return rows;
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot list items");
    }
  }

  Result<std::vector<Event>> history(const std::string& item_id,
                                     std::int64_t max_item_seq) override {
    try {
      return read([&](const Prepare& prepare) {
        Lease row_lease = prepare("SELECT " + last_seq_ + " FROM items WHERE id = ?");
        SQLite::Statement& row = *row_lease;
        row.bind(1, item_id);
        std::vector<Event> events;
        if (!row.executeStep()) return events;
        std::int64_t seq = row.getColumn(0).getInt64();
        Lease q_lease =
            prepare(std::string("SELECT ") + event_columns_ + " FROM events WHERE seq = ?");
        SQLite::Statement& q = *q_lease;
        // From the last event back to the first, each found by its successor's locator and
        // checked against its successor (its item, its item_seq, the hash its successor links
        // to). Only the row's locator is taken from the projection: a replay stands on the
        // events, whatever else the row says (audit verify compares the two).
        std::int64_t item_seq = 0;  // the item_seq the event at `seq` must have; 0: the last's
        std::string hash;           // the hash it must have (its successor's item_prev_hash)
        do {
          const auto broken = [&](const std::string& why) {
            return CorruptValue("the history of item " + item_id + " does not link at seq " +
                                std::to_string(seq) + ": " + why);
          };
          q.reset();
          q.bind(1, static_cast<int64_t>(seq));
          if (!q.executeStep()) throw broken("there is no such event");
          Event e = read_event(q);
          if (e.item_id != item_id) throw broken("that event is item " + e.item_id + "'s");
          if (item_seq == 0) {
            if (e.item_seq < 1) throw broken("its item_seq is " + std::to_string(e.item_seq));
            events.reserve(static_cast<std::size_t>(e.item_seq));
          } else if (e.item_seq != item_seq || e.hash != hash) {
            throw broken("it is not event #" + std::to_string(item_seq) +
                         " that its successor links to");
          }
          if (e.item_seq == 1 && (e.item_prev_seq != 0 || !e.item_prev_hash.empty())) {
            throw broken("the item's first event links to an event before it");
          }
          item_seq = e.item_seq - 1;
          seq = e.item_prev_seq;
          hash = e.item_prev_hash;
          if (max_item_seq <= 0 || e.item_seq <= max_item_seq) events.push_back(std::move(e));
        } while (item_seq > 0);
        std::reverse(events.begin(), events.end());
        return events;
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the history of " + item_id);
    }
  }

  Status scan_events(const std::function<bool(const Event&)>& visit) override {
    try {
      return read([&](const Prepare& prepare) {
        Lease q_lease =
            prepare(std::string("SELECT ") + event_columns_ + " FROM events ORDER BY seq");
        SQLite::Statement& q = *q_lease;
        Event e;  // one event, its strings reused row after row
        while (q.executeStep()) {
          read_event_into(q, e);
          if (!visit(e)) break;
        }
        return Status::Ok();
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the events");
    }
  }

  Result<std::optional<CommandRecord>> find_command(const std::string& command_id) override {
    try {
      return read([&](const Prepare& prepare) {
        Lease q_lease = prepare(
            "SELECT item_id, item_version, fingerprint FROM commands "
            "WHERE command_id = ?");
        SQLite::Statement& q = *q_lease;
        q.bind(1, command_id);
        if (!q.executeStep()) return std::optional<CommandRecord>();
        CommandRecord r;
        r.item_id = q.getColumn(0).getString();
        r.item_version = q.getColumn(1).getInt64();
        r.fingerprint = q.getColumn(2).getString();
        return std::optional<CommandRecord>(std::move(r));
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read command " + command_id);
    }
  }

  Status scan_items(const std::function<bool(const ItemRecord&)>& visit) override {
    try {
      return read([&](const Prepare& prepare) {
        Lease q_lease =
            prepare("SELECT " + item_columns_ + " FROM " + items_from_ + " ORDER BY items.id");
        SQLite::Statement& q = *q_lease;
        while (q.executeStep()) {
          if (!visit(read_item(q))) break;
        }
        return Status::Ok();
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the items");
    }
  }

  // Three ordered scans, one per table, merged by item id: each table's primary key (or, for
  // items, its id index) gives its rows in id order, so the merge needs no sort and holds one
  // item's rows at a time.
  Status scan_projection(const std::function<bool(StoredProjection&)>& visit,
                         const std::string& from_id) override {
    try {
      return read([&](const Prepare& prepare) {
        // From schema 8 on, each row's listed_stage too, and where the index of items by stage
        // stands (the migration 7 -> 8): a row it lists under another stage than its own would be
        // missing from the listings of its stage.
        const bool listed = schema_version_ >= 8;
        Lease items_lease =
            prepare("SELECT " + item_columns_ + (listed ? ", listed_stage" : "") + " FROM " +
                    items_from_ + " WHERE items.id >= ? ORDER BY items.id");
        std::int64_t listed_seq = 0;
        if (listed) {
          Lease q = prepare("SELECT value FROM meta WHERE key = 'listed_seq'");
          if (!q->executeStep()) throw CorruptValue("meta has no listed_seq");
          const std::string text = q->getColumn(0).getString();
          const auto stored = parse_meta_number(text);
          if (!stored) throw CorruptValue("meta's listed_seq is '" + text + "'");
          listed_seq = *stored;
        }
        Lease timers_lease = prepare(
            "SELECT item_id, key, fire_at FROM timers WHERE item_id >= ? ORDER BY item_id, key");
        Lease deadlines_lease = prepare(
            "SELECT item_id, deadline_id, kind, state, due FROM deadlines WHERE item_id >= ? "
            "ORDER BY item_id, deadline_id");
        SQLite::Statement& items = *items_lease;
        SQLite::Statement& timers = *timers_lease;
        SQLite::Statement& deadlines = *deadlines_lease;
        items.bind(1, from_id);
        timers.bind(1, from_id);
        deadlines.bind(1, from_id);
        // Each table's next row and its item id (read once per row: a column read costs).
        struct Cursor {
          SQLite::Statement& q;
          bool more = false;
          std::string id;
          void step() {
            more = q.executeStep();
            if (more) assign(id, q.getColumn(0));
          }
          bool at(const std::string& item) const { return more && id == item; }
        };
        Cursor item{items, false, {}}, timer{timers, false, {}}, deadline{deadlines, false, {}};
        item.step();
        timer.step();
        deadline.step();
        StoredProjection p;
        bool first = true;
        while (item.more || timer.more || deadline.more) {
          const std::string* next = nullptr;
          for (const Cursor* c : {&item, &timer, &deadline}) {
            if (c->more && (!next || c->id < *next)) next = &c->id;
          }
          if (!first && *next <= p.id) {
            throw CorruptValue("the projection's rows are out of id order at item '" + *next +
                               "' (an id stored as another type than text)");
          }
          first = false;
          p.id = *next;
          try {
            p.has_row = item.at(p.id);
            if (p.has_row) {
              read_item_into(items, p.row);
              if (listed && p.row.last_seq <= listed_seq) {
                const SQLite::Column stage = items.getColumn(4);
                const SQLite::Column listed_stage = items.getColumn(kItemColumns);
                if (std::string_view(stage.getText(), static_cast<std::size_t>(stage.getBytes())) !=
                    std::string_view(listed_stage.getText(),
                                     static_cast<std::size_t>(listed_stage.getBytes()))) {
                  throw CorruptValue("listed under stage '" + listed_stage.getString() +
                                     "' in the index of items by stage, but in stage '" +
                                     stage.getString() + "'");
                }
              }
              item.step();
            }
            std::size_t n = 0;
            for (; timer.at(p.id); timer.step()) {
              if (n == p.timers.size()) p.timers.emplace_back();
              TimerRecord& t = p.timers[n++];
              t.item_id = p.id;
              assign(t.key, timers.getColumn(1));
              try {
                t.fire_at = read_instant(timers.getColumn(2));
              } catch (const CorruptValue& bad) {
                throw CorruptValue("timer " + t.key + ": " + bad.what());
              }
            }
            p.timers.resize(n);
            n = 0;
            for (; deadline.at(p.id); deadline.step()) {
              if (n == p.deadlines.size()) p.deadlines.emplace_back();
              DeadlineRecord& d = p.deadlines[n++];
              d.item_id = p.id;
              assign(d.deadline_id, deadlines.getColumn(1));
              assign(d.kind, deadlines.getColumn(2));
              assign(d.state, deadlines.getColumn(3));
              try {
                d.due = read_instant(deadlines.getColumn(4));
              } catch (const CorruptValue& bad) {
                throw CorruptValue("deadline " + d.deadline_id + ": " + bad.what());
              }
            }
            p.deadlines.resize(n);
          } catch (const CorruptValue& bad) {
            throw CorruptValue("item " + p.id + ": " + bad.what());
          }
          if (!visit(p)) break;
        }
        return Status::Ok();
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the projection");
    }
  }

  Result<ChainHead> chain_head() override {
    try {
      return read([&](const Prepare& prepare) { return read_head(prepare); });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the chain head");
    }
  }

  Status read_snapshot(const std::function<Status()>& body) override {
    Pin& p = pin();
    if (p.store == this) return body();  // nested: the snapshot is already there
    // In a batch every read is on the writing connection, inside the batch's transaction: one
    // state already, and no BEGIN possible there.
    if (batch_open_.load()) return body();
    try {
      return read([&](const Prepare& prepare) -> Status {
        // A deferred BEGIN: the read transaction, and with it the snapshot, starts at the first
        // read the body makes and lasts until the COMMIT.
        prepare("BEGIN")->exec();
        struct Unpin {
          Pin& p;
          const Prepare& prepare;
          ~Unpin() {
            p.store = nullptr;
            p.prepare = nullptr;
            try {
              prepare("COMMIT")->exec();
            } catch (const std::exception&) {
              try {
                prepare("ROLLBACK")->exec();
              } catch (const std::exception&) {  // the connection ends the transaction itself
              }
            }
          }
        } unpin{p, prepare};
        p.store = this;
        p.prepare = prepare;
        return body();
      });
    } catch (const std::exception& e) {
      return from_exception(e, "cannot begin a consistent read");
    }
  }

  Result<DefinitionVersion> add_definitions(const std::string& digest,
                                            const std::string& canonical_json,
                                            Instant loaded_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      Lease find_lease = statement(
          "SELECT version, loaded_at, digest FROM definitions ORDER BY version DESC LIMIT 1");
      SQLite::Statement& find = *find_lease;
      DefinitionVersion v;
      v.digest = digest;
      v.canonical_json = canonical_json;
      if (find.executeStep() && find.getColumn(2).getString() == digest) {
        v.version = find.getColumn(0).getInt64();
        v.loaded_at = read_instant(find.getColumn(1));
        return v;
      }
      find.reset();
      Lease insert_lease = statement(
          "INSERT INTO definitions (version, digest, loaded_at, canonical_json)"
          " VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM definitions),"
          " ?, ?, ?)");
      SQLite::Statement& insert = *insert_lease;
      insert.bind(1, digest);
      insert.bind(2, format_utc(loaded_at));
      insert.bind(3, canonical_json);
      insert.exec();
      v.version = db_->getLastInsertRowid();
      v.loaded_at = loaded_at;
      tx.commit();
      return v;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot store the definitions");
    }
  }

  Result<std::vector<DefinitionVersion>> definition_versions() override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(
          "SELECT version, digest, loaded_at, canonical_json FROM definitions "
          "ORDER BY version");
      SQLite::Statement& q = *q_lease;
      std::vector<DefinitionVersion> versions;
      while (q.executeStep()) {
        DefinitionVersion v;
        v.version = q.getColumn(0).getInt64();
        v.digest = q.getColumn(1).getString();
        v.loaded_at = read_instant(q.getColumn(2));
        v.canonical_json = q.getColumn(3).getString();
        versions.push_back(std::move(v));
      }
      return versions;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the definitions");
    }
  }

  Result<CalendarSetVersion> add_calendars(const std::string& digest, const std::string& files_json,
                                           Instant loaded_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      Lease find_lease = statement(
          "SELECT version, loaded_at, digest FROM calendar_sets ORDER BY version DESC LIMIT 1");
      SQLite::Statement& find = *find_lease;
      CalendarSetVersion v;
      v.digest = digest;
      v.files_json = files_json;
      if (find.executeStep() && find.getColumn(2).getString() == digest) {
        v.version = find.getColumn(0).getInt64();
        v.loaded_at = read_instant(find.getColumn(1));
        return v;
      }
      find.reset();
      Lease insert_lease = statement(
          "INSERT INTO calendar_sets (version, digest, loaded_at, files_json) "
          "VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM calendar_sets),"
          " ?, ?, ?)");
      SQLite::Statement& insert = *insert_lease;
      insert.bind(1, digest);
      insert.bind(2, format_utc(loaded_at));
      insert.bind(3, files_json);
      insert.exec();
      v.version = db_->getLastInsertRowid();
      v.loaded_at = loaded_at;
      tx.commit();
      return v;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot store the calendars");
    }
  }

  Result<std::vector<CalendarSetVersion>> calendar_versions() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (schema_version_ < 2) return std::vector<CalendarSetVersion>();  // read-only, not migrated
    try {
      Lease q_lease = statement(
          "SELECT version, digest, loaded_at, files_json FROM calendar_sets "
          "ORDER BY version");
      SQLite::Statement& q = *q_lease;
      std::vector<CalendarSetVersion> versions;
      while (q.executeStep()) {
        CalendarSetVersion v;
        v.version = q.getColumn(0).getInt64();
        v.digest = q.getColumn(1).getString();
        v.loaded_at = read_instant(q.getColumn(2));
        v.files_json = q.getColumn(3).getString();
        versions.push_back(std::move(v));
      }
      return versions;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the calendars");
    }
  }

  Result<std::vector<TimerRecord>> due_timers(Instant now, std::int64_t limit) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(
          "SELECT item_id, key, fire_at FROM timers WHERE fire_at <= ? "
          "ORDER BY fire_at, item_id, key LIMIT ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, format_utc(now));
      q.bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
      std::vector<TimerRecord> timers;
      while (q.executeStep()) {
        timers.push_back(TimerRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                     read_instant(q.getColumn(2))});
      }
      return timers;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the timers");
    }
  }

  Result<std::optional<TimerRecord>> next_timer() override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease =
          statement("SELECT item_id, key, fire_at FROM timers ORDER BY fire_at LIMIT 1");
      SQLite::Statement& q = *q_lease;
      if (!q.executeStep()) return std::optional<TimerRecord>();
      return std::optional<TimerRecord>(TimerRecord{
          q.getColumn(0).getString(), q.getColumn(1).getString(), read_instant(q.getColumn(2))});
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the timers");
    }
  }

  Result<std::vector<DeadlineRecord>> overdue_deadlines(Instant now, std::int64_t limit) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(
          "SELECT item_id, deadline_id, kind, state, due FROM deadlines "
          "WHERE state = 'breached' OR (state = 'pending' AND due <= ?) "
          "ORDER BY due, item_id, deadline_id LIMIT ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, format_utc(now));
      q.bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
      std::vector<DeadlineRecord> rows;
      while (q.executeStep()) {
        rows.push_back(DeadlineRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                      q.getColumn(2).getString(), q.getColumn(3).getString(),
                                      read_instant(q.getColumn(4))});
      }
      return rows;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the deadlines");
    }
  }

  Result<std::vector<std::string>> items_with_open_deadlines() override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(
          "SELECT item_id FROM deadlines "
          "WHERE state IN ('pending', 'breached', 'paused') "
          "UNION SELECT item_id FROM timers WHERE key LIKE 'notice:%' "
          "ORDER BY item_id");
      SQLite::Statement& q = *q_lease;
      std::vector<std::string> ids;
      while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
      return ids;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the deadlines");
    }
  }

  Result<std::vector<Delivery>> due_deliveries(Instant now, std::int64_t limit) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(std::string("SELECT ") + kDeliveryColumns +
                                " FROM deliveries WHERE state IN ('pending', 'retrying') AND "
                                "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, format_utc(now));
      q.bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
      std::vector<Delivery> rows;
      while (q.executeStep()) rows.push_back(read_delivery(q));
      return rows;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the outbox");
    }
  }

  Result<std::vector<Delivery>> list_deliveries(const DeliveryQuery& query) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement(std::string("SELECT ") + kDeliveryColumns + " FROM deliveries" +
                                delivery_filter(query) + " ORDER BY created_at, id LIMIT :limit");
      SQLite::Statement& q = *q_lease;
      bind_delivery_filter(q, query);
      q.bind(":limit", static_cast<int64_t>(query.limit > 0 ? query.limit : -1));
      std::vector<Delivery> rows;
      while (q.executeStep()) rows.push_back(read_delivery(q));
      return rows;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the outbox");
    }
  }

  Result<std::int64_t> count_deliveries(const DeliveryQuery& query) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement("SELECT count(*) FROM deliveries" + delivery_filter(query));
      SQLite::Statement& q = *q_lease;
      bind_delivery_filter(q, query);
      q.executeStep();
      return static_cast<std::int64_t>(q.getColumn(0).getInt64());
    } catch (const std::exception& e) {
      return from_exception(e, "cannot count the outbox");
    }
  }

  // The WHERE clause of a DeliveryQuery, and its values.
  static std::string delivery_filter(const DeliveryQuery& query) {
    std::string sql = " WHERE 1";
    if (!query.item_id.empty()) sql += " AND item_id = :item";
    if (!query.channel.empty()) sql += " AND channel = :channel";
    if (!query.state.empty()) sql += " AND state = :state";
    if (query.units) {
      sql += " AND unit_id IN (";
      for (std::size_t i = 0; i < query.units->size(); ++i) {
        sql += (i == 0 ? ":unit" : ", :unit") + std::to_string(i);
      }
      sql += ")";  // IN () is false: no unit, no row
    }
    return sql;
  }

  static void bind_delivery_filter(SQLite::Statement& q, const DeliveryQuery& query) {
    if (!query.item_id.empty()) q.bind(":item", query.item_id);
    if (!query.channel.empty()) q.bind(":channel", query.channel);
    if (!query.state.empty()) q.bind(":state", query.state);
    for (std::size_t i = 0; query.units && i < query.units->size(); ++i) {
      q.bind(":unit" + std::to_string(i), (*query.units)[i]);
    }
  }

  Result<std::optional<Delivery>> get_delivery(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease =
          statement(std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE id = ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, id);
      if (!q.executeStep()) return std::optional<Delivery>();
      return std::optional<Delivery>(read_delivery(q));
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read the outbox");
    }
  }

  Result<std::string> get_note(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      Lease q_lease = statement("SELECT value FROM meta WHERE key = ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, "note." + key);
      return q.executeStep() ? q.getColumn(0).getString() : std::string();
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read a note");
    }
  }

  Status set_note(const std::string& key, const std::string& value) override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      write_meta("note." + key, value);
      return Status::Ok();
    } catch (const std::exception& e) {
      return from_exception(e, "cannot write a note");
    }
  }

  bool is_simulation() const override { return simulation_; }

  Status begin_batch() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!simulation_) {
      return Status(Errc::simulation_only, "batches of commits are for simulation databases");
    }
    if (batch_open_) return Status(Errc::invalid_argument, "a batch is open already");
    try {
      db_->exec("BEGIN IMMEDIATE");
      batch_open_ = true;
      batch_listed_seq_.reset();
      return Status::Ok();
    } catch (const std::exception& e) {
      return from_exception(e, "cannot begin a batch");
    }
  }

  Status end_batch() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!batch_open_) return Status(Errc::invalid_argument, "no batch is open");
    batch_open_ = false;
    if (batch_failure_) {
      Status lost = *batch_failure_;
      batch_failure_.reset();
      if (!sqlite3_get_autocommit(db_->getHandle())) db_->tryExec("ROLLBACK");
      return lost;
    }
    const std::optional<std::int64_t> listed = std::exchange(batch_listed_seq_, std::nullopt);
    try {
      db_->exec("COMMIT");
      if (listed) listed_seq_ = *listed;
      return Status::Ok();
    } catch (const std::exception& e) {
      Status failed = from_exception(e, "cannot commit a batch");
      if (!sqlite3_get_autocommit(db_->getHandle())) db_->tryExec("ROLLBACK");
      return failed;
    }
  }

 private:
  // BEGIN IMMEDIATE ... COMMIT with statements from the cache (SQLite::Transaction prepares both
  // anew at every use: 3 % of a lone command's CPU); rolls back unless committed.
  class WriteTransaction {
   public:
    explicit WriteTransaction(SqliteStore& store) : store_(store) {
      store_.statement("BEGIN IMMEDIATE")->exec();
    }
    ~WriteTransaction() {
      if (!committed_) store_.db_->tryExec("ROLLBACK");
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
      store_.statement("COMMIT")->exec();
      committed_ = true;
    }

   private:
    SqliteStore& store_;
    bool committed_ = false;
  };

  // A prepared statement borrowed from the cache; reset (its results released, its bindings kept
  // until the next borrower clears them) when the lease ends.
  class Lease {
   public:
    explicit Lease(SQLite::Statement& s) : s_(&s) {}
    ~Lease() { s_->tryReset(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SQLite::Statement& operator*() const { return *s_; }
    SQLite::Statement* operator->() const { return s_; }

   private:
    SQLite::Statement* s_;
  };

  using Statements = std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>>;

  // The statement for `sql` on `db`, prepared once per connection and reused: preparing every
  // statement anew took about a fifth of a command's time (perf; docs/simulation.md). One lease
  // per SQL text at a time.
  static Lease prepared(SQLite::Database& db, Statements& statements, const std::string& sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
      it = statements.emplace(sql, std::make_unique<SQLite::Statement>(db, sql)).first;
    }
    it->second->tryReset();
    it->second->clearBindings();
    return Lease(*it->second);
  }

  // A statement of the writing connection. Callers hold mutex_.
  Lease statement(const std::string& sql) { return prepared(*db_, statements_, sql); }

  // A read-only connection beside the writing one: in WAL mode it reads the last committed state
  // while a commit is being written and synced, so commands read their items while the group
  // commit before theirs waits for the disk.
  struct Reader {
    std::unique_ptr<SQLite::Database> db;
    Statements statements;  // declared after db: finalised before the connection closes
  };
  using Prepare = std::function<Lease(const std::string&)>;

  // The connection a thread's reads are pinned to inside read_snapshot.
  struct Pin {
    const SqliteStore* store = nullptr;
    Prepare prepare;
  };
  static Pin& pin() {
    thread_local Pin pinned;
    return pinned;
  }

  // Runs `f` with a way to prepare statements on a free reader (opened on demand, at most
  // kMaxReaders; others wait), or on the writing connection under mutex_ when the database has no
  // readers or while a batch is open (begin_batch). Every statement is reset when its lease ends,
  // so an idle reader holds no snapshot (which would keep the WAL from being checkpointed).
  template <class F>
  std::invoke_result_t<F, const Prepare&> read(F&& f) {
    if (const Pin& p = pin(); p.store == this) return f(p.prepare);
    if (reader_path_.empty() || batch_open_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      return f(Prepare([this](const std::string& sql) { return statement(sql); }));
    }
    std::unique_ptr<Reader> reader = take_reader();
    struct Return {
      SqliteStore* store;
      std::unique_ptr<Reader>& reader;
      ~Return() { store->return_reader(std::move(reader)); }
    } give_back{this, reader};
    Reader& r = *reader;
    return f(Prepare([&r](const std::string& sql) { return prepared(*r.db, r.statements, sql); }));
  }

  static constexpr std::size_t kMaxReaders = 8;

  std::unique_ptr<Reader> take_reader() {
    std::unique_lock<std::mutex> lock(readers_mutex_);
    readers_free_.wait(lock, [&] { return !idle_readers_.empty() || open_readers_ < kMaxReaders; });
    if (!idle_readers_.empty()) {
      auto r = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return r;
    }
    ++open_readers_;
    lock.unlock();
    try {
      auto r = std::make_unique<Reader>();
      // A reader is used by one thread at a time (the one that took it from the pool, or that
      // pinned it in read_snapshot): SQLite's per-call mutex is redundant, and it was a tenth of
      // `audit verify`'s CPU (two lock/unlock pairs per column read).
      r->db = std::make_unique<SQLite::Database>(
          reader_path_, SQLite::OPEN_READONLY | SQLITE_OPEN_NOMUTEX, busy_timeout_ms_);
      return r;
    } catch (...) {
      lock.lock();
      --open_readers_;
      readers_free_.notify_one();
      throw;
    }
  }

  void return_reader(std::unique_ptr<Reader> reader) {
    std::lock_guard<std::mutex> lock(readers_mutex_);
    if (reader) {
      idle_readers_.push_back(std::move(reader));
    } else {
      --open_readers_;
    }
    readers_free_.notify_one();
  }

  // Brings the index of items by stage up to date when stage_index_lag events or more were
  // committed after meta's listed_seq, in the open transaction whose last event is `head_seq`:
  // every item with an event after it is listed under its stage, and listed_seq becomes
  // `head_seq`. Returns listed_seq as this transaction leaves it, or nothing when it is not due by
  // what this store knows. listed_seq_ may be behind meta's (another process brought the index
  // up to date): meta's is read when this store's is due, and the index brought up to date from
  // the further of the two.
  std::optional<std::int64_t> list_by_stage_if_due(std::int64_t head_seq) {
    std::int64_t from = batch_open_ && batch_listed_seq_ ? *batch_listed_seq_ : listed_seq_;
    if (head_seq - from < stage_index_lag_) return std::nullopt;
    {
      Lease stored = statement("SELECT value FROM meta WHERE key = 'listed_seq'");
      // Never past the head: a value beyond it was not written by a store.
      if (stored->executeStep()) {
        from = std::max(from, std::min(read_listed_seq(stored->getColumn(0)), head_seq));
      }
    }
    if (head_seq - from < stage_index_lag_) return from;
    Lease list = statement(
        "UPDATE items SET listed_stage = stage "
        "WHERE id IN (SELECT item_id FROM events WHERE seq > ?) AND listed_stage <> stage");
    list->bind(1, static_cast<int64_t>(from));
    list->exec();
    Lease mark = statement(
        "INSERT INTO meta (key, value) VALUES ('listed_seq', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    mark->bind(1, std::to_string(head_seq));
    mark->exec();
    return head_seq;
  }

  // Undoes the writes of a commit() call inside a batch (its savepoint), keeping the batch's
  // earlier commits.
  void undo_batch_commit() {
    db_->tryExec("ROLLBACK TO batch_commit");
    db_->tryExec("RELEASE batch_commit");
  }

  // What a commit appends to: the last event's seq and hash (not the item counter, which a new
  // item reads and writes itself: next_item_number).
  ChainHead read_chain_end() {
    ChainHead head;
    read_chain_end([this](const std::string& sql) { return statement(sql); }, head);
    return head;
  }

  static void read_chain_end(const Prepare& prepare, ChainHead& head) {
    Lease last_lease = prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    SQLite::Statement& last = *last_lease;
    if (last.executeStep()) {
      head.seq = last.getColumn(0).getInt64();
      head.hash = last.getColumn(1).getString();
    }
  }

  // The last event's seq and hash, and the item counter.
  static ChainHead read_head(const Prepare& prepare) {
    ChainHead head;
    read_chain_end(prepare, head);
    Lease counter_lease = prepare("SELECT value FROM meta WHERE key = 'next_item'");
    SQLite::Statement& counter = *counter_lease;
    if (counter.executeStep()) head.items = read_counter(counter.getColumn(0)) - 1;
    return head;
  }

  // The item counter's value (the number the next new item gets).
  static std::int64_t read_counter(const SQLite::Column& c) {
    const std::string text = c.getString();
    const auto value = parse_meta_number(text);
    if (!value || *value < 1) throw CorruptValue("the item counter is '" + text + "'");
    return *value;
  }

  void write_meta(const std::string& key, const std::string& value) {
    Lease q_lease = statement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    SQLite::Statement& q = *q_lease;
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
  }

  std::int64_t next_item_number() {
    Lease q_lease = statement("SELECT value FROM meta WHERE key = 'next_item'");
    SQLite::Statement& q = *q_lease;
    std::int64_t next = q.executeStep() ? read_counter(q.getColumn(0)) : 1;
    write_meta("next_item", std::to_string(next + 1));
    return next;
  }

  // One request inside the batch transaction. Throws RequestFailed to refuse it — only before its
  // first write, so that a refused request leaves nothing to undo; any other exception fails the
  // whole transaction (an invariant broken mid-way, SQLite's own errors).
  CommitOutcome apply(const CommitRequest& request, ChainHead& head) {
    if (request.events.empty()) throw RequestFailed{Status(Errc::internal, "empty commit")};
    CommitOutcome outcome;
    if (!request.command_id.empty()) {
      Lease q_lease = statement(
          "SELECT item_id, item_version, fingerprint FROM commands "
          "WHERE command_id = ?");
      SQLite::Statement& q = *q_lease;
      q.bind(1, request.command_id);
      if (q.executeStep()) {
        outcome.item_id = q.getColumn(0).getString();
        outcome.version = q.getColumn(1).getInt64();
        outcome.command_fingerprint = q.getColumn(2).getString();
        outcome.repeated = true;
        return outcome;
      }
    }
    if (!request.delivery_updates.empty()) {
      Lease q_lease = statement("SELECT 1 FROM deliveries WHERE id = ?");
      SQLite::Statement& q = *q_lease;
      for (const Delivery& d : request.delivery_updates) {
        q.reset();
        q.bind(1, d.id);
        if (!q.executeStep()) {
          throw RequestFailed{Status(Errc::internal, "no delivery '" + d.id + "' to update")};
        }
      }
    }
    std::string item_id = request.item_id;
    std::string item_prev_hash;
    std::int64_t item_prev_seq = 0;
    std::int64_t version = 0;
    std::int64_t rowid = 0;  // the projection row's, to update it without looking up its id again
    if (item_id.empty()) {
      if (request.expected_version != 0) {
        throw RequestFailed{Status(Errc::internal, "a new item must expect version 0")};
      }
      item_id = format_item_id(next_item_number());
    } else {
      static const std::string kRow =
          "SELECT version, last_hash, last_seq, rowid FROM items WHERE id = ?";
      Lease q_lease = statement(kRow);
      SQLite::Statement& q = *q_lease;
      q.bind(1, item_id);
      if (!q.executeStep()) {
        throw RequestFailed{Status(Errc::item_not_found, "no item '" + item_id + "'")};
      }
      version = q.getColumn(0).getInt64();
      item_prev_hash = q.getColumn(1).getString();
      item_prev_seq = q.getColumn(2).getInt64();
      rowid = q.getColumn(3).getInt64();
      if (version != request.expected_version) {
        throw RequestFailed{
            Status(Errc::version_conflict, "item " + item_id + " is at version " +
                                               std::to_string(version) + ", not the expected " +
                                               std::to_string(request.expected_version))};
      }
    }
    static const std::string kInsertEvent =
        std::string("INSERT INTO events (") + kEventColumns +
        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    Lease insert_lease = statement(kInsertEvent);
    SQLite::Statement& insert = *insert_lease;
    for (const NewEvent& n : request.events) {
      Event e;
      e.seq = head.seq + 1;
      e.item_id = item_id;
      e.item_seq = ++version;
      e.type = n.type;
      e.actor = n.actor;
      e.role = n.role;
      e.reason = n.reason;
      e.command_id = n.command_id;
      e.at = n.at;
      e.payload = n.payload;
      e.definition_version = n.definition_version;
      e.calendar_version = n.calendar_version;
      e.item_prev_hash = item_prev_hash;
      e.item_prev_seq = item_prev_seq;
      e.prev_hash = head.hash;
      e.hash = event_hash(e);
      // The texts are bound without a copy: `e` outlives the statement's step, and the next
      // use of the statement binds every parameter again.
      const std::string at = format_utc(e.at);
      insert.reset();
      insert.bind(1, static_cast<int64_t>(e.seq));
      insert.bindNoCopy(2, e.item_id);
      insert.bind(3, static_cast<int64_t>(e.item_seq));
      insert.bindNoCopy(4, e.type);
      insert.bindNoCopy(5, e.actor);
      insert.bindNoCopy(6, e.role);
      insert.bindNoCopy(7, e.reason);
      insert.bindNoCopy(8, e.command_id);
      insert.bindNoCopy(9, at);
      insert.bindNoCopy(10, e.payload);
      insert.bind(11, static_cast<int64_t>(e.definition_version));
      insert.bindNoCopy(12, e.calendar_version);
      insert.bindNoCopy(13, e.item_prev_hash);
      insert.bindNoCopy(14, e.prev_hash);
      insert.bindNoCopy(15, e.hash);
      insert.bind(16, static_cast<int64_t>(e.item_prev_seq));
      insert.exec();
      head.seq = e.seq;
      head.hash = e.hash;
      item_prev_hash = e.hash;
      item_prev_seq = e.seq;
      outcome.events.push_back(std::move(e));
    }
    write_projection(item_id, rowid, version, item_prev_hash, item_prev_seq, request);
    replace_schedule(item_id, request, request.item_id.empty());
    write_deliveries(item_id, request);
    if (!request.command_id.empty()) {
      Lease q_lease = statement(
          "INSERT INTO commands (command_id, item_id, item_version, fingerprint) "
          "VALUES (?, ?, ?, ?)");
      SQLite::Statement& q = *q_lease;
      q.bind(1, request.command_id);
      q.bind(2, item_id);
      q.bind(3, static_cast<int64_t>(version));
      q.bind(4, request.command_fingerprint);
      q.exec();
    }
    outcome.item_id = item_id;
    outcome.version = version;
    return outcome;
  }

  void write_deliveries(const std::string& item_id, const CommitRequest& request) {
    if (!request.new_deliveries.empty()) {
      Lease insert_lease = statement(std::string("INSERT INTO deliveries (") + kDeliveryColumns +
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      SQLite::Statement& insert = *insert_lease;
      for (const Delivery& d : request.new_deliveries) {
        insert.reset();
        insert.bind(1, d.id);
        insert.bind(2, item_id);
        insert.bind(3, static_cast<int64_t>(d.item_version));
        insert.bind(4, d.unit_id);
        insert.bind(5, d.channel);
        insert.bind(6, d.kind);
        insert.bind(7, d.document);
        insert.bind(8, d.state);
        insert.bind(9, d.attempts);
        insert.bind(10, d.last_error);
        insert.bind(11, format_utc(d.created_at));
        insert.bind(12, format_utc(d.next_attempt_at));
        if (d.delivered_at) {
          insert.bind(13, format_utc(*d.delivered_at));
        } else {
          insert.bind(13);
        }
        insert.exec();
      }
    }
    if (!request.delivery_updates.empty()) {
      Lease update_lease = statement(
          "UPDATE deliveries SET state = ?, attempts = ?, last_error = ?, "
          "next_attempt_at = ?, delivered_at = ? WHERE id = ?");
      SQLite::Statement& update = *update_lease;
      for (const Delivery& d : request.delivery_updates) {
        update.reset();
        update.bind(1, d.state);
        update.bind(2, d.attempts);
        update.bind(3, d.last_error);
        update.bind(4, format_utc(d.next_attempt_at));
        if (d.delivered_at) {
          update.bind(5, format_utc(*d.delivered_at));
        } else {
          update.bind(5);
        }
        update.bind(6, d.id);
        if (update.exec() != 1) {  // apply found it in this transaction
          throw std::logic_error("delivery '" + d.id + "' vanished inside its transaction");
        }
      }
    }
  }

  // Writes the item's projection row. An existing row is updated in the columns a command can
  // change — not in listed_stage, which is indexed (SQLite rewrites an index entry whenever an
  // indexed column is assigned, even to the same value): list_by_stage_if_due brings it up to
  // date. A new row is listed under its stage at once.
  void write_projection(const std::string& item_id, std::int64_t rowid, std::int64_t version,
                        const std::string& last_hash, std::int64_t last_seq,
                        const CommitRequest& request) {
    const ItemRecord& p = request.projection;
    const std::string stage(to_string(p.stage));
    if (request.item_id.empty()) {
      Lease insert_lease = statement(
          "INSERT INTO items (id, unit_id, standard_id, definition_version, stage, version, "
          "created_at, updated_at, title, last_hash, state, last_seq, listed_stage) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?5)");
      SQLite::Statement& insert = *insert_lease;
      insert.bind(1, item_id);
      insert.bind(2, p.unit_id);
      insert.bind(3, p.standard_id);
      insert.bind(4, static_cast<int64_t>(p.definition_version));
      insert.bind(5, stage);
      insert.bind(6, static_cast<int64_t>(version));
      insert.bind(7, format_utc(p.created_at));
      insert.bind(8, format_utc(p.updated_at));
      insert.bind(9, p.title);
      insert.bind(10, last_hash);
      insert.bind(11, p.state_json);
      insert.bind(12, static_cast<int64_t>(last_seq));
      insert.exec();
      write_texts(item_id, p, true);
      return;
    }
    if (request.write_texts) write_texts(item_id, p, false);
    // Numbered parameters: a named one is looked up by a scan of the statement's names at every
    // bind, and this statement runs once per command inside the writer's critical section.
    static const std::string kUpdate =
        "UPDATE items SET definition_version = ?1, version = ?2, updated_at = ?3, title = ?4, "
        "last_hash = ?5, last_seq = ?6, state = ?7, stage = ?9 WHERE rowid = ?8";
    Lease update_lease = statement(kUpdate);
    SQLite::Statement& update = *update_lease;
    update.bind(9, stage);
    update.bind(1, static_cast<int64_t>(p.definition_version));
    update.bind(2, static_cast<int64_t>(version));
    update.bind(3, format_utc(p.updated_at));
    update.bindNoCopy(4, p.title);  // outlive the step, as the others below
    update.bindNoCopy(5, last_hash);
    update.bind(6, static_cast<int64_t>(last_seq));
    update.bindNoCopy(7, p.state_json);
    update.bind(8, static_cast<int64_t>(rowid));
    if (update.exec() != 1) {  // apply read it in this transaction
      throw std::logic_error("the projection row of " + item_id +
                             " vanished inside its transaction");
    }
  }

  // The item's long texts row: the projection's content and interpretation, or none when both
  // are empty.
  void write_texts(const std::string& item_id, const ItemRecord& p, bool is_new) {
    if (p.content.empty() && p.interpretation.empty()) {
      if (is_new) return;
      Lease remove = statement("DELETE FROM item_texts WHERE id = ?");
      remove->bind(1, item_id);
      remove->exec();
      return;
    }
    Lease upsert = statement(
        "INSERT INTO item_texts (id, content, interpretation) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET content = excluded.content, "
        "interpretation = excluded.interpretation");
    upsert->bind(1, item_id);
    upsert->bindNoCopy(2, p.content);  // both outlive the step
    upsert->bindNoCopy(3, p.interpretation);
    upsert->exec();
  }

  // Brings the item's timer and deadline rows to what `request` lists, writing only the rows that
  // change: most commands leave an item's schedule as it was, and rewriting unchanged rows (and
  // their entries in the fire_at and state/due indexes) was a third of the pages each commit wrote.
  // The rows now are the ones the request says were stored (schedule_before), else read; a stored
  // time that does not read differs from every time, so the row is written again.
  void replace_schedule(const std::string& item_id, const CommitRequest& request, bool is_new) {
    std::vector<TimerRecord> read_timers;
    std::vector<DeadlineRecord> read_deadlines;
    std::vector<char> unreadable_timers, unreadable_deadlines;  // a stored time that does not read
    const std::vector<TimerRecord>* timers_now = &read_timers;
    const std::vector<DeadlineRecord>* deadlines_now = &read_deadlines;
    if (!is_new && request.schedule_before) {
      timers_now = &request.schedule_before->timers;
      deadlines_now = &request.schedule_before->deadlines;
    } else if (!is_new) {
      static const std::string kTimers = "SELECT key, fire_at FROM timers WHERE item_id = ?";
      Lease q_lease = statement(kTimers);
      SQLite::Statement& q = *q_lease;
      q.bind(1, item_id);
      while (q.executeStep()) {
        auto at = parse_instant(text_of(q.getColumn(1)));
        read_timers.push_back(
            TimerRecord{item_id, q.getColumn(0).getString(), at.ok() ? *at : Instant{}});
        unreadable_timers.push_back(at.ok() ? 0 : 1);
      }
      static const std::string kDeadlines =
          "SELECT deadline_id, kind, state, due FROM deadlines WHERE item_id = ?";
      Lease d_lease = statement(kDeadlines);
      SQLite::Statement& d = *d_lease;
      d.bind(1, item_id);
      while (d.executeStep()) {
        auto due = parse_instant(text_of(d.getColumn(3)));
        read_deadlines.push_back(
            DeadlineRecord{item_id, d.getColumn(0).getString(), d.getColumn(1).getString(),
                           d.getColumn(2).getString(), due.ok() ? *due : Instant{}});
        unreadable_deadlines.push_back(due.ok() ? 0 : 1);
      }
    }
    const auto readable = [](const std::vector<char>& unreadable, std::size_t i) {
      return i >= unreadable.size() || unreadable[i] == 0;
    };

    // Statements are leased only when a row is written (emplaced from a statement's lease, which
    // resets it, the slot's lease resetting it again when it ends). Of rows listed twice, the last
    // is the one written (as INSERT OR REPLACE of both would leave).
    std::optional<Lease> timer;
    for (auto t_it = request.timers.begin(); t_it != request.timers.end(); ++t_it) {
      const TimerRecord& t = *t_it;
      if (std::any_of(std::next(t_it), request.timers.end(),
                      [&](const TimerRecord& later) { return later.key == t.key; })) {
        continue;
      }
      bool same = false;
      for (std::size_t i = 0; i < timers_now->size(); ++i) {
        const TimerRecord& now = (*timers_now)[i];
        if (now.key == t.key) same = now.fire_at == t.fire_at && readable(unreadable_timers, i);
      }
      if (same) continue;
      if (!timer) {
        static const std::string kUpsert =
            "INSERT OR REPLACE INTO timers (item_id, key, fire_at) VALUES (?, ?, ?)";
        timer.emplace(*statement(kUpsert));
      }
      SQLite::Statement& q = **timer;
      q.reset();
      q.bind(1, item_id);
      q.bind(2, t.key);
      q.bind(3, format_utc(t.fire_at));
      q.exec();
    }
    static const std::string kDropTimer = "DELETE FROM timers WHERE item_id = ? AND key = ?";
    delete_unlisted(item_id, *timers_now, request.timers, &TimerRecord::key, kDropTimer);
    std::optional<Lease> deadline;
    for (auto d_it = request.deadlines.begin(); d_it != request.deadlines.end(); ++d_it) {
      const DeadlineRecord& d = *d_it;
      if (std::any_of(std::next(d_it), request.deadlines.end(), [&](const DeadlineRecord& later) {
            return later.deadline_id == d.deadline_id;
          })) {
        continue;
      }
      bool same = false;
      for (std::size_t i = 0; i < deadlines_now->size(); ++i) {
        const DeadlineRecord& now = (*deadlines_now)[i];
        if (now.deadline_id == d.deadline_id) {
          same = now.kind == d.kind && now.state == d.state && now.due == d.due &&
                 readable(unreadable_deadlines, i);
        }
      }
      if (same) continue;
      if (!deadline) {
        static const std::string kUpsert =
            "INSERT OR REPLACE INTO deadlines (item_id, deadline_id, kind, state, due) "
            "VALUES (?, ?, ?, ?, ?)";
        deadline.emplace(*statement(kUpsert));
      }
      SQLite::Statement& q = **deadline;
      q.reset();
      q.bind(1, item_id);
      q.bind(2, d.deadline_id);
      q.bind(3, d.kind);
      q.bind(4, d.state);
      q.bind(5, format_utc(d.due));
      q.exec();
    }
    static const std::string kDropDeadline =
        "DELETE FROM deadlines WHERE item_id = ? AND deadline_id = ?";
    delete_unlisted(item_id, *deadlines_now, request.deadlines, &DeadlineRecord::deadline_id,
                    kDropDeadline);
  }

  // Deletes, by `sql` (the item id, the row's key), each of `stored` whose key no row of `listed`
  // has; the statement is leased only when a row is deleted.
  template <typename Row>
  void delete_unlisted(const std::string& item_id, const std::vector<Row>& stored,
                       const std::vector<Row>& listed, std::string Row::*key,
                       const std::string& sql) {
    std::optional<Lease> drop;
    for (const Row& now : stored) {
      const bool kept = std::any_of(listed.begin(), listed.end(),
                                    [&](const Row& row) { return row.*key == now.*key; });
      if (kept) continue;
      if (!drop) drop.emplace(*statement(sql));
      SQLite::Statement& q = **drop;
      q.reset();
      q.bind(1, item_id);
      q.bind(2, now.*key);
      q.exec();
    }
  }

  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  // Prepared statements by SQL text (declared after db_: finalised before the connection closes).
  Statements statements_;
  bool simulation_;
  int schema_version_;
  // The columns reads select: the current ones, or the older schema's equivalents when the file
  // was opened read-only without migrating.
  const std::string event_columns_ = schema_version_ >= 6 ? kEventColumns : kEventColumnsBefore6;
  const std::string last_seq_ = schema_version_ >= 6 ? "last_seq" : kItemLastSeqBefore6;
  const std::string item_columns_ = item_columns(schema_version_, last_seq_);
  // What item_columns_ reads from: the projection rows, with their long texts from schema 7 on.
  const std::string items_from_ =
      schema_version_ >= 7 ? "items LEFT JOIN item_texts t ON t.id = items.id" : "items";
  const std::string reader_path_;
  const int busy_timeout_ms_;
  std::mutex readers_mutex_;
  std::condition_variable readers_free_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;
  std::size_t open_readers_ = 0;
  // begin_batch: commits go into one open transaction, and reads go to the writing connection
  // (the readers would not see the batch). Atomic: read() looks at it without mutex_.
  std::atomic<bool> batch_open_{false};
  std::optional<Status> batch_failure_;  // the open batch was rolled back by SQLite
  // The index of items by stage (list_by_stage_if_due): how many events it may lag behind, and
  // the listed_seq this store last committed (or read at the open) — never ahead of meta's. In a
  // batch, the one its commits wrote, kept when the batch commits.
  const std::int64_t stage_index_lag_;
  std::int64_t listed_seq_;
  std::optional<std::int64_t> batch_listed_seq_;
};

int pragma_int(SQLite::Database& db, const char* pragma) {
  SQLite::Statement q(db, std::string("PRAGMA ") + pragma);
  return q.executeStep() ? q.getColumn(0).getInt() : 0;
}

bool has_tables(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT count(*) FROM sqlite_master");
  return q.executeStep() && q.getColumn(0).getInt() > 0;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create) {
    return Status(Errc::database_missing,
                  "no database at '" + path + "'; create one with `gongkai init`");
  }
  if (exists && std::filesystem::is_directory(path, ec)) {
    return Status(Errc::not_a_gongkai_database, "'" + path + "' is a directory");
  }
  if (options.stage_index_lag < 1) {
    return Status(Errc::invalid_argument, "stage_index_lag must be at least 1");
  }
  if (options.synchronous != "FULL" && options.synchronous != "NORMAL" &&
      options.synchronous != "EXTRA" && options.synchronous != "OFF") {
    return Status(Errc::invalid_argument, "synchronous must be FULL, EXTRA, NORMAL or OFF");
  }
  try {
    if (options.create && !exists) {
      const auto parent = std::filesystem::path(path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
    }
    int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    if (options.create && !options.read_only) flags |= SQLite::OPEN_CREATE;
    // Every use of the connection holds mutex_: SQLite's own per-call mutex is redundant.
    flags |= SQLITE_OPEN_NOMUTEX;
    auto db = std::make_unique<SQLite::Database>(path, flags, options.busy_timeout_ms);
    int app_id = 0;
    int user_version = 0;
    try {
      app_id = pragma_int(*db, "application_id");
      user_version = pragma_int(*db, "user_version");
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) == SQLITE_NOTADB) {
        return Status(Errc::not_a_gongkai_database, "'" + path + "' is not a SQLite database");
      }
      throw;
    }
    const bool blank = app_id == 0 && user_version == 0 && !has_tables(*db);
    if (blank && !options.create) {
      return Status(Errc::not_a_gongkai_database,
                    "'" + path + "' is an empty file, not a gongkai database");
    }
    if (!blank && app_id != kApplicationId) {
      return Status(Errc::not_a_gongkai_database,
                    "'" + path + "' is a SQLite database of another application");
    }
    if (user_version > kSchemaVersion) {
      return Status(Errc::schema_too_new, "'" + path + "' has schema version " +
                                              std::to_string(user_version) +
                                              "; this gongkai "
                                              "reads up to " +
                                              std::to_string(kSchemaVersion));
    }
    if (!options.read_only) {
      db->exec("PRAGMA journal_mode = WAL");
      db->exec("PRAGMA synchronous = " + options.synchronous);
    }
    // A read-only open of an older schema reads it as it is (an auditor may not write); the
    // migration happens on the next read-write open.
    if (user_version < kSchemaVersion && !options.read_only) {
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::EXCLUSIVE);
      for (int v = pragma_int(*db, "user_version"); v < kSchemaVersion; ++v) {
        db->exec(kMigrations[v]);
        db->exec("PRAGMA user_version = " + std::to_string(v + 1));
      }
      if (blank) {
        db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        SQLite::Statement q(*db,
                            "INSERT INTO meta (key, value) VALUES ('mode', ?), "
                            "('created_at', ?), ('next_item', '1')");
        q.bind(1, std::string(options.simulation ? "simulation" : "production"));
        q.bind(2, format_utc(system_now()));
        q.exec();
      }
      tx.commit();
    }
    SQLite::Statement mode(*db, "SELECT value FROM meta WHERE key = 'mode'");
    const bool simulation = mode.executeStep() && mode.getColumn(0).getString() == "simulation";
    if (options.synchronous == "OFF" && !simulation && !options.read_only) {
      return Status(Errc::invalid_argument,
                    "synchronous=OFF is accepted only on a simulation database");
    }
    // SQLite's temporary files are kept in memory: the sub-journal of the savepoint each request
    // of a group commit is applied in was a file in /var/tmp written for every page a request
    // changed — nine in ten of a simulation's writes (docs/simulation.md). It only serves to
    // undo a request inside its transaction; crash recovery uses the WAL, so durability does not
    // change.
    if (!options.read_only) db->exec("PRAGMA temp_store = MEMORY");
    const int schema = pragma_int(*db, "user_version");
    // Readers beside the writer need a file of their own to open: not an in-memory database, and
    // not a read-only open (whose one connection reads).
    const bool file_backed = !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
    std::string reader_path = file_backed && !options.read_only ? path : std::string();
    // Where the index of items by stage stands.
    std::int64_t listed_seq = 0;
    if (schema >= 8) {
      SQLite::Statement listed(*db, "SELECT value FROM meta WHERE key = 'listed_seq'");
      if (listed.executeStep()) listed_seq = read_listed_seq(listed.getColumn(0));
    }
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
        std::move(db), simulation, schema, std::move(reader_path), options.busy_timeout_ms,
        options.stage_index_lag, listed_seq));
  } catch (const std::exception& e) {
    Status failed = from_exception(e, "cannot open '" + path + "'");
    // In WAL mode SQLite keeps its -wal and -shm files beside the database, so a folder that
    // cannot be written makes the database one that cannot be written (SQLITE_CANTOPEN).
    const auto folder = std::filesystem::path(path).parent_path();
    if (failed.code() == Errc::storage_error && exists &&
        ::access(folder.empty() ? "." : folder.c_str(), W_OK) != 0) {
      return Status(Errc::storage_read_only,
                    "cannot open '" + path + "': its folder cannot be written, and SQLite keeps " +
                        "its -wal and -shm files beside the database");
    }
    return failed;
  }
}

}  // namespace gongkai
