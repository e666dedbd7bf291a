// Internal to the channel adapters: files replaced atomically and locks shared by every process
// that writes the same folder.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace gongkai::channels {

// Replaces `path` with `content` atomically: writes a temporary file in the same folder, fsyncs
// it, renames it over `path`. A reader sees the old file or the new one, never a part. Creates
// the folder when missing. Returns "" on success, otherwise why not (errno text and the path).
// Does not fsync the folder (see sync_directory), so several files can share one folder sync.
std::string write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Writes `content` to a new temporary file beside `path` (in the same folder, so that a rename
// replaces `path` atomically), without fsync; sets `temp` to its path. Creates the folder when
// missing. Returns "" or why not (nothing is left behind then).
std::string write_temporary(const std::filesystem::path& path, std::string_view content,
                            std::filesystem::path& temp);

// Makes everything written to the filesystem holding `path` durable (syncfs): one journal commit
// for many files instead of an fsync each. Returns "" or why not.
std::string sync_filesystem(const std::filesystem::path& path);

// fsyncs a folder so that renames in it survive a crash. Returns "" or why not.
std::string sync_directory(const std::filesystem::path& dir);

// Reads a whole file; std::nullopt when it does not exist or cannot be read.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

// True for a safe single path component: [A-Za-z0-9._-], 1..128 characters, not starting with
// '.'. Ids from a delivery are checked with it before they name a file.
bool safe_file_name(std::string_view name);

// An exclusive advisory lock (flock) on a lock file, held while alive. Serialises writers of one
// folder across threads and processes: threads of one process first take a mutex kept per lock
// file (so the exclusion is visible to ThreadSanitizer, which does not model flock; one mutex per
// distinct lock file, kept for the life of the process), then the flock on a file description of
// their own.
class FileLock {
 public:
  // Creates the lock file (and its folder) when missing, then blocks until the lock is held.
  explicit FileLock(const std::filesystem::path& lock_file);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // "" when held, otherwise why not.
  const std::string& error() const { return error_; }

 private:
  std::unique_lock<std::mutex> local_;  // the in-process mutex of the lock file
  int fd_ = -1;
  std::string error_;
};

}  // namespace gongkai::channels
