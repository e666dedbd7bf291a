// The SQLite user store: users, their unit scopes and token hashes, in the gongkai database file
// on a connection of its own. Its tables are created with CREATE TABLE IF NOT EXISTS beside the
// main schema, whose version (user_version) it never touches. Format: docs/http_api.md.
#include <openssl/rand.h>
#include <sqlite3.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "engine/sha256.h"
#include "engine/utf8.h"
#include "gongkai/users.h"

namespace gongkai {
namespace {

// 'gkai' — the main schema's PRAGMA application_id (adapters/store/sqlite_store.cpp).
constexpr int kApplicationId = 0x676B6169;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users (
  name       TEXT PRIMARY KEY,
  roles      TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_units (
  user    TEXT NOT NULL REFERENCES users (name),
  unit_id TEXT NOT NULL,
  PRIMARY KEY (user, unit_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
  id         INTEGER PRIMARY KEY,
  user       TEXT NOT NULL REFERENCES users (name),
  hash       TEXT NOT NULL UNIQUE,
  issued_at  TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user);
)sql";

constexpr const char* kTokenPrefix = "gkt_";
constexpr std::size_t kTokenBytes = 32;

Status from_exception(const std::exception& e, const std::string& what) {
  const auto* s = dynamic_cast<const SQLite::Exception*>(&e);
  if (!s) return Status(Errc::internal, what + ": " + e.what());
  const std::string message = what + ": " + e.what();
  switch (s->getErrorCode() & 0xff) {
    case SQLITE_FULL:
      return Status(Errc::storage_full, message);
    case SQLITE_READONLY:
      return Status(Errc::storage_read_only, message);
    case SQLITE_CORRUPT:
      return Status(Errc::storage_corrupt, message);
    case SQLITE_NOTADB:
      return Status(Errc::not_a_gongkai_database, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Errc::storage_busy, message);
    default:
      return Status(Errc::storage_error, message);
  }
}

Instant read_instant(const SQLite::Column& c) {
  auto parsed = parse_instant(c.getString());
  if (!parsed.ok()) throw std::runtime_error("a stored time does not read: " + c.getString());
  return *parsed;
}

std::string join_roles(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) out += (out.empty() ? "" : ",") + std::string(to_string(r));
  return out;
}

std::vector<Role> split_roles(const std::string& text) {
  std::vector<Role> roles;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const auto role = parse_role(std::string_view(text).substr(start, comma - start));
    if (!role) throw std::runtime_error("a stored role is unknown: " + text);
    roles.push_back(*role);
    start = comma + 1;
  }
  return roles;
}

// 1..64 bytes of UTF-8, no ASCII space or control character.
bool valid_word(const std::string& s) {
  if (s.empty() || s.size() > 64 || !is_valid_utf8(s)) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return out;
}

class SqliteUserStore final : public UserStore {
 public:
  SqliteUserStore(std::unique_ptr<SQLite::Database> db, bool has_tables)
      : db_(std::move(db)), has_tables_(has_tables) {}

  Result<User> add_user(const NewUser& request, Instant now) override {
    if (!valid_word(request.name)) {
      return Status(Errc::invalid_argument,
                    "a user name is 1 to 64 bytes of UTF-8 without spaces or control characters");
    }
    if (request.roles.empty()) return Status(Errc::invalid_argument, "a user needs a role");
    bool scoped = false;
    for (std::size_t i = 0; i < request.roles.size(); ++i) {
      const Role r = request.roles[i];
      if (std::find(request.roles.begin(), request.roles.begin() + i, r) !=
          request.roles.begin() + i) {
        return Status(Errc::invalid_argument,
                      "role '" + std::string(to_string(r)) + "' is given twice");
      }
      scoped |= r != Role::auditor && r != Role::admin;
    }
    std::vector<std::string> units;
    for (const auto& u : request.units) {
      if (!valid_word(u)) {
        return Status(Errc::invalid_argument, "'" + u + "' is not a unit id");
      }
      if (std::find(units.begin(), units.end(), u) == units.end()) units.push_back(u);
    }
    std::sort(units.begin(), units.end());
    if (scoped && units.empty()) {
      return Status(Errc::invalid_argument,
                    "user '" + request.name +
                        "' needs at least one unit (--unit UNIT, or '*' for "
                        "all units) for the role " +
                        join_roles(request.roles));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return read_only_error();
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement exists(*db_, "SELECT 1 FROM users WHERE name = ?");
      exists.bind(1, request.name);
      if (exists.executeStep()) {
        return Status(Errc::user_exists, "a user '" + request.name + "' already exists");
      }
      SQLite::Statement insert(*db_,
                               "INSERT INTO users (name, roles, created_at) VALUES (?, ?, ?)");
      insert.bind(1, request.name);
      insert.bind(2, join_roles(request.roles));
      insert.bind(3, format_utc(now));
      insert.exec();
      SQLite::Statement unit(*db_, "INSERT INTO user_units (user, unit_id) VALUES (?, ?)");
      for (const auto& u : units) {
        unit.reset();
        unit.bind(1, request.name);
        unit.bind(2, u);
        unit.exec();
      }
      tx.commit();
      return User{request.name, request.roles, units, now};
    } catch (const std::exception& e) {
      return from_exception(e, "cannot add user " + request.name);
    }
  }

  Result<std::optional<User>> find_user(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return std::optional<User>();
    try {
      return read_user(name);
    } catch (const std::exception& e) {
      return from_exception(e, "cannot read user " + name);
    }
  }

  Result<std::vector<User>> list_users() override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<User> users;
    if (!has_tables_) return users;
    try {
      SQLite::Statement q(*db_, "SELECT name FROM users ORDER BY name");
      std::vector<std::string> names;
      while (q.executeStep()) names.push_back(q.getColumn(0).getString());
      for (const auto& name : names) {
        if (auto user = read_user(name)) users.push_back(std::move(*user));
      }
      return users;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot list users");
    }
  }

  Result<std::int64_t> count_users() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return std::int64_t{0};
    try {
      SQLite::Statement q(*db_, "SELECT count(*) FROM users");
      q.executeStep();
      return static_cast<std::int64_t>(q.getColumn(0).getInt64());
    } catch (const std::exception& e) {
      return from_exception(e, "cannot count users");
    }
  }

  Result<IssuedToken> issue_token(const std::string& user, Instant now) override {
    unsigned char random[kTokenBytes];
    if (RAND_bytes(random, sizeof random) != 1) {
      return Status(Errc::internal, "OpenSSL's RAND_bytes could not produce a token");
    }
    IssuedToken issued;
    issued.token = kTokenPrefix + base64url(random, sizeof random);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return read_only_error();
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement exists(*db_, "SELECT 1 FROM users WHERE name = ?");
      exists.bind(1, user);
      if (!exists.executeStep()) return Status(Errc::user_not_found, "no user '" + user + "'");
      SQLite::Statement insert(*db_, "INSERT INTO tokens (user, hash, issued_at) VALUES (?, ?, ?)");
      insert.bind(1, user);
      insert.bind(2, token_hash(issued.token));
      insert.bind(3, format_utc(now));
      insert.exec();
      issued.info.id = db_->getLastInsertRowid();
      issued.info.user = user;
      issued.info.issued_at = now;
      tx.commit();
      return issued;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot issue a token for " + user);
    }
  }

  Result<std::vector<TokenInfo>> list_tokens(const std::string& user) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TokenInfo> tokens;
    if (!has_tables_) return tokens;
    try {
      SQLite::Statement q(*db_, std::string("SELECT id, user, issued_at, revoked_at FROM tokens") +
                                    (user.empty() ? "" : " WHERE user = ?") + " ORDER BY id");
      if (!user.empty()) q.bind(1, user);
      while (q.executeStep()) tokens.push_back(read_token(q));
      return tokens;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot list tokens");
    }
  }

  Result<TokenInfo> revoke_token(std::int64_t id, Instant now) override {
    return revoke_where(
        "id = ?", [id](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(id)); },
        "no token " + std::to_string(id), now);
  }

  Result<TokenInfo> revoke_token_secret(const std::string& token, Instant now) override {
    const std::string hash = token_hash(token);
    return revoke_where(
        "hash = ?", [&hash](SQLite::Statement& q) { q.bind(1, hash); },
        "no such token (it was never issued here)", now);
  }

  Result<std::int64_t> revoke_user_tokens(const std::string& user, Instant now) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return read_only_error();
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement exists(*db_, "SELECT 1 FROM users WHERE name = ?");
      exists.bind(1, user);
      if (!exists.executeStep()) return Status(Errc::user_not_found, "no user '" + user + "'");
      SQLite::Statement update(
          *db_, "UPDATE tokens SET revoked_at = ? WHERE user = ? AND revoked_at IS NULL");
      update.bind(1, format_utc(now));
      update.bind(2, user);
      const int changed = update.exec();
      tx.commit();
      return static_cast<std::int64_t>(changed);
    } catch (const std::exception& e) {
      return from_exception(e, "cannot revoke the tokens of " + user);
    }
  }

  Result<std::optional<User>> authenticate(std::string_view token) override {
    // Only well-formed tokens reach the database.
    if (token.size() > 256 || token.empty()) return std::optional<User>();
    const std::string hash = token_hash(token);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return std::optional<User>();
    try {
      if (!auth_) {
        auth_ = std::make_unique<SQLite::Statement>(
            *db_, "SELECT user FROM tokens WHERE hash = ? AND revoked_at IS NULL");
      }
      auth_->reset();
      auth_->bind(1, hash);
      if (!auth_->executeStep()) return std::optional<User>();
      const std::string name = auth_->getColumn(0).getString();
      auth_->reset();
      return read_user(name);
    } catch (const std::exception& e) {
      auth_.reset();
      user_q_.reset();
      units_q_.reset();
      return from_exception(e, "cannot check a token");
    }
  }

 private:
  static Status read_only_error() {
    return Status(Errc::storage_read_only, "the user store was opened read-only");
  }

  static TokenInfo read_token(SQLite::Statement& q) {
    TokenInfo t;
    t.id = q.getColumn(0).getInt64();
    t.user = q.getColumn(1).getString();
    t.issued_at = read_instant(q.getColumn(2));
    if (!q.getColumn(3).isNull()) t.revoked_at = read_instant(q.getColumn(3));
    return t;
  }

  template <typename Bind>
  Result<TokenInfo> revoke_where(const std::string& where, Bind bind, const std::string& missing,
                                 Instant now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!has_tables_) return read_only_error();
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement find(*db_,
                             "SELECT id, user, issued_at, revoked_at FROM tokens WHERE " + where);
      bind(find);
      if (!find.executeStep()) return Status(Errc::token_not_found, missing);
      TokenInfo info = read_token(find);
      if (!info.revoked_at) {
        SQLite::Statement update(*db_, "UPDATE tokens SET revoked_at = ? WHERE id = ?");
        update.bind(1, format_utc(now));
        update.bind(2, static_cast<int64_t>(info.id));
        update.exec();
        info.revoked_at = now;
      }
      tx.commit();
      return info;
    } catch (const std::exception& e) {
      return from_exception(e, "cannot revoke a token");
    }
  }

  // Requires mutex_. Its statements are prepared once (every request reads a user).
  std::optional<User> read_user(const std::string& name) {
    if (!user_q_) {
      user_q_ = std::make_unique<SQLite::Statement>(
          *db_, "SELECT name, roles, created_at FROM users WHERE name = ?");
      units_q_ = std::make_unique<SQLite::Statement>(
          *db_, "SELECT unit_id FROM user_units WHERE user = ? ORDER BY unit_id");
    }
    // Statements are left reset, so no read transaction stays open between requests.
    struct Reset {
      SQLite::Statement& q;
      ~Reset() {
        try {
          q.reset();
        } catch (...) {
        }
      }
    };
    SQLite::Statement& q = *user_q_;
    Reset reset_q{q};
    q.reset();
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    User user;
    user.name = q.getColumn(0).getString();
    user.roles = split_roles(q.getColumn(1).getString());
    user.created_at = read_instant(q.getColumn(2));
    SQLite::Statement& units = *units_q_;
    Reset reset_units{units};
    units.reset();
    units.bind(1, name);
    while (units.executeStep()) user.units.push_back(units.getColumn(0).getString());
    return user;
  }

  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> auth_;              // authenticate's prepared statement
  std::unique_ptr<SQLite::Statement> user_q_, units_q_;  // read_user's
  bool has_tables_;
};

bool tables_exist(SQLite::Database& db) {
  SQLite::Statement q(db,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                      "('users', 'user_units', 'tokens')");
  return q.executeStep() && q.getColumn(0).getInt() == 3;
}

}  // namespace

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::drafter:
      return "drafter";
    case Role::reviewer:
      return "reviewer";
    case Role::publisher:
      return "publisher";
    case Role::interpreter:
      return "interpreter";
    case Role::responder:
      return "responder";
    case Role::auditor:
      return "auditor";
    case Role::admin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  for (Role r : kAllRoles) {
    if (to_string(r) == name) return r;
  }
  return std::nullopt;
}

std::string token_hash(std::string_view token) {
  return sha256_hex(token);
}

Result<std::unique_ptr<UserStore>> open_sqlite_user_store(const std::string& db_path,
                                                          const UserStoreOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec)) {
    return Status(Errc::database_missing,
                  "no database at '" + db_path + "'; create one with `gongkai init`");
  }
  try {
    auto db = std::make_unique<SQLite::Database>(
        db_path, options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE,
        options.busy_timeout_ms);
    int app_id = 0;
    try {
      SQLite::Statement q(*db, "PRAGMA application_id");
      if (q.executeStep()) app_id = q.getColumn(0).getInt();
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() & 0xff) != SQLITE_NOTADB) throw;
    }
    if (app_id != kApplicationId) {
      return Status(Errc::not_a_gongkai_database,
                    "'" + db_path + "' is not a gongkai database (run `gongkai init`)");
    }
    bool has_tables = tables_exist(*db);
    if (!options.read_only && !has_tables) {
      SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
      db->exec(kSchema);
      tx.commit();
      has_tables = true;
    }
    return std::unique_ptr<UserStore>(std::make_unique<SqliteUserStore>(std::move(db), has_tables));
  } catch (const std::exception& e) {
    return from_exception(e, "cannot open the users of '" + db_path + "'");
  }
}

}  // namespace gongkai
