// `gongkai init`, `gongkai catalog ...`, `gongkai unit list`.
#include <iostream>

#include "engine/definition_json.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

std::string standard_name(const ItemStandard& s) {
  return s.name_level2.empty() ? s.name_level1 : s.name_level2;
}

json standard_summary(const ItemStandard& s) {
  return json{{"id", s.id},
              {"name", standard_name(s)},
              {"name_level1", s.name_level1},
              {"name_level2", s.name_level2},
              {"kind", to_string(s.kind)},
              {"domain", s.domain},
              {"interpretation_required", s.interpretation_required}};
}

// The definitions to show: the database's latest version when a database exists, else the
// shipped folder.
Result<std::shared_ptr<const DefinitionSet>> current_definitions(const Globals& globals) {
  std::error_code ec;
  if (std::filesystem::exists(globals.db, ec)) {
    auto engine = open_engine(globals, false);
    if (!engine.ok()) return engine.status();
    return (*engine)->definitions();
  }
  auto set = load_definitions(default_definitions_dir());
  if (!set.ok()) return set.status();
  return std::shared_ptr<const DefinitionSet>(std::make_shared<DefinitionSet>(std::move(*set)));
}

int run_init(const Globals& globals, const std::string& definitions_dir, bool simulation) {
  if (!globals.now.empty() && !simulation) {
    return fail(Status(Errc::simulation_only, "--now is accepted only with --simulation"));
  }
  const std::string dir = definitions_dir.empty() ? default_definitions_dir() : definitions_dir;
  auto engine = Engine::init(globals.db, dir, simulation);
  if (!engine.ok()) return fail(engine.status());
  auto set = (*engine)->definitions();
  json out = {{"database", globals.db},
              {"simulation", (*engine)->is_simulation()},
              {"definitions_version", (*engine)->definitions_version()},
              {"definitions_digest", set->digest},
              {"standards", set->standards.size()},
              {"units", set->units.size()}};
  if (globals.json) {
    print_json(out);
  } else {
    std::cout << "initialised " << globals.db
              << (out["simulation"].get<bool>() ? " (simulation)" : "") << ": definitions version "
              << out["definitions_version"] << ", " << set->standards.size() << " standards, "
              << set->units.size() << " units\n";
  }
  return 0;
}

int run_catalog_list(const Globals& globals, const std::string& unit_id) {
  auto set = current_definitions(globals);
  if (!set.ok()) return fail(set.status());
  std::vector<const ItemStandard*> standards;
  if (unit_id.empty()) {
    for (const auto& s : (*set)->standards) standards.push_back(&s);
  } else {
    const Unit* unit = (*set)->find_unit(unit_id);
    if (!unit) return fail(Status(Errc::unit_not_found, "no pilot unit '" + unit_id + "'"));
    standards = (*set)->standards_for_unit(*unit);
  }
  json out = json::array();
  for (const ItemStandard* s : standards) out.push_back(standard_summary(*s));
  if (globals.json) {
    print_json(out);
    return 0;
  }
  for (const ItemStandard* s : standards) {
    std::cout << s->id << "  " << s->name_level1 << " / " << s->name_level2 << "  ["
              << to_string(s->kind) << (s->interpretation_required ? ", 解读" : "") << "]\n";
  }
  std::cout << standards.size() << " standards\n";
  return 0;
}

int run_catalog_show(const Globals& globals, const std::string& id) {
  auto set = current_definitions(globals);
  if (!set.ok()) return fail(set.status());
  const ItemStandard* s = (*set)->find_standard(id);
  if (!s) return fail(Status(Errc::standard_not_found, "no item standard '" + id + "'"));
  const json j = definition_json::to_json(*s);
  if (globals.json) {
    print_json(j);
  } else {
    std::cout << j.dump(2, ' ', false) << "\n";
  }
  return 0;
}

int run_catalog_validate(const Globals& globals, const std::string& dir) {
  const std::vector<Status> errors = validate_definitions(dir);
  if (globals.json) {
    json list = json::array();
    for (const auto& e : errors) {
      list.push_back({{"id", std::string(e.id())}, {"message", e.message()}});
    }
    print_json(json{{"valid", errors.empty()}, {"errors", list}});
  } else if (errors.empty()) {
    std::cout << dir << ": valid\n";
  }
  for (const auto& e : errors) std::cerr << e.to_string() << "\n";
  return errors.empty() ? 0 : errors.front().exit_code();
}

int run_catalog_load(const Globals& globals, const std::string& dir) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto load = (*engine)->load_definitions(dir);
  if (!load.ok()) return fail(load.status());
  if (globals.json) {
    print_json(json{{"definitions_version", load->version},
                    {"definitions_digest", load->digest},
                    {"changed", load->changed}});
  } else {
    std::cout << (load->changed ? "loaded as definitions version " : "unchanged: version ")
              << load->version << "\n";
  }
  return 0;
}

int run_unit_list(const Globals& globals, const std::string& province) {
  auto set = current_definitions(globals);
  if (!set.ok()) return fail(set.status());
  if (!province.empty() && !(*set)->find_province(province)) {
    return fail(Status(Errc::province_not_found, "no pilot province '" + province + "'"));
  }
  json out = json::array();
  for (const Unit& u : (*set)->units) {
    if (!province.empty() && u.province != province) continue;
    const Province* p = (*set)->find_province(u.province);
    out.push_back({{"id", u.id},
                   {"name", u.name},
                   {"province", u.province},
                   {"province_name", p ? p->name : ""},
                   {"group", p ? p->group : 0}});
  }
  if (globals.json) {
    print_json(out);
    return 0;
  }
  for (const auto& u : out) {
    std::cout << u["id"].get<std::string>() << "  " << u["province_name"].get<std::string>()
              << u["name"].get<std::string>() << "  (group " << u["group"] << ")\n";
  }
  std::cout << out.size() << " units\n";
  return 0;
}

}  // namespace

void add_init_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* init =
      app.add_subcommand("init", "create a database (or load changed definitions into it)");
  auto definitions = std::make_shared<std::string>();
  auto simulation = std::make_shared<bool>(false);
  init->add_option("--definitions", *definitions, "the definitions folder (default: shipped)");
  init->add_flag("--simulation", *simulation, "a simulation database: --now sets the clock");
  init->callback([&, definitions, simulation] {
    action = [&, definitions, simulation] { return run_init(globals, *definitions, *simulation); };
  });
}

void add_catalog_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* catalog = app.add_subcommand("catalog", "the item standards (公开事项标准目录)");
  catalog->require_subcommand(1);

  auto* list = catalog->add_subcommand("list", "list the item standards");
  auto unit = std::make_shared<std::string>();
  list->add_option("--unit", *unit, "only the standards that apply to this pilot unit");
  list->callback([&, unit] { action = [&, unit] { return run_catalog_list(globals, *unit); }; });

  auto* show = catalog->add_subcommand("show", "show one item standard");
  auto id = std::make_shared<std::string>();
  show->add_option("ID", *id, "the standard's id")->required();
  show->callback([&, id] { action = [&, id] { return run_catalog_show(globals, *id); }; });

  auto* validate = catalog->add_subcommand("validate", "check a definitions folder (no database)");
  auto dir = std::make_shared<std::string>();
  validate->add_option("DIR", *dir, "the folder")->required();
  validate->callback(
      [&, dir] { action = [&, dir] { return run_catalog_validate(globals, *dir); }; });

  auto* load = catalog->add_subcommand("load", "load a changed catalogue as a new version");
  auto load_dir = std::make_shared<std::string>();
  load->add_option("DIR", *load_dir, "the folder")->required();
  load->callback(
      [&, load_dir] { action = [&, load_dir] { return run_catalog_load(globals, *load_dir); }; });

  auto* units = app.add_subcommand("unit", "the pilot units (试点单位)");
  units->require_subcommand(1);
  auto* unit_list = units->add_subcommand("list", "list the pilot units");
  auto province = std::make_shared<std::string>();
  unit_list->add_option("--province", *province, "only this province's units");
  unit_list->callback(
      [&, province] { action = [&, province] { return run_unit_list(globals, *province); }; });
}

}  // namespace gongkai::cli
