// gongkai — an event of an item's history, and the hash chain that makes the history
// tamper-evident (format: docs/storage.md).
#pragma once

#include <cstdint>
#include <string>

#include "gongkai/time.h"

namespace gongkai {

// One stored event. Every accepted command appends exactly one; state is a projection of events.
struct Event {
  std::int64_t seq = 0;  // database-wide order, 1, 2, ...
  std::string item_id;
  std::int64_t item_seq = 0;  // per-item order, 1, 2, ...; equals the item's version after it
  std::string type;           // "created", "submit", ... (an EventType name or a system event)
  std::string actor;
  std::string role;                     // the actor's role when known, else empty
  std::string reason;                   // empty when none was given
  std::string command_id;               // the idempotency key, empty when none was given
  Instant at{};                         // when it happened (UTC)
  std::string payload;                  // a JSON object as text (compact, keys sorted)
  std::int64_t definition_version = 0;  // the catalogue version in force for the item
  std::string calendar_version;         // the calendar version in force ("" when none applied)
  std::string item_prev_hash;           // hash of the item's previous event ("" for its first)
  std::string prev_hash;                // hash of the database's previous event ("" for seq 1)
  std::string hash;                     // event_hash(*this)
  // Where the item's previous event is: its seq (0 for the item's first event). A locator the
  // store keeps to read an item's history without an index; not part of the hash (the hashes
  // link the same events), checked by `audit verify`.
  std::int64_t item_prev_seq = 0;
};

// The canonical encoding the hash is taken over: the compact JSON array
// ["gongkai.event.v1", seq, item_id, item_seq, type, actor, role, reason, command_id,
//  at (format_utc), payload, definition_version, calendar_version, item_prev_hash, prev_hash].
// Strings are UTF-8, JSON-escaped; no whitespace. Deterministic for equal events.
std::string canonical_encoding(const Event& event);

// Lowercase hex SHA-256 of canonical_encoding(event). Ignores event.hash.
std::string event_hash(const Event& event);

}  // namespace gongkai
