// Durable timers through the real `gongkai serve`: killed with SIGKILL at random moments while
// deadlines are due and releases are scheduled, then restarted — every step fires exactly once.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gongkai/time.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs the CLI to completion, capturing stdout and stderr.
CliRun cli(const testing::TempDir& dir, std::vector<std::string> args) {
  const std::string out = dir.file("out.txt"), err = dir.file("err.txt");
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* o = std::freopen(out.c_str(), "w", stdout);
    FILE* e = std::freopen(err.c_str(), "w", stderr);
    (void)o;
    (void)e;
    std::vector<char*> argv;
    static std::string binary = GONGKAI_CLI;
    argv.push_back(binary.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = testing::read_file(out);
  r.err = testing::read_file(err);
  return r;
}

// Starts `gongkai serve` in the background; returns its pid.
pid_t start_serve(const testing::TempDir& dir, const std::string& db) {
  const std::string log = dir.file("serve.log");
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* o = std::freopen(log.c_str(), "a", stdout);
    FILE* e = std::freopen(log.c_str(), "a", stderr);
    (void)o;
    (void)e;
    std::string binary = GONGKAI_CLI;
    std::vector<std::string> args = {binary,     "--db",        db,       "serve",
                                     "--listen", "127.0.0.1:0", "--quiet"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

void stop(pid_t pid, int signal) {
  kill(pid, signal);
  int status = 0;
  waitpid(pid, &status, 0);
}

std::vector<std::string> event_types(const testing::TempDir& dir, const std::string& db,
                                     const std::string& item) {
  CliRun r = cli(dir, {"--db", db, "--json", "item", "history", item});
  std::vector<std::string> types;
  if (r.code != 0) return types;
  for (const auto& e : json::parse(r.out)) types.push_back(e.at("type").get<std::string>());
  return types;
}

int count(const std::vector<std::string>& types, const std::string& type) {
  return static_cast<int>(std::count(types.begin(), types.end(), type));
}

TEST(ServeTimers, KilledAtRandomMomentsEveryStepFiresExactlyOnce) {
  testing::TempDir dir;
  const std::string db = dir.file("serve.db");
  ASSERT_EQ(cli(dir, {"--db", db, "init"}).code, 0);
  // Items whose publication deadline (7 working days from an outside approval) passed long ago:
  // breached, overdue and very overdue are all due at once.
  const std::string formed = format_local(system_now() - std::chrono::hours(24 * 60));
  std::vector<std::string> late, scheduled;
  for (int i = 0; i < 4; ++i) {
    CliRun r =
        cli(dir, {"--db", db, "--json", "item", "create", "--standard",
                  "environmental_protection.eia_approval", "--unit", "beijing.dongcheng", "--title",
                  "环评审批 " + std::to_string(i), "--actor", "drafter", "--formed-at", formed});
    ASSERT_EQ(r.code, 0) << r.err;
    late.push_back(json::parse(r.out).at("id").get<std::string>());
  }
  // Releases scheduled a moment after their approval (a publication time before the approval is
  // refused, and each CLI run takes a while under the sanitizers: the time is taken per approval).
  for (int i = 0; i < 3; ++i) {
    CliRun r = cli(dir, {"--db", db, "--json", "item", "create", "--standard",
                         "environmental_protection.eia_approval", "--unit", "beijing.xicheng",
                         "--title", "定时发布 " + std::to_string(i), "--actor", "drafter"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string id = json::parse(r.out).at("id").get<std::string>();
    ASSERT_EQ(cli(dir, {"--db", db, "item", "fire", id, "submit", "--actor", "drafter"}).code, 0);
    const std::string publish_at = format_local(system_now() + std::chrono::milliseconds(700));
    ASSERT_EQ(cli(dir, {"--db", db, "item", "fire", id, "approve", "--actor", "reviewer",
                        "--publish-at", publish_at})
                  .code,
              0);
    scheduled.push_back(id);
  }
  // SIGKILL at random moments, several times.
  std::mt19937 rng(20261127);
  for (int round = 0; round < 5; ++round) {
    const pid_t pid = start_serve(dir, db);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<>(0, 400)(rng)));
    stop(pid, SIGKILL);
  }
  // The last start runs until everything due has fired.
  const pid_t pid = start_serve(dir, db);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool settled = false;
  while (!settled && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(300ms);
    settled = true;
    for (const auto& id : late)
      settled &= count(event_types(dir, db, id), "deadline_escalated") >= 2;
    for (const auto& id : scheduled) settled &= count(event_types(dir, db, id), "publish") >= 1;
  }
  stop(pid, SIGTERM);
  EXPECT_TRUE(settled) << testing::read_file(dir.path() / "serve.log");
  for (const auto& id : late) {
    const auto types = event_types(dir, db, id);
    EXPECT_EQ(count(types, "deadline_breached"), 1) << id;
    EXPECT_EQ(count(types, "deadline_escalated"), 2) << id << " (overdue, very overdue)";
    EXPECT_EQ(count(types, "deadline_due_soon"), 0) << id << ": a reminder after the due instant";
  }
  for (const auto& id : scheduled) {
    EXPECT_EQ(count(event_types(dir, db, id), "publish"), 1) << id;
  }
  CliRun verify = cli(dir, {"--db", db, "audit", "verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
}

}  // namespace
}  // namespace gongkai
