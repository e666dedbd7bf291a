// `gongkai user add|list`, `gongkai token issue|list|revoke`, and the access policy applied to
// `--actor` once the database has users (docs/http_api.md).
#include <iostream>

#include "engine/access_policy.h"
#include "gongkai/users.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

struct UserAddOptions {
  std::string name;
  std::vector<std::string> roles;
  std::vector<std::string> units;
};

struct RevokeOptions {
  std::string token;  // an id or the token itself
  std::string user;   // every token of this user
};

Result<std::unique_ptr<UserStore>> open_users(const Globals& globals, bool write) {
  UserStoreOptions options;
  options.read_only = !write;
  return open_sqlite_user_store(globals.db, options);
}

json user_json(const User& u) {
  json roles = json::array();
  for (Role r : u.roles) roles.push_back(std::string(to_string(r)));
  return {{"name", u.name},
          {"roles", roles},
          {"units", u.units},
          {"created_at", format_local(u.created_at)}};
}

json token_json(const TokenInfo& t) {
  return {{"id", t.id},
          {"user", t.user},
          {"issued_at", format_local(t.issued_at)},
          {"revoked_at", t.revoked_at ? json(format_local(*t.revoked_at)) : json(nullptr)}};
}

std::string role_names() {
  std::string names;
  for (Role r : kAllRoles) names += (names.empty() ? "" : ", ") + std::string(to_string(r));
  return names;
}

int run_user_add(const Globals& globals, const UserAddOptions& o) {
  NewUser user;
  user.name = o.name;
  for (const auto& name : o.roles) {
    auto role = parse_role(name);
    if (!role) {
      return fail(
          Status(Errc::invalid_argument, "unknown role '" + name + "'; roles are " + role_names()));
    }
    user.roles.push_back(*role);
  }
  user.units = o.units;
  // Units must be pilot units of the database's definitions ("*" = all units).
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto set = (*engine)->definitions();
  for (const auto& unit : user.units) {
    if (unit != kAllUnits && !set->find_unit(unit)) {
      return fail(Status(Errc::unit_not_found, "no pilot unit '" + unit + "'"));
    }
  }
  engine->reset();
  auto users = open_users(globals, true);
  if (!users.ok()) return fail(users.status());
  auto added = (*users)->add_user(user, system_now());
  if (!added.ok()) return fail(added.status());
  if (globals.json) {
    print_json(user_json(*added));
  } else {
    std::cout << "added user " << added->name << " (" << json(user_json(*added)["roles"]).dump()
              << ", units " << json(added->units).dump()
              << "); issue a token with `gongkai token issue " << added->name << "`\n";
  }
  return 0;
}

int run_user_list(const Globals& globals) {
  auto users = open_users(globals, false);
  if (!users.ok()) return fail(users.status());
  auto list = (*users)->list_users();
  if (!list.ok()) return fail(list.status());
  if (globals.json) {
    json out = json::array();
    for (const User& u : *list) out.push_back(user_json(u));
    print_json(out);
    return 0;
  }
  for (const User& u : *list) {
    const json j = user_json(u);
    std::cout << u.name << "  roles " << j["roles"].dump() << "  units " << j["units"].dump()
              << "\n";
  }
  std::cout << list->size() << " users\n";
  return 0;
}

int run_token_issue(const Globals& globals, const std::string& name) {
  auto users = open_users(globals, true);
  if (!users.ok()) return fail(users.status());
  auto issued = (*users)->issue_token(name, system_now());
  if (!issued.ok()) return fail(issued.status());
  if (globals.json) {
    json out = token_json(issued->info);
    out["token"] = issued->token;
    print_json(out);
  } else {
    // Only the token on stdout, for `TOKEN=$(gongkai token issue NAME)`; shown this once.
    std::cout << issued->token << "\n";
  }
  return 0;
}

int run_token_list(const Globals& globals, const std::string& name) {
  auto users = open_users(globals, false);
  if (!users.ok()) return fail(users.status());
  auto tokens = (*users)->list_tokens(name);
  if (!tokens.ok()) return fail(tokens.status());
  if (globals.json) {
    json out = json::array();
    for (const auto& t : *tokens) out.push_back(token_json(t));
    print_json(out);
    return 0;
  }
  for (const auto& t : *tokens) {
    std::cout << t.id << "  " << t.user << "  issued " << format_local(t.issued_at)
              << (t.revoked_at ? "  revoked " + format_local(*t.revoked_at) : "") << "\n";
  }
  std::cout << tokens->size() << " tokens\n";
  return 0;
}

int run_token_revoke(const Globals& globals, const RevokeOptions& o) {
  if (o.token.empty() == o.user.empty()) {
    return fail(Status(Errc::usage, "give either a token (its id or the token) or --user NAME"));
  }
  auto users = open_users(globals, true);
  if (!users.ok()) return fail(users.status());
  if (!o.user.empty()) {
    auto n = (*users)->revoke_user_tokens(o.user, system_now());
    if (!n.ok()) return fail(n.status());
    if (globals.json) {
      print_json({{"user", o.user}, {"revoked", *n}});
    } else {
      std::cout << "revoked " << *n << " tokens of " << o.user << "\n";
    }
    return 0;
  }
  const bool is_id =
      o.token.size() <= 18 && o.token.find_first_not_of("0123456789") == std::string::npos;
  auto revoked = is_id ? (*users)->revoke_token(std::stoll(o.token), system_now())
                       : (*users)->revoke_token_secret(o.token, system_now());
  if (!revoked.ok()) return fail(revoked.status());
  if (globals.json) {
    print_json(token_json(*revoked));
  } else {
    std::cout << "revoked token " << revoked->id << " of " << revoked->user << "\n";
  }
  return 0;
}

// The user `actor` names, when the database has users; std::nullopt when it has none (a
// single-operator install: the CLI stays open). forbidden when users exist and `actor` is none.
Result<std::optional<User>> acting_user(const Globals& globals, const std::string& actor) {
  auto users = open_users(globals, false);
  if (!users.ok()) return users.status();
  auto count = (*users)->count_users();
  if (!count.ok()) return count.status();
  if (*count == 0) return std::optional<User>();
  auto user = (*users)->find_user(actor);
  if (!user.ok()) return user.status();
  if (!*user) {
    return Status(Errc::forbidden, "'" + actor +
                                       "' is not a user of this database (`gongkai user list`); "
                                       "once users exist, --actor must name one");
  }
  return user;
}

// The policy for one actor, when the database has users.
Status check_actor(const Globals& globals, const std::string& actor, EventType event,
                   const std::string& unit_id, std::string& role) {
  auto user = acting_user(globals, actor);
  if (!user.ok()) return user.status();
  if (!*user) return Status::Ok();
  std::optional<Role> requested;
  if (!role.empty()) {
    requested = parse_role(role);
    if (!requested) {
      return Status(Errc::forbidden, "unknown role '" + role + "'; roles are " + role_names());
    }
  }
  const access::Decision d = access::decide(**user, event, unit_id, requested);
  if (d.verdict != access::Verdict::allowed) return Status(Errc::forbidden, d.message);
  role = std::string(to_string(*d.role));
  return Status::Ok();
}

}  // namespace

Status check_create_actor(const Globals& globals, CreateItemRequest& request) {
  return check_actor(globals, request.actor, EventType::created, request.unit_id, request.role);
}

Status check_fire_actor(const Globals& globals, Engine& engine, FireRequest& request) {
  auto item = engine.get_item(request.item_id);
  if (!item.ok()) return Status::Ok();  // the engine reports the missing item itself
  return check_actor(globals, request.actor, request.event, item->unit_id, request.role);
}

Status check_control_actor(const Globals& globals, Engine& engine,
                           const DeadlineControlRequest& request) {
  auto item = engine.get_item(request.item_id);
  if (!item.ok()) return Status::Ok();  // the engine reports the missing item itself
  auto user = acting_user(globals, request.actor);
  if (!user.ok()) return user.status();
  if (!*user) return Status::Ok();
  const access::Decision d = access::decide_deadline_control(
      **user, request.action == DeadlineControl::extend, item->unit_id);
  if (d.verdict != access::Verdict::allowed) return Status(Errc::forbidden, d.message);
  return Status::Ok();
}

void add_user_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* user = app.add_subcommand("user", "users of the HTTP API and their roles and units");
  user->require_subcommand(1);

  auto a = std::make_shared<UserAddOptions>();
  auto* add = user->add_subcommand("add", "add a user");
  add->add_option("NAME", a->name, "the user's name (the actor in the history)")->required();
  add->add_option("--role", a->roles, "a role: " + role_names() + " (repeatable)")->required();
  add->add_option("--unit", a->units,
                  "a pilot unit the user acts for (repeatable; '*' for all units)");
  add->callback([&, a] { action = [&, a] { return run_user_add(globals, *a); }; });

  auto* list = user->add_subcommand("list", "list the users");
  list->callback([&] { action = [&] { return run_user_list(globals); }; });

  auto* token = app.add_subcommand("token", "bearer tokens for the HTTP API");
  token->require_subcommand(1);

  auto issue_name = std::make_shared<std::string>();
  auto* issue = token->add_subcommand("issue", "issue a new token; it is printed once");
  issue->add_option("NAME", *issue_name, "the user")->required();
  issue->callback([&, issue_name] {
    action = [&, issue_name] { return run_token_issue(globals, *issue_name); };
  });

  auto list_name = std::make_shared<std::string>();
  auto* tlist = token->add_subcommand("list", "list tokens (never the secrets)");
  tlist->add_option("NAME", *list_name, "only this user's tokens");
  tlist->callback(
      [&, list_name] { action = [&, list_name] { return run_token_list(globals, *list_name); }; });

  auto r = std::make_shared<RevokeOptions>();
  auto* revoke = token->add_subcommand("revoke", "revoke a token, or every token of a user");
  revoke->add_option("TOKEN", r->token, "the token's id (from `token list`) or the token itself");
  revoke->add_option("--user", r->user, "revoke every token of this user");
  revoke->callback([&, r] { action = [&, r] { return run_token_revoke(globals, *r); }; });
}

}  // namespace gongkai::cli
