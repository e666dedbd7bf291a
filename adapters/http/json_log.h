// Internal: the service's log — one JSON object per line on a stream (stderr by default).
// Thread-safe: each line is written whole. Callers never put tokens or secrets in a record.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace gongkai::http {

class JsonLog {
 public:
  // Writes to `out` (not owned); nullptr silences the log.
  explicit JsonLog(std::FILE* out = stderr) : out_(out) {}

  // Writes `record` with "ts" (UTC, milliseconds) and "level" added in front.
  void write(const char* level, const nlohmann::json& record);
  void info(const nlohmann::json& record) { write("info", record); }
  void warn(const nlohmann::json& record) { write("warn", record); }
  void error(const nlohmann::json& record) { write("error", record); }

 private:
  std::mutex mutex_;
  std::FILE* out_;
};

}  // namespace gongkai::http
