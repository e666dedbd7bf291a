#include "support/immutable_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace gongkai::testing {
namespace {

bool set_immutable(const std::string& path, bool on, std::string& error) {
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    error = std::string("open: ") + std::strerror(errno);
    return false;
  }
  int flags = 0;
  bool ok = false;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
    error = std::string("FS_IOC_GETFLAGS: ") + std::strerror(errno);
  } else {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    if (!ok) error = std::string("FS_IOC_SETFLAGS: ") + std::strerror(errno);
  }
  close(fd);
  return ok;
}

}  // namespace

ImmutableFile::ImmutableFile(std::string path) : path_(std::move(path)) {
  active_ = set_immutable(path_, true, error_);
}

ImmutableFile::~ImmutableFile() {
  std::string ignored;
  if (active_) set_immutable(path_, false, ignored);
}

bool writable(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace gongkai::testing
