#include "adapters/channels/file_ops.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace gongkai::channels {
namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& path, int err) {
  return what + " " + path.string() + ": " + std::strerror(err);
}

std::atomic<unsigned long> temp_counter{0};

}  // namespace

std::string write_temporary(const std::filesystem::path& path, std::string_view content,
                            std::filesystem::path& temp) {
  const std::filesystem::path dir = path.parent_path();
  std::error_code ec;
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  }
  temp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                std::to_string(temp_counter.fetch_add(1)));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_text("cannot create", temp, errno);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return errno_text("cannot write", temp, err);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return errno_text("cannot close", temp, err);
  }
  return {};
}

std::string sync_filesystem(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_text("cannot open", path, errno);
  std::string error;
  if (::syncfs(fd) != 0) error = errno_text("cannot sync the filesystem of", path, errno);
  ::close(fd);
  return error;
}

std::string write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path temp;
  if (std::string error = write_temporary(path, content, temp); !error.empty()) return error;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return errno_text("cannot open", temp, err);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return errno_text("cannot fsync", temp, err);
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return errno_text("cannot rename onto", path, err);
  }
  return {};
}

std::string sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_text("cannot open", dir, errno);
  std::string error;
  if (::fsync(fd) != 0) error = errno_text("cannot fsync", dir, errno);
  ::close(fd);
  return error;
}

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
  // POSIX calls: a website delivery reads a few small files, and a stream's set-up cost more
  // than the reading (perf, docs/simulation.md).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

bool safe_file_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {

// The process's mutex for a lock file, by its canonical path.
std::mutex& local_mutex(const std::filesystem::path& lock_file) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<std::mutex>> registry;
  std::error_code ec;
  std::filesystem::path key = std::filesystem::weakly_canonical(lock_file, ec);
  if (ec) key = std::filesystem::absolute(lock_file, ec).lexically_normal();
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto& m = registry[key.string()];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

}  // namespace

FileLock::FileLock(const std::filesystem::path& lock_file) {
  std::error_code ec;
  std::filesystem::create_directories(lock_file.parent_path(), ec);
  if (ec) {
    error_ = "cannot create " + lock_file.parent_path().string() + ": " + ec.message();
    return;
  }
  local_ = std::unique_lock<std::mutex>(local_mutex(lock_file));
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error_ = errno_text("cannot open", lock_file, errno);
    return;
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    error_ = errno_text("cannot lock", lock_file, errno);
    ::close(fd_);
    fd_ = -1;
    return;
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  // local_ is released after the flock (members are destroyed after the body).
}

}  // namespace gongkai::channels
