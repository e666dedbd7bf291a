// Internal: replays histories and verifies the hash chains (`gongkai audit`).
#pragma once

#include <functional>
#include <memory>

#include "engine/history_context.h"
#include "gongkai/definitions.h"
#include "gongkai/engine.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/store.h"

namespace gongkai {

// Replays and verifies with the definitions and calendars versions the context provides.
// Stateless between calls; safe to use from one thread at a time.
class Auditor {
 public:
  explicit Auditor(const HistoryContext& context) : context_(context) {}

  // Applies one stored event to `item` through the lifecycle, as the engine did when it accepted
  // it. Errors: audit_replay_mismatch naming the event when it does not replay (`item` is then
  // partly changed and must be discarded).
  Status replay_step(Item& item, const Event& event) const {
    return context_.replay_step(item, event);
  }
  // The same with `payload` = parse_payload(event.payload), parsed by the caller, reusing the
  // lookups remembered in `memo` (one pass, one thread).
  Status replay_step(Item& item, const Event& event, const nlohmann::json& payload,
                     ResolveMemo& memo) const {
    return context_.replay_step(item, event, payload, &memo);
  }

  // Checks every event's hash, the per-item and database-wide chains, the chain head, and replays
  // every item against its stored projection. The first problem is returned (audit_* errors).
  Result<VerifyReport> verify(Store& store) const;

 private:
  const HistoryContext& context_;
};

}  // namespace gongkai
