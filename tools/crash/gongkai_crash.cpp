// gongkai-crash — the crash test harness (docs/reliability.md): load against the engine, and in
// some rounds against `gongkai serve`, killed with SIGKILL at a random moment, restarted, checked.
//
//   gongkai-crash --rounds 1000 [--seed S] [--serve-every 4] [--dir DIR] [--keep]
//
// Each round either forks a load generator that uses the engine in-process on a simulation
// database (creates, lifecycle events, scheduled publications, deadline timers via run_due, the
// outbox via run_deliveries to a file-backed receiver) or starts `gongkai serve` and drives it as
// an HTTP client. The generator reports each command over a pipe before sending it ("SEND") and
// after the engine returned success ("ACK"); for serve, the harness is the client and an ack is a
// 2xx answer. After a random delay the child is killed with SIGKILL. Then the harness reopens the
// database and checks:
//   - it opens (recovery) and `audit verify` passes (hashes, both chains, every item replayed);
//   - every acknowledged command is in the history exactly once, at the item and version acked;
//   - a command sent but not acknowledged is there at most once, and re-sending it with the same
//     idempotency key lands it exactly once (a repeat of acknowledged ones appends nothing);
//   - no deadline step (deadline, step) is recorded twice for an item;
//   - at the end, after the outbox is drained with a working receiver, every delivery is
//     delivered or failed, and every delivered one reached the receiver.
// Exit 0 when every round passed, 1 on the first violation (with the seed and the round), 2 on a
// usage error. The kill moments are drawn from the seed but depend on timing, so a rerun with the
// same seed sends the same commands but may kill elsewhere.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gongkai/engine.h"
#include "tools/crash/crash_workload.h"
#include "tools/crash/http_client.h"

namespace {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using nlohmann::json;
using namespace std::chrono_literals;
using gongkai::Instant;
using gongkai::crash::FileReceiver;
using gongkai::crash::HttpClient;
using gongkai::crash::kActors;
using gongkai::crash::next_command;
using gongkai::crash::Rng;
using gongkai::crash::run_command;
using gongkai::crash::Target;

// --- options ------------------------------------------------------------------------------------

struct Options {
  std::uint64_t seed = 0;
  int rounds = 50;
  int serve_every = 4;  // every n-th round drives `gongkai serve` (0: never)
  int min_kill_ms = 20;
  int max_kill_ms = 300;
  std::string dir;
  std::string gongkai;      // the CLI binary, for serve rounds
  std::string definitions;  // default: the shipped ones
  bool keep = false;
  bool quiet = false;
  bool self_check_lost_ack = false;  // pretend an ack the engine never gave: the checks must fail
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "error[usage]: " << why
            << "\nusage: gongkai-crash [--rounds N] [--seed S] [--serve-every N] "
               "[--min-kill-ms MS] [--max-kill-ms MS] [--dir DIR] [--gongkai PATH] "
               "[--definitions DIR] [--keep] [--quiet] [--self-check-lost-ack]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  o.seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  o.gongkai = (fs::path(argv[0]).parent_path() / "gongkai").string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> long long {
      const std::string v = value();
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 0) usage(a + " needs a non-negative number, not '" + v + "'");
      return n;
    };
    if (a == "--help" || a == "-h") {
      std::cout << "gongkai-crash: SIGKILL rounds against the engine and `gongkai serve`, each "
                   "restarted and checked (docs/reliability.md)\n"
                   "usage: gongkai-crash [--rounds N (50)] [--seed S] [--serve-every N (4; 0: "
                   "never)] [--min-kill-ms MS (20)] [--max-kill-ms MS (300)] [--dir DIR] "
                   "[--gongkai PATH] [--definitions DIR] [--keep] [--quiet] "
                   "[--self-check-lost-ack]\n";
      std::exit(0);
    }
    if (a == "--rounds") {
      o.rounds = static_cast<int>(number());
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(number());
    } else if (a == "--serve-every") {
      o.serve_every = static_cast<int>(number());
    } else if (a == "--min-kill-ms") {
      o.min_kill_ms = static_cast<int>(number());
    } else if (a == "--max-kill-ms") {
      o.max_kill_ms = static_cast<int>(number());
    } else if (a == "--dir") {
      o.dir = value();
    } else if (a == "--gongkai") {
      o.gongkai = value();
    } else if (a == "--definitions") {
      o.definitions = value();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--self-check-lost-ack") {
      o.self_check_lost_ack = true;
    } else {
      usage("unknown option '" + a + "'");
    }
  }
  if (o.rounds < 1) usage("--rounds must be at least 1");
  if (o.max_kill_ms < o.min_kill_ms) usage("--max-kill-ms must be >= --min-kill-ms");
  return o;
}

struct Violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(bool ok, const std::string& what) {
  if (!ok) throw Violation(what);
}

template <typename T>
T must(gongkai::Result<T> r, const std::string& what) {
  if (!r.ok()) throw Violation(what + ": " + r.status().to_string());
  return std::move(*r);
}

// Runs `argv` to completion; its stdout.
std::string run_to_end(const std::vector<std::string>& args) {
  int out[2];
  if (::pipe(out) != 0) throw Violation("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Violation("'" + args[0] + " " + args[1] + " ...' failed: " + text);
  }
  return text;
}

// --- the harness ------------------------------------------------------------------------------

struct Sent {
  json command;
  bool acked = false;
  bool via_http = false;
  std::string item_id;
  std::int64_t version = 0;
};

class Harness {
 public:
  explicit Harness(Options o) : o_(std::move(o)), rng_(o_.seed) {
    if (o_.dir.empty()) {
      char tmpl[] = "/tmp/gongkai-crash-XXXXXX";
      if (!::mkdtemp(tmpl)) throw Violation("mkdtemp failed");
      o_.dir = tmpl;
    }
    fs::create_directories(o_.dir);
    db_ = (fs::path(o_.dir) / "crash.db").string();
    receiver_log_ = (fs::path(o_.dir) / "received.log").string();
    fs::remove(db_);
    fs::remove(db_ + "-wal");
    fs::remove(db_ + "-shm");
    fs::remove(receiver_log_);
    if (o_.definitions.empty()) o_.definitions = gongkai::default_definitions_dir();
    // The simulated time starts a day ahead of the real clock (so the service's timers, on the
    // real clock, never see an instant after the generator's) and moves 30 days per round.
    start_ = gongkai::system_now() + 24h;
    auto engine = must(gongkai::Engine::init(db_, o_.definitions, /*simulation=*/true), "init");
    auto defs = engine->definitions();
    for (const auto& unit : defs->units) {
      for (const gongkai::ItemStandard* s : defs->standards_for_unit(unit)) {
        if (targets_.size() < 6 && (targets_.empty() || targets_.back().unit != unit.id)) {
          targets_.push_back({s->id, unit.id});
        }
      }
      if (targets_.size() >= 6) break;
    }
    check(!targets_.empty(), "the definitions have no standard for any unit");
    // `serve --channels`: every channel to a print spool in the work folder.
    json defaults = json::object();
    for (const auto& channel : defs->channels) {
      defaults[channel.id] = {{"adapter", "print_spool"}, {"spool_dir", "spool/{unit}/{channel}"}};
    }
    channels_config_ = (fs::path(o_.dir) / "channels.json").string();
    std::ofstream(channels_config_) << json{
        {"format", 1},
        {"policy",
         {{"max_attempts", 4}, {"first_backoff_ms", 200}, {"max_backoff_ms", 2000}, {"batch", 64}}},
        {"defaults", defaults}}.dump(2);
  }

  ~Harness() {
    if (!o_.keep) {
      std::error_code ec;
      fs::remove_all(o_.dir, ec);
    }
  }

  int run() {
    std::cout << "gongkai-crash: seed " << o_.seed << ", " << o_.rounds << " rounds, database "
              << db_ << std::endl;
    const auto began = std::chrono::steady_clock::now();
    try {
      for (round_ = 1; round_ <= o_.rounds; ++round_) {
        const bool serve = o_.serve_every > 0 && round_ % o_.serve_every == 0;
        if (serve) {
          serve_round();
        } else {
          engine_round();
        }
        if (o_.self_check_lost_ack && round_ == 1) {
          // A command the engine never saw, recorded as acknowledged.
          Sent lie;
          lie.command = json{{"key", "self-check"}};
          lie.acked = true;
          lie.item_id = "gk-000001";
          lie.version = 1;
          sent_["self-check"] = lie;
        }
        check_round();
      }
      --round_;
      final_drain();
    } catch (const Violation& v) {
      std::cout << "FAILED in round " << round_ << " (seed " << o_.seed << "): " << v.what()
                << "\nrerun: gongkai-crash --seed " << o_.seed << " --rounds " << o_.rounds
                << " --keep" << std::endl;
      o_.keep = true;
      std::cout << "database kept in " << o_.dir << std::endl;
      return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << "gongkai-crash: " << o_.rounds << " rounds survived (" << serve_rounds_
              << " against serve), " << kills_ << " SIGKILLs, " << acked_
              << " commands acknowledged (" << acked_http_ << " over HTTP), " << refused_.size()
              << " refused, " << unacked_ << " in flight at a kill (" << landed_unacked_
              << " had landed), " << resent_ << " re-sent (" << refused_resent_
              << " refused on re-sending), " << events_ << " events verified, " << deadline_steps_
              << " deadline steps, " << deliveries_ << " deliveries (" << delivered_
              << " delivered, " << spooled_ << " of them by serve's worker, " << failed_
              << " failed), " << received_twice_ << " received twice; " << seconds << " s"
              << std::endl;
    return 0;
  }

 private:
  Instant round_start() const { return start_ + std::chrono::hours(24 * 30) * round_; }

  int kill_delay_ms() {
    return o_.min_kill_ms + static_cast<int>(rng_.below(
                                static_cast<std::uint64_t>(o_.max_kill_ms - o_.min_kill_ms + 1)));
  }

  // Reads the child's lines until `deadline`, then kills it.
  void engine_round() {
    int fds[2];
    check(::pipe(fds) == 0, "pipe");
    const std::uint64_t child_seed = rng_.next();
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      gongkai::crash::generate(db_, fds[1], child_seed, round_, round_start(), targets_,
                               receiver_log_);
    }
    ::close(fds[1]);
    const int delay = kill_delay_ms();
    std::string buffer;
    bool ready = false;
    auto deadline = std::chrono::steady_clock::now() + 10s;  // until READY
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (!ready && buffer.find("READY\n") != std::string::npos) {
        ready = true;
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
      }
    }
    ::kill(pid, SIGKILL);
    ++kills_;
    int status = 0;
    ::waitpid(pid, &status, 0);
    // What was written before the kill is still in the pipe.
    char chunk[65536];
    for (ssize_t n; (n = ::read(fds[0], chunk, sizeof chunk)) > 0;) {
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    check(ready, "the generator did not start: " + buffer);
    std::istringstream lines(buffer);
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof()) break;  // a line cut by the kill
      if (line.rfind("SEND ", 0) == 0) {
        json c = json::parse(line.substr(5));
        Sent sent;
        sent.command = c;
        sent_[c.at("key")] = sent;
        in_flight_.insert(c.at("key").get<std::string>());
      } else if (line.rfind("ACK ", 0) == 0) {
        std::istringstream f(line.substr(4));
        std::string key, item;
        std::int64_t version = 0;
        f >> key >> item >> version;
        Sent& s = sent_.at(key);
        s.acked = true;
        s.item_id = item;
        s.version = version;
        in_flight_.erase(key);
        ++acked_;
      } else if (line.rfind("NACK ", 0) == 0) {
        std::istringstream f(line.substr(5));
        std::string key;
        f >> key;
        // A refusal the generator did not expect (e.g. a stale view of its items): it is no
        // acknowledgement; the history must not hold it.
        in_flight_.erase(key);
        refused_.insert(key);
      } else if (line.rfind("FATAL", 0) == 0) {
        throw Violation("the generator failed: " + line);
      }
    }
  }

  // Starts `gongkai serve`, drives it over HTTP, kills it.
  void serve_round() {
    ++serve_rounds_;
    Serve server = start_serve();
    const pid_t pid = server.pid;
    HttpClient client(server.port);
    // Load, killed at a random moment.
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_delay_ms());
    // The service runs on the real clock, as in production: its commands carry no instant, its
    // timers fire what is due and its delivery worker hands the outbox to the print spool.
    Instant at = gongkai::system_now();
    std::map<std::string, gongkai::Item> items;  // what this round created, as last answered
    for (int i = 0; std::chrono::steady_clock::now() < kill_at; ++i) {
      at = gongkai::system_now();
      json c;
      if (items.size() < 3 || rng_.chance(20)) {
        const Target& t = targets_[rng_.below(targets_.size())];
        c = {{"op", "create"},
             {"standard", t.standard},
             {"unit", t.unit},
             {"title", "HTTP " + std::to_string(round_) + "-" + std::to_string(i)},
             {"content", "公开内容"},
             {"actor", kActors[rng_.below(2)]},
             {"formed_at", gongkai::format_utc(at - 24h * 40)}};
      } else {
        auto it = items.begin();
        std::advance(it, static_cast<long>(rng_.below(items.size())));
        c = next_command(it->second, rng_, at);
        if (c.is_null()) {
          items.erase(it);
          continue;
        }
      }
      c["key"] = "h" + std::to_string(round_) + "-" + std::to_string(i);
      c["at"] = gongkai::format_utc(at);
      const std::string key = c.at("key");
      Sent sent;
      sent.command = c;
      sent.via_http = true;
      sent_[key] = sent;
      std::string body;
      // The kill lands while this request may be in flight.
      std::thread killer;
      const bool last = std::chrono::steady_clock::now() + 5ms >= kill_at;
      if (last) killer = std::thread([pid] { ::kill(pid, SIGKILL); });
      const int status = send_http(client, c, body);
      if (killer.joinable()) killer.join();
      if (status >= 200 && status < 300) {
        note_ack(key, body);
        gongkai::Item item;
        const json j = json::parse(body);
        item.id = j.at("id");
        item.stage = *gongkai::parse_stage(j.at("stage").get<std::string>());
        item.version = j.at("version");
        item.submitted_by = j.value("submitted_by", "");
        if (j.contains("publish_at") && j.at("publish_at").is_string()) {
          item.publish_at = *gongkai::parse_instant(j.at("publish_at").get<std::string>());
        }
        for (const auto& concern : j.value("concerns", json::array())) {
          gongkai::Concern k;
          k.answered = concern.value("answered", false);
          item.concerns.push_back(k);
        }
        if (gongkai::is_terminal(item.stage)) {
          items.erase(item.id);
        } else {
          items[item.id] = item;
        }
      } else if (status == -1) {
        in_flight_.insert(key);
        break;
      } else {
        refused_.insert(key);  // e.g. the scheduler published the item first: no ack
        if (c.at("op") == "fire") items.erase(c.at("item").get<std::string>());
      }
    }
    ::kill(pid, SIGKILL);
    ++kills_;
    ::waitpid(pid, nullptr, 0);
  }

  struct Serve {
    pid_t pid = -1;
    unsigned short port = 0;
  };

  // `gongkai serve` on the database, on a free port.
  Serve start_serve() {
    if (tokens_.empty()) {
      for (const char* name : kActors) {
        run_to_end({o_.gongkai, "--db", db_, "user", "add", name, "--role", "admin"});
        std::string token = run_to_end({o_.gongkai, "--db", db_, "token", "issue", name});
        while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
        tokens_[name] = token;
      }
    }
    // Its output goes to a file (a pipe nobody reads would stop it).
    // A fresh file per start: an older one would name an older port.
    const std::string log =
        (fs::path(o_.dir) / ("serve-" + std::to_string(++serve_starts_) + ".out")).string();
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
      ::execl(o_.gongkai.c_str(), o_.gongkai.c_str(), "--db", db_.c_str(), "serve", "--listen",
              "127.0.0.1:0", "--quiet", "--channels", channels_config_.c_str(),
              static_cast<char*>(nullptr));
      _exit(127);
    }
    // "gongkai serving http://127.0.0.1:PORT ..."
    std::string banner;
    unsigned short port = 0;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (!port && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
      std::ifstream in(log);
      banner.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      const auto at = banner.find("http://127.0.0.1:");
      if (at != std::string::npos && banner.find(' ', at) != std::string::npos) {
        port = static_cast<unsigned short>(std::stoi(banner.substr(at + 17)));
      }
      if (::waitpid(pid, nullptr, WNOHANG) == pid) break;
    }
    if (!port) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw Violation("gongkai serve did not start: " + banner);
    }
    return Serve{pid, port};
  }

  // Re-sends the commands a killed service left unacknowledged, over HTTP to a restarted one:
  // the same keys land them exactly once.
  // `landed`: those of `keys` whose event is in the history.
  void resend_over_http(const std::set<std::string>& keys, const std::set<std::string>& landed) {
    Serve server = start_serve();
    HttpClient client(server.port);
    std::string failure;
    for (const std::string& key : keys) {
      Sent& s = sent_.at(key);
      std::string body;
      const int status = send_http(client, s.command, body);
      // As through the engine: one that had not landed may be refused (exit 3) by the item as it
      // is now — e.g. serve's timer published it while this client still saw it in release.
      if (status >= 400 && !landed.count(key)) {
        const json answer = json::parse(body, nullptr, false);
        const auto code = answer.is_object() && answer.contains("error")
                              ? gongkai::errc_from_id(answer["error"].value("id", std::string()))
                              : std::nullopt;
        if (code && gongkai::exit_code(*code) == 3) {
          refused_.insert(key);
          ++refused_resent_;
          continue;
        }
      }
      if (status < 200 || status >= 300) {
        failure = "re-sending " + key + " over HTTP: " + std::to_string(status) + " " + body;
        break;
      }
      note_ack(key, body);
      ++resent_;
    }
    ::kill(server.pid, SIGKILL);
    ::waitpid(server.pid, nullptr, 0);
    check(failure.empty(), failure);
  }

  int send_http(HttpClient& client, const json& c, std::string& body) {
    const std::string token = tokens_.at(c.at("actor").get<std::string>());
    json request;
    std::string target;
    if (c.at("op") == "create") {
      target = "/v1/items";
      request = {{"standard_id", c.at("standard")},
                 {"unit_id", c.at("unit")},
                 {"title", c.at("title")},
                 {"content", c.at("content")},
                 {"formed_at", c.at("formed_at")}};
    } else {
      target = "/v1/items/" + c.at("item").get<std::string>() + "/events";
      request = {{"event", c.at("event")}};
      for (const char* field : {"reason", "text", "major", "publish_at"}) {
        if (c.contains(field)) request[field] = c.at(field);
      }
      const std::string event = c.at("event");
      if (event != "reject" && event != "withdraw" && event != "correct") request.erase("reason");
      if (event != "interpret" && event != "raise_concern" && event != "respond" &&
          event != "correct") {
        request.erase("text");
      }
    }
    return client.request(bhttp::verb::post, target, token, request.dump(),
                          c.at("key").get<std::string>(), body);
  }

  void note_ack(const std::string& key, const std::string& body) {
    const json j = json::parse(body);
    Sent& s = sent_.at(key);
    s.acked = true;
    s.item_id = j.at("id");
    s.version = j.at("version");
    in_flight_.erase(key);
    ++acked_;
    ++acked_http_;
  }

  // The number of events: the database-wide chain head's seq.
  std::int64_t events_now(gongkai::Engine&) {
    gongkai::SqliteOptions read_only;
    read_only.read_only = true;
    auto store = must(gongkai::open_sqlite_store(db_, read_only), "opening read-only");
    return must(store->chain_head(), "chain head").seq;
  }

  // Opens the database after the kill and checks the invariants.
  void check_round() {
    auto engine = must(gongkai::Engine::open(db_), "reopening after the kill");
    auto verified = must(engine->verify(), "audit verify");
    events_ = verified.events;
    // Every event with a command id, by key.
    std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> by_key;
    deadline_steps_ = 0;
    {
      // One pass over the events (a read-only store beside the engine).
      gongkai::SqliteOptions read_only;
      read_only.read_only = true;
      auto store = must(gongkai::open_sqlite_store(db_, read_only), "opening read-only");
      std::set<std::tuple<std::string, std::string, std::string>> steps;
      std::string twice;
      const gongkai::Status scanned = store->scan_events([&](const gongkai::Event& e) {
        if (!e.command_id.empty()) by_key[e.command_id].push_back({e.item_id, e.item_seq});
        if (e.type == "deadline_due_soon" || e.type == "deadline_breached" ||
            e.type == "deadline_escalated") {
          const json p = json::parse(e.payload);
          const std::string deadline = p.at("deadline"), step = p.at("step");
          if (!steps.insert({e.item_id, deadline, step}).second) {
            twice = e.item_id + ": deadline " + deadline + " step " + step + " recorded twice";
            return false;
          }
          ++deadline_steps_;
        }
        if (e.type == "notice_period_served") {  // a notice period (公示期) ends once per start
          const json p = json::parse(e.payload);
          const std::string notice = p.at("notice"), start = p.at("starts_at");
          if (!steps.insert({e.item_id, "notice:" + notice, start}).second) {
            twice = e.item_id + ": notice period " + notice + " from " + start + " served twice";
            return false;
          }
        }
        return true;
      });
      check(scanned.ok(), "scanning the events: " + scanned.to_string());
      check(twice.empty(), twice);
    }
    for (const auto& [key, s] : sent_) {
      const auto found = by_key.find(key);
      const std::size_t n = found == by_key.end() ? 0 : found->second.size();
      if (s.acked) {
        check(n == 1,
              "acknowledged command " + key + " is in the history " + std::to_string(n) + " times");
        check(found->second[0] == std::make_pair(s.item_id, s.version),
              "acknowledged command " + key + " is not at " + s.item_id + " v" +
                  std::to_string(s.version));
      } else {
        check(n <= 1, "unacknowledged command " + key + " is in the history " + std::to_string(n) +
                          " times");
        if (refused_.count(key)) check(n == 0, "refused command " + key + " left an event");
      }
    }
    std::set<std::string> http_resend;
    std::set<std::string> http_landed;  // of http_resend: in the history already
    // Commands in flight at the kill: re-send them with their key (over HTTP at the next serve
    // round; here through the engine otherwise). Either way they end up there exactly once.
    for (const std::string& key : std::set<std::string>(in_flight_)) {
      Sent& s = sent_.at(key);
      ++unacked_;
      const auto found = by_key.find(key);
      if (found != by_key.end()) ++landed_unacked_;
      if (s.via_http) {
        http_resend.insert(key);
        if (found != by_key.end()) http_landed.insert(key);
        continue;
      }
      auto again = run_command(*engine, s.command);
      // A command that had not landed meets the item as it is now: if the engine refuses it
      // (exit 3: e.g. the generator's stale copy sent `publish` for an item its timer had just
      // published, and the kill came before the refusal), it is refused like any other, and the
      // history must not hold it. A command that had landed must get its first answer.
      if (!again.ok() && found == by_key.end() && again.status().exit_code() == 3) {
        in_flight_.erase(key);
        refused_.insert(key);
        ++refused_resent_;
        continue;
      }
      check(again.ok(), "re-sending " + key + ": " + again.status().to_string());
      if (found != by_key.end()) {
        check(again->id == found->second[0].first && again->version == found->second[0].second,
              "re-sending " + key + " that had landed did not answer the first outcome");
      }
      s.acked = true;
      s.item_id = again->id;
      s.version = again->version;
      in_flight_.erase(key);
      ++resent_;
    }
    if (!http_resend.empty()) {
      engine.reset();
      resend_over_http(http_resend, http_landed);
      engine = must(gongkai::Engine::open(db_), "reopening after re-sending");
      for (const std::string& key : http_resend) {
        const Sent& s = sent_.at(key);
        if (refused_.count(key)) {  // the next check's scan holds it absent from the history
          in_flight_.erase(key);
          continue;
        }
        std::size_t n = 0;
        // (A copy in another item would show in the next round's scan of every event.)
        for (const gongkai::Event& e : must(engine->history(s.item_id), "history")) {
          if (e.command_id == key) {
            ++n;
            check(e.item_seq == s.version, key + " re-sent is not at the version answered");
          }
        }
        check(n == 1, "re-sent " + key + " is in the history " + std::to_string(n) + " times");
        in_flight_.erase(key);
      }
    }
    // A few acknowledged ones again: the same answer, nothing appended.
    const std::int64_t head = events_now(*engine);
    std::vector<std::string> acked;
    for (const auto& [key, s] : sent_) {
      if (s.acked && !s.via_http) acked.push_back(key);
    }
    for (int i = 0; i < 3 && !acked.empty(); ++i) {
      const Sent& s = sent_.at(acked[rng_.below(acked.size())]);
      auto again = run_command(*engine, s.command);
      check(again.ok() && again->id == s.item_id && again->version == s.version,
            "repeating acknowledged " + s.command.at("key").get<std::string>() +
                " did not give its first answer");
    }
    check(events_now(*engine) == head, "a repeated command appended");
    // The outbox: every row in a known state, every delivered one received.
    const auto received = read_received();
    for (const gongkai::Delivery& d : must(engine->deliveries({}), "deliveries")) {
      check(d.state == "pending" || d.state == "retrying" || d.state == "delivered" ||
                d.state == "failed",
            d.id + " in unknown state " + d.state);
      if (d.state == "delivered")
        check(received.count(d.id) > 0 || spooled(d), d.id + " delivered, never received");
    }
    if (!o_.quiet) {
      std::cout << "round " << round_ << ": ok, " << events_ << " events, " << acked_ << " acked, "
                << in_flight_.size() << " awaiting re-send over HTTP" << std::endl;
    }
  }

  // A delivery the service's worker put in the print spool.
  bool spooled(const gongkai::Delivery& d) const {
    return fs::exists(fs::path(o_.dir) / "spool" / d.unit_id / d.channel / (d.id + ".html"));
  }

  std::map<std::string, int> read_received() const {
    std::map<std::string, int> ids;
    std::ifstream in(receiver_log_);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ++ids[line];
    }
    return ids;
  }

  // Hands every delivery to a working receiver until none is left, then checks the outbox.
  void final_drain() {
    auto engine = must(gongkai::Engine::open(db_), "reopening");
    FileReceiver receiver(receiver_log_, nullptr);
    gongkai::DeliveryPolicy policy;
    policy.max_attempts = 4;
    policy.first_backoff = 1min;
    Instant at = round_start() + 24h * 30;
    for (int i = 0; i < 1000; ++i) {
      at += 24h;
      // Timers first: a scheduled publication or a notice period served still due adds
      // deliveries.
      const auto timers = must(engine->run_due(at), "timers");
      const auto report = must(engine->run_deliveries(receiver, policy, at), "draining the outbox");
      if (timers.published + timers.steps_fired + timers.notices_served + report.delivered +
              report.retrying + report.failed ==
          0) {
        break;
      }
    }
    const auto received = read_received();
    std::set<std::string> ids;
    for (const gongkai::Delivery& d : must(engine->deliveries({}), "deliveries")) {
      ids.insert(d.id);
      ++deliveries_;
      check(d.state == "delivered" || d.state == "failed",
            d.id + " is still " + d.state + " after draining");
      if (d.state == "delivered") {
        ++delivered_;
        if (spooled(d)) ++spooled_;
        check(received.count(d.id) > 0 || spooled(d), d.id + " delivered, never received");
      } else {
        ++failed_;
      }
    }
    for (const auto& [id, n] : received) {
      check(ids.count(id) > 0, "the receiver got " + id + ", which the outbox never held");
      if (n > 1) ++received_twice_;
    }
    auto verified = must(engine->verify(), "audit verify after draining");
    events_ = verified.events;
  }

  Options o_;
  Rng rng_;
  std::string db_;
  std::string receiver_log_;
  std::string channels_config_;
  Instant start_{};
  std::vector<Target> targets_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, Sent> sent_;
  std::set<std::string> in_flight_;
  std::set<std::string> refused_;
  std::int64_t refused_resent_ = 0;  // in flight, not landed, refused when re-sent
  int round_ = 0;
  int serve_rounds_ = 0;
  int serve_starts_ = 0;
  int kills_ = 0;
  std::int64_t acked_ = 0;
  std::int64_t acked_http_ = 0;
  std::int64_t unacked_ = 0;
  std::int64_t landed_unacked_ = 0;
  std::int64_t resent_ = 0;
  std::int64_t events_ = 0;
  std::int64_t deadline_steps_ = 0;
  std::int64_t deliveries_ = 0;
  std::int64_t delivered_ = 0;
  std::int64_t spooled_ = 0;
  std::int64_t failed_ = 0;
  std::int64_t received_twice_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options options = parse(argc, argv);
  try {
    Harness harness(std::move(options));
    return harness.run();
  } catch (const std::exception& e) {
    std::cout << "FAILED: " << e.what() << std::endl;
    return 1;
  }
}
