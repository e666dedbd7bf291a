#include "engine/auditor.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "engine/item_json.h"

namespace gongkai {
namespace {

using nlohmann::json;

std::string where(const Event& e) {
  return "event seq " + std::to_string(e.seq) + " (item " + e.item_id + " #" +
         std::to_string(e.item_seq) + ", " + e.type + ")";
}

struct ItemChain {
  std::int64_t last_item_seq = 0;
  std::string last_hash;
};

struct Projected {
  std::int64_t version = 0;
  std::string state_digest;
};

}  // namespace

Result<VerifyReport> Auditor::verify(Store& store) const {
  VerifyReport report;
  Status problem;
  std::unordered_map<std::string, ItemChain> chains;

  // 1. The database-wide chain, in seq order, and each item's chain inside it.
  std::int64_t expected_seq = 1;
  std::string prev_hash;
  Event previous;
  Status scanned = store.scan_events([&](const Event& e) {
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
    if (event_hash(e) != e.hash) {
      problem = Status(Errc::audit_hash_mismatch,
                       where(e) + ": its stored hash does not match its content (altered)");
      return false;
    }
    ItemChain& chain = chains[e.item_id];
    if (e.item_seq != chain.last_item_seq + 1) {
      problem = Status(Errc::audit_sequence_gap,
                       where(e) + " follows item_seq " + std::to_string(chain.last_item_seq) +
                           " of its item: events were deleted, inserted or reordered");
      return false;
    }
    if (e.item_prev_hash != chain.last_hash) {
      problem = Status(Errc::audit_chain_broken,
                       where(e) + " does not chain to its item's previous event");
      return false;
    }
    chain.last_item_seq = e.item_seq;
    chain.last_hash = e.hash;
    prev_hash = e.hash;
    previous = e;
    ++expected_seq;
    ++report.events;
    return true;
  });
  if (scanned.code() == Errc::storage_corrupt) {
    return Status(Errc::audit_hash_mismatch, "an event does not read: " + scanned.message());
  }
  if (!scanned.ok()) return scanned;
  if (!problem.ok()) return problem;

  // 2. The recorded head must be the last event: trailing events cannot vanish unnoticed.
  auto head = store.chain_head();
  if (head.status().code() == Errc::storage_corrupt) {
    return Status(Errc::audit_head_mismatch, head.status().message());
  }
  if (!head.ok()) return head.status();
  if (head->seq != report.events || head->hash != prev_hash) {
    return Status(Errc::audit_head_mismatch,
                  "the recorded chain head is seq " + std::to_string(head->seq) +
                      " but the last event is seq " + std::to_string(report.events) +
                      ": events at the end were deleted or added");
  }
  report.head = *head;

  // 3. Every projection row matches a history, and every history has a projection row.
  std::unordered_map<std::string, Projected> projected;
  scanned = store.scan_items([&](const ItemRecord& r) {
    auto chain = chains.find(r.id);
    if (chain == chains.end()) {
      problem = Status(Errc::audit_replay_mismatch,
                       "item " + r.id + " is in the projection but has no events (deleted)");
      return false;
    }
    if (chain->second.last_item_seq != r.version) {
      problem = Status(Errc::audit_replay_mismatch,
                       "item " + r.id + " is at version " + std::to_string(r.version) +
                           " in the projection but its history has " +
                           std::to_string(chain->second.last_item_seq) + " events");
      return false;
    }
    if (chain->second.last_hash != r.last_hash) {
      problem = Status(Errc::audit_replay_mismatch,
                       "item " + r.id +
                           ": the projection's last_hash is not the hash of its last "
                           "event (the next event would chain to a forged hash)");
      return false;
    }
    projected[r.id] = Projected{r.version, record_digest(r)};
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!problem.ok()) return problem;
  if (projected.size() != chains.size()) {
    for (const auto& [id, chain] : chains) {
      if (!projected.count(id)) {
        return Status(Errc::audit_replay_mismatch, "item " + id + " has " +
                                                       std::to_string(chain.last_item_seq) +
                                                       " events but no projection row (deleted)");
      }
    }
  }

  // 4. Replaying each history through the lifecycle gives the stored projection.
  std::string current;
  Item item;
  std::string mismatched;
  auto finish_item = [&]() {
    if (current.empty()) return true;
    ++report.items;
    item.id = current;
    if (record_digest(item_record(item)) != projected[current].state_digest) {
      mismatched = current;
      return false;
    }
    return true;
  };
  scanned = store.scan_events(
      [&](const Event& e) {
        if (e.item_id != current) {
          if (!finish_item()) return false;
          current = e.item_id;
          item = Item{};
        }
        if (Status s = replay_step(item, e); !s.ok()) {
          problem = s;
          return false;
        }
        return true;
      },
      EventOrder::by_item);
  if (!scanned.ok()) return scanned;
  if (!problem.ok()) return problem;
  if (mismatched.empty()) finish_item();  // the last item
  if (!mismatched.empty()) {
    auto stored = store.get_item(mismatched);
    std::string detail;
    if (stored.ok() && *stored) {
      detail = ": replay gives stage '" + std::string(to_string(item.stage)) +
               "', the projection "
               "says '" +
               std::string(to_string((*stored)->stage)) + "'";
      if (item.stage == (*stored)->stage) detail = ": the projection's state was altered";
    }
    return Status(Errc::audit_replay_mismatch,
                  "item " + mismatched + " does not replay to its stored state" + detail);
  }
  return report;
}

}  // namespace gongkai
