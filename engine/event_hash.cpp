#include <nlohmann/json.hpp>

#include "engine/json_text.h"
#include "engine/sha256.h"
#include "engine/utf8.h"
#include "gongkai/event.h"

namespace gongkai {
namespace {

// The reference encoder: nlohmann's compact dump of the field array. Used for events whose text
// is not well-formed UTF-8 (which the engine never writes), where nlohmann substitutes U+FFFD.
std::string reference_encoding(const Event& e) {
  const nlohmann::json fields = nlohmann::json::array(
      {"gongkai.event.v1", e.seq, e.item_id, e.item_seq, e.type, e.actor, e.role, e.reason,
       e.command_id, format_utc(e.at), e.payload, e.definition_version, e.calendar_version,
       e.item_prev_hash, e.prev_hash});
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

namespace {

// Replaces `out` with the canonical encoding of `e`.
void write_canonical_encoding(const Event& e, std::string& out) {
  const std::string* texts[] = {&e.item_id,        &e.type,       &e.actor,   &e.role,
                                &e.reason,         &e.command_id, &e.payload, &e.calendar_version,
                                &e.item_prev_hash, &e.prev_hash};
  std::size_t size = 96;
  for (const std::string* t : texts) {
    if (!is_valid_utf8(*t)) {
      out = reference_encoding(e);
      return;
    }
    size += t->size() + 8;
  }
  // A JSON array keeps the field order fixed and escapes every string the same way.
  out.clear();
  out.reserve(size);
  out += "[\"gongkai.event.v1\",";
  append_json_integer(out, e.seq);
  out.push_back(',');
  append_json_string(out, e.item_id);
  out.push_back(',');
  append_json_integer(out, e.item_seq);
  for (const std::string* t : {&e.type, &e.actor, &e.role, &e.reason, &e.command_id}) {
    out.push_back(',');
    append_json_string(out, *t);
  }
  out.push_back(',');
  append_json_utc(out, e.at);  // format_utc(at): ASCII, nothing to escape
  out.push_back(',');
  append_json_string(out, e.payload);
  out.push_back(',');
  append_json_integer(out, e.definition_version);
  for (const std::string* t : {&e.calendar_version, &e.item_prev_hash, &e.prev_hash}) {
    out.push_back(',');
    append_json_string(out, *t);
  }
  out.push_back(']');
}

}  // namespace

std::string canonical_encoding(const Event& e) {
  std::string out;
  write_canonical_encoding(e, out);
  return out;
}

std::string event_hash(const Event& event) {
  thread_local std::string encoding;  // reused: hashing allocates nothing once it has grown
  write_canonical_encoding(event, encoding);
  return sha256_hex(encoding);
}

}  // namespace gongkai
