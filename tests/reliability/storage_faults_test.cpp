// Storage faults, on real files and real processes: a disk that fills up (a file-size limit on the
// `gongkai` process, RLIMIT_FSIZE), a database folder that cannot be written, a truncated and a
// corrupted database file, a database locked by another process. Each must give a clear error id
// and a non-zero exit, write nothing partial (the history, the projection, the idempotency keys and
// the outbox are as before, and audit verify passes), and work again once the fault is gone.
// (A read-only database file is covered by CliTest.ReadOnlyDatabaseRefusesWritesAndStillReads.)
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gongkai/engine.h"
#include "support/immutable_file.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using namespace std::chrono_literals;
using gongkai::testing::CliProcess;
using gongkai::testing::CliResult;
using gongkai::testing::Failed;
using gongkai::testing::Succeeded;
namespace fs = std::filesystem;

const std::string kDefinitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";

// Runs the CLI with a limit on the size of any file it writes (SIGXFSZ ignored, so a write past
// the limit fails with EFBIG as on a full disk instead of killing the process).
CliResult run_with_file_size_limit(const std::vector<std::string>& args, rlim_t limit,
                                   const fs::path& scratch) {
  const std::string out = (scratch / "limited.out").string();
  const std::string err = (scratch / "limited.err").string();
  std::vector<std::string> strings{GONGKAI_CLI};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1);
    dup2(e, 2);
    signal(SIGXFSZ, SIG_IGN);
    rlimit r{limit, limit};
    setrlimit(RLIMIT_FSIZE, &r);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  result.out = testing::read_file(out);
  result.err = testing::read_file(err);
  return result;
}

// What a write could have touched, read on a read-only connection.
struct Footprint {
  std::int64_t events = 0, items = 0, commands = 0, deliveries = 0, timers = 0;
  std::string head;
  bool operator==(const Footprint& o) const {
    return events == o.events && items == o.items && commands == o.commands &&
           deliveries == o.deliveries && timers == o.timers && head == o.head;
  }
};
std::ostream& operator<<(std::ostream& os, const Footprint& f) {
  return os << f.events << " events, " << f.items << " items, " << f.commands << " commands, "
            << f.deliveries << " deliveries, " << f.timers << " timers, head " << f.head;
}

class StorageFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = (dir_.path() / "data").string();
    db_ = folder_ + "/gongkai.db";
    ASSERT_TRUE(Succeeded(gk({"init", "--simulation", "--definitions", kDefinitions})));
    ASSERT_TRUE(Succeeded(
        gk({"item", "create", "--standard", "test.with_interpretation", "--unit", "alpha.one",
            "--title", "标题", "--actor", "zhang", "--now", "2026-03-02T09:00:00+08:00"})));
    ASSERT_TRUE(Succeeded(fire("submit", "zhang", "2026-03-02T10:00:00+08:00")));
  }

  CliResult gk(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return CliProcess(args, dir_.path()).wait();
  }
  CliResult fire(const std::string& event, const std::string& actor, const std::string& now,
                 const std::string& key = "") {
    std::vector<std::string> args{"item",    "fire", "gk-000001", event,
                                  "--actor", actor,  "--now",     now};
    if (!key.empty()) args.insert(args.end(), {"--command-id", key});
    return gk(args);
  }

  Footprint footprint() {
    Footprint f;
    SQLite::Database db(db_, SQLite::OPEN_READONLY);
    f.events = db.execAndGet("SELECT count(*) FROM events").getInt64();
    f.items = db.execAndGet("SELECT count(*) FROM items").getInt64();
    f.commands = db.execAndGet("SELECT count(*) FROM commands").getInt64();
    f.deliveries = db.execAndGet("SELECT count(*) FROM deliveries").getInt64();
    f.timers = db.execAndGet("SELECT count(*) FROM timers").getInt64();
    f.head = db.execAndGet(
                   "SELECT coalesce(max(seq), 0) || ':' || coalesce((SELECT hash FROM "
                   "events ORDER BY seq DESC LIMIT 1), '') || ':' || (SELECT value "
                   "FROM meta WHERE key = 'next_item') FROM events")
                 .getString();
    return f;
  }

  void expect_verified() { EXPECT_TRUE(Succeeded(gk({"audit", "verify"}))); }

  testing::TempDir dir_;  // the CLI's output files
  std::string folder_;    // the database's folder
  std::string db_;
};

// A disk that fills up while a command commits: storage_full, exit 1, nothing written; the same
// command (same idempotency key) lands once the space is there again.
TEST_F(StorageFaultsTest, DiskFullRefusesTheCommandWritesNothingAndRecovers) {
  const Footprint before = footprint();
  // Room for the -shm file (32 KiB) and a few WAL frames, not for 400 KB of content.
  const rlim_t limit = static_cast<rlim_t>(fs::file_size(db_)) + 48 * 1024;
  const std::string big(400 * 1024, 'x');
  testing::write_file(dir_.path() / "big.txt", big);
  const std::vector<std::string> create = {"--db",           db_,
                                           "item",           "create",
                                           "--standard",     "test.with_interpretation",
                                           "--unit",         "alpha.one",
                                           "--title",        "大文件",
                                           "--actor",        "zhang",
                                           "--content-file", (dir_.path() / "big.txt").string(),
                                           "--now",          "2026-03-02T11:00:00+08:00",
                                           "--command-id",   "create-big"};
  const CliResult full = run_with_file_size_limit(create, limit, dir_.path());
  EXPECT_TRUE(Failed(full, 1, "storage_full")) << full;
  EXPECT_EQ(footprint(), before);
  expect_verified();
  // A small command still fits under the same limit: the service goes on where it can.
  const CliResult small =
      run_with_file_size_limit({"--db", db_, "item", "fire", "gk-000001", "approve", "--actor",
                                "li", "--now", "2026-03-02T11:30:00+08:00"},
                               limit, dir_.path());
  EXPECT_TRUE(Succeeded(small)) << small;
  // The space is back: the refused command lands, once.
  CliResult again =
      CliProcess(std::vector<std::string>(create.begin(), create.end()), dir_.path()).wait();
  EXPECT_TRUE(Succeeded(again));
  const Footprint after = footprint();
  EXPECT_EQ(after.items, before.items + 1);
  EXPECT_EQ(after.events, before.events + 2);
  expect_verified();
}

// The same in a long-running process (as `gongkai serve` is): the engine refuses the command with
// storage_full, and once space is back the same engine, not restarted, takes it.
TEST_F(StorageFaultsTest, DiskFullInARunningEngineRecoversWithoutARestart) {
  auto engine = Engine::open(db_);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  const Footprint before = footprint();
  CreateItemRequest create;
  create.standard_id = "test.with_interpretation";
  create.unit_id = "alpha.one";
  create.title = "大文件";
  create.content = std::string(400 * 1024, 'x');
  create.actor = "zhang";
  create.command_id = "create-big-in-process";
  create.at = *parse_instant("2026-03-02T11:00:00+08:00");
  std::uintmax_t largest = 32 * 1024;
  for (const std::string& f : {db_, db_ + "-wal", db_ + "-shm"}) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (!ec) largest = std::max(largest, size);
  }
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto saved_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit tight{static_cast<rlim_t>(largest + 48 * 1024), saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
  auto full = (*engine)->create_item(create);
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, saved_handler);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), Errc::storage_full) << full.status().to_string();
  EXPECT_EQ(footprint(), before);
  auto landed = (*engine)->create_item(create);
  ASSERT_TRUE(landed.ok()) << landed.status().to_string();
  EXPECT_EQ(landed->version, 1);
  auto repeated = (*engine)->create_item(create);
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->id, landed->id);
  EXPECT_EQ(footprint().events, before.events + 1);
  auto verified = (*engine)->verify();
  EXPECT_TRUE(verified.ok()) << verified.status().to_string();
}

// A folder the database lives in that cannot be written (so no -wal file can be made): a clear
// error, nothing written, and all is well once it is writable again.
TEST_F(StorageFaultsTest, ReadOnlyFolderRefusesWritesAndRecovers) {
  const Footprint before = footprint();
  const std::string folder = folder_;
  {
    // The last read-write connection to close checkpoints and removes the -wal and -shm files
    // (a reader leaves them behind, and an existing file stays writable in an immutable folder).
    SQLite::Database last(db_, SQLite::OPEN_READWRITE);
    last.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  ASSERT_FALSE(fs::exists(db_ + "-wal"));
  auto immutable = std::make_unique<testing::ImmutableFile>(folder);
  if (!immutable->active())
    GTEST_SKIP() << "cannot chattr +i " << folder << ": " << immutable->error();
  const CliResult refused = fire("approve", "li", "2026-03-02T11:00:00+08:00", "approve-1");
  immutable.reset();
  EXPECT_TRUE(Failed(refused, 1, "storage_read_only")) << refused;
  EXPECT_NE(refused.err.find("folder cannot be written"), std::string::npos) << refused;
  EXPECT_EQ(footprint(), before);
  EXPECT_TRUE(Succeeded(fire("approve", "li", "2026-03-02T11:00:00+08:00", "approve-1")));
  EXPECT_EQ(footprint().events, before.events + 1);
  expect_verified();
}

// A database file cut short (a copy that stopped half way, a full disk during a restore):
// storage_corrupt or not_a_gongkai_database, never a crash or a passing audit; the good copy
// works again.
TEST_F(StorageFaultsTest, TruncatedDatabaseIsReportedAndTheGoodCopyWorks) {
  const std::string good = dir_.file("good.db");
  fs::copy_file(db_, good);
  const auto size = fs::file_size(db_);
  struct Cut {
    std::uintmax_t to;
    const char* id;
  };
  for (const Cut cut : {Cut{size / 2, "storage_corrupt"}, Cut{size - 4096, "storage_corrupt"},
                        Cut{60, "storage_corrupt"}, Cut{0, "not_a_gongkai_database"}}) {
    SCOPED_TRACE("truncated to " + std::to_string(cut.to) + " of " + std::to_string(size));
    fs::resize_file(db_, cut.to);
    const CliResult verify = gk({"audit", "verify"});
    EXPECT_TRUE(Failed(verify, 1, cut.id)) << verify;
    const CliResult write = fire("approve", "li", "2026-03-02T11:00:00+08:00");
    EXPECT_NE(write.exit_code, 0) << write;
    // The service does not start on it (and does not create a new database over it).
    const CliResult serve = gk({"serve", "--listen", "127.0.0.1:0", "--quiet"});
    EXPECT_TRUE(Failed(serve, 1, cut.id)) << serve;
    fs::copy_file(good, db_, fs::copy_options::overwrite_existing);
    fs::remove(db_ + "-wal");
    fs::remove(db_ + "-shm");
  }
  expect_verified();
  EXPECT_TRUE(Succeeded(fire("approve", "li", "2026-03-02T11:00:00+08:00")));
  expect_verified();
}

// The page that holds a row, found by a marker in its text.
std::uintmax_t offset_of(const std::string& path, const std::string& marker) {
  const std::string bytes = testing::read_file(path);
  const auto at = bytes.find(marker);
  return at == std::string::npos ? 0 : at;
}

// Bytes flipped inside the file: in a page's b-tree header SQLite itself notices
// (storage_corrupt); inside a row's text only the hash chain does (audit_hash_mismatch).
TEST_F(StorageFaultsTest, CorruptedPagesAreReportedByIdAndTheGoodCopyWorks) {
  ASSERT_TRUE(Succeeded(gk({"item", "fire", "gk-000001", "reject", "--actor", "li", "--reason",
                            "MARKER-REASON-ABC", "--now", "2026-03-02T11:00:00+08:00"})));
  const std::string good = dir_.file("good.db");
  fs::copy_file(db_, good);
  SQLite::Database probe(db_, SQLite::OPEN_READONLY);
  const auto page_size = static_cast<std::uintmax_t>(probe.execAndGet("PRAGMA page_size").getInt());
  // The events row holds the reason once; the marker's first occurrence is in that row's page.
  const std::uintmax_t at = offset_of(db_, "MARKER-REASON-ABC");
  ASSERT_GT(at, page_size) << "the marker is not in the file";

  auto patch = [&](std::uintmax_t offset, const std::string& bytes) {
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  // 1. The row's text: the database reads, the audit finds the event that changed.
  patch(at + 15, "XY");
  CliResult verify = gk({"audit", "verify"});
  EXPECT_TRUE(Failed(verify, 6, "audit_hash_mismatch")) << verify;
  fs::copy_file(good, db_, fs::copy_options::overwrite_existing);
  expect_verified();
  // 2. The page's b-tree header: SQLite refuses the page.
  patch(at / page_size * page_size, std::string(16, '\xEE'));
  verify = gk({"audit", "verify"});
  EXPECT_TRUE(Failed(verify, 1, "storage_corrupt")) << verify;
  const CliResult history = gk({"item", "history", "gk-000001"});
  EXPECT_TRUE(Failed(history, 1, "storage_corrupt")) << history;
  // The good copy back: all is well.
  fs::copy_file(good, db_, fs::copy_options::overwrite_existing);
  expect_verified();
  EXPECT_TRUE(Succeeded(fire("submit", "zhang", "2026-03-02T12:00:00+08:00")));
  expect_verified();
}

// Another process holds the write lock (BEGIN EXCLUSIVE) until told to let go.
class LockHolder {
 public:
  explicit LockHolder(const std::string& db) {
    int ready[2], release[2];
    if (pipe(ready) != 0 || pipe(release) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(ready[0]);
      close(release[1]);
      try {
        SQLite::Database conn(db, SQLite::OPEN_READWRITE);
        conn.exec("BEGIN EXCLUSIVE");
        conn.exec("INSERT INTO meta (key, value) VALUES ('lock_holder', 'uncommitted')");
        char c = 'l';
        if (write(ready[1], &c, 1) != 1) _exit(1);
        if (read(release[0], &c, 1) < 0) _exit(1);
        conn.exec("ROLLBACK");
      } catch (...) {
        _exit(2);
      }
      _exit(0);
    }
    close(ready[1]);
    close(release[0]);
    release_fd_ = release[1];
    char c = 0;
    locked_ = read(ready[0], &c, 1) == 1;
    close(ready[0]);
  }
  ~LockHolder() { release(); }
  bool locked() const { return locked_; }
  void release() {
    if (pid_ <= 0) return;
    char c = 'r';
    if (write(release_fd_, &c, 1) != 1) kill(pid_, SIGKILL);
    close(release_fd_);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int release_fd_ = -1;
  bool locked_ = false;
};

TEST_F(StorageFaultsTest, DatabaseLockedByAnotherProcessIsBusyThenWorks) {
  const Footprint before = footprint();
  FireRequest approve;
  approve.item_id = "gk-000001";
  approve.event = EventType::approve;
  approve.actor = "li";
  approve.command_id = "approve-while-locked";
  approve.at = *parse_instant("2026-03-02T11:00:00+08:00");
  {
    LockHolder holder(db_);
    ASSERT_TRUE(holder.locked());
    SqliteOptions options;
    options.busy_timeout_ms = 300;
    auto engine = Engine::open(db_, options);
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();  // readers are not blocked
    auto item = (*engine)->get_item("gk-000001");
    ASSERT_TRUE(item.ok()) << item.status().to_string();
    auto refused = (*engine)->fire(approve);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Errc::storage_busy) << refused.status().to_string();
    EXPECT_EQ(refused.status().exit_code(), 1);
    // The CLI reads while the lock is held ...
    EXPECT_TRUE(Succeeded(gk({"item", "show", "gk-000001"})));
    // ... and a writer started now waits (busy timeout) and lands once the lock goes.
    CliProcess waiting({"--db", db_, "item", "fire", "gk-000001", "submit", "--actor", "wang",
                        "--now", "2026-03-02T10:30:00+08:00"},
                       dir_.path());
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(footprint(), before);
    holder.release();
    const CliResult landed = waiting.wait();
    // The item is in review already, so the fire is refused by the lifecycle, not by the lock.
    EXPECT_TRUE(Failed(landed, 3, "illegal_transition")) << landed;
    EXPECT_EQ(footprint(), before);
    // The same command again, the lock gone: accepted once.
    auto accepted = (*engine)->fire(approve);
    ASSERT_TRUE(accepted.ok()) << accepted.status().to_string();
    EXPECT_EQ(accepted->stage, Stage::release);
  }
  EXPECT_EQ(footprint().events, before.events + 1);
  expect_verified();
}

}  // namespace
}  // namespace gongkai
