// `gongkai simulate`: the simulated pilot year (tools/sim, docs/simulation.md) on a fresh
// simulation database, with progress on a terminal, a summary and `audit verify`. `gongkai demo`
// runs it with the defaults (tools/cli/demo.cpp).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "tools/cli/cli.h"
#include "tools/sim/simulator.h"

namespace gongkai::cli {
namespace {

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return (n < 0 ? "-" : "") + digits;
}

Result<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status(
        Errc::invalid_argument,
        "--seed must be a whole number from 0 to 18446744073709551615, not '" + text + "'");
  }
  return value;
}

Result<Date> parse_day(const std::string& text, const char* option) {
  auto d = parse_date(text);
  if (!d.ok()) {
    return Status(Errc::invalid_time,
                  std::string(option) + " must be a date YYYY-MM-DD, not '" + text + "'");
  }
  return *d;
}

// Draws the progress line in place (stderr is a terminal).
void draw_progress(const sim::SimulationProgress& p) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(p.fraction * kWidth + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r  %s  [%s] %3d%%  items %s  events %s   ", p.day.to_string().c_str(),
               bar.c_str(), static_cast<int>(p.fraction * 100 + 0.5), with_commas(p.items).c_str(),
               with_commas(p.events).c_str());
  std::fflush(stderr);
}

}  // namespace

std::string default_site_dir(const std::string& db_path) {
  std::filesystem::path p(db_path);
  const std::string stem = p.stem().string();
  return (p.parent_path() / (stem + "-site")).string();
}

Status check_simulation_target(const std::string& db_path) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) return Status::Ok();
  SqliteOptions options;
  options.read_only = true;
  auto store = open_sqlite_store(db_path, options);
  if (!store.ok()) {
    return Status(store.status().code(), "'" + db_path +
                                             "' exists and is not a gongkai simulation database; "
                                             "it is left alone (" +
                                             store.status().message() + ")");
  }
  if (!(*store)->is_simulation()) {
    return Status(Errc::simulation_only,
                  "'" + db_path +
                      "' is a production database; a simulation replaces only simulation "
                      "databases");
  }
  return Status::Ok();
}

int run_pilot_year(const Globals& globals, const PilotYearArgs& args) {
  sim::SimulationOptions options;
  auto from = parse_day(args.from, "--from");
  if (!from.ok()) return fail(from.status());
  auto to = parse_day(args.to, "--to");
  if (!to.ok()) return fail(to.status());
  options.from = *from;
  options.to = *to;
  if (options.to < options.from) {
    return fail(
        Status(Errc::invalid_argument, "--from " + args.from + " is after --to " + args.to));
  }
  auto seed = parse_seed(args.seed);
  if (!seed.ok()) return fail(seed.status());
  options.seed = *seed;
  if (args.units != "all") {
    // getline drops an empty last field, so a trailing comma (an empty last unit) is caught here.
    const bool trailing_comma = !args.units.empty() && args.units.back() == ',';
    std::stringstream list(args.units);
    std::string id;
    while (std::getline(list, id, ',')) {
      if (id.empty() || trailing_comma) {
        return fail(Status(
            Errc::invalid_argument,
            "--units must be 'all' or unit ids separated by commas, not '" + args.units + "'"));
      }
      if (std::find(options.units.begin(), options.units.end(), id) == options.units.end()) {
        options.units.push_back(id);
      }
    }
    if (options.units.empty()) {
      return fail(Status(Errc::invalid_argument, "--units names no unit"));
    }
  }
  options.db_path = args.database;
  options.definitions_dir = args.definitions.empty() ? default_definitions_dir() : args.definitions;
  options.pilot_path = args.pilot;
  options.site_dir =
      args.no_website ? "" : (args.site.empty() ? default_site_dir(args.database) : args.site);
  options.webhooks = !args.no_webhooks;
  if (Status s = check_simulation_target(options.db_path); !s.ok()) return fail(s);

  const bool tty = !args.quiet && !globals.json && ::isatty(STDERR_FILENO) == 1;
  const auto started = std::chrono::steady_clock::now();
  sim::ProgressCallback progress;
  if (tty) progress = draw_progress;
  auto summary = sim::run_simulation(options, progress);
  if (tty) std::fprintf(stderr, "\r%80s\r", "");
  if (!summary.ok()) return fail(summary.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto engine = Engine::open(options.db_path);
  if (!engine.ok()) return fail(engine.status());
  auto verified = (*engine)->verify();
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const sim::SimulationSummary& s = *summary;
  auto count = [&](const char* type) {
    auto it = s.by_type.find(type);
    return it == s.by_type.end() ? std::int64_t{0} : it->second;
  };
  if (globals.json) {
    nlohmann::json out = {{"from", options.from.to_string()},
                          {"to", options.to.to_string()},
                          {"seed", std::to_string(options.seed)},
                          {"units", s.units},
                          {"items", s.items},
                          {"events", s.events},
                          {"by_stage", s.by_stage},
                          {"by_type", s.by_type},
                          {"rejected", s.rejected},
                          {"scheduled_releases", s.scheduled},
                          {"concerns", s.concerns},
                          {"major_concerns", s.major_concerns},
                          {"deadlines_breached", s.deadlines_breached},
                          {"deliveries", s.deliveries},
                          {"delivered", s.delivered},
                          {"delivery_failures", s.delivery_failures},
                          {"webhook_requests", s.webhook_requests},
                          {"website_files", s.website_files},
                          {"official_acts_on_rest_days", s.official_acts_on_rest_days},
                          {"chain_head", {{"seq", s.head.seq}, {"hash", s.head.hash}}},
                          {"database", options.db_path},
                          {"site", options.site_dir},
                          {"seconds", seconds},
                          {"verify_ok", verified.ok()}};
    print_json(out);
  } else {
    std::cout << "gongkai simulate — the pilot year " << options.from.to_string() << " … "
              << options.to.to_string() << ", seed " << options.seed << ", "
              << (options.units.empty() ? std::string("all pilot units")
                                        : std::to_string(options.units.size()) + " unit(s)")
              << "\n  database " << options.db_path << " (simulation)"
              << (options.site_dir.empty() ? "" : ", website " + options.site_dir)
              << (options.webhooks ? ", webhooks to a local receiver" : "") << "\n";
    std::cout << "\n── summary\n  items    " << with_commas(s.items) << " in " << s.units
              << " units:";
    for (const auto& [stage, n] : s.by_stage) std::cout << " " << stage << "=" << with_commas(n);
    std::cout << "\n  events   " << with_commas(s.events) << ":";
    for (const auto& [type, n] : s.by_type) std::cout << " " << type << "=" << with_commas(n);
    std::cout << "\n  reviews rejected " << with_commas(s.rejected) << ", releases scheduled "
              << with_commas(s.scheduled) << ", withdrawn " << with_commas(count("withdraw"))
              << ", corrected " << with_commas(count("correct")) << "\n  public concerns "
              << with_commas(s.concerns) << " (" << with_commas(s.major_concerns)
              << " major), answered " << with_commas(count("respond")) << "\n  deadlines past due "
              << with_commas(s.deadlines_breached) << " (breach events "
              << with_commas(count("deadline_breached")) << ", escalations "
              << with_commas(count("deadline_escalated")) << ")\n  deliveries "
              << with_commas(s.deliveries) << ": delivered " << with_commas(s.delivered)
              << ", failed " << with_commas(s.delivery_failures) << "; webhook requests "
              << with_commas(s.webhook_requests) << ", website files "
              << with_commas(s.website_files) << "\n  official acts on rest days "
              << s.official_acts_on_rest_days << "\n  time taken " << std::fixed
              << std::setprecision(1) << seconds << " s (" << total_seconds
              << " s with the audit; wall clock, not stored)\n";
    std::cout.unsetf(std::ios::fixed);
    if (verified.ok()) {
      std::cout << "\naudit verify: ok — " << verified->events << " events, " << verified->items
                << " items replayed; chain head seq " << verified->head.seq << " "
                << verified->head.hash << "\n";
    }
  }
  if (!verified.ok()) return fail(verified.status());
  if (s.official_acts_on_rest_days != 0) {
    return fail(Status(Errc::internal, std::to_string(s.official_acts_on_rest_days) +
                                           " official acts fell on rest days"));
  }
  return 0;
}

void add_pilot_year_options(CLI::App& command, PilotYearArgs& args) {
  command.add_option("--from", args.from, "first simulated day (YYYY-MM-DD)")
      ->capture_default_str();
  command.add_option("--to", args.to, "last simulated day (YYYY-MM-DD)")->capture_default_str();
  command.add_option("--seed", args.seed, "the random seed (0 .. 2^64-1)")->capture_default_str();
  command.add_option("--units", args.units, "'all' or pilot unit ids separated by commas")
      ->capture_default_str();
  command.add_option("--database", args.database, "the simulation database (replaced)")
      ->capture_default_str();
  command.add_option("--site", args.site,
                     "the website's web root (replaced; default: <database>-site beside it)");
  command.add_flag("--no-website", args.no_website, "do not write the website");
  command.add_flag("--no-webhooks", args.no_webhooks,
                   "do not start the local webhook receiver (the other channels then fail)");
  command.add_option("--definitions", args.definitions,
                     "the definitions folder (default: the shipped one)");
  command.add_option("--pilot", args.pilot,
                     "the pilot model (default: pilot.json in the definitions folder)");
  command.add_flag("--quiet", args.quiet, "no progress line");
}

void add_simulate_command(CLI::App& app, Globals& globals, Action& action) {
  auto* simulate = app.add_subcommand(
      "simulate", "simulate the pilot year on a fresh simulation database (docs/simulation.md)");
  auto args = std::make_shared<PilotYearArgs>();
  args->database = "var/simulation.db";
  add_pilot_year_options(*simulate, *args);
  simulate->callback([&, args] { action = [&, args] { return run_pilot_year(globals, *args); }; });
}

}  // namespace gongkai::cli
