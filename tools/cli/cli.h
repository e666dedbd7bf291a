// The gongkai command line: shared options, output and error reporting for every command.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/engine.h"

namespace gongkai::cli {

// Options every command accepts.
struct Globals {
  std::string db = "var/gongkai.db";
  bool json = false;
  std::string now;         // RFC 3339; simulation databases only
  bool now_given = false;  // --now appeared (even empty: an empty time is an error, not "now")
};

// The command chosen on the command line; returns the process exit code.
using Action = std::function<int()>;

// Prints `status` to stderr as "error[<id>]: <message>" (and its details) and returns its exit
// code.
int fail(const Status& status);

// Writes a JSON document to stdout (pretty, UTF-8 unescaped).
void print_json(const nlohmann::json& document);

// Opens the database named by the globals. `write` opens it read-write. Applies --now: refused
// with simulation_only on a production database.
Result<std::unique_ptr<Engine>> open_engine(const Globals& globals, bool write);

// A CLI11 check for a whole-number option: digits only (a leading '-' where `min` is negative),
// within [min, max]. CLI11 2.1 itself takes "1.5" as an error but clamps a number past its type's
// range to the largest value; this refuses both. A value it refuses is invalid_argument (main.cpp
// maps CLI11's ValidationError to it), naming the option and the range.
CLI::Validator whole_number(std::int64_t min, std::int64_t max);

// Reads a whole text file (UTF-8 is checked by the engine). Errors: invalid_argument when `path`
// cannot be read or is not a regular file (a folder would read as an empty text).
Result<std::string> read_text_file(const std::string& path);

// The instant of --now, if given. Errors: invalid_time.
Result<std::optional<Instant>> now_option(const Globals& globals);

// Command groups; each adds its subcommands to `app` and sets `action` when chosen.
void add_init_commands(CLI::App& app, Globals& globals, Action& action);
void add_catalog_commands(CLI::App& app, Globals& globals, Action& action);
void add_item_commands(CLI::App& app, Globals& globals, Action& action);
void add_audit_commands(CLI::App& app, Globals& globals, Action& action);
void add_demo_command(CLI::App& app, Globals& globals, Action& action);
// Legal time: calendar, deadline, item explain, tick (after add_item_commands).
void add_time_commands(CLI::App& app, Globals& globals, Action& action);
void add_user_commands(CLI::App& app, Globals& globals, Action& action);
void add_serve_command(CLI::App& app, Globals& globals, Action& action);
// Channel deliveries: delivery list|retry, deliver (tools/cli/commands_delivery.cpp).
void add_delivery_commands(CLI::App& app, Globals& globals, Action& action);
// The website's province special-topic pages: website topic (tools/cli/commands_website.cpp).
void add_website_commands(CLI::App& app, Globals& globals, Action& action);

// The assessment report: report (tools/cli/commands_report.cpp).
void add_report_commands(CLI::App& app, Globals& globals, Action& action);

// The simulated pilot year (tools/cli/commands_simulate.cpp): `simulate`, and `demo` with its
// defaults. The options of both, as given on the command line.
struct PilotYearArgs {
  std::string from = "2017-09-01";
  std::string to = "2018-08-31";
  std::string seed = "20170509";  // the date of the State Council's pilot plan
  std::string units = "all";
  std::string database;
  std::string site;  // empty: <database stem>-site beside the database
  bool no_website = false;
  bool no_webhooks = false;
  std::string definitions;
  std::string pilot;
  bool quiet = false;
};
void add_simulate_command(CLI::App& app, Globals& globals, Action& action);
// Adds the options above to `command`.
void add_pilot_year_options(CLI::App& command, PilotYearArgs& args);
// Runs the pilot year as `args` say: progress on a terminal (stderr), a summary on stdout (JSON
// with --json) and `audit verify`. Returns the exit code. Errors: invalid_time (a bad --from or
// --to), invalid_argument (from after to, a bad seed or unit list), unit_not_found,
// simulation_only (the database is a production one), not_a_gongkai_database (another file),
// definition_* (the definitions or the pilot model), storage errors.
int run_pilot_year(const Globals& globals, const PilotYearArgs& args);
// "<dir>/<stem>-site" for a database path "<dir>/<stem>.db".
std::string default_site_dir(const std::string& db_path);
// Ok when `db_path` does not exist or is a simulation database (which a simulation may replace).
Status check_simulation_target(const std::string& db_path);

// The delivery worker, once, over the channel configuration at `config_path` (its policy): runs
// batches while they come back full. Errors: channel_config_invalid, channel_secret_missing,
// those of Engine::run_deliveries.
Result<DeliveryReport> run_delivery_worker(Engine& engine, const std::string& config_path,
                                           std::optional<Instant> at);
// For `item show`: the item's deliveries as a "deliveries" array and a "delivery_status" object
// (state: none, delivered, partly_delivered, not_delivered) beside the item's fields; as text.
void add_deliveries_json(nlohmann::json& item, const std::vector<Delivery>& deliveries);
void print_deliveries(const std::vector<Delivery>& deliveries);

// The access policy applied to `--actor` (tools/cli/commands_user.cpp): when the database has
// users, the actor must be one whose roles and units allow the event (forbidden otherwise); the
// role used is filled in. With no users the CLI stays open (a single-operator install).
Status check_create_actor(const Globals& globals, CreateItemRequest& request);
Status check_fire_actor(const Globals& globals, Engine& engine, FireRequest& request);
// The same for a deadline's clock (access::decide_deadline_control): when the database has users,
// the actor must be one who may pause/resume (any role but auditor) or extend (reviewer, admin)
// in the item's unit; the request's free-text role (the approving official's title) is kept.
Status check_control_actor(const Globals& globals, Engine& engine,
                           const DeadlineControlRequest& request);

}  // namespace gongkai::cli
