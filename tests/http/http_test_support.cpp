#include "http/http_test_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <regex>
#include <set>
#include <thread>

#include "gongkai/engine.h"
#include "gongkai/users.h"

extern char** environ;

namespace gongkai::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

const char* const kDrafter = "drafter.zhang";
const char* const kReviewer = "reviewer.li";
const char* const kPublisher = "publisher.wang";
const char* const kInterpreter = "interpreter.zhao";
const char* const kResponder = "responder.sun";
const char* const kAuditor = "auditor.qian";
const char* const kAdmin = "admin.zhou";
const char* const kOtherDrafter = "drafter.two";
const char* const kOtherReviewer = "reviewer.two";

std::string engine_definitions_dir() {
  return std::string(GONGKAI_TEST_DATA) + "/engine_definitions";
}

// --- answers -----------------------------------------------------------------------------------

json HttpAnswer::json() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "not JSON: " << *this;
    return nlohmann::json();
  }
  return j;
}

std::string HttpAnswer::error_id() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error")) return "";
  return j["error"].value("id", "");
}

std::string HttpAnswer::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? "" : it->second;
}

std::ostream& operator<<(std::ostream& os, const HttpAnswer& a) {
  os << "HTTP " << a.status;
  if (!a.error.empty()) os << " (" << a.error << ")";
  return os << " " << a.body.substr(0, 2000);
}

// --- client ------------------------------------------------------------------------------------

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;
  unsigned short port;
};

HttpClient::HttpClient(unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
}

HttpClient::~HttpClient() {
  if (impl_->socket) {
    beast::error_code ec;
    impl_->socket->shutdown(tcp::socket::shutdown_both, ec);
    impl_->socket->close(ec);
  }
}

HttpAnswer HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  HttpAnswer answer;
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->socket) {
      impl_->socket.emplace(impl_->ioc);
      impl_->socket->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
      if (ec) {
        impl_->socket.reset();
        answer.error = "connect: " + ec.message();
        return answer;
      }
      ++connections_;
      impl_->buffer.clear();
      const timeval tv{10, 0};
      setsockopt(impl_->socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(impl_->socket->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      int one = 1;
      setsockopt(impl_->socket->native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    if (req.method() == bhttp::verb::unknown) req.method_string(method);
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    if (!body.empty() || method == "POST") req.prepare_payload();
    bhttp::write(*impl_->socket, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) bhttp::read(*impl_->socket, impl_->buffer, parser, ec);
    if (ec) {
      beast::error_code ignored;
      impl_->socket->close(ignored);
      impl_->socket.reset();
      answer.error = ec.message();
      // A keep-alive connection the server had closed: try once on a new one.
      if (!parser.got_some() && attempt == 0) continue;
      return answer;
    }
    auto res = parser.release();
    answer.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      answer.headers[name] = std::string(field.value());
    }
    answer.body = std::move(res.body());
    answer.error.clear();
    if (!res.keep_alive()) {
      beast::error_code ignored;
      impl_->socket->close(ignored);
      impl_->socket.reset();
    }
    return answer;
  }
  return answer;
}

HttpAnswer HttpClient::get(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return request("GET", target, "", headers);
}

HttpAnswer HttpClient::post(const std::string& target, const nlohmann::json& body,
                            const std::string& token, std::map<std::string, std::string> headers) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  headers.emplace("Content-Type", "application/json");
  return request("POST", target, body.dump(), headers);
}

// --- raw connections ---------------------------------------------------------------------------

RawConnection::RawConnection(unsigned short port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawConnection::read_until_closed(std::chrono::milliseconds timeout, bool* closed) {
  std::string data;
  *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return data;
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      *closed = true;
      return data;
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

nlohmann::json lifecycle_events(const nlohmann::json& events) {
  static const std::set<std::string> kLifecycle = {
      "created",       "submit",  "approve", "reject",   "publish", "interpret",
      "raise_concern", "respond", "close",   "withdraw", "correct"};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : events) {
    if (kLifecycle.count(e.value("type", ""))) out.push_back(e);
  }
  return out;
}

// --- processes ---------------------------------------------------------------------------------

namespace {

pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  std::vector<std::string> strings{GONGKAI_CLI};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, GONGKAI_CLI, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(2ms);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string unique_stem(const std::filesystem::path& scratch, const char* what) {
  static std::atomic<int> counter{0};
  return (scratch / (std::string(what) + std::to_string(counter++))).string();
}

}  // namespace

ServeProcess::ServeProcess(const std::string& db, const std::filesystem::path& scratch,
                           const std::vector<std::string>& extra) {
  const std::string stem = unique_stem(scratch, "serve");
  out_path_ = stem + ".out";
  err_path_ = stem + ".err";
  std::vector<std::string> args{"--db", db, "serve", "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = spawn(args, out_path_, err_path_);
  if (pid_ < 0) {
    ADD_FAILURE() << "cannot start " << GONGKAI_CLI;
    return;
  }
  const std::regex address(R"(gongkai serving http://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string out = stdout_text();
    if (std::regex_search(out, m, address)) {
      port_ = static_cast<unsigned short>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "gongkai serve exited early:\n" << out << stderr_text();
      return;
    }
    std::this_thread::sleep_for(5ms);
  }
  ADD_FAILURE() << "gongkai serve did not print its address:\n" << stdout_text() << stderr_text();
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string ServeProcess::stdout_text() const {
  return read_file(out_path_);
}

std::string ServeProcess::stderr_text() const {
  return read_file(err_path_);
}

int ServeProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  const int code = wait_exit(pid_, timeout);
  if (code != -1) pid_ = -1;
  return code;
}

CliRun run_cli(const std::vector<std::string>& args, const std::filesystem::path& scratch) {
  const std::string stem = unique_stem(scratch, "cli");
  CliRun run;
  const pid_t pid = spawn(args, stem + ".out", stem + ".err");
  if (pid < 0) return run;
  run.exit_code = wait_exit(pid, 60s);
  run.out = read_file(stem + ".out");
  run.err = read_file(stem + ".err");
  return run;
}

// --- a served database -------------------------------------------------------------------------

ServedDatabase::ServedDatabase() : db(dir.file("gongkai.db")) {
  auto engine = Engine::init(db, engine_definitions_dir(), /*simulation=*/true);
  if (!engine.ok()) {
    ADD_FAILURE() << engine.status().to_string();
    return;
  }
  add_user(kDrafter, {"drafter"}, {"alpha.one"});
  add_user(kReviewer, {"reviewer"}, {"alpha.one"});
  add_user(kPublisher, {"publisher"}, {"alpha.one"});
  add_user(kInterpreter, {"interpreter"}, {"alpha.one"});
  add_user(kResponder, {"responder"}, {"alpha.one"});
  add_user(kAuditor, {"auditor"}, {});
  add_user(kAdmin, {"admin"}, {});
  add_user(kOtherDrafter, {"drafter"}, {"alpha.two"});
  add_user(kOtherReviewer, {"reviewer"}, {"alpha.two"});
}

std::string ServedDatabase::add_user(const std::string& name, const std::vector<std::string>& roles,
                                     const std::vector<std::string>& units) {
  auto users = open_sqlite_user_store(db);
  if (!users.ok()) {
    ADD_FAILURE() << users.status().to_string();
    return "";
  }
  NewUser user;
  user.name = name;
  for (const auto& r : roles) user.roles.push_back(*parse_role(r));
  user.units = units;
  auto added = (*users)->add_user(user, system_now());
  if (!added.ok()) ADD_FAILURE() << added.status().to_string();
  auto issued = (*users)->issue_token(name, system_now());
  if (!issued.ok()) {
    ADD_FAILURE() << issued.status().to_string();
    return "";
  }
  tokens[name] = issued->token;
  return issued->token;
}

void ServedDatabase::start(const std::vector<std::string>& extra) {
  server = std::make_unique<ServeProcess>(db, dir.path(), extra);
}

}  // namespace gongkai::testing
