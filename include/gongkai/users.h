// gongkai — the people who may change items: users, their roles, the units they work for and the
// bearer tokens they present to the HTTP API.
//
//   auto users = gongkai::open_sqlite_user_store("var/gongkai.db");
//   auto issued = (*users)->issue_token("zhang", gongkai::system_now());
//   std::cout << issued->token;          // shown once; only its SHA-256 is stored
//   auto who = (*users)->authenticate(issued->token);   // the user, or nullopt
//
// Which role may fire which event, and the unit scoping, are the access policy
// (engine/access_policy.h, docs/http_api.md). A token is a random secret ("gkt_" and 43 base64url
// characters: 32 bytes from OpenSSL's RAND_bytes); the store keeps only its SHA-256, so a copy of
// the database does not let anyone act as a user.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai {

// What a user may do (docs/http_api.md has the role × event matrix).
enum class Role {
  drafter,      // create, submit, correct
  reviewer,     // approve, reject
  publisher,    // publish, withdraw
  interpreter,  // interpret
  responder,    // raise_concern, respond, close
  auditor,      // read everything in all units, change nothing
  admin,        // everything, in all units
};

// Every role, in the order above.
inline constexpr Role kAllRoles[] = {Role::drafter,     Role::reviewer,  Role::publisher,
                                     Role::interpreter, Role::responder, Role::auditor,
                                     Role::admin};

// The role's name, e.g. "reviewer".
std::string_view to_string(Role role) noexcept;
// Parses a role name; std::nullopt if unknown.
std::optional<Role> parse_role(std::string_view name) noexcept;

// The unit scope that stands for every unit ("--unit '*'").
inline constexpr std::string_view kAllUnits = "*";

// A user. A value type.
struct User {
  std::string name;                // the actor recorded in the events they cause; unique
  std::vector<Role> roles;         // at least one, without duplicates, in the order given
  std::vector<std::string> units;  // the unit ids they act for (sorted; "*" = all units)
  Instant created_at{};
};

// A user to add.
struct NewUser {
  // 1..64 bytes of UTF-8 without spaces or control characters.
  std::string name;
  // At least one role.
  std::vector<Role> roles;
  // The units the user acts for. Required (at least one) unless every role is auditor or admin,
  // which see all units anyway. Unit ids are not checked here (the caller knows the definitions).
  std::vector<std::string> units;
};

// What is known about an issued token (never the token itself).
struct TokenInfo {
  std::int64_t id = 0;  // 1, 2, ... (what `gongkai token revoke ID` takes)
  std::string user;
  Instant issued_at{};
  std::optional<Instant> revoked_at;
};

// A freshly issued token: the secret, to hand over once, and its record.
struct IssuedToken {
  std::string token;
  TokenInfo info;
};

// Users and tokens. Implementations are safe to call from several threads (they may serialise
// internally) and from several processes on the same database.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Adds a user. Errors: invalid_argument (bad name, no role, duplicate role, a scoped role
  // without a unit, a unit that is empty or not UTF-8), user_exists, storage errors.
  virtual Result<User> add_user(const NewUser& user, Instant now) = 0;
  // The user called `name`; std::nullopt when there is none.
  virtual Result<std::optional<User>> find_user(const std::string& name) = 0;
  // Every user, ordered by name.
  virtual Result<std::vector<User>> list_users() = 0;
  // The number of users (0 on a database that never had any).
  virtual Result<std::int64_t> count_users() = 0;

  // Issues a new random token for `user`. Errors: user_not_found, internal (no randomness),
  // storage errors.
  virtual Result<IssuedToken> issue_token(const std::string& user, Instant now) = 0;
  // The tokens of `user` (every user when empty), oldest first, revoked ones included.
  virtual Result<std::vector<TokenInfo>> list_tokens(const std::string& user) = 0;
  // Revokes the token with that id. Revoking a revoked token is not an error (the first
  // revocation time is kept). Errors: token_not_found, storage errors.
  virtual Result<TokenInfo> revoke_token(std::int64_t id, Instant now) = 0;
  // Revokes the token whose secret is `token`. Errors: token_not_found, storage errors.
  virtual Result<TokenInfo> revoke_token_secret(const std::string& token, Instant now) = 0;
  // Revokes every live token of `user`; returns how many were revoked. Errors: user_not_found,
  // storage errors.
  virtual Result<std::int64_t> revoke_user_tokens(const std::string& user, Instant now) = 0;

  // The user a token belongs to; std::nullopt when the token is unknown or revoked. Errors:
  // storage errors only (a bad token is not an error).
  virtual Result<std::optional<User>> authenticate(std::string_view token) = 0;
};

// How to open the SQLite user store.
struct UserStoreOptions {
  // Open read-only: no tables are created; a database without them has no users.
  bool read_only = false;
  // How long to wait for another process's lock before storage_busy.
  int busy_timeout_ms = 10000;
};

// Opens the users, unit scopes and tokens kept in the gongkai database at `db_path`, on a
// connection of its own. Unless read-only, creates the tables `users`, `user_units` and `tokens`
// when missing (the main schema and its version are not touched). Errors: database_missing,
// not_a_gongkai_database, storage errors.
Result<std::unique_ptr<UserStore>> open_sqlite_user_store(const std::string& db_path,
                                                          const UserStoreOptions& options = {});

// Lowercase hex SHA-256 of a token: the form in which tokens are stored.
std::string token_hash(std::string_view token);

}  // namespace gongkai
