#include "adapters/http/json_log.h"

#include "gongkai/time.h"

namespace gongkai::http {

void JsonLog::write(const char* level, const nlohmann::json& record) {
  if (!out_) return;
  std::string text = "{\"ts\":\"" + format_utc(system_now()) + "\",\"level\":\"" + level + "\"";
  const std::string rest =
      record.is_object() && !record.empty()
          ? record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          : std::string();
  if (!rest.empty())
    text += "," + rest.substr(1);  // the record's members after ts and level
  else
    text += "}";
  text += "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace gongkai::http
