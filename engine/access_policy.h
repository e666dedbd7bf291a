// Internal: the access policy — which role may cause which event, and on the items of which units.
// Pure functions over a User; the HTTP API and the CLI both apply them (docs/http_api.md).
//
// The rules:
// - a role allows the events of its row in the matrix (access_policy.cpp, one table);
//   `created` stands for creating an item;
// - admins and auditors see every unit; any other user sees the units of their scope ("*" = all);
// - a user acts only in the units of their scope (admins in all); auditors change nothing;
// - an item of a unit the user cannot see does not exist for them (not_visible: the HTTP API
//   answers 404, so existence is not leaked).
// The engine's own guards (four eyes, reasons, the confidentiality scan) still apply after these.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gongkai/lifecycle.h"
#include "gongkai/users.h"

namespace gongkai::access {

// True when `role` allows `event` (EventType::created = creating an item). Pure, thread-safe.
bool role_allows(Role role, EventType event) noexcept;

// True when the user sees every unit (admin, auditor, or the scope "*").
bool sees_all_units(const User& user) noexcept;
// True when the user may read the items of `unit_id`.
bool may_read_unit(const User& user, std::string_view unit_id) noexcept;
// True when the user may act (create, fire) in `unit_id`: admin, or the unit (or "*") is in
// their scope. Says nothing about roles.
bool may_act_in_unit(const User& user, std::string_view unit_id) noexcept;

// The first of the user's roles (in the order they were given) that allows `event`.
std::optional<Role> role_for(const User& user, EventType event) noexcept;

// The outcome of a decision.
enum class Verdict {
  allowed,
  not_visible,  // the item's unit is outside the user's sight: report the item as not found
  forbidden,    // the user sees it but no role of theirs (or their scope) allows the event
};

struct Decision {
  Verdict verdict = Verdict::forbidden;
  std::optional<Role> role;  // the role used, when allowed
  std::string message;       // why not, when refused (never names other units' items)
};

// May `user` cause `event` on an item of `unit_id`? `requested` names the role the caller wants
// to act in (it must be one of the user's and allow the event); by default the first role that
// allows it is used. For `created` an unseen unit is `forbidden`, not `not_visible` (units are
// public).
Decision decide(const User& user, EventType event, const std::string& unit_id,
                std::optional<Role> requested = std::nullopt);

// May `user` control the clock of a deadline of an item of `unit_id` (`extend` false: pause or
// resume; true: extend)? Pausing and resuming is for the officials acting in the unit — any role
// but auditor; an extension is an approval (条例 art. 33: with the consent of the head of the
// disclosure office), so only reviewers and admins may extend. The verdicts and the role used are
// as for decide(); the free-text `--role` an extension records (the approving official's title) is
// not a Role and is not checked here.
Decision decide_deadline_control(const User& user, bool extend, const std::string& unit_id);

// The role × event matrix as a Markdown table (docs/http_api.md shows it; a test keeps them
// equal).
std::string matrix_markdown();

}  // namespace gongkai::access
