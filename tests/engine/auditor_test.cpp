// Tamper detection: a database is built through the public API, closed, altered behind the
// engine's back with SQLiteCpp (as a tamperer would, dropping the append-only triggers first),
// reopened and verified. Every alteration must be reported with the right id, naming the right
// event or item.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gongkai/engine.h"
#include "gongkai/event.h"
#include "support/older_schema.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

Instant instant(const char* text) {
  auto t = parse_instant(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

// 2026-03-02 is a Monday; step n of the history happens at 09:00 + (n - 1) hours China time.
Instant step(int n) {
  return instant("2026-03-02T09:00:00+08:00") + std::chrono::hours(n - 1);
}

constexpr const char* kA = "gk-000001";  // test.with_interpretation, alpha.one: the full course
constexpr const char* kB = "gk-000002";  // test.without_interpretation, alpha.two: rejected once
constexpr const char* kC = "gk-000003";  // test.planning, beta.three: left in review

// Reads one stored event as the store does.
Event read_event(SQLite::Statement& q) {
  Event e;
  e.seq = q.getColumn(0).getInt64();
  e.item_id = q.getColumn(1).getString();
  e.item_seq = q.getColumn(2).getInt64();
  e.type = q.getColumn(3).getString();
  e.actor = q.getColumn(4).getString();
  e.role = q.getColumn(5).getString();
  e.reason = q.getColumn(6).getString();
  e.command_id = q.getColumn(7).getString();
  e.at = *parse_instant(q.getColumn(8).getString());
  e.payload = q.getColumn(9).getString();
  e.definition_version = q.getColumn(10).getInt64();
  e.calendar_version = q.getColumn(11).getString();
  e.item_prev_hash = q.getColumn(12).getString();
  e.prev_hash = q.getColumn(13).getString();
  e.hash = q.getColumn(14).getString();
  e.item_prev_seq = q.getColumn(15).getInt64();
  return e;
}

constexpr const char* kColumns =
    "seq, item_id, item_seq, type, actor, role, reason, command_id, at, payload, "
    "definition_version, calendar_version, item_prev_hash, prev_hash, hash, item_prev_seq";

// Direct access to a closed database file, with the append-only triggers dropped.
class Tamperer {
 public:
  explicit Tamperer(const std::string& path) : db_(path, SQLite::OPEN_READWRITE) {
    db_.exec("PRAGMA synchronous = OFF");  // a test's forgery need not survive a power cut
    db_.exec("DROP TRIGGER IF EXISTS events_append_only_update");
    db_.exec("DROP TRIGGER IF EXISTS events_append_only_delete");
  }

  void exec(const std::string& sql) { db_.exec(sql); }

  Event event(std::int64_t seq) {
    SQLite::Statement q(db_, std::string("SELECT ") + kColumns + " FROM events WHERE seq = ?");
    q.bind(1, static_cast<int64_t>(seq));
    EXPECT_TRUE(q.executeStep()) << "seq " << seq;
    return read_event(q);
  }

  std::vector<Event> events() {
    SQLite::Statement q(db_, std::string("SELECT ") + kColumns + " FROM events ORDER BY seq");
    std::vector<Event> all;
    while (q.executeStep()) all.push_back(read_event(q));
    return all;
  }

  // Writes every column of `e` over the row with seq `old_seq` (seq may change).
  void rewrite(std::int64_t old_seq, const Event& e) {
    SQLite::Statement q(db_,
                        "UPDATE events SET seq = ?, item_id = ?, item_seq = ?, type = ?, "
                        "actor = ?, role = ?, reason = ?, command_id = ?, at = ?, payload = ?, "
                        "definition_version = ?, calendar_version = ?, item_prev_hash = ?, "
                        "prev_hash = ?, hash = ?, item_prev_seq = ? WHERE seq = ?");
    bind_event(q, e);
    q.bind(17, static_cast<int64_t>(old_seq));
    EXPECT_EQ(q.exec(), 1);
  }

  void insert(const Event& e) {
    SQLite::Statement q(db_, std::string("INSERT INTO events (") + kColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    bind_event(q, e);
    q.exec();
  }

  // What a careful forger does after reordering or forging: recomputes both chains, every hash
  // and every locator from the first event on, and moves the recorded head and the items' last
  // hashes and last seqs along.
  void rechain() {
    std::string prev;
    std::map<std::string, std::pair<std::string, std::int64_t>> item_prev;  // hash, seq
    for (Event e : events()) {
      e.prev_hash = prev;
      e.item_prev_hash = item_prev[e.item_id].first;
      e.item_prev_seq = item_prev[e.item_id].second;
      e.hash = event_hash(e);
      rewrite(e.seq, e);
      prev = e.hash;
      item_prev[e.item_id] = {e.hash, e.seq};
    }
    for (const auto& [item, last] : item_prev) {
      SQLite::Statement q(db_, "UPDATE items SET last_hash = ?, last_seq = ? WHERE id = ?");
      q.bind(1, last.first);
      q.bind(2, static_cast<int64_t>(last.second));
      q.bind(3, item);
      q.exec();
    }
  }

  std::string item_state(const std::string& id) {
    SQLite::Statement q(db_, "SELECT state FROM items WHERE id = ?");
    q.bind(1, id);
    EXPECT_TRUE(q.executeStep()) << id;
    return q.getColumn(0).getString();
  }

  // The first column of the first row `sql` gives, as text ("" when none).
  std::string scalar(const std::string& sql) {
    SQLite::Statement q(db_, sql);
    return q.executeStep() ? q.getColumn(0).getString() : std::string();
  }

  void set_item_state(const std::string& id, const std::string& state) {
    SQLite::Statement q(db_, "UPDATE items SET state = ? WHERE id = ?");
    q.bind(1, state);
    q.bind(2, id);
    EXPECT_EQ(q.exec(), 1) << id;
  }

 private:
  static void bind_event(SQLite::Statement& q, const Event& e) {
    q.bind(1, static_cast<int64_t>(e.seq));
    q.bind(2, e.item_id);
    q.bind(3, static_cast<int64_t>(e.item_seq));
    q.bind(4, e.type);
    q.bind(5, e.actor);
    q.bind(6, e.role);
    q.bind(7, e.reason);
    q.bind(8, e.command_id);
    q.bind(9, format_utc(e.at));
    q.bind(10, e.payload);
    q.bind(11, static_cast<int64_t>(e.definition_version));
    q.bind(12, e.calendar_version);
    q.bind(13, e.item_prev_hash);
    q.bind(14, e.prev_hash);
    q.bind(15, e.hash);
    q.bind(16, static_cast<int64_t>(e.item_prev_seq));
  }

  SQLite::Database db_;
};

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("audit.db");
    auto engine = Engine::init(db_, kDefinitions, /*simulation=*/true);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
    build_history();
    engine_.reset();  // closed: the file is left to the tamperer
  }

  Item create(const std::string& standard, const std::string& unit, const std::string& actor,
              Instant at) {
    CreateItemRequest r;
    r.standard_id = standard;
    r.unit_id = unit;
    r.title = "标题 " + standard;
    r.content = "公开内容。";
    r.actor = actor;
    r.at = at;
    auto item = engine_->create_item(r);
    EXPECT_TRUE(item.ok()) << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  Item fire(const std::string& id, EventType event, const std::string& actor, Instant at,
            const std::function<void(FireRequest&)>& set = {}) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = actor;
    r.at = at;
    if (set) set(r);
    auto item = engine_->fire(r);
    EXPECT_TRUE(item.ok()) << id << " " << to_string(event) << ": " << item.status().to_string();
    return item.ok() ? *item : Item{};
  }

  // 19 events of three items, interleaved; seq n is step n.
  void build_history() {
    auto with_text = [](const char* t) { return [t](FireRequest& r) { r.text = t; }; };
    EXPECT_EQ(create("test.with_interpretation", "alpha.one", "alice", step(1)).id, kA);   // 1
    EXPECT_EQ(create("test.without_interpretation", "alpha.two", "bob", step(2)).id, kB);  // 2
    fire(kA, EventType::submit, "alice", step(3));                                         // 3
    EXPECT_EQ(create("test.planning", "beta.three", "carol", step(4)).id, kC);             // 4
    fire(kB, EventType::submit, "bob", step(5));                                           // 5
    fire(kA, EventType::approve, "reviewer", step(6));                                     // 6
    fire(kB, EventType::reject, "reviewer", step(7),
         [](FireRequest& r) { r.reason = "公开依据引用不完整"; });                          // 7
    fire(kA, EventType::publish, "reviewer", step(8));                                      // 8
    fire(kB, EventType::submit, "bob", step(9));                                            // 9
    fire(kA, EventType::interpret, "interpreter", step(10), with_text("政策解读材料"));     // 10
    fire(kB, EventType::approve, "reviewer", step(11));                                     // 11
    fire(kA, EventType::raise_concern, "public", step(12), with_text("办理时限是多少？"));  // 12
    fire(kB, EventType::publish, "reviewer", step(13));                                     // 13
    fire(kA, EventType::raise_concern, "public", step(14), [](FireRequest& r) {
      r.text = "网络舆情集中关注";
      r.major = true;
    });  // 14
    fire(kA, EventType::respond, "responder", step(15), [](FireRequest& r) {
      r.concern = 2;
      r.text = "已发布权威说明";
    });                                                                            // 15
    fire(kC, EventType::submit, "carol", step(16));                                // 16
    fire(kA, EventType::respond, "responder", step(17), with_text("20个工作日"));  // 17
    // B has no interpretation and a 48-hour window from its publication (step 13).
    fire(kB, EventType::close, "reviewer", step(13) + 48h);  // 18
    // A was published at step 8 (16:00 on 2 March); 10 calendar days end at 24:00 on 12 March.
    fire(kA, EventType::close, "reviewer", instant("2026-03-13T00:00:00+08:00"));  // 19
  }

  // Puts back a copy of the closed database file taken earlier.
  void restore(const std::string& pristine) {
    std::filesystem::remove(db_ + "-wal");
    std::filesystem::remove(db_ + "-shm");
    gongkai::testing::write_file(db_, pristine);
  }

  std::unique_ptr<Engine> reopen() {
    auto engine = Engine::open(db_);
    EXPECT_TRUE(engine.ok()) << engine.status().to_string();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  // Reopens and verifies; the status (ok when the database verifies).
  Status verify() {
    auto engine = reopen();
    if (!engine) return Status(Errc::internal, "the database does not reopen");
    auto report = engine->verify();
    return report.status();
  }

  gongkai::testing::TempDir dir_;
  std::string db_;
  std::unique_ptr<Engine> engine_;
};

// The status must be `code` and its message must contain every one of `names`.
::testing::AssertionResult Reports(const Status& status, Errc code,
                                   const std::vector<std::string>& names) {
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "expected error[" << error_id(code) << "], got " << status.to_string();
  }
  for (const auto& name : names) {
    if (status.message().find(name) == std::string::npos) {
      return ::testing::AssertionFailure()
             << "the message does not name '" << name << "': " << status.to_string();
    }
  }
  return ::testing::AssertionSuccess();
}

TEST_F(AuditTest, UntamperedDatabaseVerifiesWithItsCounts) {
  auto engine = reopen();
  ASSERT_TRUE(engine);
  auto report = engine->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->events, 19);
  EXPECT_EQ(report->items, 3);
  EXPECT_EQ(report->head.seq, 19);
  auto a = engine->history(kA);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 10u);
  EXPECT_EQ(a->back().seq, 19);
  EXPECT_EQ(report->head.hash, a->back().hash);

  // The interleaving the tamper cases rely on: seq n is step n.
  const std::map<std::int64_t, std::pair<std::string, std::int64_t>> expected = {
      {1, {kA, 1}},  {2, {kB, 1}},  {3, {kA, 2}},  {4, {kC, 1}},  {5, {kB, 2}},
      {6, {kA, 3}},  {7, {kB, 3}},  {8, {kA, 4}},  {9, {kB, 4}},  {10, {kA, 5}},
      {11, {kB, 5}}, {12, {kA, 6}}, {13, {kB, 6}}, {14, {kA, 7}}, {15, {kA, 8}},
      {16, {kC, 2}}, {17, {kA, 9}}, {18, {kB, 7}}, {19, {kA, 10}}};
  for (const char* id : {kA, kB, kC}) {
    auto events = engine->history(id);
    ASSERT_TRUE(events.ok()) << id;
    for (const Event& e : *events) {
      EXPECT_EQ(expected.at(e.seq), std::make_pair(std::string(id), e.item_seq)) << e.seq;
      EXPECT_EQ(e.hash, event_hash(e)) << e.seq;
    }
  }
  for (const auto& [id, stage, version] :
       {std::tuple{kA, Stage::closed, 10}, {kB, Stage::closed, 7}, {kC, Stage::review, 2}}) {
    auto item = engine->get_item(id);
    ASSERT_TRUE(item.ok()) << id;
    EXPECT_EQ(item->stage, stage) << id;
    EXPECT_EQ(item->version, version) << id;
  }
}

// The long texts, kept in a row of their own, are part of the projection audit verify replays: a
// changed, deleted or replaced row is a projection that does not match.
TEST_F(AuditTest, TamperedLongTextsDoNotReplayToTheProjection) {
  const std::string pristine = gongkai::testing::read_file(db_);
  const struct {
    const char* what;
    const char* sql;
    const char* item;
  } cases[] = {
      {"changed", "UPDATE item_texts SET content = '篡改的内容' WHERE id = 'gk-000001'", kA},
      {"interpretation changed", "UPDATE item_texts SET interpretation = '' WHERE id = 'gk-000001'",
       kA},
      {"deleted", "DELETE FROM item_texts WHERE id = 'gk-000002'", kB},
      {"replaced by another row",
       "DELETE FROM item_texts WHERE id = 'gk-000003'; "
       "INSERT INTO item_texts VALUES ('gk-000003', '公开内容。 ', '')",
       kC},
  };
  for (const auto& c : cases) {
    restore(pristine);
    {
      Tamperer t(db_);
      t.exec(c.sql);
    }
    EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {c.item})) << c.what;
  }
}

// A file of schema 6 (the content inside each state document) verifies read-only — as the CLI's
// `audit verify` opens it, without migrating — and again once opened for writing has migrated it;
// a command after the migration leaves the content where it is.
TEST_F(AuditTest, ASchema6FileVerifiesAsItIsAndAfterItsMigration) {
  const std::string r_content =
      "引号\" 反斜杠\\ 换行\n 制表\t 😀 \u2028 </script> " + std::string(5000, 'x');
  {
    engine_ = reopen();
    CreateItemRequest r;
    r.standard_id = "test.planning";
    r.unit_id = "beta.three";
    r.title = "转义";
    r.content = r_content;
    r.actor = "carol";
    r.at = step(20);
    ASSERT_TRUE(engine_->create_item(r).ok());
    engine_.reset();
  }
  gongkai::testing::back_to_schema6(db_);
  SqliteOptions read_only;
  read_only.read_only = true;
  {
    auto engine = Engine::open(db_, read_only);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    auto report = (*engine)->verify();
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    EXPECT_EQ(report->items, 4);
    EXPECT_EQ((*engine)->get_item("gk-000004")->content, r_content);
  }
  {
    SQLite::Database db(db_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 6);
  }
  auto engine = reopen();  // migrates
  ASSERT_TRUE(engine);
  auto report = engine->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  FireRequest submit;
  submit.item_id = "gk-000004";
  submit.event = EventType::submit;
  submit.actor = "carol";
  submit.at = step(21);
  ASSERT_TRUE(engine->fire(submit).ok());
  EXPECT_TRUE(engine->verify().ok());
  engine.reset();
  SQLite::Database db(db_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 8);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM item_texts").getInt(), 4);
}

TEST_F(AuditTest, AppendOnlyTriggersRefuseUpdatesAndDeletes) {
  SQLite::Database db(db_, SQLite::OPEN_READWRITE);
  EXPECT_THROW(db.exec("UPDATE events SET actor = 'mallory' WHERE seq = 6"), SQLite::Exception);
  EXPECT_THROW(db.exec("DELETE FROM events WHERE seq = 19"), SQLite::Exception);
  SQLite::Statement q(db, "SELECT actor FROM events WHERE seq = 6");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getString(), "reviewer");
}

// A changed column without a recomputed hash: audit_hash_mismatch naming exactly that event.
TEST_F(AuditTest, ChangedColumnIsAHashMismatchAtThatEvent) {
  struct Case {
    const char* what;
    std::int64_t seq;
    std::string sql;
  };
  const std::vector<Case> cases = {
      {"payload", 10, R"(UPDATE events SET payload = '{"text":"篡改的解读"}' WHERE seq = 10)"},
      {"actor", 6, "UPDATE events SET actor = 'mallory' WHERE seq = 6"},
      {"at", 7, "UPDATE events SET at = '2026-03-02T00:30:00.000Z' WHERE seq = 7"},
      {"reason", 7, "UPDATE events SET reason = '另一个理由' WHERE seq = 7"},
      {"type", 16, "UPDATE events SET type = 'reject' WHERE seq = 16"},
      {"first event", 1, "UPDATE events SET actor = 'mallory' WHERE seq = 1"},
      {"last event", 19, "UPDATE events SET actor = 'mallory' WHERE seq = 19"},
  };
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    restore(pristine);
    {
      Tamperer t(db_);
      t.exec(c.sql);
    }
    EXPECT_TRUE(
        Reports(verify(), Errc::audit_hash_mismatch, {"event seq " + std::to_string(c.seq) + " "}));
  }
}

// The tamperer recomputes the changed event's hash: the next event no longer chains to it.
TEST_F(AuditTest, RecomputedHashBreaksTheChainAtTheNextEvent) {
  {
    Tamperer t(db_);
    Event e = t.event(6);
    e.actor = "mallory";
    e.hash = event_hash(e);
    t.rewrite(6, e);
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_chain_broken, {"event seq 7 "}));
}

// Re-chaining only the database-wide chain still breaks the item's own chain.
TEST_F(AuditTest, RechainedDatabaseChainStillBreaksTheItemChain) {
  {
    Tamperer t(db_);
    std::string prev;
    for (Event e : t.events()) {
      if (e.seq == 6) e.actor = "mallory";
      e.prev_hash = prev;
      e.hash = event_hash(e);
      t.rewrite(e.seq, e);
      prev = e.hash;
    }
  }
  // seq 8 is A's next event (#4); its item_prev_hash is the old hash of seq 6.
  EXPECT_TRUE(Reports(verify(), Errc::audit_chain_broken, {"event seq 8 ", kA}));
}

// A complete forgery of every hash is caught by the replay against the projection.
TEST_F(AuditTest, FullyRehashedForgeryDoesNotReplayToTheProjection) {
  {
    Tamperer t(db_);
    Event e = t.event(6);
    e.actor = "mallory";
    t.rewrite(6, e);
    t.rechain();
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kA}));
}

// A rehashed forgery whose texts are not UTF-8 (an actor, a reason, a payload's text) is a
// finding like any other, never an exception out of the replay or the report.
TEST_F(AuditTest, RehashedForgeryWithIllFormedUtf8IsAFinding) {
  const std::string bad = std::string("mallory") + '\xff' + '\xc3';
  struct Case {
    const char* what;
    std::function<void(Event&)> forge;
  };
  const Case cases[] = {
      {"actor", [&](Event& e) { e.actor = bad; }},
      {"reason", [&](Event& e) { e.reason = bad; }},
      {"payload text", [&](Event& e) { e.payload = "{\"text\":\"" + bad + "\"}"; }},
      {"payload", [&](Event& e) { e.payload = bad; }},
      {"command id", [&](Event& e) { e.command_id = bad; }},
      {"item id", [&](Event& e) { e.item_id = bad; }},
  };
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const Case& c : cases) {
    restore(pristine);
    {
      Tamperer t(db_);
      Event e = t.event(6);
      c.forge(e);
      t.rewrite(6, e);
      t.rechain();
    }
    Status status;
    ASSERT_NO_THROW(status = verify()) << c.what;
    EXPECT_FALSE(status.ok()) << c.what;
    EXPECT_EQ(status.id().rfind("audit_", 0), 0u) << c.what << ": " << status.to_string();
  }
  // After an earlier finding in another item, an item with such a text is still not replayed to
  // the end (where its state would be digested): the first finding is reported, nothing thrown.
  restore(pristine);
  {
    Tamperer t(db_);
    const std::vector<Event> all = t.events();
    Event first = all.front();
    first.payload = "[]";
    t.rewrite(first.seq, first);
    Event later = all.back();
    for (auto it = all.rbegin(); it != all.rend() && later.item_id == first.item_id; ++it) {
      later = *it;
    }
    ASSERT_NE(later.item_id, first.item_id);
    later.actor = bad;
    t.rewrite(later.seq, later);
    t.rechain();
  }
  Status status;
  ASSERT_NO_THROW(status = verify());
  EXPECT_TRUE(Reports(status, Errc::audit_replay_mismatch, {"event seq 1 "}));
}

// A rehashed forgery whose payload gives a member the wrong type (a number for a deadline id, a
// string for "major", ...) is a finding, never an exception out of the replay.
TEST_F(AuditTest, RehashedForgeryWithWrongTypedPayloadIsAFinding) {
  const char* const members[] = {
      "text",     "major", "concern", "publish_at", "confidentiality_findings",
      "deadline", "step",  "notice",  "amount"};
  const nlohmann::json wrong[] = {5, "x", nlohmann::json::array(), 1e300};
  std::vector<Event> originals;
  {
    Tamperer t(db_);
    originals = t.events();
  }
  std::set<std::string> types_seen;
  int forged = 0;
  for (const Event& original : originals) {
    if (!types_seen.insert(original.type).second) continue;  // one event of each type
    for (const char* member : members) {
      for (const nlohmann::json& value : wrong) {
        nlohmann::json payload = nlohmann::json::parse(original.payload);
        if (payload.contains(member) && payload[member] == value) continue;
        payload[member] = value;
        {
          Tamperer t(db_);
          Event e = original;
          e.payload = payload.dump();
          t.rewrite(e.seq, e);
          t.rechain();
        }
        Status status;
        ASSERT_NO_THROW(status = verify()) << original.type << " " << payload.dump();
        if (!status.ok()) {
          EXPECT_EQ(status.id().rfind("audit_", 0), 0u) << status.to_string();
        }
        ++forged;
        {
          Tamperer t(db_);
          t.rewrite(original.seq, original);
          t.rechain();
        }
      }
    }
  }
  EXPECT_GT(forged, 100);
  EXPECT_TRUE(verify().ok());
}

TEST_F(AuditTest, DeletedMiddleEventIsASequenceGap) {
  {
    Tamperer t(db_);
    t.exec("DELETE FROM events WHERE seq = 10");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_sequence_gap, {"event seq 11 ", "seq 9"}));
}

TEST_F(AuditTest, EventInsertedPastTheEndIsASequenceGap) {
  {
    Tamperer t(db_);
    Event e = t.event(19);
    e.seq = 25;
    e.item_seq = 11;
    e.type = "raise_concern";
    e.payload = R"({"major":false,"text":"伪造"})";
    e.prev_hash = t.event(19).hash;
    e.item_prev_hash = t.event(19).hash;
    e.hash = event_hash(e);
    t.insert(e);
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_sequence_gap, {"event seq 25 ", "seq 19"}));
}

// A forged event squeezed in the middle (later events renumbered), hashed and chained to its
// predecessor: the event after it no longer chains.
TEST_F(AuditTest, EventInsertedInTheMiddleBreaksTheChain) {
  {
    Tamperer t(db_);
    t.exec("UPDATE events SET seq = -seq WHERE seq >= 10");
    t.exec("UPDATE events SET seq = 1 - seq WHERE seq < 0");
    Event forged = t.event(1);
    forged.seq = 10;
    forged.item_id = "gk-000099";
    forged.item_seq = 1;
    forged.actor = "mallory";
    forged.at = step(10);
    forged.item_prev_hash = "";
    forged.prev_hash = t.event(9).hash;
    forged.hash = event_hash(forged);
    t.insert(forged);
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_chain_broken, {"event seq 11 "}));
}

// A forged event appended with correct hashes and locator: the projection still says C is at
// version 2.
TEST_F(AuditTest, EventAppendedAtTheEndDoesNotMatchTheProjection) {
  {
    Tamperer t(db_);
    const Event last = t.event(19);
    Event forged = t.event(16);
    forged.seq = 20;
    forged.item_seq = 3;
    forged.type = "approve";
    forged.actor = "mallory";
    forged.payload = R"({"confidentiality_findings":0})";
    forged.at = last.at;
    forged.prev_hash = last.hash;
    forged.item_prev_hash = t.event(16).hash;
    forged.item_prev_seq = 16;
    forged.hash = event_hash(forged);
    t.insert(forged);
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC, "version 2", "3 events"}));
}

// Swapping two events' places: detected at the first of them, whatever the id (both
// audit_chain_broken and audit_sequence_gap describe events out of order).
TEST_F(AuditTest, SwappedEventsAreDetected) {
  {
    Tamperer t(db_);
    t.exec("UPDATE events SET seq = -1 WHERE seq = 14");
    t.exec("UPDATE events SET seq = 14 WHERE seq = 15");
    t.exec("UPDATE events SET seq = 15 WHERE seq = -1");
  }
  const Status s = verify();
  EXPECT_TRUE(s.code() == Errc::audit_chain_broken || s.code() == Errc::audit_sequence_gap)
      << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr("event seq 14 ")) << s.to_string();
}

// Swapped and every hash recomputed: the item's events are out of order.
TEST_F(AuditTest, SwappedAndRehashedEventsAreASequenceGapInTheItem) {
  {
    Tamperer t(db_);
    t.exec("UPDATE events SET seq = -1 WHERE seq = 14");
    t.exec("UPDATE events SET seq = 14 WHERE seq = 15");
    t.exec("UPDATE events SET seq = 15 WHERE seq = -1");
    t.rechain();
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_sequence_gap, {"event seq 14 ", kA}));
}

// The locators the store reads a history by are not hashed: verify checks each one.
TEST_F(AuditTest, AlteredEventLocatorBreaksTheItemsChain) {
  std::int64_t target = 0;
  {
    Tamperer t(db_);
    const Event e = t.event(16);  // C's submit, whose item's previous event is seq 4
    ASSERT_EQ(e.item_prev_seq, 4);
    target = e.seq;
    t.exec("UPDATE events SET item_prev_seq = 3 WHERE seq = 16");
  }
  EXPECT_TRUE(
      Reports(verify(), Errc::audit_chain_broken,
              {"event seq " + std::to_string(target) + " ", "seq 3", "seq 4", "item_prev_seq"}));
}

TEST_F(AuditTest, AlteredProjectionLocatorIsAReplayMismatch) {
  {
    Tamperer t(db_);
    ASSERT_EQ(t.scalar("SELECT last_seq FROM items WHERE id = 'gk-000003'"), "16");
    t.exec("UPDATE items SET last_seq = 4 WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC, "seq 4", "seq 16", "last_seq"}));
}

// The newest event deleted: its item's projection is one event ahead of its history.
TEST_F(AuditTest, DeletedLastEventDoesNotMatchTheProjection) {
  std::string item;
  {
    Tamperer t(db_);
    item = t.event(19).item_id;
    t.exec("DELETE FROM events WHERE seq = 19");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {item, "but its history has"}));
}

// C's events (seq 4 and 16) and its projection row vanish: the gap at seq 5 gives it away.
TEST_F(AuditTest, DeletedItemInTheMiddleIsASequenceGap) {
  {
    Tamperer t(db_);
    t.exec("DELETE FROM events WHERE item_id = 'gk-000003'");
    t.exec("DELETE FROM items WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_sequence_gap, {"event seq 5 "}));
}

// An item whose events are all at the end vanishes with its projection row: the item counter
// gives it away.
TEST_F(AuditTest, DeletedItemAtTheEndIsAHeadMismatch) {
  std::string d;
  {
    engine_ = reopen();
    ASSERT_TRUE(engine_);
    d = create("test.planning", "beta.three", "dave", step(30)).id;
    fire(d, EventType::submit, "dave", step(31));
    engine_.reset();
  }
  ASSERT_TRUE(verify().ok());
  {
    Tamperer t(db_);
    t.exec("DELETE FROM events WHERE item_id = '" + d + "'");
    t.exec("DELETE FROM items WHERE id = '" + d + "'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_head_mismatch,
                      {"numbered 4 items but 3 have a history", "newest items were deleted"}));
}

// A whole item forged at the end — its event hashed and chained, its projection row the one its
// history replays to — was never numbered by the item counter.
TEST_F(AuditTest, ItemAppendedAtTheEndIsAHeadMismatch) {
  {
    Tamperer t(db_);
    const Event last = t.event(19);
    Event forged = t.event(4);  // C's creation
    forged.seq = 20;
    forged.item_id = "gk-000099";
    forged.item_prev_hash = "";
    forged.item_prev_seq = 0;
    forged.prev_hash = last.hash;
    forged.hash = event_hash(forged);
    t.insert(forged);
    t.exec(
        "INSERT INTO items SELECT 'gk-000099', unit_id, standard_id, definition_version, "
        "'drafting', 1, created_at, created_at, title, '" +
        forged.hash + "', state, 20, 'drafting' FROM items WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_head_mismatch,
                      {"numbered 3 items but 4 have a history", "items were added"}));
}

TEST_F(AuditTest, DeletedProjectionRowIsAReplayMismatch) {
  {
    Tamperer t(db_);
    t.exec("DELETE FROM items WHERE id = 'gk-000002'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kB, "no projection row"}));
}

TEST_F(AuditTest, ProjectionWithoutEventsIsAReplayMismatch) {
  {
    Tamperer t(db_);
    t.exec(
        "INSERT INTO items SELECT 'gk-000099', unit_id, standard_id, definition_version, stage, "
        "version, created_at, updated_at, title, last_hash, state, last_seq, listed_stage FROM "
        "items "
        "WHERE id = "
        "'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {"gk-000099"}));
}

// The projection's stage altered the way the engine stores it (the state document and the
// column together): replay gives review, not closed.
TEST_F(AuditTest, AlteredProjectionStageIsAReplayMismatch) {
  {
    Tamperer t(db_);
    auto state = nlohmann::json::parse(t.item_state(kC));
    ASSERT_EQ(state.at("stage"), "review");
    state["stage"] = "closed";
    t.set_item_state(kC, state.dump());
    t.exec("UPDATE items SET stage = 'closed' WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC, "review", "closed"}));
}

TEST_F(AuditTest, AlteredProjectionStateIsAReplayMismatch) {
  {
    Tamperer t(db_);
    auto state = nlohmann::json::parse(t.item_state(kA));
    state["approved_by"] = "mallory";
    t.set_item_state(kA, state.dump());
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kA}));
}

// The projection's columns are what `item list --unit/--stage` filters on: each one altered
// alone (the state document left as it was) is a replay mismatch.
TEST_F(AuditTest, AlteredProjectionColumnIsAReplayMismatch) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"stage", "stage = 'closed'"},
      {"unit_id", "unit_id = 'alpha.one'"},
      {"standard_id", "standard_id = 'test.with_interpretation'"},
      {"title", "title = '另一个标题'"},
      {"definition_version", "definition_version = 2"},
      {"created_at", "created_at = '2026-03-01T00:00:00.000Z'"},
      {"updated_at", "updated_at = '2026-03-05T00:00:00.000Z'"},
  };
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const auto& [column, assignment] : cases) {
    SCOPED_TRACE(column);
    restore(pristine);
    {
      Tamperer t(db_);
      t.exec("UPDATE items SET " + assignment + " WHERE id = 'gk-000003'");
    }
    EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC}));
  }
  // What the tampered stage column would do: C, in review, lists as closed.
  restore(pristine);
  {
    Tamperer t(db_);
    t.exec("UPDATE items SET stage = 'closed' WHERE id = 'gk-000003'");
  }
  auto engine = reopen();
  ASSERT_TRUE(engine);
  ItemFilter closed;
  closed.stage = Stage::closed;
  auto listed = engine->list_items(closed);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

// The index of items by stage (schema 8: listed_stage, brought up to date in bulk up to meta's
// listed_seq) hides an item from the listings of its stage only when tampered with — an item
// listed under another stage, or listed_seq moved past items the index has not caught up with:
// audit verify reports both.
TEST_F(AuditTest, AlteredStageIndexIsAReplayMismatch) {
  const std::string pristine = gongkai::testing::read_file(db_);
  const auto review_listing = [&] {
    auto engine = reopen();
    EXPECT_TRUE(engine);
    ItemFilter review;
    review.stage = Stage::review;
    std::vector<std::string> ids;
    if (!engine) return ids;
    auto listed = engine->list_items(review);
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (const auto& item : *listed) ids.push_back(item.id);
    }
    return ids;
  };
  ASSERT_EQ(review_listing(), std::vector<std::string>{kC});
  {
    Tamperer t(db_);  // moved past A and C, still listed under drafting (created there)
    t.exec(
        "UPDATE meta SET value = (SELECT CAST(max(seq) AS TEXT) FROM events) "
        "WHERE key = 'listed_seq'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch,
                      {"listed under stage 'drafting' in the index of items by stage"}));
  EXPECT_TRUE(review_listing().empty());
  restore(pristine);
  {
    Tamperer t(db_);  // brought up to date as the store does it: nothing wrong
    t.exec(
        "UPDATE items SET listed_stage = stage; UPDATE meta SET value = (SELECT CAST(max(seq) AS "
        "TEXT) FROM events) WHERE key = 'listed_seq'");
  }
  ASSERT_TRUE(verify().ok());
  ASSERT_EQ(review_listing(), std::vector<std::string>{kC});
  {
    Tamperer t(db_);
    t.exec("UPDATE items SET listed_stage = 'closed' WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC, "closed", "review"}));
  EXPECT_TRUE(review_listing().empty());
}

// PRODUCT GAP (reported): items.last_hash, the hash the item's next event will chain to, is not
// checked against the item's last event. A tampered value passes verify() and only shows up once
// a legitimate event has been appended on top of it (next test), blaming that event.
TEST_F(AuditTest, AlteredProjectionLastHashIsDetected) {
  {
    Tamperer t(db_);
    t.exec("UPDATE items SET last_hash = '" + std::string(64, '0') + "' WHERE id = 'gk-000003'");
  }
  const Status s = verify();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(kC)) << s.to_string();
}

TEST_F(AuditTest, AlteredProjectionLastHashBreaksTheChainOfTheNextEvent) {
  {
    Tamperer t(db_);
    t.exec("UPDATE items SET last_hash = '" + std::string(64, '0') + "' WHERE id = 'gk-000003'");
  }
  engine_ = reopen();
  ASSERT_TRUE(engine_);
  fire(kC, EventType::approve, "reviewer", step(40));
  engine_.reset();
  EXPECT_TRUE(Reports(verify(), Errc::audit_chain_broken, {"event seq 20 ", kC}));
}

TEST_F(AuditTest, AlteredProjectionVersionIsAReplayMismatch) {
  {
    Tamperer t(db_);
    t.exec("UPDATE items SET version = 3 WHERE id = 'gk-000003'");
  }
  EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, {kC, "version 3", "2 events"}));
}

// A stored time that no longer reads is not a clean database. (It is reported as
// error[internal] today, not as an audit_* or storage_corrupt error; see the report.)
TEST_F(AuditTest, UnreadableEventTimeFailsVerification) {
  {
    Tamperer t(db_);
    t.exec("UPDATE events SET at = 'yesterday' WHERE seq = 7");
  }
  const Status s = verify();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.exit_code(), 0);
}

TEST_F(AuditTest, ReplayGivesTheStageAndVersionAtEachInstant) {
  auto engine = reopen();
  ASSERT_TRUE(engine);
  struct Case {
    const char* item;
    Instant as_of;
    Stage stage;
    std::int64_t version;
  };
  const std::vector<Case> cases = {
      {kA, step(1), Stage::drafting, 1},  // an event counts from its own instant
      {kA, step(3) - 1ms, Stage::drafting, 1},
      {kA, step(3), Stage::review, 2},
      {kA, step(7), Stage::release, 3},
      {kA, step(8), Stage::interpretation, 4},
      {kA, step(11), Stage::response, 5},
      {kA, step(14), Stage::response, 7},
      {kA, instant("2026-03-12T23:59:59.999+08:00"), Stage::response, 9},
      {kA, instant("2026-03-13"), Stage::closed, 10},
      {kA, instant("2030-01-01"), Stage::closed, 10},
      {kB, step(7), Stage::drafting, 3},
      {kB, step(13), Stage::response, 6},
      {kB, step(13) + 48h, Stage::closed, 7},
      {kC, step(15), Stage::drafting, 1},
      {kC, step(16), Stage::review, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.item) + " as of " + format_local(c.as_of));
    auto replayed = engine->replay(c.item, c.as_of);
    ASSERT_TRUE(replayed.ok()) << replayed.status().to_string();
    EXPECT_EQ(replayed->item.stage, c.stage);
    EXPECT_EQ(replayed->item.version, c.version);
    EXPECT_EQ(replayed->events_applied, c.version);
    EXPECT_EQ(replayed->item.id, c.item);
  }
  auto mid = engine->replay(kA, step(15));
  ASSERT_TRUE(mid.ok());
  ASSERT_EQ(mid->item.concerns.size(), 2u);
  EXPECT_FALSE(mid->item.concerns[0].answered);
  EXPECT_TRUE(mid->item.concerns[1].answered);
  EXPECT_TRUE(mid->item.concerns[1].major);
  EXPECT_EQ(mid->item.interpretation, "政策解读材料");

  auto before = engine->replay(kA, step(1) - 1ms);
  EXPECT_EQ(before.status().code(), Errc::item_not_found) << before.status().to_string();
  auto unknown = engine->replay("gk-000042", step(20));
  EXPECT_EQ(unknown.status().code(), Errc::item_not_found) << unknown.status().to_string();
}

// Replay reads the history, not the projection: an altered projection does not change it.
TEST_F(AuditTest, ReplayIgnoresTheProjection) {
  {
    Tamperer t(db_);
    auto state = nlohmann::json::parse(t.item_state(kA));
    state["stage"] = "withdrawn";
    t.set_item_state(kA, state.dump());
    t.exec("UPDATE items SET stage = 'withdrawn', version = 4 WHERE id = 'gk-000001'");
  }
  auto engine = reopen();
  ASSERT_TRUE(engine);
  auto replayed = engine->replay(kA, instant("2030-01-01"));
  ASSERT_TRUE(replayed.ok()) << replayed.status().to_string();
  EXPECT_EQ(replayed->item.stage, Stage::closed);
  EXPECT_EQ(replayed->item.version, 10);
}

}  // namespace
}  // namespace gongkai

namespace gongkai {
namespace {

// The events are read and hash-checked on a second thread in batches of 512, at most four ahead:
// a history many batches long verifies completely, and a tamper found early stops the reader
// while it waits for room (verify returns rather than hangs), and one at the very end is found.
TEST_F(AuditTest, LongHistoryVerifiesAcrossBatchesAndStopsEarlyOnATamper) {
  {
    SqliteOptions fast;
    fast.synchronous = "NORMAL";  // a test fixture: 2,200 commits without an fsync each
    auto engine = Engine::open(db_, fast);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    engine_ = std::move(*engine);
    Instant at = instant("2026-03-16T09:00:00+08:00");
    const Item d = create("test.without_interpretation", "alpha.two", "dora", at);
    for (int i = 0; i < 1100; ++i) {
      fire(d.id, EventType::submit, "dora", at += 1min);
      fire(d.id, EventType::reject, "reviewer", at += 1min,
           [](FireRequest& r) { r.reason = "补充材料"; });
    }
    engine_.reset();
  }
  constexpr std::int64_t kEvents = 19 + 1 + 2200;
  {
    auto engine = reopen();
    ASSERT_TRUE(engine);
    auto report = engine->verify();
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    EXPECT_EQ(report->events, kEvents);
    EXPECT_EQ(report->items, 4);
  }
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const std::int64_t seq : {std::int64_t{6}, kEvents / 2, kEvents}) {
    restore(pristine);
    {
      Tamperer t(db_);
      Event e = t.event(seq);
      e.actor = "mallory";  // the stored hash is kept: the content no longer matches it
      t.rewrite(seq, e);
    }
    EXPECT_TRUE(
        Reports(verify(), Errc::audit_hash_mismatch, {"event seq " + std::to_string(seq) + " "}))
        << seq;
  }
}

}  // namespace
}  // namespace gongkai

namespace gongkai {
namespace {

// An auditor verifies while the portal's engine keeps committing to the same file: each verify
// reads one consistent state (the projection, the events and the head as of one commit), so it
// never reports a finding that is only a commit landing between its reads.
TEST_F(AuditTest, VerifyWhileAnotherEngineCommits) {
  auto writer = reopen();
  ASSERT_TRUE(writer);
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::atomic<int> scheduled{0};  // approvals that scheduled a publication
  std::thread load([&] {
    Instant at = instant("2026-03-20T09:00:00+08:00");
    while (!stop) {
      CreateItemRequest c;
      c.standard_id = "test.without_interpretation";
      c.unit_id = "alpha.two";
      c.title = "并发";
      c.actor = "bob";
      c.at = at += std::chrono::minutes(1);
      auto item = writer->create_item(c);
      if (!item.ok()) break;
      // Each command rewrites the item's deadline rows or timers too: the approval schedules
      // the publication (a timer "publish").
      for (int i = 0; i < 4 && !stop; ++i) {
        FireRequest f;
        f.item_id = item->id;
        f.event = i % 2 == 0 ? EventType::submit : i == 1 ? EventType::reject : EventType::approve;
        f.actor = i % 2 == 0 ? "bob" : "reviewer";
        if (i == 1) f.reason = "理由";
        f.at = at += std::chrono::minutes(1);
        if (i == 3) f.publish_at = *f.at + std::chrono::hours(48);
        if (!writer->fire(f).ok()) continue;
        ++committed;
        if (i == 3) ++scheduled;
      }
    }
  });
  auto auditor = reopen();
  ASSERT_TRUE(auditor);
  // At least 30 verifies, and on until commands that schedule a publication have landed among
  // them (a bounded number of verifies, not a time).
  int verified = 0;
  for (int i = 0; i < 30 || (scheduled.load() < 2 && i < 5000); ++i) {
    auto report = auditor->verify();
    EXPECT_TRUE(report.ok()) << "verify " << i << ": " << report.status().to_string();
    if (!report.ok()) break;
    ++verified;
  }
  stop = true;
  load.join();
  EXPECT_GE(verified, 30);
  EXPECT_GT(committed.load(), 0);
  EXPECT_GE(scheduled.load(), 1) << "no approval scheduled a publication while verify ran";
}

}  // namespace
}  // namespace gongkai

namespace gongkai {
namespace {

// The timers and deadline rows beside the projection drive the scheduler (escalations, scheduled
// publications, the ends of notice periods) and the overdue lists: each one altered behind the
// engine's back is a replay mismatch naming the item and what differs from what its history
// implies.
class ScheduleAuditTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    engine_ = reopen();
    ASSERT_TRUE(engine_);
    // E: published with a notice period (test.planning: 30 calendar days) — a timer
    // "notice:notice_period". F: approved with a scheduled publication — a timer "publish".
    e_ = create("test.planning", "beta.three", "erin", step(30)).id;
    fire(e_, EventType::submit, "erin", step(31));
    fire(e_, EventType::approve, "reviewer", step(32));
    fire(e_, EventType::publish, "reviewer", step(33));
    f_ = create("test.with_interpretation", "alpha.one", "frank", step(34)).id;
    fire(f_, EventType::submit, "frank", step(35));
    fire(f_, EventType::approve, "reviewer", step(36),
         [](FireRequest& r) { r.publish_at = step(36) + 72h; });
    engine_.reset();
  }

  std::string e_, f_;
};

TEST_F(ScheduleAuditTest, UntamperedScheduleVerifies) {
  {
    Tamperer t(db_);
    EXPECT_EQ(
        t.scalar("SELECT key FROM timers WHERE item_id = '" + e_ + "' AND key LIKE 'notice:%'"),
        "notice:notice_period");
    EXPECT_EQ(t.scalar("SELECT key FROM timers WHERE item_id = '" + f_ + "' AND key = 'publish'"),
              "publish");
    EXPECT_THAT(t.scalar("SELECT key FROM timers WHERE item_id = 'gk-000003'"),
                HasSubstr("deadline:publication:"));
    EXPECT_EQ(t.scalar("SELECT state FROM deadlines WHERE item_id = 'gk-000003' "
                       "AND deadline_id = 'publication'"),
              "pending");
  }
  auto engine = reopen();
  ASSERT_TRUE(engine);
  auto report = engine->verify();
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->items, 5);
}

TEST_F(ScheduleAuditTest, AlteredScheduleRowsAreReplayMismatchesNamingTheItem) {
  std::string c_timer;
  {
    Tamperer t(db_);
    c_timer = t.scalar("SELECT key FROM timers WHERE item_id = 'gk-000003'");
  }
  ASSERT_THAT(c_timer, HasSubstr("deadline:publication:"));
  struct Case {
    const char* what;
    std::string sql;
    std::vector<std::string> names;
  };
  const std::string later = "'2027-01-01T00:00:00.000Z'";
  const std::vector<Case> cases = {
      {"deleted publish timer",
       "DELETE FROM timers WHERE item_id = '" + f_ + "' AND key = 'publish'",
       {"item " + f_, "timer publish is missing from the timers table"}},
      {"deleted escalation timer",
       "DELETE FROM timers WHERE item_id = 'gk-000003'",
       {"item gk-000003", "timer " + c_timer + " is missing"}},
      {"added timer",
       "INSERT INTO timers VALUES ('gk-000003', 'publish', " + later + ")",
       {"item gk-000003", "timer publish is in the timers table, replay gives no such timer"}},
      {"changed fire_at",
       "UPDATE timers SET fire_at = " + later + " WHERE item_id = '" + e_ +
           "' AND key = 'notice:notice_period'",
       {"item " + e_, "timer notice:notice_period fires at 2027-01-01T00:00:00.000Z"}},
      {"changed deadline state",
       "UPDATE deadlines SET state = 'met' WHERE item_id = 'gk-000003' AND "
       "deadline_id = 'publication'",
       {"item gk-000003",
        "deadline publication is 'met' in the deadlines table, replay gives 'pending'"}},
      {"changed deadline due",
       "UPDATE deadlines SET due = " + later +
           " WHERE item_id = 'gk-000003' AND deadline_id = 'publication'",
       {"item gk-000003", "deadline publication is due 2027-01-01T00:00:00.000Z"}},
      {"changed deadline kind",
       "UPDATE deadlines SET kind = 'review' WHERE item_id = 'gk-000003' AND "
       "deadline_id = 'publication'",
       {"item gk-000003", "deadline publication is of kind 'review'"}},
      {"deleted deadline row",
       "DELETE FROM deadlines WHERE item_id = '" + e_ + "' AND deadline_id = 'publication'",
       {"item " + e_, "deadline publication is missing from the deadlines table"}},
      {"added deadline row",
       "INSERT INTO deadlines VALUES ('" + f_ + "', 'review', 'review', 'pending', " + later + ")",
       {"item " + f_, "deadline review is in the deadlines table, replay gives no such deadline"}},
      {"unreadable fire_at",
       "UPDATE timers SET fire_at = 'soon' WHERE item_id = '" + f_ + "' AND key = 'publish'",
       {"item " + f_, "timer publish", "'soon'"}},
  };
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    restore(pristine);
    {
      Tamperer t(db_);
      t.exec(c.sql);
    }
    EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch, c.names));
  }
}

// Two differences in one item are both named; the projection row itself is not blamed.
TEST_F(ScheduleAuditTest, EveryDifferenceOfTheItemIsNamed) {
  {
    Tamperer t(db_);
    t.exec("DELETE FROM timers WHERE item_id = '" + e_ + "'");
    t.exec("UPDATE deadlines SET state = 'breached' WHERE item_id = '" + e_ + "'");
  }
  const Status s = verify();
  EXPECT_TRUE(Reports(s, Errc::audit_replay_mismatch,
                      {"item " + e_, "timer notice:notice_period is missing", "'breached'"}));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("projection's state")));
}

// Timer or deadline rows of an item that does not exist: the scheduler would fire them.
TEST_F(ScheduleAuditTest, ScheduleRowsOfANonExistentItemAreAFinding) {
  const std::string pristine = gongkai::testing::read_file(db_);
  for (const std::string& sql :
       {std::string("INSERT INTO timers VALUES ('gk-000099', 'publish', "
                    "'2027-01-01T00:00:00.000Z')"),
        std::string("INSERT INTO deadlines VALUES ('gk-000099', 'publication', 'publication', "
                    "'breached', '2026-03-01T00:00:00.000Z')"),
        std::string("INSERT INTO timers VALUES ('a-first', 'publish', "
                    "'2027-01-01T00:00:00.000Z')"),
        std::string("INSERT INTO timers VALUES ('zz-last', 'publish', "
                    "'2027-01-01T00:00:00.000Z')")}) {
    SCOPED_TRACE(sql);
    restore(pristine);
    const std::string id = sql.substr(sql.find("('") + 2, sql.find("',") - sql.find("('") - 2);
    {
      Tamperer t(db_);
      t.exec(sql);
    }
    EXPECT_TRUE(Reports(verify(), Errc::audit_replay_mismatch,
                        {"item " + id, "neither a projection row nor events"}));
  }
}

}  // namespace
}  // namespace gongkai
