// Test support: runs the built `gongkai` binary as a real process (posix_spawn) and collects its
// exit code, stdout and stderr. Shared by the black-box CLI tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace gongkai::testing {

// What a finished run left behind.
struct CliResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;

  // stdout as JSON; a test failure (and null) when it does not parse.
  nlohmann::json json_out() const;
};

std::ostream& operator<<(std::ostream& os, const CliResult& r);

// One run of the binary (GONGKAI_CLI), started at construction. stdin is /dev/null; stdout and
// stderr go to files in `scratch` (no pipe can fill up). The destructor kills and reaps a run
// never waited for.
class CliProcess {
 public:
  CliProcess(const std::vector<std::string>& args, const std::filesystem::path& scratch);
  ~CliProcess();

  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // Waits for the run to end (killing it after `timeout`) and collects its output.
  CliResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
  std::string spawn_error_;
};

// Succeeded: exit 0 and nothing on stderr.
::testing::AssertionResult Succeeded(const CliResult& r);

// Failed with exit `code`, stderr starting "error[<id>]: ", nothing on stdout.
::testing::AssertionResult Failed(const CliResult& r, int code, const std::string& id);

}  // namespace gongkai::testing
