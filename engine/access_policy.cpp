#include "engine/access_policy.h"

#include <algorithm>
#include <array>

namespace gongkai::access {
namespace {

// The columns of the matrix: creating an item, then every fireable event.
constexpr std::array<EventType, 11> kColumns = {
    EventType::created, EventType::submit,    EventType::approve,       EventType::reject,
    EventType::publish, EventType::interpret, EventType::raise_concern, EventType::respond,
    EventType::close,   EventType::withdraw,  EventType::correct};

struct Row {
  Role role;
  std::array<bool, kColumns.size()> allows;
};

// The role × event matrix: the one place that says who may do what. Reading is not a column:
// every role reads the items of the units it sees.
// clang-format off
constexpr Row kMatrix[] = {
  //                     create submit approve reject publish interpret raise  respond close  withdraw correct
  {Role::drafter,     { true,  true,  false,  false, false,  false,    false, false,  false, false,   true  }},
  {Role::reviewer,    { false, false, true,   true,  false,  false,    false, false,  false, false,   false }},
  {Role::publisher,   { false, false, false,  false, true,   false,    false, false,  false, true,    false }},
  {Role::interpreter, { false, false, false,  false, false,  true,     false, false,  false, false,   false }},
  {Role::responder,   { false, false, false,  false, false,  false,    true,  true,   true,  false,   false }},
  {Role::auditor,     { false, false, false,  false, false,  false,    false, false,  false, false,   false }},
  {Role::admin,       { true,  true,  true,   true,  true,   true,     true,  true,   true,  true,    true  }},
};
// clang-format on

bool has_role(const User& user, Role role) noexcept {
  return std::find(user.roles.begin(), user.roles.end(), role) != user.roles.end();
}

bool in_scope(const User& user, std::string_view unit_id) noexcept {
  for (const auto& u : user.units) {
    if (u == kAllUnits || u == unit_id) return true;
  }
  return false;
}

std::string roles_text(const User& user) {
  std::string out;
  for (Role r : user.roles) out += (out.empty() ? "" : ", ") + std::string(to_string(r));
  return out;
}

std::string event_text(EventType event) {
  return event == EventType::created ? "create items" : "fire " + std::string(to_string(event));
}

}  // namespace

bool role_allows(Role role, EventType event) noexcept {
  const auto column = std::find(kColumns.begin(), kColumns.end(), event);
  if (column == kColumns.end()) return false;
  for (const Row& row : kMatrix) {
    if (row.role == role) return row.allows[static_cast<std::size_t>(column - kColumns.begin())];
  }
  return false;
}

bool sees_all_units(const User& user) noexcept {
  return has_role(user, Role::admin) || has_role(user, Role::auditor) ||
         std::find(user.units.begin(), user.units.end(), kAllUnits) != user.units.end();
}

bool may_read_unit(const User& user, std::string_view unit_id) noexcept {
  return has_role(user, Role::admin) || has_role(user, Role::auditor) || in_scope(user, unit_id);
}

bool may_act_in_unit(const User& user, std::string_view unit_id) noexcept {
  return has_role(user, Role::admin) || in_scope(user, unit_id);
}

std::optional<Role> role_for(const User& user, EventType event) noexcept {
  for (Role r : user.roles) {
    if (role_allows(r, event)) return r;
  }
  return std::nullopt;
}

Decision decide_deadline_control(const User& user, bool extend, const std::string& unit_id) {
  Decision d;
  if (!may_read_unit(user, unit_id)) {
    d.verdict = Verdict::not_visible;
    d.message = "user '" + user.name + "' does not act for unit '" + unit_id + "'";
    return d;
  }
  for (Role r : user.roles) {
    const bool allowed = extend ? (r == Role::reviewer || r == Role::admin) : r != Role::auditor;
    if (allowed) {
      d.role = r;
      break;
    }
  }
  if (!d.role) {
    d.message = "the roles " + roles_text(user) + " of '" + user.name + "' may not " +
                (extend ? "extend a deadline (reviewers and admins approve extensions)"
                        : "pause or resume a deadline (auditors change nothing)");
    return d;
  }
  if (!may_act_in_unit(user, unit_id)) {
    d.role.reset();
    d.message =
        "user '" + user.name + "' may read but not change the items of unit '" + unit_id + "'";
    return d;
  }
  d.verdict = Verdict::allowed;
  return d;
}

Decision decide(const User& user, EventType event, const std::string& unit_id,
                std::optional<Role> requested) {
  Decision d;
  if (!may_read_unit(user, unit_id)) {
    d.verdict = event == EventType::created ? Verdict::forbidden : Verdict::not_visible;
    d.message = "user '" + user.name + "' does not act for unit '" + unit_id + "'";
    return d;
  }
  std::optional<Role> role;
  if (requested) {
    if (!has_role(user, *requested)) {
      d.message = "user '" + user.name + "' does not have the role " +
                  std::string(to_string(*requested)) + " (roles: " + roles_text(user) + ")";
      return d;
    }
    if (role_allows(*requested, event)) role = requested;
  } else {
    role = role_for(user, event);
  }
  if (!role) {
    d.message = "the role" + std::string(requested ? " " : "s ") +
                (requested ? std::string(to_string(*requested)) : roles_text(user)) + " of '" +
                user.name + "' may not " + event_text(event);
    return d;
  }
  if (!may_act_in_unit(user, unit_id)) {
    d.message =
        "user '" + user.name + "' may read but not change the items of unit '" + unit_id + "'";
    return d;
  }
  d.verdict = Verdict::allowed;
  d.role = role;
  return d;
}

std::string matrix_markdown() {
  std::string out = "| role |";
  for (EventType e : kColumns) {
    out += " " + std::string(e == EventType::created ? "create" : to_string(e)) + " |";
  }
  out += "\n|---|";
  for (std::size_t i = 0; i < kColumns.size(); ++i) out += "---|";
  out += "\n";
  for (const Row& row : kMatrix) {
    out += "| " + std::string(to_string(row.role)) + " |";
    for (bool allowed : row.allows) out += allowed ? " ✓ |" : " · |";
    out += "\n";
  }
  return out;
}

}  // namespace gongkai::access
