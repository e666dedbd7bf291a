// Internal: the service's counters, exposed at GET /metrics in the Prometheus text format
// (version 0.0.4). Thread-safe. Labels carry route patterns, methods, statuses and event names
// only — never ids, names or tokens.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace gongkai::http {

class Metrics {
 public:
  Metrics();

  // One answered request: its method, route pattern, status and duration.
  void observe_request(const std::string& method, const std::string& route, int status,
                       std::chrono::microseconds duration);
  // One accepted command (an appended event), by event name ("created" for create).
  void count_command(const std::string& event);
  // A connection closed without an answer, by reason ("read_timeout", "client_closed", ...).
  void count_dropped(const std::string& reason);
  // Connections and requests in progress.
  void connection_opened() { connections_open_.fetch_add(1); }
  void connection_closed() { connections_open_.fetch_sub(1); }
  void request_started() { in_flight_.fetch_add(1); }
  void request_finished() { in_flight_.fetch_sub(1); }
  std::int64_t in_flight() const { return in_flight_.load(); }
  std::int64_t connections_open() const { return connections_open_.load(); }

  // Adds text (complete metric families in the Prometheus format) produced at each render, e.g.
  // the timers' counters. Call before serving.
  void add_collector(std::function<std::string()> collector);

  // Everything in the Prometheus text format.
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  std::map<std::string, std::uint64_t> commands_;
  std::map<std::string, std::uint64_t> dropped_;
  std::vector<std::function<std::string()>> collectors_;
  std::atomic<std::int64_t> connections_open_{0};
  std::atomic<std::int64_t> in_flight_{0};
  double start_time_;
};

}  // namespace gongkai::http
