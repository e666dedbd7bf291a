// `gongkai website topic`: rebuild the province special-topic pages (试点工作专题).
#include <iostream>
#include <limits>
#include <set>

#include "adapters/channels/channel_config.h"
#include "adapters/channels/province_topic.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct TopicOptions {
  std::string province, channels, web_root;
  bool all = false;
  std::size_t releases = channels::kTopicReleasesPerUnit;
};

// The web roots the province's units publish to: --web-root, or every website target of the
// configuration for the province's units.
Result<std::set<fs::path>> web_roots(const TopicOptions& o, const DefinitionSet& defs,
                                     const Province& province) {
  std::set<fs::path> roots;
  if (!o.web_root.empty()) {
    roots.insert(fs::absolute(o.web_root));
    return roots;
  }
  auto config = channels::load_channel_config(o.channels, &defs);
  if (!config.ok()) return config.status();
  for (const Unit& u : defs.units) {
    if (u.province != province.id) continue;
    for (const ChannelDefinition& c : defs.channels) {
      const channels::ChannelTarget* target = config->target(u.id, c.id);
      if (target && target->adapter == channels::AdapterKind::website) {
        roots.insert(target->web_root);
      }
    }
  }
  return roots;
}

int run_topic(const Globals& globals, const TopicOptions& o) {
  if (o.all == !o.province.empty()) {
    return fail(Status(Errc::usage, "give exactly one of --province P and --all"));
  }
  if (o.channels.empty() == o.web_root.empty()) {
    return fail(Status(Errc::usage, "give exactly one of --channels FILE and --web-root DIR"));
  }
  if (o.releases == 0) {
    return fail(Status(Errc::invalid_argument, "--releases must be at least 1"));
  }
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  const auto defs = (*engine)->definitions();
  std::vector<const Province*> provinces;
  for (const Province& p : defs->provinces) {
    if (o.all || p.id == o.province) provinces.push_back(&p);
  }
  if (provinces.empty()) {
    return fail(Status(Errc::unit_not_found, "no pilot province '" + o.province + "'"));
  }
  json out = json::array();
  for (const Province* p : provinces) {
    auto roots = web_roots(o, *defs, *p);
    if (!roots.ok()) return fail(roots.status());
    for (const fs::path& root : *roots) {
      auto written = channels::write_province_topic(root, *defs, p->id, o.releases);
      if (!written.ok()) return fail(written.status());
      out.push_back({{"province", p->id},
                     {"path", written->path.string()},
                     {"units", written->units},
                     {"releases", written->releases},
                     {"changed", written->changed}});
    }
  }
  if (globals.json) {
    print_json(out);
    return 0;
  }
  for (const auto& w : out) {
    std::cout << (w["changed"].get<bool>() ? "wrote " : "unchanged ")
              << w["path"].get<std::string>() << "  (" << w["units"] << " units, " << w["releases"]
              << " releases)\n";
  }
  std::cout << out.size() << " province pages\n";
  return 0;
}

}  // namespace

void add_website_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* website = app.add_subcommand("website", "the website channel's pages");
  website->require_subcommand(1);
  auto o = std::make_shared<TopicOptions>();
  auto* topic = website->add_subcommand(
      "topic",
      "rebuild the province special-topic pages (试点工作专题) from the database's definitions "
      "and the units' sites");
  topic->add_option("--province", o->province, "the province's id (e.g. beijing)");
  topic->add_flag("--all", o->all, "every pilot province");
  topic->add_option("--channels", o->channels,
                    "the channel configuration: the pages go to every web root the province's "
                    "units publish to");
  topic->add_option("--web-root", o->web_root, "or one web root");
  topic->add_option("--releases", o->releases, "latest releases per unit (default 10)")
      ->check(whole_number(1, 1000));
  topic->callback([&, o] { action = [&, o] { return run_topic(globals, *o); }; });
}

}  // namespace gongkai::cli
