// Test support: makes a file immutable (chattr +i) for the lifetime of the object, so that even
// root cannot write it — permission bits do not stop root.
#pragma once

#include <string>

namespace gongkai::testing {

class ImmutableFile {
 public:
  // Sets the immutable attribute on `path`; active() tells whether it worked.
  explicit ImmutableFile(std::string path);
  // Clears the attribute again.
  ~ImmutableFile();
  ImmutableFile(const ImmutableFile&) = delete;
  ImmutableFile& operator=(const ImmutableFile&) = delete;

  bool active() const { return active_; }
  // Why it did not work, when it did not.
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  bool active_ = false;
  std::string error_;
};

// True when this process can open `path` for writing despite its permission bits.
bool writable(const std::string& path);

}  // namespace gongkai::testing
