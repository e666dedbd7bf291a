// gongkai — the operators' and auditors' command line.
#include <iostream>

#include "tools/cli/cli.h"

int main(int argc, char** argv) {
  using namespace gongkai::cli;
  CLI::App app{
      "gongkai — a workflow engine for government disclosure (公开): release, "
      "interpretation, response"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand: `gongkai item show X --json`.
  app.fallthrough();
  Globals globals;
  app.add_option("--db", globals.db, "the database file")->capture_default_str();
  app.add_flag("--json", globals.json, "machine output (JSON) on stdout");
  app.add_option("--now", globals.now,
                 "the current time (RFC 3339); accepted only on a simulation database");
  Action action;
  add_init_commands(app, globals, action);
  add_catalog_commands(app, globals, action);
  add_item_commands(app, globals, action);
  add_time_commands(app, globals, action);
  add_audit_commands(app, globals, action);
  add_demo_command(app, globals, action);
  add_simulate_command(app, globals, action);
  add_user_commands(app, globals, action);
  add_serve_command(app, globals, action);
  add_delivery_commands(app, globals, action);
  add_website_commands(app, globals, action);
  add_report_commands(app, globals, action);
  try {
    app.parse(argc, argv);
    globals.now_given = app.count("--now") > 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ValidationError& e) {  // a value whole_number() or another check refused
    return fail(gongkai::Status(gongkai::Errc::invalid_argument, e.what()));
  } catch (const CLI::ParseError& e) {
    return fail(
        gongkai::Status(gongkai::Errc::usage, std::string(e.what()) + " (see `gongkai --help`)"));
  }
  if (!action) return fail(gongkai::Status(gongkai::Errc::usage, "no command given"));
  try {
    return action();
  } catch (const std::exception& e) {
    return fail(gongkai::Status(gongkai::Errc::internal, e.what()));
  }
}
