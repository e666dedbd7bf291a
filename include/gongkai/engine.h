// gongkai — the engine: creates disclosure items, fires lifecycle events at them, and answers
// questions about them and their history. The entry point for a portal's C++ code.
//
//   auto engine = gongkai::Engine::open("var/gongkai.db");
//   if (!engine.ok()) { std::cerr << engine.status().to_string(); return 1; }
//   gongkai::CreateItemRequest create;
//   create.standard_id = "fiscal_budget.budget_report"; create.unit_id = "beijing.dongcheng";
//   create.title = "2026年部门预算"; create.actor = "zhang";
//   auto item = (*engine)->create_item(create);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/calendar.h"
#include "gongkai/channel.h"
#include "gongkai/clock.h"
#include "gongkai/definitions.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/lifecycle.h"
#include "gongkai/status.h"
#include "gongkai/store.h"

namespace gongkai {

// The length limits of a command's free texts, checked by every command (error[text_too_long]):
// a name-like text (title, actor, role, ids) has at most kMaxNameChars characters (Unicode code
// points); a body (content, interpretation/concern/answer text, reason) at most kMaxTextBytes
// bytes of UTF-8 — the HTTP API's request-body limit, so no adapter accepts more than another.
inline constexpr std::size_t kMaxNameChars = 1000;
inline constexpr std::size_t kMaxTextBytes = 1024 * 1024;

// Creates an item in `drafting`.
struct CreateItemRequest {
  std::string standard_id;  // an item standard of the latest catalogue version
  std::string unit_id;      // a pilot unit to which the standard applies
  std::string title;        // non-empty
  std::string content;      // the disclosure's text (may be filled in later by a correction)
  std::string actor;        // who creates it; non-empty
  std::string role;         // the actor's role, if known
  // When the information was formed (a past fact); default: now. After the command's own instant
  // it is refused with invalid_time.
  std::optional<Instant> formed_at;
  std::string command_id;  // idempotency key, optional
  // The instant to record instead of the clock's; accepted only on a simulation database
  // (simulation_only otherwise).
  std::optional<Instant> at;
};

// Fires one event at an item.
struct FireRequest {
  std::string item_id;
  EventType event = EventType::submit;  // any but `created`
  std::string actor;                    // non-empty
  std::string role;
  std::string reason;  // required by reject, withdraw, correct; on approve it overrides findings
  std::string text;    // interpretation material, concern text, answer, corrected content
  std::optional<int> concern;  // respond: which concern (default: the oldest open one)
  bool major = false;          // raise_concern: a major public-opinion event
  // approve: schedule the publication; before the approval's instant it is refused (invalid_time).
  std::optional<Instant> publish_at;
  std::optional<std::int64_t> expected_version;  // optimistic concurrency; none = current
  std::string command_id;                        // idempotency key, optional
  std::optional<Instant> at;                     // simulation only, as in CreateItemRequest
};

// How a deadline's clock is controlled.
enum class DeadlineControl {
  pause,   // stop the clock (e.g. waiting for a third party); the time paused does not count
  resume,  // start it again; the due instant moves by the time paused
  extend,  // add `amount` in the deadline's unit, within the standard's max_extension
};

// Pauses, resumes or extends one deadline of an item. Recorded as deadline_paused,
// deadline_resumed or deadline_extended.
struct DeadlineControlRequest {
  std::string item_id;
  std::string deadline_id;  // e.g. "publication", "concern_response#2"
  DeadlineControl action = DeadlineControl::pause;
  std::int64_t amount = 0;  // extend: how much, in the deadline's unit; > 0 (invalid_argument)
  std::string actor;        // non-empty
  std::string role;         // required to extend
  std::string reason;       // required
  std::optional<std::int64_t> expected_version;
  std::string command_id;
  std::optional<Instant> at;  // simulation only
};

// What one run of the timers did.
struct TickReport {
  std::int64_t published = 0;    // scheduled publications fired
  std::int64_t steps_fired = 0;  // escalation steps recorded (due soon, breached, escalated)
  std::int64_t recomputed = 0;   // deadlines and notice periods recomputed after a calendar change
  std::int64_t notices_served = 0;    // notice periods whose minimum was recorded as served
  std::optional<Instant> next_timer;  // the earliest timer left
};

// A breached (or past-due) deadline, for cross-item lists.
struct OverdueDeadline {
  std::string item_id;
  std::string unit_id;
  std::string title;
  ItemDeadline deadline;
};

// How one deadline was derived, for an official to check by hand.
struct DeadlineExplanation {
  ItemDeadline deadline;
  std::string rule;  // e.g. "publication: 20 working_days from formed"
  // The deadline rule's own wording and legal basis (DeadlineRule::time_limit_text, legal_basis);
  // for a publication rule without them the standard's 公开时限 and first 公开依据. Empty when the
  // standard gives none for this kind.
  std::string time_limit_text;
  std::string legal_basis;
  Deadline computation;         // every day counted or skipped, with the calendar version
  std::vector<Event> controls;  // the pauses, resumptions, extensions and recomputations
};

// How a notice period (公示期) of an item was derived, and what ended it.
struct NoticeExplanation {
  ItemNotice notice;
  std::string rule;             // e.g. "notice_period: at least 30 calendar_days from published"
  std::string time_limit_text;  // the standard's 公开时限 as published
  std::string legal_basis;      // the standard's first legal basis
  Deadline computation;         // every day counted or skipped, with the calendar version
  // The events that concern it: the publication that opened it, recomputations, the timer's
  // notice_period_served, and the withdrawal or correction that cut it short.
  std::vector<Event> records;
};

// What one run of the delivery worker did.
struct DeliveryReport {
  std::int64_t delivered = 0;
  std::int64_t retrying = 0;  // failed transiently; tried again later
  std::int64_t failed = 0;    // failed for good (permanent error, or out of attempts)
};

// A load of calendars into a database.
struct CalendarsLoad {
  std::int64_t version = 0;
  std::string digest;
  bool changed = false;
  std::int64_t recomputed = 0;  // open deadlines and running notice periods that moved
};

// Filter for list_items.
struct ItemFilter {
  std::string unit_id;
  std::optional<Stage> stage;
  std::int64_t limit = 0;  // 0 = all
  std::int64_t offset = 0;
};

// What `verify` found.
struct VerifyReport {
  std::int64_t events = 0;  // events checked
  std::int64_t items = 0;   // items replayed
  ChainHead head;           // the last event's seq and hash (anchor it outside the database)
};

// An item's state as of an instant (audit replay).
struct ReplayedItem {
  Item item;
  std::int64_t events_applied = 0;
};

// Result of loading a definitions folder into a database.
struct DefinitionsLoad {
  std::int64_t version = 0;  // the version now in force for new items
  std::string digest;
  bool changed = false;  // true when this load created a new version (a differing latest)
};

// The engine. Thread-safe: any number of threads may call it at once. Owns its store.
class Engine {
 public:
  // Creates (or opens) a database at `db_path`, loads the definitions folder into it (a new
  // definitions version when its content changed) and returns the engine. `simulation` marks a
  // new database as a simulation. Errors: those of open_sqlite_store and load_definitions.
  static Result<std::unique_ptr<Engine>> init(const std::string& db_path,
                                              const std::string& definitions_dir, bool simulation);

  // Opens an initialised database. Errors: database_missing, not_a_gongkai_database,
  // schema_too_new, storage_* errors.
  static Result<std::unique_ptr<Engine>> open(const std::string& db_path,
                                              const SqliteOptions& options = {});

  // Builds an engine over any store and clock (tests, embedding). The store must hold at least
  // one definitions version (see load_definitions). Errors: definition_* when a stored version
  // does not load, storage errors.
  static Result<std::unique_ptr<Engine>> with_store(std::unique_ptr<Store> store,
                                                    std::shared_ptr<const Clock> clock);

  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads a definitions folder; a catalogue that differs from the latest version becomes a new
  // version used by new items (existing items keep theirs). Loading again the content of an earlier
  // version (to undo a bad load) puts it in force as a new version with that digest; loading the
  // latest's content again changes nothing. Errors: definition_* (nothing stored), storage errors.
  Result<DefinitionsLoad> load_definitions(const std::string& definitions_dir);

  // The definitions version new items start with.
  std::shared_ptr<const DefinitionSet> definitions() const;
  // A stored definitions version; nullptr when unknown.
  std::shared_ptr<const DefinitionSet> definitions(std::int64_t version) const;
  // The number of the latest definitions version.
  std::int64_t definitions_version() const;

  // Creates an item in `drafting` and records `created`. Errors: invalid_argument (empty title or
  // actor), text_too_long (see kMaxNameChars, kMaxTextBytes), invalid_time (formed_at after the
  // command's instant), standard_not_found, unit_not_found, invalid_argument (the standard's domain
  // does not apply to the unit), simulation_only, idempotency_key_reused, storage errors. A
  // repeated command id returns the item as that command left it.
  Result<Item> create_item(const CreateItemRequest& request);

  // Fires an event and returns the item after it. Errors: item_not_found, invalid_argument,
  // text_too_long, invalid_time (approve: publish_at before the approval's instant),
  // illegal_transition (the stage does not accept the event; names both), four_eyes_violation,
  // reason_required, material_required, confidentiality_findings (details list the findings),
  // concerns_open, response_window_open, publish_not_due, notice_period_running (closing before
  // the release's minimum notice period is served), concern_not_found, concern_not_open,
  // version_conflict (expected_version given and stale), simulation_only, clock_went_backwards,
  // idempotency_key_reused, storage errors. A refused event appends nothing.
  Result<Item> fire(const FireRequest& request);

  // The item's current state. Errors: item_not_found, storage errors.
  Result<Item> get_item(const std::string& item_id);
  // Items matching the filter, ordered by id. Errors: storage errors.
  Result<std::vector<Item>> list_items(const ItemFilter& filter);
  // The item's events in order. Errors: item_not_found, storage errors.
  Result<std::vector<Event>> history(const std::string& item_id);

  // Pauses, resumes or extends a deadline. Errors: invalid_argument (extend by an amount <= 0),
  // text_too_long, item_not_found, deadline_not_found,
  // deadline_not_open (not running, or not paused to resume), reason_required,
  // extension_not_allowed (no role, not extendable, or beyond the standard's cap),
  // version_conflict, simulation_only, idempotency_key_reused, storage errors.
  Result<Item> control_deadline(const DeadlineControlRequest& request);

  // Loads a calendars folder (calendars/*.json); a set that differs from the latest version
  // (an earlier version's content included: it comes back as a new version) becomes a new version,
  // and every open deadline is recomputed on it (deadline_recomputed events where the due instant
  // moves). The latest set's content loaded again changes nothing.
  // Errors: definition_* (nothing stored), storage errors.
  // `at` (simulation databases only) is the instant recorded for the recomputations.
  Result<CalendarsLoad> load_calendars(const std::string& calendars_dir,
                                       std::optional<Instant> at = std::nullopt);
  // The latest calendars version; nullptr when none is stored.
  std::shared_ptr<const CalendarSet> calendars() const;

  // Fires every timer due at `at` (default: the clock's now; an explicit instant only on a
  // simulation database): publications, escalation steps, notice period ends (each with a delivery
  // of kind notice_served per channel), once each even with several processes ticking; recomputes
  // open deadlines when the calendar in force changed. First reads in the definitions and calendar
  // versions another process (e.g. the CLI beside a server) stored since this engine read them, so
  // a server picks up a `catalog load` or `calendar load` at its next tick. Errors:
  // simulation_only, definition_* (a stored version does not load), storage errors.
  Result<TickReport> run_due(std::optional<Instant> at = std::nullopt);

  // The earliest pending timer, if any. Errors: storage errors.
  Result<std::optional<Instant>> next_timer();

  // Called after every commit with the earliest timer of the item committed, so a scheduler can
  // re-arm. The callback must be quick and must not call back into the engine.
  void set_timer_listener(std::function<void(Instant)> listener);

  // Hands every due delivery of the outbox to its channel (at least once), and records each
  // outcome as an event of the item (delivery_delivered, delivery_retrying, delivery_failed) in
  // the same transaction as the outbox row. `at` as for run_due. Errors: simulation_only,
  // storage errors.
  Result<DeliveryReport> run_deliveries(ChannelRegistry& channels,
                                        const DeliveryPolicy& policy = {},
                                        std::optional<Instant> at = std::nullopt);

  // Outbox rows matching `query`. Errors: storage errors.
  Result<std::vector<Delivery>> deliveries(const DeliveryQuery& query);

  // How many outbox rows match `query` (its limit ignored), without reading them. Errors: storage
  // errors.
  Result<std::int64_t> count_deliveries(const DeliveryQuery& query);

  // Puts an item's failed deliveries (of one channel, or all when `channel` is empty) back in the
  // outbox, recording delivery_retry_requested. Errors: item_not_found, invalid_argument (nothing
  // failed), storage errors.
  Result<Item> retry_deliveries(const std::string& item_id, const std::string& channel,
                                const std::string& actor, const std::string& role,
                                std::optional<Instant> at = std::nullopt);

  // Deadlines breached, or pending past their due instant, at `at` (default now), by due instant.
  Result<std::vector<OverdueDeadline>> overdue(std::optional<Instant> at = std::nullopt);

  // How each deadline of the item was derived. Errors: item_not_found, calendar_not_found.
  Result<std::vector<DeadlineExplanation>> explain(const std::string& item_id);

  // How each notice period of the item was derived (none when its standard has no notice_period
  // or it was never published). Errors: item_not_found, calendar_not_found.
  Result<std::vector<NoticeExplanation>> explain_notices(const std::string& item_id);

  // Replays the item's events with `at` <= as_of through the lifecycle; the stage and version it
  // had then. Errors: item_not_found, audit_* when the history does not replay, storage errors.
  Result<ReplayedItem> replay(const std::string& item_id, Instant as_of);

  // Recomputes every hash and both chains (per item and database-wide), checks the chain head,
  // replays every item through the lifecycle and compares it with the stored projection. Errors
  // name the first bad event: audit_hash_mismatch, audit_chain_broken, audit_sequence_gap,
  // audit_replay_mismatch, audit_head_mismatch; storage errors.
  Result<VerifyReport> verify();

  // True on a simulation database.
  bool is_simulation() const;
  // The engine's clock.
  const Clock& clock() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The folder of the definitions shipped with gongkai: $GONGKAI_DEFINITIONS if set, else the
// source tree's definitions/ when it exists (a build-tree binary), else the installed copy.
std::string default_definitions_dir();

}  // namespace gongkai
