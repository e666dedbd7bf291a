// Test support: a fresh directory under the system temp folder, removed with its contents on
// destruction.
#pragma once

#include <filesystem>
#include <string>

namespace gongkai::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory.
  const std::filesystem::path& path() const { return path_; }
  // `name` inside the directory, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path`, creating parent folders.
void write_file(const std::filesystem::path& path, const std::string& text);
// Reads a whole file.
std::string read_file(const std::filesystem::path& path);

}  // namespace gongkai::testing
