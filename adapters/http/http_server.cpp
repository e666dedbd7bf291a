#include "adapters/http/http_server.h"

#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/http/api.h"
#include "adapters/http/beast_message.h"
#include "adapters/http/http_errors.h"
#include "adapters/http/json_log.h"
#include "adapters/http/metrics.h"

namespace gongkai::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// How long a connection closed after an error answer is drained before it is dropped (so the
// client reads the answer instead of a reset), and how much is read meanwhile.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 8 << 20;

bool valid_request_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> data(bytes);
  if (RAND_bytes(data.data(), static_cast<int>(data.size())) != 1) {
    for (auto& b : data) b = static_cast<unsigned char>(std::rand());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : data) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

class Session;

struct HttpServer::Impl {
  Impl(Api& api_, JsonLog& log_, Metrics& metrics_, ServerOptions options_)
      : api(api_),
        log(log_),
        metrics(metrics_),
        options(std::move(options_)),
        acceptor(asio::make_strand(ioc)),
        signals(acceptor.get_executor()),
        retry_timer(acceptor.get_executor()),
        id_prefix(random_hex(4)) {
    if (options.workers > 0) workers.emplace(static_cast<std::size_t>(options.workers));
  }

  void do_accept();
  void begin_shutdown(const char* why);
  void register_session(Session* s, const std::shared_ptr<Session>& p);
  void unregister_session(Session* s);
  std::string next_request_id() {
    return id_prefix + "-" + std::to_string(request_counter.fetch_add(1) + 1);
  }

  Api& api;
  JsonLog& log;
  Metrics& metrics;
  ServerOptions options;
  asio::io_context ioc;
  std::optional<asio::thread_pool> workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer retry_timer;
  std::string id_prefix;
  std::atomic<std::uint64_t> request_counter{0};
  std::string address;

  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// One client connection: reads requests one after the other (keep-alive), answers each.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)) {
    server_.metrics.connection_opened();
  }

  ~Session() {
    server_.metrics.connection_closed();
    server_.unregister_session(this);
  }

  void start() {
    server_.register_session(this, shared_from_this());
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Called on the session's executor when the server shuts down: an idle connection is closed
  // now, a busy one after its answer.
  void shutdown() {
    closing_ = true;
    if (!busy_) close();
  }

  auto executor() { return stream_.get_executor(); }

 private:
  void do_read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, req.version());
      bhttp::async_write(stream_, *continue_,
                         [self = shared_from_this()](beast::error_code ec2, std::size_t) {
                           if (ec2) return self->close();
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      if (parser_ && parser_->got_some()) server_.metrics.count_dropped("client_closed");
      return close();
    }
    if (ec == beast::error::timeout) {
      // A slow or silent client: no answer, the connection is dropped.
      if (parser_ && parser_->got_some()) {
        server_.metrics.count_dropped("read_timeout");
        server_.log.warn({{"msg", "request not received in time; connection closed"},
                          {"timeout_ms", server_.options.read_timeout.count()}});
      }
      return close();
    }
    started_ = std::chrono::steady_clock::now();
    method_ = "-";
    request_id_ = server_.next_request_id();
    keep_alive_ = false;
    version_ = 11;
    if (ec == bhttp::error::body_limit) {
      return send(error_response(Status(
                      Errc::payload_too_large,
                      "the body exceeds " + std::to_string(server_.options.body_limit) + " bytes")),
                  true);
    }
    if (ec == bhttp::error::header_limit) {
      HttpResponse r = error_response(
          Status(Errc::payload_too_large,
                 "the headers exceed " + std::to_string(server_.options.header_limit) + " bytes"));
      r.status = 431;
      return send(std::move(r), true);
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return send(
          error_response(Status(Errc::invalid_request, "malformed HTTP request: " + ec.message())),
          true);
    }
    close();
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    started_ = std::chrono::steady_clock::now();
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request = from_beast(std::move(message));
    const std::string* given = request.header("x-request-id");
    request.request_id = given && valid_request_id(*given) ? *given : server_.next_request_id();
    method_ = request.method;
    request_id_ = request.request_id;
    busy_ = true;
    server_.metrics.request_started();
    if (!server_.workers) {
      send(server_.api.handle(request), false);
      return;
    }
    asio::post(*server_.workers, [self = shared_from_this(), request = std::move(request)] {
      HttpResponse response = self->server_.api.handle(request);
      asio::post(self->executor(), [self, response = std::move(response)]() mutable {
        self->send(std::move(response), false);
      });
    });
  }

  void send(HttpResponse r, bool close_after) {
    const bool counted = busy_;
    const bool keep = keep_alive_ && !close_after && !closing_;
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    server_.metrics.observe_request(method_, r.route, r.status, micros);
    nlohmann::json line = {
        {"msg", "request"},
        {"request_id", request_id_},
        {"method", method_},
        {"route", r.route},
        {"status", r.status},
        {"duration_ms", static_cast<double>(micros.count()) / 1000.0},
        {"actor", r.actor.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.actor)}};
    if (!r.error_id.empty()) line["error"] = r.error_id;
    server_.log.info(line);
    if (counted) server_.metrics.request_finished();

    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        to_beast(std::move(r), version_, request_id_, keep));
    response_ = res;
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(
        stream_, *res,
        [self = shared_from_this(), keep, close_after](beast::error_code ec, std::size_t) {
          self->busy_ = false;
          self->response_.reset();
          if (ec) return self->close();
          if (close_after) return self->linger_close();
          if (!keep) return self->close();
          self->do_read();
        });
  }

  // After an error answer: stop sending, read (and drop) what the client still sends for a
  // moment, then close — a client still writing its body then reads the answer, not a reset.
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    if (drained_ > kLingerBytes) return close();
    scratch_.resize(64 << 10);
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  std::vector<char> scratch_;
  std::size_t drained_ = 0;
  bool busy_ = false;
  bool closing_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  std::string method_;
  std::string request_id_;
  std::chrono::steady_clock::time_point started_;
};

void HttpServer::Impl::register_session(Session* s, const std::shared_ptr<Session>& p) {
  bool close_now = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    sessions[s] = p;
    close_now = stopping;
  }
  if (close_now) asio::post(p->executor(), [p] { p->shutdown(); });
}

void HttpServer::Impl::unregister_session(Session* s) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    sessions.erase(s);
  }
  changed.notify_all();
}

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      // Out of descriptors or a transient failure: try again shortly, never spin.
      log.warn({{"msg", "accept failed"}, {"error", ec.message()}});
      retry_timer.expires_after(std::chrono::milliseconds(100));
      retry_timer.async_wait([this](beast::error_code e) {
        if (!e && acceptor.is_open()) do_accept();
      });
      return;
    }
    std::size_t open = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      open = sessions.size();
    }
    if (open >= options.max_connections) {
      metrics.count_dropped("too_many_connections");
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(*this, std::move(socket))->start();
    }
    do_accept();
  });
}

void HttpServer::Impl::begin_shutdown(const char* why) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return;
    stopping = true;
  }
  api.set_ready(false);
  log.info({{"msg", "shutting down"},
            {"reason", why},
            {"requests_in_flight", metrics.in_flight()},
            {"connections", metrics.connections_open()}});
  asio::post(acceptor.get_executor(), [this] {
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    retry_timer.cancel();
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (auto& [raw, weak] : sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) asio::post(s->executor(), [s] { s->shutdown(); });
  });
  changed.notify_all();
}

HttpServer::HttpServer(Api& api, JsonLog& log, Metrics& metrics, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, log, metrics, std::move(options))) {}

HttpServer::~HttpServer() {
  if (impl_->workers) impl_->workers->join();
}

Result<std::string> HttpServer::listen() {
  Impl& s = *impl_;
  try {
    tcp::resolver resolver(s.ioc);
    beast::error_code ec;
    auto results = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Status(Errc::invalid_argument,
                    "cannot resolve the host '" + s.options.host + "': " + ec.message());
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    s.acceptor.open(endpoint.protocol());
    s.acceptor.set_option(asio::socket_base::reuse_address(true));
    s.acceptor.bind(endpoint);
    s.acceptor.listen(asio::socket_base::max_listen_connections);
    const tcp::endpoint bound = s.acceptor.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                     : bound.address().to_string();
    s.address = host + ":" + std::to_string(bound.port());
    return s.address;
  } catch (const std::exception& e) {
    return Status(Errc::internal, "cannot listen on " + s.options.host + ":" +
                                      std::to_string(s.options.port) + ": " + e.what());
  }
}

void HttpServer::run() {
  Impl& s = *impl_;
  if (s.options.handle_signals) {
    s.signals.add(SIGTERM);
    s.signals.add(SIGINT);
    s.signals.async_wait([&s](beast::error_code ec, int signal) {
      if (!ec) s.begin_shutdown(signal == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  }
  asio::post(s.acceptor.get_executor(), [&s] { s.do_accept(); });
  s.api.set_ready(true);
  s.log.info({{"msg", "listening"},
              {"address", s.address},
              {"io_threads", s.options.io_threads},
              {"workers", s.options.workers}});
  // Handlers on the worker pool post their answers back to the io_context: keep it running
  // while it has nothing else to do, until the shutdown below is complete.
  auto guard = asio::make_work_guard(s.ioc);
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i) {
    threads.emplace_back([&s] { s.ioc.run(); });
  }
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.changed.wait(lock, [&s] { return s.stopping; });
    const auto deadline = std::chrono::steady_clock::now() + s.options.shutdown_grace;
    const bool drained = s.changed.wait_until(
        lock, deadline, [&s] { return s.sessions.empty() && s.metrics.in_flight() == 0; });
    if (!drained) {
      s.log.warn({{"msg", "shutdown grace period over; stopping with work in progress"},
                  {"connections", s.sessions.size()},
                  {"requests_in_flight", s.metrics.in_flight()}});
    }
  }
  guard.reset();
  s.ioc.stop();
  for (auto& t : threads) t.join();
  if (s.workers) s.workers->join();
  s.log.info({{"msg", "stopped"}});
}

void HttpServer::stop() {
  impl_->begin_shutdown("stop");
}

}  // namespace gongkai::http
