#include <nlohmann/json.hpp>

#include "engine/sha256.h"
#include "gongkai/event.h"

namespace gongkai {

std::string canonical_encoding(const Event& e) {
  // A JSON array keeps the field order fixed and escapes every string the same way.
  const nlohmann::json fields = nlohmann::json::array(
      {"gongkai.event.v1", e.seq, e.item_id, e.item_seq, e.type, e.actor, e.role, e.reason,
       e.command_id, format_utc(e.at), e.payload, e.definition_version, e.calendar_version,
       e.item_prev_hash, e.prev_hash});
  // Invalid UTF-8 cannot reach here through the engine; replace rather than throw if it does.
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string event_hash(const Event& event) {
  return sha256_hex(canonical_encoding(event));
}

}  // namespace gongkai
