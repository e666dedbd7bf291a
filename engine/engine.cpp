#include "gongkai/engine.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <sstream>

#include "engine/auditor.h"
#include "engine/commit_queue.h"
#include "engine/deadlines.h"
#include "engine/deliveries.h"
#include "engine/history_context.h"
#include "engine/item_cache.h"
#include "engine/item_json.h"
#include "engine/item_locks.h"
#include "engine/item_schedule.h"
#include "engine/item_state.h"
#include "engine/notice_periods.h"
#include "engine/sha256.h"
#include "engine/utf8.h"
#include "gongkai/confidentiality_scan.h"

namespace gongkai {

using nlohmann::json;

namespace {

// How often a command without an expected version is re-evaluated when another writer got there
// first (the item changed between reading and committing).
constexpr int kConflictRetries = 8;
// The actor and role recorded for what the timers do.
constexpr const char* kTimerActor = "gongkai.timer";
constexpr const char* kSystemRole = "system";

// How long a free text of a command may be: a name-like text (title, actor, role, ids) is counted
// in characters, a body (content, text, reason) in bytes (limits in include/gongkai/engine.h).
enum class TextSize { name, body };

Status check_text(const std::string& value, const char* field, bool required,
                  TextSize size = TextSize::name) {
  if (required && value.empty()) {
    return Status(Errc::invalid_argument, std::string(field) + " must not be empty");
  }
  if (size == TextSize::body && value.size() > kMaxTextBytes) {
    return Status(Errc::text_too_long, std::string(field) + " has " + std::to_string(value.size()) +
                                           " bytes; at most " + std::to_string(kMaxTextBytes) +
                                           " are accepted");
  }
  if (!is_valid_utf8(value)) {
    return Status(Errc::invalid_argument, std::string(field) + " is not valid UTF-8");
  }
  if (size == TextSize::name) {
    // Characters are code points: every byte that does not continue a UTF-8 sequence.
    const auto chars =
        static_cast<std::size_t>(std::count_if(value.begin(), value.end(), [](char c) {
          return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }));
    if (chars > kMaxNameChars) {
      return Status(Errc::text_too_long, std::string(field) + " has " + std::to_string(chars) +
                                             " characters; at most " +
                                             std::to_string(kMaxNameChars) + " are accepted");
    }
  }
  return Status::Ok();
}

// The wording and legal basis `item explain` cites for the standard's deadline of `kind`: the
// rule's own; for publication, without them, the standard's 公开时限 and first 公开依据 (that
// column is the publication limit). Another kind never borrows the publication's wording or basis.
void cite_rule(const ItemStandard& standard, const std::string& kind, std::string& time_limit,
               std::string& basis) {
  const DeadlineRule* rule = find_rule(standard, kind);
  if (rule) {
    time_limit = rule->time_limit_text;
    basis = rule->legal_basis;
  }
  if (kind != "publication") return;
  if (time_limit.empty()) time_limit = standard.time_limit_text;
  if (basis.empty() && !standard.legal_basis.empty()) basis = standard.legal_basis.front();
}

// The jitter of a retry's backoff, in [0, 1): drawn from the delivery id and the attempt
// (FNV-1a, then a SplitMix64 finaliser) rather than from a random device, so that retries of
// different deliveries still spread out while a history stays reproducible (a simulation with the
// same seed stores the same next_attempt_at).
double jitter_draw(const std::string& delivery_id, int attempt) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : delivery_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  std::uint64_t z = h + 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(attempt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// The calendar a deadline or notice period was computed on, from its recorded reference:
// std::nullopt when it records none (no "<set>:<id>@<version>" form), an error (storage_corrupt)
// when the reference does not read.
Result<std::optional<CalendarRef>> recorded_calendar(const std::string& ref) {
  if (ref.find(':') == std::string::npos || ref.find('@') == std::string::npos) {
    return std::optional<CalendarRef>();
  }
  auto parsed = parse_calendar_ref(ref);
  if (!parsed)
    return Status(Errc::storage_corrupt, "the recorded calendar '" + ref + "' does not read");
  return std::optional<CalendarRef>(std::move(*parsed));
}

// Whether the event payload `payload` has the string `value` as its member `key` (false for any
// other payload, of whatever shape or type: a stored payload is never trusted to have one).
bool names(const json& payload, const char* key, const std::string& value) {
  if (!payload.is_object()) return false;
  auto it = payload.find(key);
  return it != payload.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

const char* step_event_type(const std::string& step) {
  if (step == "reminder") return kDeadlineDueSoon;
  if (step == "due") return kDeadlineBreached;
  return kDeadlineEscalated;
}

// Reads a calendars folder into (file name, text) pairs, sorted by name.
Result<std::vector<std::pair<std::string, std::string>>> read_calendar_files(
    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status(Errc::definition_io_error, "'" + dir + "' is not a calendars folder");
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      return Status(Errc::definition_io_error, "cannot read " + entry.path().string());
    }
    files.emplace_back(entry.path().filename().string(), text.str());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::string default_definitions_dir() {
  if (const char* env = std::getenv("GONGKAI_DEFINITIONS"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(GONGKAI_SOURCE_DEFINITIONS, ec)) {
    return GONGKAI_SOURCE_DEFINITIONS;
  }
  return GONGKAI_INSTALLED_DEFINITIONS;
}

struct Engine::Impl {
  std::unique_ptr<Store> store;
  std::shared_ptr<const Clock> clock;
  // Commands on one item are evaluated and committed one at a time (a lock per item id);
  // commands on different items run concurrently and share transactions through the commit
  // queue. Other processes are kept in order by the store's transactions and the expected-version
  // check.
  ItemLocks item_locks;
  std::unique_ptr<CommitQueue> commits;
  // Items as the last command through this engine left them (see ItemCache): any outcome other
  // than a commit — a refusal by the expected-version check, a lifecycle refusal, a skip — is
  // evaluated once more on the item read from the store.
  static constexpr std::size_t kCachedItems = 8192;
  ItemCache cache{kCachedItems};
  mutable std::shared_mutex versions_mutex;
  std::map<std::int64_t, std::shared_ptr<const DefinitionSet>> definitions;
  std::map<std::int64_t, std::shared_ptr<const CalendarSet>> calendars;
  HistoryContext history{[this](std::int64_t v) { return definitions_at(v); },
                         [this](std::int64_t v) { return calendars_at(v); }};
  std::mutex listener_mutex;
  std::function<void(Instant)> timer_listener;

  Status load_stored_versions() {
    auto defs = store->definition_versions();
    if (!defs.ok()) return defs.status();
    std::map<std::int64_t, std::shared_ptr<const DefinitionSet>> loaded_defs;
    for (const auto& v : *defs) {
      auto set = definitions_from_canonical_json(v.canonical_json);
      if (!set.ok()) {
        return Status(set.status().code(), "stored definitions version " +
                                               std::to_string(v.version) +
                                               " does not load: " + set.status().message());
      }
      loaded_defs[v.version] = std::make_shared<const DefinitionSet>(std::move(*set));
    }
    auto cals = store->calendar_versions();
    if (!cals.ok()) return cals.status();
    std::map<std::int64_t, std::shared_ptr<const CalendarSet>> loaded_cals;
    for (const auto& v : *cals) {
      std::vector<std::pair<std::string, std::string>> files;
      const json stored = json::parse(v.files_json, nullptr, false);
      if (!stored.is_object()) {
        return Status(Errc::storage_corrupt,
                      "stored calendars version " + std::to_string(v.version) + " is not JSON");
      }
      for (const auto& [name, text] : stored.items())
        files.emplace_back(name, text.get<std::string>());
      auto set = calendars_from_json(files);
      if (!set.ok()) {
        return Status(set.status().code(), "stored calendars version " + std::to_string(v.version) +
                                               " does not load: " + set.status().message());
      }
      loaded_cals[v.version] = std::make_shared<const CalendarSet>(std::move(*set));
    }
    std::unique_lock lock(versions_mutex);
    definitions = std::move(loaded_defs);
    calendars = std::move(loaded_cals);
    return Status::Ok();
  }

  std::shared_ptr<const DefinitionSet> definitions_at(std::int64_t version) const {
    std::shared_lock lock(versions_mutex);
    auto it = definitions.find(version);
    return it == definitions.end() ? nullptr : it->second;
  }

  std::shared_ptr<const CalendarSet> calendars_at(std::int64_t version) const {
    std::shared_lock lock(versions_mutex);
    auto it = calendars.find(version);
    return it == calendars.end() ? nullptr : it->second;
  }

  std::int64_t latest_calendars_version() const {
    std::shared_lock lock(versions_mutex);
    return calendars.empty() ? 0 : calendars.rbegin()->first;
  }

  Result<Instant> command_instant(const std::optional<Instant>& at) const {
    if (!at) return clock->now();
    if (!store->is_simulation()) {
      return Status(Errc::simulation_only,
                    "a command's time can be set only on a simulation database (created with "
                    "`gongkai init --simulation`); production histories cannot be backdated");
    }
    return *at;
  }

  Result<Item> load_item(const std::string& id) {
    auto record = store->get_item(id);
    if (!record.ok()) return record.status();
    if (!*record) return Status(Errc::item_not_found, "no item '" + id + "'");
    return item_from_record(**record);
  }

  // The item as it was right after its version `version` (for repeated commands).
  Result<Item> item_at_version(const std::string& id, std::int64_t version) {
    auto events = store->history(id, version);
    if (!events.ok()) return events.status();
    if (events->empty()) return Status(Errc::item_not_found, "no item '" + id + "'");
    Item item;
    for (const Event& e : *events) {
      if (Status s = history.replay_step(item, e); !s.ok()) return s;
    }
    return item;
  }

  // The earlier answer to a repeated command, or idempotency_key_reused.
  Result<Item> repeated(const CommandRecord& earlier, const std::string& command_id,
                        const std::string& fingerprint) {
    if (earlier.fingerprint != fingerprint) {
      return Status(Errc::idempotency_key_reused,
                    "command id '" + command_id + "' was already used for a different command");
    }
    return item_at_version(earlier.item_id, earlier.item_version);
  }

  // The earliest of `timers`, if any.
  static std::optional<Instant> earliest_timer(const std::vector<TimerRecord>& timers) {
    std::optional<Instant> earliest;
    for (const auto& t : timers) {
      if (!earliest || t.fire_at < *earliest) earliest = t.fire_at;
    }
    return earliest;
  }

  void notify_timers(std::optional<Instant> earliest) {
    if (!earliest) return;
    std::lock_guard<std::mutex> lock(listener_mutex);
    if (timer_listener) timer_listener(*earliest);
  }

  // Applies `event` to `before` and commits it with the projection, timers and deadline rows.
  // `committed` (when given) is set when the event was appended now rather than found recorded
  // under the same command id.
  Result<Item> apply_and_commit(const Item& before, Event event, const EventContext& context,
                                const std::string& command_id, const std::string& fingerprint,
                                std::vector<Delivery> delivery_updates = {},
                                bool* committed = nullptr) {
    auto after = apply_event(before, event, context.deadlines);
    if (!after.ok()) return after.status();
    after->id = before.id;
    CommitRequest commit;
    commit.item_id = before.id;
    commit.expected_version = before.version;
    commit.command_id = command_id;
    commit.command_fingerprint = fingerprint;
    commit.events.push_back(NewEvent{event.type, event.actor, event.role, event.reason,
                                     event.command_id, event.at, event.payload,
                                     event.definition_version, event.calendar_version});
    commit.projection = item_record(*after);
    // The long texts are written only when the events changed them (a new item's always are).
    commit.write_texts = before.id.empty() || after->content != before.content ||
                         after->interpretation != before.interpretation;
    schedule_of(*after, commit.timers, commit.deadlines);
    // `before` is the item at the expected version: its rows are the stored ones.
    commit.schedule_before.emplace();
    schedule_of(before, commit.schedule_before->timers, commit.schedule_before->deadlines);
    commit.delivery_updates = std::move(delivery_updates);
    if (auto kind = delivery_kind(event.type, before, *after)) {
      const auto defs = definitions_at(after->definition_version);
      commit.new_deliveries =
          deliveries_for(*after, *context.deadlines.standard, defs.get(), *kind, event.at);
    }
    const std::optional<Instant> earliest = earliest_timer(commit.timers);
    auto outcome = commits->commit(std::move(commit));
    if (!outcome.ok()) return outcome.status();
    if (outcome->repeated) {
      CommandRecord earlier{outcome->item_id, outcome->version, outcome->command_fingerprint};
      return repeated(earlier, command_id, fingerprint);
    }
    after->id = outcome->item_id;
    after->version = outcome->version;
    notify_timers(earliest);
    if (committed) *committed = true;
    return after;
  }

  // What a builder makes of the item as it is now: the event to append (or `skip` when nothing is
  // to be done any more, e.g. another process did it), and outbox rows to update with it.
  struct Draft {
    Event& event;
    bool skip = false;
    std::vector<Delivery> delivery_updates;
  };
  // Builds the event for the item as it is now; a refusal appends nothing.
  using Builder = std::function<Status(const Item& before, const EventContext& context, Draft& d)>;

  // The one path by which an event is appended to an existing item: idempotency, expected
  // version, the instant, the calendar in force, the lifecycle (in apply_event), the commit, and
  // re-evaluation when another writer got there first.
  // Returns std::nullopt when the builder skipped.
  Result<std::optional<Item>> append(const std::string& item_id,
                                     const std::optional<std::int64_t>& expected,
                                     const std::string& command_id, const std::string& fingerprint,
                                     const std::optional<Instant>& explicit_at,
                                     const Builder& build) {
    auto requested_at = command_instant(explicit_at);
    if (!requested_at.ok()) return requested_at.status();
    const ItemLocks::Guard locked = item_locks.lock(item_id);
    if (!command_id.empty()) {
      auto earlier = store->find_command(command_id);
      if (!earlier.ok()) return earlier.status();
      if (*earlier) {
        auto answer = repeated(**earlier, command_id, fingerprint);
        if (!answer.ok()) return answer.status();
        return std::optional<Item>(std::move(*answer));
      }
    }
    for (int attempt = 0;; ++attempt) {
      // The first attempt evaluates on the cached item when there is one; whatever does not end
      // in a commit is then evaluated again on the item as stored (see ItemCache).
      const std::shared_ptr<const Item> cached = attempt == 0 ? cache.find(item_id) : nullptr;
      std::optional<Item> loaded;
      if (!cached) {
        auto stored = load_item(item_id);
        if (!stored.ok()) return stored.status();
        loaded = std::move(*stored);
      }
      auto outcome = evaluate(cached ? *cached : *loaded, expected, requested_at, explicit_at,
                              command_id, fingerprint, build);
      const bool answered = outcome.ok() && outcome->item;  // committed, or an earlier answer
      if (!answered) cache.forget(item_id);
      // Judged on the held copy without an answer (a refusal, a skip, a conflict): judged again on
      // the stored item, unless the store itself failed (exit 1: storage or internal).
      if (cached && !answered && (outcome.ok() || outcome.status().exit_code() != 1)) continue;
      if (!outcome.ok() && outcome.status().code() == Errc::version_conflict && !expected &&
          attempt < kConflictRetries) {
        continue;
      }
      if (!outcome.ok()) return outcome.status();
      // An earlier answer to a repeated command is the item as it was then, not as it is now.
      if (outcome->item && outcome->committed) cache.put(*outcome->item);
      return std::move(outcome->item);
    }
  }

  // What one evaluation of an append came to: no item when the builder skipped; `committed` when
  // the event was appended now (not an earlier answer to a repeated command id).
  struct Evaluation {
    std::optional<Item> item;
    bool committed = false;
  };

  // One evaluation of an append on `loaded`: the expected version, the instant, the calendar in
  // force, the builder, the lifecycle and the commit.
  Result<Evaluation> evaluate(const Item& loaded, const std::optional<std::int64_t>& expected,
                              const Result<Instant>& requested_at,
                              const std::optional<Instant>& explicit_at,
                              const std::string& command_id, const std::string& fingerprint,
                              const Builder& build) {
    const Item* before = &loaded;
    const std::string& item_id = before->id;
    if (expected && *expected != before->version) {
      return Status(Errc::version_conflict, "item " + before->id + " is at version " +
                                                std::to_string(before->version) +
                                                ", not the expected " + std::to_string(*expected));
    }
    // Without an explicit time the event takes the clock's now, but never an instant before the
    // item's last event (another process may have committed a moment ago with a later clock).
    const Instant at = explicit_at ? *requested_at : std::max(clock->now(), before->updated_at);
    if (at < before->updated_at) {
      return Status(Errc::clock_went_backwards, "the command's time " + format_local(at) +
                                                    " is before the item's last " + "event (" +
                                                    format_local(before->updated_at) + ")");
    }
    Event event;
    event.item_id = before->id;
    event.item_seq = before->version + 1;
    event.command_id = command_id;
    event.at = at;
    event.payload = "{}";
    event.definition_version = before->definition_version;
    auto defs = definitions_at(before->definition_version);
    const Unit* unit = defs ? defs->find_unit(before->unit_id) : nullptr;
    if (!unit) return Status(Errc::unit_not_found, "item " + item_id + " has no stored unit");
    auto ref = history.calendar_ref(latest_calendars_version(), *unit, at);
    if (!ref.ok()) return ref.status();
    event.calendar_version = *ref;
    EventContext context;
    if (Status s = history.resolve(*before, event, context); !s.ok()) return s;
    Draft draft{event, false, {}};
    if (Status s = build(*before, context, draft); !s.ok()) return s;
    if (draft.skip) return Evaluation{};
    bool committed = false;
    auto result = apply_and_commit(*before, event, context, command_id, fingerprint,
                                   std::move(draft.delivery_updates), &committed);
    if (!result.ok()) return result.status();
    return Evaluation{std::move(*result), committed};
  }

  // A command's append: a skip cannot happen, so the item is always there.
  Result<Item> append_command(const std::string& item_id,
                              const std::optional<std::int64_t>& expected,
                              const std::string& command_id, const std::string& fingerprint,
                              const std::optional<Instant>& explicit_at, const Builder& build) {
    auto result = append(item_id, expected, command_id, fingerprint, explicit_at, build);
    if (!result.ok()) return result.status();
    if (!*result) return Status(Errc::internal, "a command was skipped");
    return std::move(**result);
  }

  // Appends deadline_recomputed events for the open deadlines of `item_id` whose due instant
  // moves on the calendar in force at `at`. Returns how many moved.
  Result<std::int64_t> recompute_item(const std::string& item_id, std::optional<Instant> at) {
    auto item = load_item(item_id);
    if (!item.ok()) return item.status();
    std::int64_t moved = 0;
    for (const ItemDeadline& original : item->deadlines) {
      const std::string id = original.id;
      auto result = append(
          item_id, std::nullopt, "", "", at,
          [&](const Item& before, const EventContext& context, Draft& draft) -> Status {
            Event& e = draft.event;
            const ItemDeadline* d = before.find_deadline(id);
            draft.skip = !d || !context.deadlines.calendar ||
                         (d->state != DeadlineState::pending &&
                          d->state != DeadlineState::breached && d->state != DeadlineState::paused);
            if (draft.skip) return Status::Ok();
            auto due = compute_due_date(*d, *context.deadlines.calendar);
            if (!due.ok()) return due.status();
            // Recorded when the due instant moves, or when a provisional deadline is confirmed
            // (or becomes provisional) on the new notice.
            draft.skip = due->due == d->due && due->provisional == d->provisional;
            if (draft.skip) return Status::Ok();
            e.type = kDeadlineRecomputed;
            e.actor = kTimerActor;
            e.role = kSystemRole;
            e.reason = "calendar changed";
            e.payload = json{{"deadline", id},
                             {"old_due", format_utc(d->due)},
                             {"new_due", format_utc(due->due)},
                             {"provisional", due->provisional},
                             {"old_calendar", d->calendar},
                             {"new_calendar", e.calendar_version}}
                            .dump();
            return Status::Ok();
          });
      if (!result.ok()) return result.status();
      if (*result) ++moved;
    }
    // A running notice period's end moves like a deadline's.
    for (const ItemNotice& original : item->notices) {
      const std::string id = original.id;
      auto result = append(
          item_id, std::nullopt, "", "", at,
          [&](const Item& before, const EventContext& context, Draft& draft) -> Status {
            Event& e = draft.event;
            const ItemNotice* n = before.find_notice(id);
            draft.skip = !n || !context.deadlines.calendar || n->state != NoticeState::running;
            if (draft.skip) return Status::Ok();
            auto end = notice_end_date(*n, *context.deadlines.calendar);
            if (!end.ok()) return end.status();
            draft.skip = end->due == n->ends_at && end->provisional == n->provisional;
            if (draft.skip) return Status::Ok();
            e.type = kNoticePeriodRecomputed;
            e.actor = kTimerActor;
            e.role = kSystemRole;
            e.reason = "calendar changed";
            e.payload = json{{"notice", id},
                             {"old_ends_at", format_utc(n->ends_at)},
                             {"new_ends_at", format_utc(end->due)},
                             {"provisional", end->provisional},
                             {"old_calendar", n->calendar},
                             {"new_calendar", e.calendar_version}}
                            .dump();
            return Status::Ok();
          });
      if (!result.ok()) return result.status();
      if (*result) ++moved;
    }
    return moved;
  }

  // Another process (the CLI beside a running server) may have stored definitions or calendars
  // since this engine read them; the notes a load leaves name the latest versions. Reads the stored
  // versions again when a note names one this engine does not hold, so that a tick neither
  // recomputes deadlines back onto an older calendar set nor leaves new items on an older
  // catalogue.
  Status refresh_versions() {
    std::int64_t known_definitions = 0;
    {
      std::shared_lock lock(versions_mutex);
      known_definitions = definitions.empty() ? 0 : definitions.rbegin()->first;
    }
    bool stale = false;
    for (const auto& [key, known] : {std::pair{"calendars_in_force", latest_calendars_version()},
                                     std::pair{"definitions_latest", known_definitions}}) {
      auto note = store->get_note(key);
      if (!note.ok()) return note.status();
      // "N" or "N:..." — the leading version number; anything else names none.
      const std::int64_t version = std::strtoll(note->c_str(), nullptr, 10);
      stale |= version > known;
    }
    return stale ? load_stored_versions() : Status::Ok();
  }

  // The calendar versions in force at `at` for every calendar of the latest set, as text.
  std::string calendars_in_force(Instant at) {
    auto set = calendars_at(latest_calendars_version());
    if (!set) return "";
    json in_force = json::object();
    for (const std::string& id : set->ids()) {
      auto c = set->as_of(id, at);
      in_force[id] = c.ok() ? c->version() : 0;
    }
    return std::to_string(latest_calendars_version()) + ":" + in_force.dump();
  }

  Result<std::int64_t> recompute_all(std::optional<Instant> at) {
    auto ids = store->items_with_open_deadlines();
    if (!ids.ok()) return ids.status();
    std::int64_t moved = 0;
    for (const auto& id : *ids) {
      auto n = recompute_item(id, at);
      if (!n.ok()) return n.status();
      moved += *n;
    }
    return moved;
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::with_store(std::unique_ptr<Store> store,
                                                   std::shared_ptr<const Clock> clock) {
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->commits = std::make_unique<CommitQueue>(*impl->store);
  impl->clock = clock ? std::move(clock) : std::make_shared<SystemClock>();
  if (Status s = impl->load_stored_versions(); !s.ok()) return s;
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Result<std::unique_ptr<Engine>> Engine::open(const std::string& db_path,
                                             const SqliteOptions& options) {
  auto store = open_sqlite_store(db_path, options);
  if (!store.ok()) return store.status();
  auto engine = with_store(std::move(*store), nullptr);
  if (!engine.ok()) return engine;
  if ((*engine)->definitions_version() == 0) {
    return Status(Errc::database_missing,
                  "'" + db_path + "' holds no definitions; run `gongkai init` on it");
  }
  return engine;
}

Result<std::unique_ptr<Engine>> Engine::init(const std::string& db_path,
                                             const std::string& definitions_dir, bool simulation) {
  // Validate everything before touching the database: a wrong folder creates nothing.
  auto set = gongkai::load_definitions(definitions_dir);
  if (!set.ok()) return set.status();
  const std::string calendars_dir = definitions_dir + "/calendars";
  auto calendars = load_calendar_directory(calendars_dir);
  if (!calendars.ok()) return calendars.status();
  if (Status s = check_unit_calendars(*set, *calendars); !s.ok()) return s;
  SqliteOptions options;
  options.create = true;
  options.simulation = simulation;
  auto store = open_sqlite_store(db_path, options);
  if (!store.ok()) return store.status();
  if (simulation && !(*store)->is_simulation()) {
    return Status(Errc::simulation_only,
                  "'" + db_path +
                      "' already exists as a production database; it cannot become a "
                      "simulation");
  }
  auto engine = with_store(std::move(*store), nullptr);
  if (!engine.ok()) return engine;
  auto cals = (*engine)->load_calendars(calendars_dir);
  if (!cals.ok()) return cals.status();
  auto loaded = (*engine)->load_definitions(definitions_dir);
  if (!loaded.ok()) return loaded.status();
  return engine;
}

Result<DefinitionsLoad> Engine::load_definitions(const std::string& definitions_dir) {
  auto set = gongkai::load_definitions(definitions_dir);
  if (!set.ok()) return set.status();
  if (auto cals = calendars()) {
    if (Status s = check_unit_calendars(*set, *cals); !s.ok()) return s;
  }
  const std::int64_t before = definitions_version();
  auto stored = impl_->store->add_definitions(set->digest, set->canonical_json, clock().now());
  if (!stored.ok()) return stored.status();
  if (Status s = impl_->load_stored_versions(); !s.ok()) return s;
  // For engines of other processes on the database (Impl::refresh_versions).
  if (Status s = impl_->store->set_note("definitions_latest", std::to_string(stored->version));
      !s.ok()) {
    return s;
  }
  DefinitionsLoad load;
  load.version = stored->version;
  load.digest = stored->digest;
  load.changed = stored->version > before;
  return load;
}

Result<CalendarsLoad> Engine::load_calendars(const std::string& calendars_dir,
                                             std::optional<Instant> at) {
  if (auto checked = impl_->command_instant(at); !checked.ok()) return checked.status();
  auto files = read_calendar_files(calendars_dir);
  if (!files.ok()) return files.status();
  auto set = calendars_from_json(*files);
  if (!set.ok()) return set.status();
  if (auto defs = definitions()) {
    if (Status s = check_unit_calendars(*defs, *set); !s.ok()) return s;
  }
  json stored = json::object();
  for (const auto& [name, text] : *files) stored[name] = text;
  const std::string files_json = stored.dump();
  const std::int64_t before = impl_->latest_calendars_version();
  auto version =
      impl_->store->add_calendars(sha256_hex(files_json), files_json, at.value_or(clock().now()));
  if (!version.ok()) return version.status();
  if (Status s = impl_->load_stored_versions(); !s.ok()) return s;
  // What is in force now is what the deadlines just computed (or recomputed below) rest on.
  if (Status s = impl_->store->set_note("calendars_in_force",
                                        impl_->calendars_in_force(at.value_or(clock().now())));
      !s.ok()) {
    return s;
  }
  CalendarsLoad load;
  load.version = version->version;
  load.digest = version->digest;
  load.changed = version->version > before;
  if (load.changed && before > 0) {
    auto moved = impl_->recompute_all(at);
    if (!moved.ok()) return moved.status();
    load.recomputed = *moved;
  }
  return load;
}

std::shared_ptr<const CalendarSet> Engine::calendars() const {
  return impl_->calendars_at(impl_->latest_calendars_version());
}

std::shared_ptr<const DefinitionSet> Engine::definitions() const {
  return impl_->definitions_at(definitions_version());
}

std::shared_ptr<const DefinitionSet> Engine::definitions(std::int64_t version) const {
  return impl_->definitions_at(version);
}

std::int64_t Engine::definitions_version() const {
  std::shared_lock lock(impl_->versions_mutex);
  return impl_->definitions.empty() ? 0 : impl_->definitions.rbegin()->first;
}

Result<Item> Engine::create_item(const CreateItemRequest& request) {
  for (const auto& [value, field, required, size] :
       {std::tuple{&request.title, "title", true, TextSize::name},
        {&request.actor, "actor", true, TextSize::name},
        {&request.content, "content", false, TextSize::body},
        {&request.role, "role", false, TextSize::name},
        {&request.command_id, "command id", false, TextSize::name}}) {
    if (Status s = check_text(*value, field, required, size); !s.ok()) return s;
  }
  auto at = impl_->command_instant(request.at);
  if (!at.ok()) return at.status();
  // The formation (信息形成) is a past fact: the day the decision was made, signed or received.
  if (request.formed_at && *request.formed_at > *at) {
    return Status(Errc::invalid_time, "formed_at " + format_local(*request.formed_at) +
                                          " is after the command's time " + format_local(*at) +
                                          ": the information must already have been formed");
  }
  const std::int64_t version = definitions_version();
  auto set = impl_->definitions_at(version);
  if (!set) return Status(Errc::database_missing, "the database holds no definitions");
  const ItemStandard* standard = set->find_standard(request.standard_id);
  if (!standard) {
    return Status(Errc::standard_not_found, "no item standard '" + request.standard_id +
                                                "' in definitions version " +
                                                std::to_string(version));
  }
  const Unit* unit = set->find_unit(request.unit_id);
  if (!unit) return Status(Errc::unit_not_found, "no pilot unit '" + request.unit_id + "'");
  bool applies = false;
  for (const ItemStandard* s : set->standards_for_unit(*unit)) applies |= s == standard;
  if (!applies) {
    return Status(Errc::invalid_argument, "standard '" + standard->id + "' (domain " +
                                              standard->domain + ") does not apply to unit '" +
                                              unit->id + "'");
  }

  json payload = {{"title", request.title},
                  {"content", request.content},
                  {"standard_id", standard->id},
                  {"unit_id", unit->id},
                  {"formed_at", format_utc(request.formed_at.value_or(*at))}};
  Event event;
  event.type = std::string(to_string(EventType::created));
  event.actor = request.actor;
  event.role = request.role;
  event.command_id = request.command_id;
  event.at = *at;
  event.payload = payload.dump();
  event.definition_version = version;
  event.item_seq = 1;
  auto ref = impl_->history.calendar_ref(impl_->latest_calendars_version(), *unit, *at);
  if (!ref.ok()) return ref.status();
  event.calendar_version = *ref;
  // What was asked, to tell a repeated command id from a reused one; only with a command id.
  const std::string fingerprint =
      request.command_id.empty()
          ? std::string()
          : json{{"create",
                  {{"title", request.title},
                   {"content", request.content},
                   {"standard_id", request.standard_id},
                   {"unit_id", request.unit_id},
                   // what was asked: a defaulted formed_at (now) must not make a retry differ
                   {"formed_at",
                    request.formed_at ? json(format_utc(*request.formed_at)) : json(nullptr)}}},
                 {"actor", request.actor},
                 {"role", request.role}}
                .dump();

  if (!request.command_id.empty()) {
    auto earlier = impl_->store->find_command(request.command_id);
    if (!earlier.ok()) return earlier.status();
    if (*earlier) return impl_->repeated(**earlier, request.command_id, fingerprint);
  }
  EventContext context;
  if (Status s = impl_->history.resolve(Item{}, event, context); !s.ok()) return s;
  bool committed = false;
  auto created = impl_->apply_and_commit(Item{}, event, context, request.command_id, fingerprint,
                                         {}, &committed);
  if (created.ok() && committed) {
    impl_->cache.put(*created);
  }
  return created;
}

Result<Item> Engine::fire(const FireRequest& request) {
  if (request.event == EventType::created) {
    return Status(Errc::invalid_argument, "'created' is recorded by create_item, not fired");
  }
  for (const auto& [value, field, required, size] :
       {std::tuple{&request.actor, "actor", true, TextSize::name},
        {&request.reason, "reason", false, TextSize::body},
        {&request.text, "text", false, TextSize::body},
        {&request.role, "role", false, TextSize::name},
        {&request.command_id, "command id", false, TextSize::name},
        {&request.item_id, "item id", true, TextSize::name}}) {
    if (Status s = check_text(*value, field, required, size); !s.ok()) return s;
  }
  // What was asked, to tell a repeated command id from a reused one; only with a command id.
  std::string fingerprint;
  if (!request.command_id.empty()) {
    json asked = {{"item", request.item_id},  {"event", std::string(to_string(request.event))},
                  {"actor", request.actor},   {"role", request.role},
                  {"reason", request.reason}, {"text", request.text},
                  {"major", request.major}};
    if (request.concern) asked["concern"] = *request.concern;
    if (request.publish_at) asked["publish_at"] = format_utc(*request.publish_at);
    if (request.expected_version) asked["expected_version"] = *request.expected_version;
    fingerprint = asked.dump();
  }

  return impl_->append_command(
      request.item_id, request.expected_version, request.command_id, fingerprint, request.at,
      [&](const Item& before, const EventContext&, Impl::Draft& draft) -> Status {
        Event& e = draft.event;
        json payload = json::object();
        if (!request.text.empty()) payload["text"] = request.text;
        if (request.event == EventType::raise_concern) payload["major"] = request.major;
        if (request.event == EventType::approve) {
          // A release cannot be scheduled before the approval that allows it.
          if (request.publish_at && *request.publish_at < e.at) {
            return Status(Errc::invalid_time, "publish_at " + format_local(*request.publish_at) +
                                                  " is before the approval's time " +
                                                  format_local(e.at) +
                                                  ": a release cannot be scheduled in the past");
          }
          if (request.publish_at) payload["publish_at"] = format_utc(*request.publish_at);
          // 保密审查 covers everything the release publishes: the title and the content.
          payload["confidentiality_findings"] =
              scan_personal_data(before.title).size() + scan_personal_data(before.content).size();
        }
        // An interpretation or an answer is published at once: its text is scanned too.
        if (request.event == EventType::interpret || request.event == EventType::respond) {
          const std::size_t found = scan_personal_data(request.text).size();
          if (found > 0) payload["confidentiality_findings"] = found;
        }
        if (request.event == EventType::respond) {
          std::optional<int> concern = request.concern;
          for (const Concern& c : before.concerns) {
            if (!concern && !c.answered) concern = c.number;
          }
          if (concern) payload["concern"] = *concern;
        }
        e.type = std::string(to_string(request.event));
        e.actor = request.actor;
        e.role = request.role;
        e.reason = request.reason;
        e.payload = payload.dump();
        return Status::Ok();
      });
}

Result<Item> Engine::control_deadline(const DeadlineControlRequest& request) {
  for (const auto& [value, field, required, size] :
       {std::tuple{&request.actor, "actor", true, TextSize::name},
        {&request.reason, "reason", false, TextSize::body},
        {&request.role, "role", false, TextSize::name},
        {&request.deadline_id, "deadline id", true, TextSize::name},
        {&request.command_id, "command id", false, TextSize::name},
        {&request.item_id, "item id", true, TextSize::name}}) {
    if (Status s = check_text(*value, field, required, size); !s.ok()) return s;
  }
  if (request.action == DeadlineControl::extend && request.amount <= 0) {
    return Status(Errc::invalid_argument,
                  "an extension must be a positive amount, not " + std::to_string(request.amount));
  }
  const char* type = request.action == DeadlineControl::pause    ? kDeadlinePaused
                     : request.action == DeadlineControl::resume ? kDeadlineResumed
                                                                 : kDeadlineExtended;
  json payload = {{"deadline", request.deadline_id}};
  if (request.action == DeadlineControl::extend) payload["amount"] = request.amount;
  json asked = {{"item", request.item_id}, {"control", type},      {"payload", payload},
                {"actor", request.actor},  {"role", request.role}, {"reason", request.reason}};
  if (request.expected_version) asked["expected_version"] = *request.expected_version;
  return impl_->append_command(request.item_id, request.expected_version, request.command_id,
                               asked.dump(), request.at,
                               [&](const Item&, const EventContext&, Impl::Draft& draft) -> Status {
                                 draft.event.type = type;
                                 draft.event.actor = request.actor;
                                 draft.event.role = request.role;
                                 draft.event.reason = request.reason;
                                 draft.event.payload = payload.dump();
                                 return Status::Ok();
                               });
}

Result<TickReport> Engine::run_due(std::optional<Instant> at) {
  auto now = impl_->command_instant(at);
  if (!now.ok()) return now.status();
  TickReport report;
  if (Status s = impl_->refresh_versions(); !s.ok()) return s;
  // A calendar version that came into force since the last run moves open deadlines.
  const std::string in_force = impl_->calendars_in_force(*now);
  auto last = impl_->store->get_note("calendars_in_force");
  if (!last.ok()) return last.status();
  // The versions in force are recorded when calendars are loaded and at every run; a change since
  // then moves open deadlines (recompute_item appends only where something actually changes).
  // Start-up therefore costs nothing per open item unless a notice has come into force.
  if (!last->empty() && *last != in_force) {
    auto moved = impl_->recompute_all(at);
    if (!moved.ok()) return moved.status();
    report.recomputed = *moved;
  }
  if (*last != in_force) {
    if (Status s = impl_->store->set_note("calendars_in_force", in_force); !s.ok()) return s;
  }
  for (int round = 0; round < 1000; ++round) {
    auto timers = impl_->store->due_timers(*now, 256);
    if (!timers.ok()) return timers.status();
    std::int64_t progress = 0;
    for (const TimerRecord& t : *timers) {
      Result<std::optional<Item>> result = Status(Errc::internal, "unknown timer " + t.key);
      if (t.key == "publish") {
        result = impl_->append(
            t.item_id, std::nullopt, "", "", at,
            [&](const Item& before, const EventContext&, Impl::Draft& draft) -> Status {
              Event& e = draft.event;
              draft.skip =
                  before.stage != Stage::release || !before.publish_at || *before.publish_at > e.at;
              if (draft.skip) return Status::Ok();
              e.type = std::string(to_string(EventType::publish));
              e.actor = kTimerActor;
              e.role = kSystemRole;
              e.payload = json{{"scheduled_at", format_utc(*before.publish_at)}}.dump();
              return Status::Ok();
            });
        if (result.ok() && *result) ++report.published;
      } else if (t.key.rfind("deadline:", 0) == 0) {
        const auto last_colon = t.key.rfind(':');
        const std::string deadline_id = t.key.substr(9, last_colon - 9);
        result = impl_->append(
            t.item_id, std::nullopt, "", "", at,
            [&](const Item& before, const EventContext& context, Impl::Draft& draft) -> Status {
              Event& e = draft.event;
              const ItemDeadline* d = before.find_deadline(deadline_id);
              const auto steps = d ? due_steps(*d, context.deadlines, e.at)
                                   : std::vector<std::pair<EscalationStep, Instant>>();
              draft.skip = steps.empty();
              if (draft.skip) return Status::Ok();
              const auto& [step, scheduled] = steps.front();
              const ItemStandard& standard = *context.deadlines.standard;
              e.type = step_event_type(step.step);
              e.actor = kTimerActor;
              e.role = kSystemRole;
              e.payload =
                  json{{"deadline", deadline_id},
                       {"step", step.step},
                       {"scheduled_at", format_utc(scheduled)},
                       {"due", format_utc(d->due)},
                       {"notify", step.notify},
                       {"notify_body", step.notify == "supervisor" ? standard.supervisor
                                                                   : standard.responsible_body}}
                      .dump();
              return Status::Ok();
            });
        if (result.ok() && *result) ++report.steps_fired;
      } else if (t.key.rfind("notice:", 0) == 0) {
        const std::string notice_id = t.key.substr(7);
        result = impl_->append(
            t.item_id, std::nullopt, "", "", at,
            [&](const Item& before, const EventContext&, Impl::Draft& draft) -> Status {
              Event& e = draft.event;
              const ItemNotice* n = before.find_notice(notice_id);
              // Served already (an act after the end), cut short, or moved later meanwhile.
              draft.skip = !n || n->state != NoticeState::running || n->ends_at > e.at;
              if (draft.skip) return Status::Ok();
              e.type = kNoticePeriodServed;
              e.actor = kTimerActor;
              e.role = kSystemRole;
              const json payload = {{"notice", notice_id},
                                    {"starts_at", format_utc(n->starts_at)},
                                    {"ends_at", format_utc(n->ends_at)},
                                    {"scheduled_at", format_utc(n->ends_at)},
                                    {"amount", n->amount},
                                    {"unit", n->unit}};
              e.payload = payload.dump();
              return Status::Ok();
            });
        if (result.ok() && *result) ++report.notices_served;
      }
      if (!result.ok()) return result.status();
      if (*result) ++progress;
    }
    if (progress == 0) break;
  }
  auto next = next_timer();
  if (!next.ok()) return next.status();
  report.next_timer = *next;
  return report;
}

Result<DeliveryReport> Engine::run_deliveries(ChannelRegistry& channels,
                                              const DeliveryPolicy& policy,
                                              std::optional<Instant> at) {
  auto now = impl_->command_instant(at);
  if (!now.ok()) return now.status();
  auto due = impl_->store->due_deliveries(*now, policy.batch);
  if (!due.ok()) return due.status();
  DeliveryReport report;
  for (const Delivery& d : *due) {
    Channel* channel = channels.find(d.unit_id, d.channel);
    const DeliveryOutcome outcome =
        channel ? channel->deliver(d)
                : DeliveryOutcome::permanent("no adapter is configured for channel '" + d.channel +
                                             "' in unit '" + d.unit_id + "'");
    const double draw = jitter_draw(d.id, d.attempts);
    auto recorded = impl_->append(
        d.item_id, std::nullopt, "", "", at,
        [&](const Item&, const EventContext&, Impl::Draft& draft) -> Status {
          auto row = impl_->store->get_delivery(d.id);
          if (!row.ok()) return row.status();
          // Another worker recorded this attempt already.
          draft.skip = !*row || (*row)->attempts != d.attempts || (*row)->state == "delivered" ||
                       (*row)->state == "failed";
          if (draft.skip) return Status::Ok();
          Delivery updated = **row;
          updated.attempts = d.attempts + 1;
          updated.last_error = outcome.error;
          Event& e = draft.event;
          if (outcome.kind == DeliveryOutcome::Kind::delivered) {
            updated.state = "delivered";
            updated.delivered_at = e.at;
            e.type = kDeliveryDelivered;
          } else if (outcome.kind == DeliveryOutcome::Kind::retry &&
                     updated.attempts < policy.max_attempts) {
            updated.state = "retrying";
            updated.next_attempt_at = next_attempt(e.at, updated.attempts, policy, draw);
            e.type = kDeliveryRetrying;
          } else {
            updated.state = "failed";
            e.type = kDeliveryFailed;
          }
          e.actor = "gongkai.outbox";
          e.role = kSystemRole;
          json payload = {{"delivery", d.id},
                          {"channel", d.channel},
                          {"kind", d.kind},
                          {"attempt", updated.attempts}};
          if (!outcome.error.empty()) payload["error"] = outcome.error;
          if (updated.state == "retrying") {
            payload["next_attempt_at"] = format_utc(updated.next_attempt_at);
          }
          e.payload = payload.dump();
          draft.delivery_updates.push_back(std::move(updated));
          return Status::Ok();
        });
    if (!recorded.ok()) return recorded.status();
    if (!*recorded) continue;
    if (outcome.kind == DeliveryOutcome::Kind::delivered) {
      ++report.delivered;
    } else if ((*recorded)->version > 0 && outcome.kind == DeliveryOutcome::Kind::retry &&
               d.attempts + 1 < policy.max_attempts) {
      ++report.retrying;
    } else {
      ++report.failed;
    }
  }
  return report;
}

Result<std::vector<Delivery>> Engine::deliveries(const DeliveryQuery& query) {
  return impl_->store->list_deliveries(query);
}

Result<std::int64_t> Engine::count_deliveries(const DeliveryQuery& query) {
  return impl_->store->count_deliveries(query);
}

Result<Item> Engine::retry_deliveries(const std::string& item_id, const std::string& channel,
                                      const std::string& actor, const std::string& role,
                                      std::optional<Instant> at) {
  if (Status s = check_text(actor, "actor", true); !s.ok()) return s;
  return impl_->append_command(
      item_id, std::nullopt, "", "", at,
      [&](const Item&, const EventContext&, Impl::Draft& draft) -> Status {
        DeliveryQuery query;
        query.item_id = item_id;
        query.channel = channel;
        query.state = "failed";
        auto failed = impl_->store->list_deliveries(query);
        if (!failed.ok()) return failed.status();
        if (failed->empty()) {
          return Status(Errc::invalid_argument,
                        "item " + item_id + " has no failed delivery" +
                            (channel.empty() ? std::string() : " on channel " + channel));
        }
        json ids = json::array();
        for (Delivery d : *failed) {
          ids.push_back(d.id);
          d.state = "pending";
          d.attempts = 0;
          d.next_attempt_at = draft.event.at;
          draft.delivery_updates.push_back(std::move(d));
        }
        draft.event.type = kDeliveryRetryRequested;
        draft.event.actor = actor;
        draft.event.role = role;
        draft.event.payload = json{{"deliveries", ids}}.dump();
        return Status::Ok();
      });
}

Result<std::optional<Instant>> Engine::next_timer() {
  auto next = impl_->store->next_timer();
  if (!next.ok()) return next.status();
  if (!*next) return std::optional<Instant>();
  return std::optional<Instant>((*next)->fire_at);
}

void Engine::set_timer_listener(std::function<void(Instant)> listener) {
  std::lock_guard<std::mutex> lock(impl_->listener_mutex);
  impl_->timer_listener = std::move(listener);
}

Result<std::vector<OverdueDeadline>> Engine::overdue(std::optional<Instant> at) {
  const Instant now = at.value_or(clock().now());
  auto rows = impl_->store->overdue_deadlines(now, 0);
  if (!rows.ok()) return rows.status();
  std::vector<OverdueDeadline> out;
  for (const DeadlineRecord& r : *rows) {
    auto item = impl_->load_item(r.item_id);
    if (!item.ok()) return item.status();
    const ItemDeadline* d = item->find_deadline(r.deadline_id);
    if (!d) continue;
    out.push_back(OverdueDeadline{item->id, item->unit_id, item->title, *d});
  }
  return out;
}

Result<std::vector<DeadlineExplanation>> Engine::explain(const std::string& item_id) {
  auto item = impl_->load_item(item_id);
  if (!item.ok()) return item.status();
  auto events = impl_->store->history(item_id);
  if (!events.ok()) return events.status();
  auto defs = impl_->definitions_at(item->definition_version);
  const ItemStandard* standard = defs ? defs->find_standard(item->standard_id) : nullptr;
  std::vector<DeadlineExplanation> out;
  for (const ItemDeadline& d : item->deadlines) {
    DeadlineExplanation x;
    x.deadline = d;
    x.rule = d.kind + ": " + std::to_string(d.amount) + " " + d.unit + " from " + d.trigger;
    if (standard) cite_rule(*standard, d.kind, x.time_limit_text, x.legal_basis);
    // Recompute on the calendar recorded for the deadline, to show every day counted.
    auto recorded = recorded_calendar(d.calendar);
    if (!recorded.ok()) return recorded.status();
    if (*recorded) {
      auto set = impl_->calendars_at((*recorded)->set);
      if (!set) return Status(Errc::calendar_not_found, "calendar " + d.calendar + " not stored");
      auto calendar = set->as_of((*recorded)->id, d.computed_at);
      if (!calendar.ok()) return calendar.status();
      auto computation = compute_due(d, *calendar);
      if (!computation.ok()) return computation.status();
      x.computation = std::move(*computation);
    }
    for (const Event& e : *events) {
      if (e.type.rfind("deadline_", 0) != 0) continue;
      const json payload = json::parse(e.payload, nullptr, false);
      if (names(payload, "deadline", d.id)) x.controls.push_back(e);
    }
    out.push_back(std::move(x));
  }
  return out;
}

Result<std::vector<NoticeExplanation>> Engine::explain_notices(const std::string& item_id) {
  auto item = impl_->load_item(item_id);
  if (!item.ok()) return item.status();
  auto events = impl_->store->history(item_id);
  if (!events.ok()) return events.status();
  auto defs = impl_->definitions_at(item->definition_version);
  const ItemStandard* standard = defs ? defs->find_standard(item->standard_id) : nullptr;
  std::vector<NoticeExplanation> out;
  for (const ItemNotice& n : item->notices) {
    NoticeExplanation x;
    x.notice = n;
    x.rule =
        "notice_period: at least " + std::to_string(n.amount) + " " + n.unit + " from published";
    if (standard) {
      x.time_limit_text = standard->time_limit_text;
      if (!standard->legal_basis.empty()) x.legal_basis = standard->legal_basis.front();
    }
    auto recorded = recorded_calendar(n.calendar);
    if (!recorded.ok()) return recorded.status();
    if (*recorded) {
      auto set = impl_->calendars_at((*recorded)->set);
      if (!set) return Status(Errc::calendar_not_found, "calendar " + n.calendar + " not stored");
      auto calendar = set->as_of((*recorded)->id, n.computed_at);
      if (!calendar.ok()) return calendar.status();
      auto computation = compute_notice_end(n, *calendar);
      if (!computation.ok()) return computation.status();
      x.computation = std::move(*computation);
    }
    for (const Event& e : *events) {
      const bool opened = e.type == "publish" && e.at == n.starts_at;
      const bool ended = n.cut_short_at && *n.cut_short_at == e.at && e.type == n.cut_short_by;
      bool about = false;
      if (e.type == kNoticePeriodServed || e.type == kNoticePeriodRecomputed) {
        const json payload = json::parse(e.payload, nullptr, false);
        about = names(payload, "notice", n.id);
      }
      if (opened || ended || about) x.records.push_back(e);
    }
    out.push_back(std::move(x));
  }
  return out;
}

Result<Item> Engine::get_item(const std::string& item_id) {
  return impl_->load_item(item_id);
}

Result<std::vector<Item>> Engine::list_items(const ItemFilter& filter) {
  ItemQuery query;
  query.unit_id = filter.unit_id;
  query.stage = filter.stage;
  query.limit = filter.limit;
  query.offset = filter.offset;
  auto rows = impl_->store->list_items(query);
  if (!rows.ok()) return rows.status();
  std::vector<Item> items;
  items.reserve(rows->size());
  for (const auto& row : *rows) {
    auto item = item_from_record(row);
    if (!item.ok()) return item.status();
    items.push_back(std::move(*item));
  }
  return items;
}

Result<std::vector<Event>> Engine::history(const std::string& item_id) {
  auto events = impl_->store->history(item_id);
  if (!events.ok()) return events.status();
  if (events->empty()) return Status(Errc::item_not_found, "no item '" + item_id + "'");
  return events;
}

Result<ReplayedItem> Engine::replay(const std::string& item_id, Instant as_of) {
  auto events = history(item_id);
  if (!events.ok()) return events.status();
  ReplayedItem replayed;
  for (const Event& e : *events) {
    if (e.at > as_of) break;
    if (Status s = impl_->history.replay_step(replayed.item, e); !s.ok()) return s;
    ++replayed.events_applied;
  }
  if (replayed.events_applied == 0) {
    return Status(Errc::item_not_found,
                  "item " + item_id + " did not exist yet at " + format_local(as_of));
  }
  return replayed;
}

Result<VerifyReport> Engine::verify() {
  Auditor auditor(impl_->history);
  return auditor.verify(*impl_->store);
}

bool Engine::is_simulation() const {
  return impl_->store->is_simulation();
}

const Clock& Engine::clock() const {
  return *impl_->clock;
}

}  // namespace gongkai
