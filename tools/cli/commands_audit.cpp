// `gongkai audit verify|replay`.
#include <iostream>

#include "engine/item_json.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

int run_verify(const Globals& globals) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto report = (*engine)->verify();
  if (!report.ok()) {
    if (globals.json) {
      print_json(json{
          {"ok", false},
          {"error",
           {{"id", std::string(report.status().id())}, {"message", report.status().message()}}}});
    }
    return fail(report.status());
  }
  if (globals.json) {
    print_json(json{{"ok", true},
                    {"events", report->events},
                    {"items", report->items},
                    {"head", {{"seq", report->head.seq}, {"hash", report->head.hash}}}});
  } else {
    std::cout << "audit verify: ok — " << report->events << " events, " << report->items
              << " items; chain head seq " << report->head.seq << " " << report->head.hash << "\n";
  }
  return 0;
}

int run_replay(const Globals& globals, const std::string& id, const std::string& as_of) {
  auto t = parse_instant(as_of);
  if (!t.ok()) return fail(t.status());
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto replayed = (*engine)->replay(id, *t);
  if (!replayed.ok()) return fail(replayed.status());
  const Item& item = replayed->item;
  if (globals.json) {
    print_json(json{{"id", item.id},
                    {"as_of", format_local(*t)},
                    {"stage", std::string(to_string(item.stage))},
                    {"version", item.version},
                    {"events_applied", replayed->events_applied},
                    {"item", item_to_json(item, TimeStyle::local)}});
  } else {
    std::cout << item.id << " as of " << format_local(*t) << ": stage " << to_string(item.stage)
              << ", version " << item.version << "\n";
  }
  return 0;
}

}  // namespace

void add_audit_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* audit = app.add_subcommand("audit", "check and replay histories");
  audit->require_subcommand(1);
  auto* verify =
      audit->add_subcommand("verify", "recompute every hash chain and replay every item");
  verify->callback([&] { action = [&] { return run_verify(globals); }; });

  auto* replay = audit->add_subcommand("replay", "an item's stage and version at an instant");
  auto id = std::make_shared<std::string>();
  auto as_of = std::make_shared<std::string>();
  replay->add_option("ITEM", *id, "the item's id")->required();
  replay->add_option("--as-of", *as_of, "the instant (RFC 3339)")->required();
  replay->callback(
      [&, id, as_of] { action = [&, id, as_of] { return run_replay(globals, *id, *as_of); }; });
}

}  // namespace gongkai::cli
