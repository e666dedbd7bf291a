// Test support for the HTTP API: a database with users and tokens, the real `gongkai serve`
// process on a free port, a real HTTP/1.1 client (Boost.Beast, keep-alive) and raw sockets for
// malformed traffic.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace gongkai::testing {

// The test definitions: units alpha.one, alpha.two, beta.three; standards
// test.with_interpretation, test.without_interpretation, test.planning.
std::string engine_definitions_dir();

// One answer.
struct HttpAnswer {
  int status = 0;                              // 0 when no answer arrived
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string error;  // why there is no answer

  // The body as JSON (null and a test failure when it is not JSON).
  nlohmann::json json() const;
  // The error document's id, or "".
  std::string error_id() const;
  std::string header(const std::string& lowercase_name) const;
};

std::ostream& operator<<(std::ostream& os, const HttpAnswer& a);

// A keep-alive HTTP/1.1 client on 127.0.0.1:port. Reconnects when the server closed the
// connection. Not thread-safe: one per thread.
class HttpClient {
 public:
  explicit HttpClient(unsigned short port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpAnswer request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpAnswer get(const std::string& target, const std::string& token = "");
  // POST with a JSON body (Content-Type: application/json).
  HttpAnswer post(const std::string& target, const nlohmann::json& body,
                  const std::string& token = "", std::map<std::string, std::string> headers = {});
  // How many TCP connections this client opened.
  int connections() const { return connections_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int connections_ = 0;
};

// A raw TCP connection for malformed traffic.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port);
  ~RawConnection();
  bool connected() const { return fd_ >= 0; }
  // Sends bytes; false when the peer is gone.
  bool send(const std::string& bytes);
  // Reads until the peer closes or `timeout` passes. `closed` tells which.
  std::string read_until_closed(std::chrono::milliseconds timeout, bool* closed);

 private:
  int fd_ = -1;
};

// The `gongkai serve` process. Stopped (SIGKILL) on destruction if still running.
class ServeProcess {
 public:
  // Starts `gongkai --db DB serve --listen 127.0.0.1:0 EXTRA...` and waits until it prints its
  // address. `scratch` holds its stdout and stderr.
  ServeProcess(const std::string& db, const std::filesystem::path& scratch,
               const std::vector<std::string>& extra = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool started() const { return port_ != 0; }
  unsigned short port() const { return port_; }
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Sends `signal` and waits for the exit; the exit code (128 + signal when killed), -1 on
  // timeout.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string out_path_, err_path_;
};

// The lifecycle events of a history (`events` of GET /v1/items/{id}/history), without the events
// the timers and channels record beside them (deadline steps, deliveries).
nlohmann::json lifecycle_events(const nlohmann::json& events);

// A CLI run: exit code and output.
struct CliRun {
  int exit_code = -1;
  std::string out, err;
};
CliRun run_cli(const std::vector<std::string>& args, const std::filesystem::path& scratch);

// A database initialised on the test definitions (a simulation, so a command may carry its
// instant) with one user per role, all in alpha.one unless said otherwise, and their tokens.
struct ServedDatabase {
  ServedDatabase();
  TempDir dir;
  std::string db;
  std::map<std::string, std::string> tokens;  // user name -> token
  std::unique_ptr<ServeProcess> server;

  // Adds a user with a token (in-process, through the user store).
  std::string add_user(const std::string& name, const std::vector<std::string>& roles,
                       const std::vector<std::string>& units);
  // Starts the server with these extra options.
  void start(const std::vector<std::string>& extra = {});
};

// The users every ServedDatabase has: name -> (roles, units).
// drafter.zhang (drafter), reviewer.li (reviewer), publisher.wang (publisher), interpreter.zhao
// (interpreter), responder.sun (responder) — all in alpha.one; auditor.qian (auditor, all
// units); admin.zhou (admin); drafter.two and reviewer.two (alpha.two).
extern const char* const kDrafter;
extern const char* const kReviewer;
extern const char* const kPublisher;
extern const char* const kInterpreter;
extern const char* const kResponder;
extern const char* const kAuditor;
extern const char* const kAdmin;
extern const char* const kOtherDrafter;
extern const char* const kOtherReviewer;

}  // namespace gongkai::testing
