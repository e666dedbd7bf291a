// The SQLite user store: users, unit scopes, token hashing and revocation, on a real database
// file beside the main schema (which it must leave alone).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "gongkai/engine.h"
#include "gongkai/users.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("g.db");
    auto engine = Engine::init(db_, kDefinitions, false);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    auto users = open_sqlite_user_store(db_);
    ASSERT_TRUE(users.ok()) << users.status().to_string();
    users_ = std::move(*users);
  }
  User add(const std::string& name, std::vector<Role> roles, std::vector<std::string> units) {
    auto u = users_->add_user(NewUser{name, std::move(roles), std::move(units)}, system_now());
    EXPECT_TRUE(u.ok()) << u.status().to_string();
    return u.ok() ? *u : User{};
  }

  testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<UserStore> users_;
};

using UserStore = UserStoreTest;

TEST_F(UserStore, AddsFindsAndListsUsersWithTheirUnits) {
  const User zhang = add("zhang", {Role::drafter, Role::responder}, {"alpha.two", "alpha.one"});
  EXPECT_EQ(zhang.units, (std::vector<std::string>{"alpha.one", "alpha.two"}));
  add("qian", {Role::auditor}, {});
  auto found = users_->find_user("zhang");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->roles, (std::vector<Role>{Role::drafter, Role::responder}));
  EXPECT_EQ((*found)->units, (std::vector<std::string>{"alpha.one", "alpha.two"}));
  EXPECT_FALSE(users_->find_user("nobody")->has_value());
  auto list = users_->list_users();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "qian");
  EXPECT_EQ(*users_->count_users(), 2);
}

TEST_F(UserStore, RefusesBadUsers) {
  add("zhang", {Role::drafter}, {"alpha.one"});
  struct Case {
    NewUser user;
    Errc code;
  };
  const std::vector<Case> cases = {
      {{"zhang", {Role::admin}, {}}, Errc::user_exists},
      {{"", {Role::admin}, {}}, Errc::invalid_argument},
      {{"two words", {Role::admin}, {}}, Errc::invalid_argument},
      {{"bad\xff", {Role::admin}, {}}, Errc::invalid_argument},
      {{std::string(65, 'a'), {Role::admin}, {}}, Errc::invalid_argument},
      {{"li", {}, {"alpha.one"}}, Errc::invalid_argument},
      {{"li", {Role::reviewer, Role::reviewer}, {"alpha.one"}}, Errc::invalid_argument},
      {{"li", {Role::reviewer}, {}}, Errc::invalid_argument},
      {{"li", {Role::reviewer}, {""}}, Errc::invalid_argument},
  };
  for (const auto& c : cases) {
    auto r = users_->add_user(c.user, system_now());
    ASSERT_FALSE(r.ok()) << c.user.name;
    EXPECT_EQ(r.status().code(), c.code) << c.user.name << ": " << r.status().to_string();
  }
  EXPECT_EQ(*users_->count_users(), 1);
  // Chinese names are fine.
  add("张三", {Role::publisher}, {"*"});
}

TEST_F(UserStore, TokensAreRandomAndStoredOnlyAsHashes) {
  add("zhang", {Role::drafter}, {"alpha.one"});
  std::set<std::string> seen;
  std::vector<IssuedToken> issued;
  for (int i = 0; i < 20; ++i) {
    auto t = users_->issue_token("zhang", system_now());
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->token.rfind("gkt_", 0), 0u);
    EXPECT_EQ(t->token.size(), 4u + 43u) << "32 random bytes in base64url";
    EXPECT_EQ(t->token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 4),
              std::string::npos);
    EXPECT_TRUE(seen.insert(t->token).second);
    issued.push_back(*t);
  }
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The database holds the hashes, never a token.
  users_.reset();
  {
    SQLite::Database db(db_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT hash FROM tokens ORDER BY id");
    std::size_t i = 0;
    while (q.executeStep()) {
      ASSERT_LT(i, issued.size());
      EXPECT_EQ(q.getColumn(0).getString(), token_hash(issued[i].token));
      ++i;
    }
    EXPECT_EQ(i, issued.size());
  }
  const std::string file = testing::read_file(db_) + testing::read_file(db_ + "-wal");
  for (const auto& t : issued) EXPECT_EQ(file.find(t.token), std::string::npos);
}

TEST_F(UserStore, AuthenticatesAndRevokes) {
  add("zhang", {Role::drafter}, {"alpha.one"});
  add("li", {Role::reviewer}, {"alpha.one"});
  auto a = users_->issue_token("zhang", system_now());
  auto b = users_->issue_token("zhang", system_now());
  auto c = users_->issue_token("li", system_now());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto who = users_->authenticate(a->token);
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->name, "zhang");
  EXPECT_EQ((*who)->units, std::vector<std::string>{"alpha.one"});
  for (const std::string& bad : std::vector<std::string>{
           "", "gkt_", a->token + "x", a->token.substr(1), std::string(1000, 'a')}) {
    auto none = users_->authenticate(bad);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value()) << bad;
  }
  // By id.
  auto revoked = users_->revoke_token(a->info.id, system_now());
  ASSERT_TRUE(revoked.ok()) << revoked.status().to_string();
  EXPECT_TRUE(revoked->revoked_at.has_value());
  EXPECT_FALSE(users_->authenticate(a->token)->has_value());
  EXPECT_TRUE(users_->authenticate(b->token)->has_value());
  EXPECT_TRUE(users_->revoke_token(a->info.id, system_now()).ok()) << "revoking twice is fine";
  EXPECT_EQ(users_->revoke_token(999, system_now()).status().code(), Errc::token_not_found);
  // By the secret.
  EXPECT_TRUE(users_->revoke_token_secret(b->token, system_now()).ok());
  EXPECT_FALSE(users_->authenticate(b->token)->has_value());
  EXPECT_EQ(users_->revoke_token_secret("gkt_nope", system_now()).status().code(),
            Errc::token_not_found);
  // Every token of a user.
  auto d = users_->issue_token("li", system_now());
  auto n = users_->revoke_user_tokens("li", system_now());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_FALSE(users_->authenticate(c->token)->has_value());
  EXPECT_FALSE(users_->authenticate(d->token)->has_value());
  EXPECT_EQ(users_->revoke_user_tokens("nobody", system_now()).status().code(),
            Errc::user_not_found);
  EXPECT_EQ(users_->issue_token("nobody", system_now()).status().code(), Errc::user_not_found);
  auto tokens = users_->list_tokens("zhang");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_EQ(users_->list_tokens("")->size(), 4u);
  // Another connection (another process) sees the revocation at once.
  auto other = open_sqlite_user_store(db_, {true, 1000});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->authenticate(a->token)->has_value());
}

TEST_F(UserStore, LeavesTheMainSchemaAlone) {
  users_.reset();
  int user_version = -1;
  {
    SQLite::Database db(db_, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "PRAGMA user_version");
    ASSERT_TRUE(q.executeStep());
    user_version = q.getColumn(0).getInt();
  }
  // A fresh database without the tables: read-only sees no users and creates nothing.
  const std::string fresh = dir_.file("fresh.db");
  ASSERT_TRUE(Engine::init(fresh, kDefinitions, false).ok());
  auto ro = open_sqlite_user_store(fresh, {true, 1000});
  ASSERT_TRUE(ro.ok()) << ro.status().to_string();
  EXPECT_EQ(*(*ro)->count_users(), 0);
  EXPECT_TRUE((*ro)->list_users()->empty());
  EXPECT_FALSE((*ro)->authenticate("gkt_x")->has_value());
  EXPECT_EQ((*ro)->add_user({"a", {Role::admin}, {}}, system_now()).status().code(),
            Errc::storage_read_only);
  {
    SQLite::Database db(fresh, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM sqlite_master WHERE name = 'users'");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 0);
  }
  // Opening read-write creates them, and the engine still opens, verifies and migrates nothing.
  auto rw = open_sqlite_user_store(fresh);
  ASSERT_TRUE(rw.ok());
  ASSERT_TRUE((*rw)->add_user({"a", {Role::admin}, {}}, system_now()).ok());
  {
    SQLite::Database db(fresh, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "PRAGMA user_version");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), user_version);
  }
  auto engine = Engine::open(fresh);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  EXPECT_TRUE((*engine)->verify().ok());
}

TEST_F(UserStore, RefusesFilesThatAreNotGongkaiDatabases) {
  EXPECT_EQ(open_sqlite_user_store(dir_.file("missing.db")).status().code(),
            Errc::database_missing);
  testing::write_file(dir_.file("text.db"), "hello, this is not SQLite at all............");
  EXPECT_EQ(open_sqlite_user_store(dir_.file("text.db")).status().code(),
            Errc::not_a_gongkai_database);
  {
    SQLite::Database other(dir_.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE t (x)");
  }
  EXPECT_EQ(open_sqlite_user_store(dir_.file("other.db")).status().code(),
            Errc::not_a_gongkai_database);
}

TEST(UserStoreRoles, NamesRoundTrip) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_FALSE(parse_role("wizard"));
  EXPECT_FALSE(parse_role(""));
}

}  // namespace
}  // namespace gongkai
