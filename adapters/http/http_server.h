// Internal: the HTTP/1.1 server (Boost.Beast on an Asio io_context). Keeps Beast and Asio inside
// http_server.cpp. Reads each request under a deadline (a slow or silent client is cut off),
// bounds headers and bodies, hands complete requests to the Api on a worker pool (the engine
// blocks on SQLite), logs one JSON line per request and shuts down gracefully: on SIGTERM or
// SIGINT it stops accepting, lets the requests in progress finish, closes idle connections and
// returns from run().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "gongkai/status.h"

namespace gongkai::http {

class Api;
class JsonLog;
class Metrics;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = any free port (see listen())
  int io_threads = 2;          // threads running the io_context
  // Threads running handlers (0 = on the I/O threads). Engine calls block until their commit is
  // durable; the engine shares one commit among the commands in flight, so the pool bounds both
  // the concurrency and the size of those group commits.
  int workers = 64;
  std::size_t body_limit = 1 << 20;     // bytes; larger bodies get 413
  std::size_t header_limit = 16 << 10;  // bytes; larger headers get 431
  // A request's headers and body must arrive within this time of the previous answer (or of the
  // connection); otherwise the connection is closed without an answer. Also the keep-alive idle
  // time.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  // How long shutdown waits for requests in progress before it stops anyway.
  std::chrono::milliseconds shutdown_grace{30000};
  std::size_t max_connections = 4096;  // further connections are closed at once
  bool handle_signals = true;          // SIGTERM and SIGINT start a graceful shutdown
};

class HttpServer {
 public:
  // `api`, `log` and `metrics` must outlive the server.
  HttpServer(Api& api, JsonLog& log, Metrics& metrics, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Returns the bound address as "host:port" (the real port when 0 was
  // asked). Errors: invalid_argument (a bad host), internal (the address is in use, ...).
  Result<std::string> listen();

  // Serves until a signal or stop(), then shuts down gracefully. Call once, after listen().
  void run();

  // Starts a graceful shutdown; thread-safe, returns at once.
  void stop();

  struct Impl;  // defined in http_server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gongkai::http
