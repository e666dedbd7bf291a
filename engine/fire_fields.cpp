#include "engine/fire_fields.h"

#include <algorithm>
#include <string>
#include <vector>

namespace gongkai {

Status check_fields_apply(const FireRequest& request) {
  using E = EventType;
  struct Applies {
    bool given;
    const char* field;
    std::vector<EventType> events;
  };
  const Applies rules[] = {
      {!request.reason.empty(), "reason", {E::reject, E::withdraw, E::correct, E::approve}},
      {!request.text.empty(), "text", {E::interpret, E::raise_concern, E::respond, E::correct}},
      {request.concern.has_value(), "concern", {E::respond}},
      {request.major, "major", {E::raise_concern}},
      {request.publish_at.has_value(), "publish_at", {E::approve}},
  };
  for (const Applies& a : rules) {
    if (!a.given || std::find(a.events.begin(), a.events.end(), request.event) != a.events.end()) {
      continue;
    }
    std::string names;
    for (EventType e : a.events) names += (names.empty() ? "" : ", ") + std::string(to_string(e));
    return Status(Errc::invalid_argument, std::string(a.field) + " does not apply to " +
                                              std::string(to_string(request.event)) + " (only to " +
                                              names + ")");
  }
  return Status::Ok();
}

}  // namespace gongkai
