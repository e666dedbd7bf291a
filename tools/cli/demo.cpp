// `gongkai demo`: the simulated pilot year with its defaults (tools/cli/commands_simulate.cpp), or
// with --walkthrough the lifecycle walk-through: a fresh simulation database, items across several
// pilot units driven through every path of the lifecycle, their histories, a summary, and a
// passing `audit verify`.
#include <filesystem>
#include <iostream>
#include <map>

#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using namespace std::chrono_literals;

class Demo {
 public:
  Demo(Engine& engine, bool quiet) : engine_(engine), quiet_(quiet) {}

  // The simulated clock: every step moves it on.
  Instant now{};

  Item create(const std::string& unit, const ItemStandard& standard, const std::string& title,
              const std::string& actor, const std::string& content) {
    CreateItemRequest r;
    r.unit_id = unit;
    r.standard_id = standard.id;
    r.title = title;
    r.actor = actor;
    r.content = content;
    r.at = tick(1h);
    auto item = engine_.create_item(r);
    if (!item.ok()) throw std::runtime_error(item.status().to_string());
    say(item->id, "created", actor, "in " + unit + " (" + standard.id + ")");
    items_.push_back(item->id);
    return *item;
  }

  // Fires an event that must be accepted.
  Item fire(const std::string& id, EventType event, const std::string& actor,
            const std::function<void(FireRequest&)>& set = {},
            std::chrono::milliseconds after = 2h) {
    auto result = attempt(id, event, actor, set, after);
    if (!result.ok()) throw std::runtime_error(result.status().to_string());
    return *result;
  }

  // Fires an event that the engine must refuse; shows the refusal.
  void refused(const std::string& id, EventType event, const std::string& actor,
               const std::function<void(FireRequest&)>& set = {}) {
    auto result = attempt(id, event, actor, set, 10min);
    if (result.ok()) {
      throw std::runtime_error("the demo expected '" + std::string(to_string(event)) +
                               "' to be refused");
    }
    ++refusals_[std::string(result.status().id())];
  }

  const std::vector<std::string>& items() const { return items_; }
  const std::map<std::string, int>& refusals() const { return refusals_; }

 private:
  Instant tick(std::chrono::milliseconds d) {
    now += d;
    return now;
  }

  Result<Item> attempt(const std::string& id, EventType event, const std::string& actor,
                       const std::function<void(FireRequest&)>& set,
                       std::chrono::milliseconds after) {
    FireRequest r;
    r.item_id = id;
    r.event = event;
    r.actor = actor;
    if (set) set(r);
    r.at = tick(after);
    auto result = engine_.fire(r);
    if (result.ok()) {
      say(id, std::string(to_string(event)), actor,
          "→ " + std::string(to_string(result->stage)) +
              (r.reason.empty() ? "" : "  reason: " + r.reason));
    } else {
      say(id, std::string(to_string(event)), actor, "REFUSED " + result.status().to_string());
    }
    return result;
  }

  void say(const std::string& id, const std::string& what, const std::string& actor,
           const std::string& detail) {
    if (quiet_) return;
    std::cout << "  " << format_local(now).substr(0, 16) << "  " << id << "  " << what << " by "
              << actor << "  " << detail << "\n";
  }

  Engine& engine_;
  bool quiet_;
  std::vector<std::string> items_;
  std::map<std::string, int> refusals_;
};

const ItemStandard* pick(const DefinitionSet& set, const Unit& unit, bool interpretation) {
  for (const ItemStandard* s : set.standards_for_unit(unit)) {
    if (s->interpretation_required == interpretation) return s;
  }
  return nullptr;
}

int run_demo(const Globals& globals, const std::string& db, bool quiet) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix, ec);
  auto opened = Engine::init(db, default_definitions_dir(), true);
  if (!opened.ok()) return fail(opened.status());
  Engine& engine = **opened;
  auto set = engine.definitions();
  std::cout << "gongkai demo — a simulation database at " << db << " (definitions version "
            << engine.definitions_version() << ", " << set->standards.size() << " standards, "
            << set->units.size() << " pilot units)\n\n";

  Demo demo(engine, quiet);
  auto start = parse_instant("2026-03-02T09:00:00+08:00");
  demo.now = *start;
  // Units from the three domain groups.
  std::vector<const Unit*> units;
  for (const char* province_group : {"1", "2", "3"}) {
    for (const Unit& u : set->units) {
      const Province* p = set->find_province(u.province);
      if (p && std::to_string(p->group) == province_group) {
        units.push_back(&u);
        break;
      }
    }
  }
  for (const Unit& u : set->units) {
    if (units.size() >= 4) break;
    if (std::find(units.begin(), units.end(), &u) == units.end()) units.push_back(&u);
  }

  int n = 0;
  for (const Unit* unit : units) {
    const ItemStandard* with = pick(*set, *unit, true);
    const ItemStandard* without = pick(*set, *unit, false);
    if (!with || !without) continue;
    const std::string drafter = "drafter." + unit->id;
    const std::string reviewer = "reviewer." + unit->id;
    std::cout << "── " << unit->name << " (" << unit->id << ")\n";

    // 1. The full course with interpretation and public concerns.
    Item a = demo.create(
        unit->id, *with, with->name_level2 + "（" + std::to_string(++n) + "）", drafter,
        "依据" + (with->legal_basis.empty() ? std::string("有关规定") : with->legal_basis[0]) +
            "公开" + with->name_level2 + "。");
    demo.refused(a.id, EventType::publish, drafter);  // drafting does not publish
    demo.fire(a.id, EventType::submit, drafter);
    demo.refused(a.id, EventType::approve, drafter);  // four eyes
    demo.fire(a.id, EventType::approve, reviewer);
    a = demo.fire(a.id, EventType::publish, reviewer);
    demo.refused(a.id, EventType::interpret, "interpreter", [](FireRequest&) {});  // no material
    demo.fire(a.id, EventType::interpret, "interpreter." + unit->id,
              [](FireRequest& r) { r.text = "政策解读：本事项的背景、依据和主要内容。"; });
    demo.fire(a.id, EventType::raise_concern, "responder." + unit->id,
              [](FireRequest& r) { r.text = "群众询问办理时限。"; });
    demo.fire(
        a.id, EventType::raise_concern, "responder." + unit->id,
        [](FireRequest& r) {
          r.text = "网络舆情：对补助标准的集中关注。";
          r.major = true;
        },
        30min);
    demo.refused(a.id, EventType::close, reviewer);  // concerns open
    demo.fire(
        a.id, EventType::respond, "responder." + unit->id,
        [](FireRequest& r) {
          r.concern = 2;
          r.text = "已发布权威信息说明补助标准。";
        },
        3h);
    a = demo.fire(a.id, EventType::respond, "responder." + unit->id,
                  [](FireRequest& r) { r.text = "办理时限为20个工作日。"; });
    demo.now = *a.response_window_end;
    demo.fire(a.id, EventType::close, reviewer);

    // 2. Rejected, resubmitted, released without interpretation, closed.
    Item b =
        demo.create(unit->id, *without, without->name_level2 + "（" + std::to_string(++n) + "）",
                    drafter, without->name_level2 + "的公开内容。");
    demo.fire(b.id, EventType::submit, drafter);
    demo.refused(b.id, EventType::reject, reviewer);  // a reason is required
    demo.fire(b.id, EventType::reject, reviewer,
              [](FireRequest& r) { r.reason = "公开依据引用不完整"; });
    demo.fire(b.id, EventType::submit, drafter);
    demo.fire(b.id, EventType::approve, reviewer);
    b = demo.fire(b.id, EventType::publish, reviewer);
    demo.now = *b.response_window_end;
    demo.fire(b.id, EventType::close, reviewer);

    // 3. Scheduled publication, then withdrawn.
    Item c =
        demo.create(unit->id, *without, without->name_level2 + "（" + std::to_string(++n) + "）",
                    drafter, "拟公开内容。");
    demo.fire(c.id, EventType::submit, drafter);
    const Instant publish_at = demo.now + 48h;
    demo.fire(c.id, EventType::approve, reviewer,
              [&](FireRequest& r) { r.publish_at = publish_at; });
    demo.refused(c.id, EventType::publish, reviewer);  // not yet due
    demo.now = publish_at;
    demo.fire(c.id, EventType::publish, "timer");
    demo.refused(c.id, EventType::withdraw, reviewer);  // a reason is required
    demo.fire(c.id, EventType::withdraw, reviewer,
              [](FireRequest& r) { r.reason = "信息有误，撤回后重新发布"; });

    // 4. Personal data caught by the confidentiality scan, overridden; then corrected.
    Item d = demo.create(unit->id, *with, with->name_level2 + "（" + std::to_string(++n) + "）",
                         drafter, "联系人：张三，电话 13812345678。");
    demo.fire(d.id, EventType::submit, drafter);
    demo.refused(d.id, EventType::approve, reviewer);  // the scan finds a mobile number
    demo.fire(d.id, EventType::approve, reviewer,
              [](FireRequest& r) { r.reason = "单位办公电话，经保密审查可以公开"; });
    demo.fire(d.id, EventType::publish, reviewer);
    demo.fire(d.id, EventType::correct, drafter, [](FireRequest& r) {
      r.reason = "更正联系方式";
      r.text = "联系人：办公室，电话 010-12345678。";
    });
    demo.fire(d.id, EventType::approve, reviewer);
    demo.fire(d.id, EventType::publish, reviewer);
    demo.fire(d.id, EventType::interpret, "interpreter." + unit->id,
              [](FireRequest& r) { r.text = "更正后的政策解读。"; });
    std::cout << "\n";
  }

  // Histories of two items, the summary, and the audit.
  std::cout << "── histories\n";
  for (std::size_t i = 0; i < demo.items().size() && i < 2; ++i) {
    auto events = engine.history(demo.items()[i]);
    if (!events.ok()) return fail(events.status());
    std::cout << demo.items()[i] << "\n";
    for (const Event& e : *events) {
      std::cout << "  #" << e.item_seq << "  " << format_local(e.at) << "  " << e.type << " by "
                << e.actor << "  " << e.hash.substr(0, 16) << "…\n";
    }
  }
  auto all = engine.list_items({});
  if (!all.ok()) return fail(all.status());
  std::map<std::string, int> by_stage;
  for (const Item& item : *all) ++by_stage[std::string(to_string(item.stage))];
  std::cout << "\n── summary\n  " << all->size() << " items in " << units.size() << " units:";
  for (const auto& [stage, count] : by_stage) std::cout << " " << stage << "=" << count;
  std::cout << "\n  refused as expected (nothing appended):";
  for (const auto& [id, count] : demo.refusals()) std::cout << " " << id << "×" << count;
  std::cout << "\n";
  auto report = engine.verify();
  if (!report.ok()) return fail(report.status());
  std::cout << "\naudit verify: ok — " << report->events << " events, " << report->items
            << " items replayed; chain head seq " << report->head.seq << " " << report->head.hash
            << "\n";
  (void)globals;
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, Globals& globals, Action& action) {
  auto* demo = app.add_subcommand(
      "demo",
      "the main job: the simulated pilot year (all 100 units, 2017-09-01 … 2018-08-31, a fixed "
      "seed) on a fresh simulation database, a summary and `audit verify`; --walkthrough shows "
      "a few items driven through every lifecycle path instead");
  auto args = std::make_shared<PilotYearArgs>();
  args->database = "var/demo.db";
  auto walkthrough = std::make_shared<bool>(false);
  add_pilot_year_options(*demo, *args);
  demo->add_flag("--walkthrough", *walkthrough,
                 "drive a few items through every path of the lifecycle, step by step (with "
                 "--quiet: only the histories, the summary and the audit)");
  demo->callback([&, args, walkthrough] {
    action = [&, args, walkthrough] {
      if (*walkthrough) {
        if (Status s = check_simulation_target(args->database); !s.ok()) return fail(s);
        return run_demo(globals, args->database, args->quiet);
      }
      return run_pilot_year(globals, *args);
    };
  });
}

}  // namespace gongkai::cli
