// `gongkai serve --listen HOST:PORT`: the HTTP JSON API (docs/http_api.md).
#include <csignal>
#include <filesystem>
#include <iostream>

#include "adapters/channels/channel_config.h"
#include "adapters/channels/delivery_worker.h"
#include "adapters/http/api.h"
#include "adapters/http/http_server.h"
#include "adapters/http/json_log.h"
#include "adapters/http/metrics.h"
#include "gongkai/scheduler.h"
#include "gongkai/users.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string definitions;
  std::string channels;  // channel configuration: run the delivery worker beside the API
  int threads = 2;
  int workers = 64;
  std::int64_t read_timeout_ms = 10000;
  std::int64_t body_limit = 1 << 20;
  bool quiet = false;
};

// "HOST:PORT" or "[V6]:PORT". Errors: invalid_argument.
Status parse_listen(const std::string& text, std::string& host, unsigned short& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status(Errc::invalid_argument, "--listen must be HOST:PORT, not '" + text + "'");
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(digits) > 65535) {
    return Status(Errc::invalid_argument, "the port in --listen must be 0..65535");
  }
  port = static_cast<unsigned short>(std::stoi(digits));
  return Status::Ok();
}

// This program as the user would type it: relative to the current folder when inside it.
std::string self_path() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "gongkai";
  const auto relative = exe.lexically_relative(std::filesystem::current_path(ec));
  if (!ec && !relative.empty() && *relative.begin() != "..") return relative.string();
  return exe.string();
}

int run_serve(const Globals& globals, const ServeOptions& o) {
  if (!globals.now.empty()) {
    return fail(Status(Errc::usage, "serve runs on the real clock; --now is not accepted"));
  }
  http::ServerOptions server_options;
  if (Status s = parse_listen(o.listen, server_options.host, server_options.port); !s.ok()) {
    return fail(s);
  }
  if (o.threads < 1 || o.threads > 64 || o.workers < 0 || o.workers > 256 ||
      o.read_timeout_ms < 1 || o.body_limit < 1) {
    return fail(
        Status(Errc::invalid_argument,
               "--threads 1..64, --workers 0..256, --read-timeout-ms and --body-limit > 0"));
  }
  server_options.io_threads = o.threads;
  server_options.workers = o.workers;
  server_options.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
  server_options.body_limit = static_cast<std::size_t>(o.body_limit);

  // A fresh machine: the first start initialises the database on the shipped definitions.
  std::error_code ec;
  std::unique_ptr<Engine> engine;
  if (!std::filesystem::exists(globals.db, ec)) {
    const std::string dir = o.definitions.empty() ? default_definitions_dir() : o.definitions;
    auto created = Engine::init(globals.db, dir, false);
    if (!created.ok()) return fail(created.status());
    engine = std::move(*created);
    std::cout << "initialised " << globals.db << " on the definitions in " << dir << "\n";
  } else {
    auto opened = Engine::open(globals.db);
    if (!opened.ok()) return fail(opened.status());
    engine = std::move(*opened);
  }
  auto users = open_sqlite_user_store(globals.db);
  if (!users.ok()) return fail(users.status());
  auto user_count = (*users)->count_users();
  if (!user_count.ok()) return fail(user_count.status());

  std::signal(SIGPIPE, SIG_IGN);
  http::JsonLog log(o.quiet ? nullptr : stderr);
  http::Metrics metrics;
  http::Api api(*engine, **users, metrics, &log);
  http::HttpServer server(api, log, metrics, server_options);
  auto address = server.listen();
  if (!address.ok()) return fail(address.status());

  const std::string url = "http://" + *address;
  std::cout << "gongkai serving " << url << " (database " << globals.db << ", definitions version "
            << engine->definitions_version() << (engine->is_simulation() ? ", simulation" : "")
            << ")\n"
            << "  health  " << url << "/healthz   ready " << url << "/readyz   metrics " << url
            << "/metrics\n"
            << "  API     " << url << "/openapi.json (docs/http_api.md); public pages under " << url
            << "/public/v1/\n";
  if (*user_count == 0) {
    const std::string cli = self_path();
    std::cout << "  no users yet — add one, issue a token (printed once) and call the API:\n"
              << "    " << cli << " --db " << globals.db << " user add admin --role admin\n"
              << "    TOKEN=$(" << cli << " --db " << globals.db << " token issue admin)\n"
              << "    curl -H \"Authorization: Bearer $TOKEN\" " << url << "/v1/items\n";
  }
  // Durable timers: scheduled publications and deadline escalation, fired at their instants and
  // once after downtime (docs/legal_time.md). Stopped before the engine goes away.
  Scheduler scheduler(*engine, std::chrono::seconds(1), [&log](const Status& s) {
    log.error(nlohmann::json{{"msg", "timer run failed"}, {"error", s.to_string()}});
  });
  metrics.add_collector([&scheduler] {
    return "# HELP gongkai_timer_steps_fired_total Deadline steps recorded by the timers.\n"
           "# TYPE gongkai_timer_steps_fired_total counter\n"
           "gongkai_timer_steps_fired_total " +
           std::to_string(scheduler.steps_fired()) +
           "\n# HELP gongkai_timer_publications_total Scheduled publications fired by the "
           "timers.\n# TYPE gongkai_timer_publications_total counter\n"
           "gongkai_timer_publications_total " +
           std::to_string(scheduler.published()) + "\n";
  });
  scheduler.start();
  // The delivery worker (docs/channels.md): the outbox handed to the configured channels.
  std::unique_ptr<channels::ConfiguredChannels> registry;
  std::unique_ptr<channels::DeliveryWorker> deliveries;
  if (!o.channels.empty()) {
    Engine* topic_engine = engine.get();
    auto loaded =
        channels::load_channel_registry(o.channels, engine->definitions().get(),
                                        [topic_engine] { return topic_engine->definitions(); });
    if (!loaded.ok()) {
      scheduler.stop();
      return fail(loaded.status());
    }
    registry = std::move(*loaded);
    deliveries = std::make_unique<channels::DeliveryWorker>(
        *engine, *registry, registry->config().policy, std::chrono::seconds(1),
        [&log](const Status& s) {
          log.error(nlohmann::json{{"msg", "delivery run failed"}, {"error", s.to_string()}});
        });
    deliveries->start();
    std::cout << "  outbox  delivering through " << o.channels << "\n";
  }
  std::cout << "  timers  armed (next: " << [&] {
    auto next = engine->next_timer();
    return next.ok() && *next ? format_local(**next) : std::string("none");
  }() << ")\n";
  std::cout << "  stop with Ctrl-C or SIGTERM (requests in progress finish first)" << std::endl;
  server.run();
  if (deliveries) deliveries->stop();
  scheduler.stop();
  log.info({{"msg", "timers stopped"}});
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, Globals& globals, Action& action) {
  auto o = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "serve the HTTP JSON API (docs/http_api.md)");
  serve->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--channels", o->channels,
                    "a channel configuration (docs/channels.md): deliver the outbox while serving");
  serve->add_option("--definitions", o->definitions,
                    "the definitions for a database created on first start (default: shipped)");
  serve->add_option("--threads", o->threads, "I/O threads")->capture_default_str();
  serve->add_option("--workers", o->workers, "threads running requests (0: on the I/O threads)")
      ->capture_default_str();
  serve
      ->add_option("--read-timeout-ms", o->read_timeout_ms,
                   "a request must arrive whole within this time (also the keep-alive idle time)")
      ->capture_default_str();
  serve->add_option("--body-limit", o->body_limit, "the largest request body, in bytes")
      ->capture_default_str();
  serve->add_flag("--quiet", o->quiet, "no request log on stderr");
  serve->callback([&, o] { action = [&, o] { return run_serve(globals, *o); }; });
}

}  // namespace gongkai::cli
