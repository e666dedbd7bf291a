#include "adapters/http/metrics.h"

#include <cstdio>
#include <sstream>

namespace gongkai::http {
namespace {

// Escapes a label value (\, ", newline).
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

Metrics::Metrics()
    : start_time_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                      .count()) {}

void Metrics::observe_request(const std::string& method, const std::string& route, int status,
                              std::chrono::microseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1e6;
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = durations_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::count_command(const std::string& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++commands_[event];
}

void Metrics::add_collector(std::function<std::string()> collector) {
  std::lock_guard<std::mutex> lock(mutex_);
  collectors_.push_back(std::move(collector));
}

void Metrics::count_dropped(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++dropped_[reason];
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mutex_);
  out << "# HELP gongkai_http_requests_total HTTP requests answered, by method, route and status.\n"
      << "# TYPE gongkai_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out << "gongkai_http_requests_total{method=\"" << label(method) << "\",route=\"" << label(route)
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP gongkai_http_request_duration_seconds Time from a complete request to its "
         "answer, by route.\n"
      << "# TYPE gongkai_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out << "gongkai_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\""
          << number(kBuckets[i]) << "\"} " << h.buckets[i] << "\n";
    }
    out << "gongkai_http_request_duration_seconds_bucket{route=\"" << label(route)
        << "\",le=\"+Inf\"} " << h.count << "\n"
        << "gongkai_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} "
        << number(h.sum) << "\n"
        << "gongkai_http_request_duration_seconds_count{route=\"" << label(route) << "\"} "
        << h.count << "\n";
  }
  out << "# HELP gongkai_commands_total Commands accepted through the API, by event (each "
         "appended one event; a repeated idempotent command counts again).\n"
      << "# TYPE gongkai_commands_total counter\n";
  for (const auto& [event, n] : commands_) {
    out << "gongkai_commands_total{event=\"" << label(event) << "\"} " << n << "\n";
  }
  out << "# HELP gongkai_http_connections_dropped_total Connections closed without an answer, "
         "by reason.\n"
      << "# TYPE gongkai_http_connections_dropped_total counter\n";
  for (const auto& [reason, n] : dropped_) {
    out << "gongkai_http_connections_dropped_total{reason=\"" << label(reason) << "\"} " << n
        << "\n";
  }
  out << "# HELP gongkai_http_connections_open Open client connections.\n"
      << "# TYPE gongkai_http_connections_open gauge\n"
      << "gongkai_http_connections_open " << connections_open_.load() << "\n"
      << "# HELP gongkai_http_requests_in_flight Requests being handled.\n"
      << "# TYPE gongkai_http_requests_in_flight gauge\n"
      << "gongkai_http_requests_in_flight " << in_flight_.load() << "\n"
      << "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
      << "# TYPE process_start_time_seconds gauge\n"
      << "process_start_time_seconds " << number(start_time_) << "\n";
  for (const auto& collect : collectors_) out << collect();
  return out.str();
}

}  // namespace gongkai::http
