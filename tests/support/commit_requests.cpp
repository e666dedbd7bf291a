#include "support/commit_requests.h"

namespace gongkai::testing {

CommitRequest single_event_commit(const NewEvent& event, const std::string& item_id,
                                  std::int64_t expected_version, const std::string& title,
                                  const std::string& state_json) {
  CommitRequest r;
  r.item_id = item_id;
  r.expected_version = expected_version;
  r.events.push_back(event);
  r.projection.unit_id = "alpha.one";
  r.projection.standard_id = "s";
  r.projection.definition_version = 1;
  r.projection.created_at = event.at;
  r.projection.updated_at = event.at;
  r.projection.title = title;
  r.projection.state_json = state_json;
  return r;
}

NewEvent test_event(const std::string& type, const std::string& actor, const std::string& at,
                    const std::string& payload) {
  NewEvent e;
  e.type = type;
  e.actor = actor;
  e.at = *parse_instant(at);
  e.payload = payload;
  e.definition_version = 1;
  return e;
}

}  // namespace gongkai::testing
