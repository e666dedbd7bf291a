#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace gongkai::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

nlohmann::json CliResult::json_out() const {
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "stdout is not JSON:\n" << out << "\nstderr:\n" << err;
    return nlohmann::json();
  }
  return j;
}

std::ostream& operator<<(std::ostream& os, const CliResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout\n" << r.out << "--- stderr\n" << r.err;
}

CliProcess::CliProcess(const std::vector<std::string>& args, const fs::path& scratch) {
  static std::atomic<int> counter{0};
  const std::string stem = (scratch / ("run" + std::to_string(counter++))).string();
  out_path_ = stem + ".out";
  err_path_ = stem + ".err";
  std::vector<std::string> strings{GONGKAI_CLI};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  const int rc = posix_spawn(&pid_, GONGKAI_CLI, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    spawn_error_ = std::string("posix_spawn ") + GONGKAI_CLI + ": " + std::strerror(rc);
  }
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

CliResult CliProcess::wait(std::chrono::milliseconds timeout) {
  CliResult result;
  if (pid_ <= 0) {
    ADD_FAILURE() << spawn_error_;
    result.err = spawn_error_;
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (done < 0 && errno != EINTR) {
      ADD_FAILURE() << "waitpid: " << std::strerror(errno);
      pid_ = -1;
      return result;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "gongkai did not finish within " << timeout.count() << " ms";
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  pid_ = -1;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  result.out = read_file(out_path_);
  result.err = read_file(err_path_);
  std::error_code ec;
  fs::remove(out_path_, ec);
  fs::remove(err_path_, ec);
  return result;
}

::testing::AssertionResult Succeeded(const CliResult& r) {
  if (r.exit_code == 0 && r.err.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected success, got " << r;
}

::testing::AssertionResult Failed(const CliResult& r, int code, const std::string& id) {
  const std::string prefix = "error[" + id + "]: ";
  if (r.exit_code == code && r.err.rfind(prefix, 0) == 0 && r.out.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected exit " << code << " and " << prefix << "on stderr, got " << r;
}

}  // namespace gongkai::testing
