// gongkai_http_load — a load generator for the HTTP API: N keep-alive connections, each driving its
// own item around a loop of durable transitions, measuring transitions per second and latency
// percentiles. Method and figures: docs/http_api.md (Performance); driver script:
// tools/bench/run_http_bench.sh.
//
//   gongkai_http_load --port 8080 --token-a A --token-b B --clients 1,16,64 --seconds 10
//
// Each connection creates an item (token A), submits it (A), has it approved (B) and published
// (A), then repeats correct (A) → approve (B) → publish (A): every request appends one event and
// is acknowledged only after its commit is durable. A and B must be different users (four eyes),
// each allowed those events in the unit (e.g. two admins). The state of an item does not grow
// with the loop (a correction replaces the content), so the figures do not drift with time.
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string token_a, token_b;
  std::vector<int> clients = {1, 16, 64};
  double seconds = 10;
  double warmup = 1;
  std::string unit = "alpha.one";
  std::string standard = "test.without_interpretation";
  bool json = false;
};

struct Shared {
  Options options;
  bool measuring = false;
  bool stopping = false;
  std::vector<double> latencies_ms;  // measured requests only
  long long ok = 0, failed = 0;
  std::string first_error;
};

// One connection driving one item.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& ioc, Shared& shared) : socket_(ioc), shared_(shared) {}

  void start(const tcp::endpoint& endpoint) {
    socket_.async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->socket_.set_option(tcp::no_delay(true));
      self->next();
    });
  }

 private:
  // The request for the current step: 0 create, 1 submit, then approve, publish, correct, ...
  void next() {
    if (shared_.stopping) return;
    const Options& o = shared_.options;
    req_ = {};
    req_.version(11);
    req_.method(bhttp::verb::post);
    req_.set(bhttp::field::host, o.host);
    req_.set(bhttp::field::content_type, "application/json");
    nlohmann::json body;
    std::string token = o.token_a;
    if (step_ == 0) {
      req_.target("/v1/items");
      body = {{"standard_id", o.standard},
              {"unit_id", o.unit},
              {"title", "load"},
              {"content", "负载测试正文"}};
    } else {
      req_.target("/v1/items/" + item_ + "/events");
      const int phase =
          step_ == 1 ? -1 : (step_ - 2) % 3;  // -1 submit, 0 approve, 1 publish, 2 correct
      if (phase == -1) body = {{"event", "submit"}};
      if (phase == 0) {
        body = {{"event", "approve"}};
        token = o.token_b;
      }
      if (phase == 1) body = {{"event", "publish"}};
      if (phase == 2) {
        body = {{"event", "correct"},
                {"reason", "更正"},
                {"text", "负载测试正文，第" + std::to_string(step_) + "版"}};
      }
    }
    req_.set(bhttp::field::authorization, "Bearer " + token);
    req_.body() = body.dump();
    req_.prepare_payload();
    started_ = Clock::now();
    bhttp::async_write(
        socket_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("write: " + ec.message());
          self->res_ = {};
          bhttp::async_read(self->socket_, self->buffer_, self->res_,
                            [self](beast::error_code ec2, std::size_t) { self->on_answer(ec2); });
        });
  }

  void on_answer(beast::error_code ec) {
    if (ec) return fail("read: " + ec.message());
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    const int status = static_cast<int>(res_.result_int());
    const bool good = (step_ == 0 && status == 201) || (step_ > 0 && status == 200);
    if (!good) {
      ++shared_.failed;
      if (shared_.first_error.empty()) {
        shared_.first_error = "HTTP " + std::to_string(status) + " " + res_.body();
      }
      return;  // this connection stops; the others go on
    }
    if (step_ == 0) {
      item_ = nlohmann::json::parse(res_.body())["id"].get<std::string>();
    }
    if (shared_.measuring) {
      ++shared_.ok;
      shared_.latencies_ms.push_back(ms);
    }
    ++step_;
    next();
  }

  void fail(const std::string& why) {
    if (shared_.stopping) return;
    ++shared_.failed;
    if (shared_.first_error.empty()) shared_.first_error = why;
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  Shared& shared_;
  std::string item_;
  int step_ = 0;
  Clock::time_point started_;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const std::size_t i = std::min(
      sorted.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[i];
}

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) out.push_back(std::stoi(part));
  return out;
}

int usage() {
  std::cerr << "usage: gongkai_http_load --port P --token-a A --token-b B [--host H] "
               "[--clients 1,16,64] [--seconds 10] [--warmup 1] [--unit U] [--standard S] "
               "[--json]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--host")
        o.host = value();
      else if (arg == "--port")
        o.port = static_cast<unsigned short>(std::stoi(value()));
      else if (arg == "--token-a")
        o.token_a = value();
      else if (arg == "--token-b")
        o.token_b = value();
      else if (arg == "--clients")
        o.clients = parse_list(value());
      else if (arg == "--seconds")
        o.seconds = std::stod(value());
      else if (arg == "--warmup")
        o.warmup = std::stod(value());
      else if (arg == "--unit")
        o.unit = value();
      else if (arg == "--standard")
        o.standard = value();
      else if (arg == "--json")
        o.json = true;
      else
        return usage();
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return usage();
    }
  }
  if (o.token_a.empty() || o.token_b.empty() || o.clients.empty()) return usage();
  const tcp::endpoint endpoint(asio::ip::make_address(o.host), o.port);

  nlohmann::json results = nlohmann::json::array();
  if (!o.json) {
    std::printf("%8s %14s %10s %10s %10s %10s %8s\n", "clients", "transitions/s", "p50 ms",
                "p90 ms", "p99 ms", "max ms", "errors");
  }
  for (int n : o.clients) {
    asio::io_context ioc;
    Shared shared;
    shared.options = o;
    std::vector<std::shared_ptr<Client>> clients;
    for (int i = 0; i < n; ++i) {
      clients.push_back(std::make_shared<Client>(ioc, shared));
      clients.back()->start(endpoint);
    }
    asio::steady_timer timer(ioc);
    Clock::time_point measure_start;
    double measured_seconds = 0;
    timer.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup)));
    timer.async_wait([&](beast::error_code) {
      shared.measuring = true;
      measure_start = Clock::now();
      timer.expires_after(
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds)));
      timer.async_wait([&](beast::error_code) {
        shared.measuring = false;
        shared.stopping = true;
        measured_seconds = std::chrono::duration<double>(Clock::now() - measure_start).count();
        ioc.stop();
      });
    });
    ioc.run();
    std::sort(shared.latencies_ms.begin(), shared.latencies_ms.end());
    const double rate =
        measured_seconds > 0 ? static_cast<double>(shared.ok) / measured_seconds : 0;
    const double p50 = percentile(shared.latencies_ms, 50),
                 p90 = percentile(shared.latencies_ms, 90),
                 p99 = percentile(shared.latencies_ms, 99),
                 max = shared.latencies_ms.empty() ? 0 : shared.latencies_ms.back();
    if (o.json) {
      results.push_back({{"clients", n},
                         {"transitions_per_second", rate},
                         {"p50_ms", p50},
                         {"p90_ms", p90},
                         {"p99_ms", p99},
                         {"max_ms", max},
                         {"requests", shared.ok},
                         {"errors", shared.failed}});
    } else {
      std::printf("%8d %14.0f %10.2f %10.2f %10.2f %10.2f %8lld\n", n, rate, p50, p90, p99, max,
                  shared.failed);
    }
    if (!shared.first_error.empty()) std::cerr << "first error: " << shared.first_error << "\n";
  }
  if (o.json) std::cout << results.dump(2) << "\n";
  return 0;
}
