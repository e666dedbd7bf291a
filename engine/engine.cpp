#include "gongkai/engine.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>

#include "engine/auditor.h"
#include "engine/item_json.h"
#include "engine/item_state.h"
#include "engine/utf8.h"
#include "gongkai/confidentiality_scan.h"

namespace gongkai {

using nlohmann::json;

namespace {

// How often a command without an expected version is re-evaluated when another writer got there
// first (the item changed between reading and committing).
constexpr int kConflictRetries = 8;

Status check_text(const std::string& value, const char* field, bool required) {
  if (required && value.empty()) {
    return Status(Errc::invalid_argument, std::string(field) + " must not be empty");
  }
  if (!is_valid_utf8(value)) {
    return Status(Errc::invalid_argument, std::string(field) + " is not valid UTF-8");
  }
  return Status::Ok();
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
  // Commands are evaluated and committed one at a time in this process; other processes are kept
  // in order by the store's transactions and the expected-version check.
  std::mutex command_mutex;
  mutable std::shared_mutex definitions_mutex;
  std::map<std::int64_t, std::shared_ptr<const DefinitionSet>> definitions;

  Status load_stored_definitions() {
    auto versions = store->definition_versions();
    if (!versions.ok()) return versions.status();
    std::map<std::int64_t, std::shared_ptr<const DefinitionSet>> loaded;
    for (const auto& v : *versions) {
      auto set = definitions_from_canonical_json(v.canonical_json);
      if (!set.ok()) {
        return Status(set.status().code(), "stored definitions version " +
                                               std::to_string(v.version) +
                                               " does not load: " + set.status().message());
      }
      loaded[v.version] = std::make_shared<const DefinitionSet>(std::move(*set));
    }
    std::unique_lock lock(definitions_mutex);
    definitions = std::move(loaded);
    return Status::Ok();
  }

  std::shared_ptr<const DefinitionSet> definitions_at(std::int64_t version) const {
    std::shared_lock lock(definitions_mutex);
    auto it = definitions.find(version);
    return it == definitions.end() ? nullptr : it->second;
  }

  std::shared_ptr<const DefinitionSet> latest() const {
    std::shared_lock lock(definitions_mutex);
    return definitions.empty() ? nullptr : definitions.rbegin()->second;
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

  Result<const ItemStandard*> standard_of(const Item& item) const {
    auto set = definitions_at(item.definition_version);
    const ItemStandard* standard = set ? set->find_standard(item.standard_id) : nullptr;
    if (!standard) {
      return Status(Errc::standard_not_found, "item " + item.id + " refers to standard '" +
                                                  item.standard_id + "' of definitions version " +
                                                  std::to_string(item.definition_version) +
                                                  ", which is not stored");
    }
    return standard;
  }

  Result<Item> load_item(const std::string& id) {
    auto record = store->get_item(id);
    if (!record.ok()) return record.status();
    if (!*record) return Status(Errc::item_not_found, "no item '" + id + "'");
    auto item = item_from_json((*record)->state_json);
    if (!item.ok()) return item.status();
    item->id = id;
    return item;
  }

  // The item as it was right after its version `version` (for repeated commands).
  Result<Item> item_at_version(const std::string& id, std::int64_t version) {
    auto events = store->history(id, version);
    if (!events.ok()) return events.status();
    Auditor auditor([this](std::int64_t v) { return definitions_at(v); });
    Item item;
    for (const Event& e : *events) {
      if (Status s = auditor.replay_step(item, e); !s.ok()) return s;
    }
    if (events->empty()) return Status(Errc::item_not_found, "no item '" + id + "'");
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

  // Commits one change and returns the item after it.
  Result<Item> commit_one(CommitRequest request, Item after) {
    auto outcomes = store->commit({request});
    auto& outcome = outcomes.front();
    if (!outcome.ok()) return outcome.status();
    if (outcome->repeated) {
      CommandRecord earlier{outcome->item_id, outcome->version, outcome->command_fingerprint};
      return repeated(earlier, request.command_id, request.command_fingerprint);
    }
    after.id = outcome->item_id;
    after.version = outcome->version;
    return after;
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::with_store(std::unique_ptr<Store> store,
                                                   std::shared_ptr<const Clock> clock) {
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->clock = clock ? std::move(clock) : std::make_shared<SystemClock>();
  if (Status s = impl->load_stored_definitions(); !s.ok()) return s;
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
  // Validate the definitions before touching the database: a wrong folder creates nothing.
  auto set = gongkai::load_definitions(definitions_dir);
  if (!set.ok()) return set.status();
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
  auto loaded = (*engine)->load_definitions(definitions_dir);
  if (!loaded.ok()) return loaded.status();
  return engine;
}

Result<DefinitionsLoad> Engine::load_definitions(const std::string& definitions_dir) {
  auto set = gongkai::load_definitions(definitions_dir);
  if (!set.ok()) return set.status();
  const std::int64_t before = definitions_version();
  auto stored = impl_->store->add_definitions(set->digest, set->canonical_json, clock().now());
  if (!stored.ok()) return stored.status();
  if (Status s = impl_->load_stored_definitions(); !s.ok()) return s;
  DefinitionsLoad load;
  load.version = stored->version;
  load.digest = stored->digest;
  load.changed = stored->version > before;
  return load;
}

std::shared_ptr<const DefinitionSet> Engine::definitions() const {
  return impl_->latest();
}

std::shared_ptr<const DefinitionSet> Engine::definitions(std::int64_t version) const {
  return impl_->definitions_at(version);
}

std::int64_t Engine::definitions_version() const {
  std::shared_lock lock(impl_->definitions_mutex);
  return impl_->definitions.empty() ? 0 : impl_->definitions.rbegin()->first;
}

Result<Item> Engine::create_item(const CreateItemRequest& request) {
  for (const auto& [value, field, required] : {std::tuple{&request.title, "title", true},
                                               {&request.actor, "actor", true},
                                               {&request.content, "content", false},
                                               {&request.role, "role", false},
                                               {&request.command_id, "command id", false}}) {
    if (Status s = check_text(*value, field, required); !s.ok()) return s;
  }
  auto at = impl_->command_instant(request.at);
  if (!at.ok()) return at.status();
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

  CommitRequest commit;
  commit.command_id = request.command_id;
  commit.command_fingerprint =
      json{{"create", payload}, {"actor", request.actor}, {"role", request.role}}.dump();

  std::lock_guard<std::mutex> lock(impl_->command_mutex);
  if (!request.command_id.empty()) {
    auto earlier = impl_->store->find_command(request.command_id);
    if (!earlier.ok()) return earlier.status();
    if (*earlier) return impl_->repeated(**earlier, request.command_id, commit.command_fingerprint);
  }
  auto after = apply_event(Item{}, *standard, event);
  if (!after.ok()) return after.status();
  commit.events.push_back(NewEvent{event.type, event.actor, event.role, event.reason,
                                   event.command_id, event.at, event.payload,
                                   event.definition_version, event.calendar_version});
  commit.projection = item_record(*after);
  return impl_->commit_one(std::move(commit), std::move(*after));
}

Result<Item> Engine::fire(const FireRequest& request) {
  if (request.event == EventType::created) {
    return Status(Errc::invalid_argument, "'created' is recorded by create_item, not fired");
  }
  for (const auto& [value, field, required] : {std::tuple{&request.actor, "actor", true},
                                               {&request.reason, "reason", false},
                                               {&request.text, "text", false},
                                               {&request.role, "role", false},
                                               {&request.command_id, "command id", false},
                                               {&request.item_id, "item id", true}}) {
    if (Status s = check_text(*value, field, required); !s.ok()) return s;
  }
  auto requested_at = impl_->command_instant(request.at);
  if (!requested_at.ok()) return requested_at.status();

  json asked = {{"item", request.item_id},  {"event", std::string(to_string(request.event))},
                {"actor", request.actor},   {"role", request.role},
                {"reason", request.reason}, {"text", request.text},
                {"major", request.major}};
  if (request.concern) asked["concern"] = *request.concern;
  if (request.publish_at) asked["publish_at"] = format_utc(*request.publish_at);
  if (request.expected_version) asked["expected_version"] = *request.expected_version;
  const std::string fingerprint = asked.dump();

  std::lock_guard<std::mutex> lock(impl_->command_mutex);
  if (!request.command_id.empty()) {
    auto earlier = impl_->store->find_command(request.command_id);
    if (!earlier.ok()) return earlier.status();
    if (*earlier) return impl_->repeated(**earlier, request.command_id, fingerprint);
  }
  for (int attempt = 0;; ++attempt) {
    auto before = impl_->load_item(request.item_id);
    if (!before.ok()) return before.status();
    if (request.expected_version && *request.expected_version != before->version) {
      return Status(Errc::version_conflict,
                    "item " + before->id + " is at version " + std::to_string(before->version) +
                        ", not the expected " + std::to_string(*request.expected_version));
    }
    // Without an explicit time the event takes the clock's now, but never an instant before the
    // item's last event (another process may have committed a moment ago with a later clock).
    Instant at = request.at ? *requested_at : std::max(impl_->clock->now(), before->updated_at);
    if (at < before->updated_at) {
      return Status(Errc::clock_went_backwards, "the command's time " + format_local(at) +
                                                    " is before the item's last event (" +
                                                    format_local(before->updated_at) + ")");
    }
    auto standard = impl_->standard_of(*before);
    if (!standard.ok()) return standard.status();

    json payload = json::object();
    if (!request.text.empty()) payload["text"] = request.text;
    if (request.event == EventType::raise_concern) payload["major"] = request.major;
    if (request.event == EventType::approve) {
      if (request.publish_at) payload["publish_at"] = format_utc(*request.publish_at);
      const auto findings = scan_personal_data(before->content);
      payload["confidentiality_findings"] = findings.size();
    }
    if (request.event == EventType::respond) {
      std::optional<int> concern = request.concern;
      for (const Concern& c : before->concerns) {
        if (!concern && !c.answered) concern = c.number;
      }
      if (concern) payload["concern"] = *concern;
    }
    Event event;
    event.item_id = before->id;
    event.item_seq = before->version + 1;
    event.type = std::string(to_string(request.event));
    event.actor = request.actor;
    event.role = request.role;
    event.reason = request.reason;
    event.command_id = request.command_id;
    event.at = at;
    event.payload = payload.dump();
    event.definition_version = before->definition_version;

    auto after = apply_event(*before, **standard, event);
    if (!after.ok()) return after.status();

    CommitRequest commit;
    commit.item_id = before->id;
    commit.expected_version = before->version;
    commit.command_id = request.command_id;
    commit.command_fingerprint = fingerprint;
    commit.events.push_back(NewEvent{event.type, event.actor, event.role, event.reason,
                                     event.command_id, event.at, event.payload,
                                     event.definition_version, event.calendar_version});
    commit.projection = item_record(*after);
    auto result = impl_->commit_one(std::move(commit), std::move(*after));
    // Another process changed the item in between: evaluate the command again on its new state,
    // unless the caller pinned the version it expects.
    if (!result.ok() && result.status().code() == Errc::version_conflict &&
        !request.expected_version && attempt < kConflictRetries) {
      continue;
    }
    return result;
  }
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
    auto item = item_from_json(row.state_json);
    if (!item.ok()) return item.status();
    item->id = row.id;
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
  Auditor auditor([this](std::int64_t version) { return impl_->definitions_at(version); });
  ReplayedItem replayed;
  for (const Event& e : *events) {
    if (e.at > as_of) break;
    if (Status s = auditor.replay_step(replayed.item, e); !s.ok()) return s;
    ++replayed.events_applied;
  }
  if (replayed.events_applied == 0) {
    return Status(Errc::item_not_found,
                  "item " + item_id + " did not exist yet at " + format_local(as_of));
  }
  return replayed;
}

Result<VerifyReport> Engine::verify() {
  Auditor auditor([this](std::int64_t version) { return impl_->definitions_at(version); });
  return auditor.verify(*impl_->store);
}

bool Engine::is_simulation() const {
  return impl_->store->is_simulation();
}

const Clock& Engine::clock() const {
  return *impl_->clock;
}

}  // namespace gongkai
