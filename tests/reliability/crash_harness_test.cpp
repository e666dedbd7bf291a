// The crash test harness (tools/crash/gongkai_crash.cpp) in its short CI form: 50 rounds of load
// against the engine and `gongkai serve`, each killed with SIGKILL at a random moment, restarted
// and checked (docs/reliability.md). The long form: build/bin/gongkai-crash --rounds 1000.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace gongkai {
namespace {

struct HarnessRun {
  int exit_code = -1;
  std::string out;
};

HarnessRun run_harness(std::vector<std::string> args, const testing::TempDir& dir) {
  args.insert(args.begin(), GONGKAI_CRASH);
  args.insert(args.end(), {"--gongkai", GONGKAI_CLI, "--dir", dir.file("work")});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = dir.file("harness.out");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  HarnessRun run;
  if (posix_spawn(&pid, GONGKAI_CRASH, &actions, nullptr, argv.data(), environ) != 0) return run;
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = testing::read_file(out);
  return run;
}

TEST(CrashHarness, FiftyKilledRoundsLoseNothingAndDoubleNothing) {
  testing::TempDir dir;
  const HarnessRun run = run_harness({"--rounds", "50", "--seed", "20261127", "--serve-every", "4",
                                      "--min-kill-ms", "20", "--max-kill-ms", "250", "--quiet"},
                                     dir);
  std::cout << run.out;
  ASSERT_EQ(run.exit_code, 0) << run.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      run.out, m,
      std::regex(
          R"((\d+) rounds survived \((\d+) against serve\), (\d+) SIGKILLs, (\d+) commands acknowledged \((\d+) over HTTP\))")))
      << run.out;
  EXPECT_EQ(m[1], "50");
  EXPECT_GE(std::stoi(m[2]), 10);
  EXPECT_GE(std::stoi(m[3]), 50);
  EXPECT_GT(std::stoi(m[4]), 50);
  EXPECT_GT(std::stoi(m[5]), 0);
}

// The checks catch a lost command: told that the engine acknowledged a command it never saw, the
// harness fails and names it.
TEST(CrashHarness, ALostAcknowledgedCommandIsCaught) {
  testing::TempDir dir;
  const HarnessRun run = run_harness(
      {"--rounds", "2", "--seed", "7", "--serve-every", "0", "--self-check-lost-ack", "--quiet"},
      dir);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("acknowledged command self-check is in the history 0 times"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("seed 7"), std::string::npos) << run.out;
}

TEST(CrashHarness, BadOptionsAreUsageErrors) {
  testing::TempDir dir;
  EXPECT_EQ(run_harness({"--rounds", "zero"}, dir).exit_code, 2);
  EXPECT_EQ(run_harness({"--rounds", "0"}, dir).exit_code, 2);
  EXPECT_EQ(run_harness({"--min-kill-ms", "50", "--max-kill-ms", "10"}, dir).exit_code, 2);
  EXPECT_EQ(run_harness({"--frobnicate"}, dir).exit_code, 2);
  const HarnessRun help = run_harness({"--help"}, dir);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--rounds"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace gongkai
