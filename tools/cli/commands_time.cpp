// Legal time on the command line: `gongkai calendar ...`, `gongkai deadline ...`,
// `gongkai item explain`, `gongkai tick`.
#include <filesystem>
#include <iostream>
#include <limits>

#include "engine/explain_json.h"
#include "engine/item_json.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

// The calendars to compute with: the database's latest when a database exists, else the shipped
// folder.
Result<std::shared_ptr<const CalendarSet>> current_calendars(const Globals& globals) {
  std::error_code ec;
  if (std::filesystem::exists(globals.db, ec)) {
    auto engine = open_engine(globals, false);
    if (!engine.ok()) return engine.status();
    auto set = (*engine)->calendars();
    if (!set) return Status(Errc::calendar_not_found, "the database holds no calendars");
    return set;
  }
  auto set = load_calendar_directory(default_definitions_dir() + "/calendars");
  if (!set.ok()) return set.status();
  return std::shared_ptr<const CalendarSet>(std::make_shared<CalendarSet>(std::move(*set)));
}

Result<Calendar> pick_calendar(const CalendarSet& set, const std::string& id, int version,
                               const std::string& as_of) {
  if (!set.contains(id)) {
    std::string ids;
    for (const auto& known : set.ids()) ids += (ids.empty() ? "" : ", ") + known;
    return Status(Errc::calendar_not_found, "no calendar '" + id + "' (calendars: " + ids + ")");
  }
  if (version > 0) {
    auto c = set.version(id, version);
    if (!c.ok()) return Status(Errc::calendar_not_found, c.status().message());
    return c;
  }
  if (!as_of.empty()) {
    auto t = parse_instant(as_of);
    if (!t.ok()) return t.status();
    auto c = set.as_of(id, *t);
    if (!c.ok()) return Status(Errc::calendar_not_found, c.status().message());
    return c;
  }
  return set.latest(id);
}

struct AddOptions {
  std::string calendar = "cn", from, as_of;
  int version = 0;
  std::int64_t working_days = 0, calendar_days = 0, hours = 0;
  bool has_working_days = false, has_calendar_days = false, has_hours = false;
};

int run_calendar_add(const Globals& globals, const AddOptions& o) {
  for (auto [has, amount, name] : {std::tuple{o.has_working_days, o.working_days, "--working-days"},
                                   {o.has_calendar_days, o.calendar_days, "--calendar-days"},
                                   {o.has_hours, o.hours, "--hours"}}) {
    if (has && amount < 0) {
      return fail(Status(Errc::invalid_argument, std::string(name) + " " + std::to_string(amount) +
                                                     ": an amount of time cannot be negative"));
    }
  }
  const int given = o.has_working_days + o.has_calendar_days + o.has_hours;
  if (given != 1) {
    return fail(
        Status(Errc::usage, "give exactly one of --working-days, --calendar-days, --hours"));
  }
  auto from = parse_instant(o.from);
  if (!from.ok()) return fail(from.status());
  auto set = current_calendars(globals);
  if (!set.ok()) return fail(set.status());
  auto calendar = pick_calendar(**set, o.calendar, o.version, o.as_of);
  if (!calendar.ok()) return fail(calendar.status());
  Result<Deadline> due = Status(Errc::internal, "unreachable");
  if (o.has_working_days) due = calendar->add_working_days(*from, o.working_days);
  if (o.has_calendar_days) due = calendar->add_calendar_days(*from, o.calendar_days);
  if (o.has_hours) due = calendar->add_hours(*from, o.hours);
  if (!due.ok()) return fail(due.status());
  const json out = computation_json(*due);
  if (globals.json) {
    print_json(out);
    return 0;
  }
  std::cout << "due " << due->last_day.to_string() << " (the period ends " << format_local(due->due)
            << ")" << (due->provisional ? "  PROVISIONAL" : "") << "\n"
            << "  " << due->rule << "\n  calendar " << due->calendar_id << " version "
            << due->calendar_version << "\n";
  for (const auto& s : due->steps)
    std::cout << "  " << s.date.to_string() << "  " << s.what << "\n";
  return 0;
}

int run_is_working_day(const Globals& globals, const std::string& id, const std::string& date_text,
                       int version, const std::string& as_of) {
  auto date = parse_date(date_text);
  if (!date.ok()) return fail(date.status());
  auto set = current_calendars(globals);
  if (!set.ok()) return fail(set.status());
  auto calendar = pick_calendar(**set, id, version, as_of);
  if (!calendar.ok()) return fail(calendar.status());
  const DayInfo day = calendar->day(*date);
  const json out = {{"date", date->to_string()},
                    {"working_day", day.working},
                    {"reason", day.reason()},
                    {"calendar", calendar->id()},
                    {"calendar_version", calendar->version()},
                    {"provisional", day.provisional()}};
  if (globals.json) {
    print_json(out);
  } else {
    std::cout << date->to_string() << ": " << (day.working ? "working day" : "rest day") << " ("
              << day.reason() << ")" << (day.provisional() ? "  PROVISIONAL" : "") << "\n";
  }
  return 0;
}

int run_calendar_list(const Globals& globals) {
  auto set = current_calendars(globals);
  if (!set.ok()) return fail(set.status());
  json out = json::array();
  for (const auto& id : (*set)->ids()) {
    const CalendarDefinition* def = (*set)->find(id);
    json versions = json::array();
    for (const auto& v : def->versions) {
      versions.push_back(
          {{"version", v.version}, {"published", v.published.to_string()}, {"source", v.source}});
    }
    out.push_back({{"id", id}, {"name", def->name}, {"base", def->base}, {"versions", versions}});
  }
  if (globals.json) {
    print_json(out);
    return 0;
  }
  for (const auto& c : out) {
    std::cout << c["id"].get<std::string>() << "  " << c["name"].get<std::string>() << "  "
              << c["versions"].size() << " versions\n";
  }
  return 0;
}

int run_calendar_load(const Globals& globals, const std::string& dir) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  auto load = (*engine)->load_calendars(dir, *now);
  if (!load.ok()) return fail(load.status());
  if (globals.json) {
    print_json(json{{"calendars_version", load->version},
                    {"digest", load->digest},
                    {"changed", load->changed},
                    {"recomputed", load->recomputed}});
  } else {
    std::cout << (load->changed ? "loaded as calendars version " : "unchanged: version ")
              << load->version << "; " << load->recomputed << " open deadlines moved\n";
  }
  return 0;
}

// "48 hours from raised — <time limit text> (<legal basis>)", without the parts a rule has not.
std::string rule_line(const std::string& rule, const std::string& time_limit,
                      const std::string& basis) {
  std::string line = rule;
  if (!time_limit.empty()) line += " — " + time_limit;
  if (!basis.empty()) line += " (" + basis + ")";
  return line;
}

int run_explain(const Globals& globals, const std::string& id) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto explained = (*engine)->explain(id);
  if (!explained.ok()) return fail(explained.status());
  auto notices = (*engine)->explain_notices(id);
  if (!notices.ok()) return fail(notices.status());
  if (globals.json) {
    print_json(explanations_to_json(*explained, *notices));
    return 0;
  }
  for (const auto& x : *explained) {
    const ItemDeadline& d = x.deadline;
    std::cout << d.id << "  [" << to_string(d.state) << ", " << to_string(d.origin) << "]  due "
              << d.last_day.to_string() << " (" << format_local(d.due) << ")"
              << (d.provisional ? "  PROVISIONAL" : "") << "\n"
              << "  rule: " << rule_line(x.rule, x.time_limit_text, x.legal_basis)
              << "\n  trigger: " << d.trigger << " at " << format_local(d.trigger_at) << "\n"
              << "  calendar: " << x.computation.calendar_id << " version "
              << x.computation.calendar_version << " (" << d.calendar << ")\n";
    if (d.extended > 0) std::cout << "  extended by " << d.extended << " " << d.unit << "\n";
    if (d.paused_days > 0) std::cout << "  paused " << d.paused_days << " " << d.unit << "\n";
    if (d.paused_ms > 0) std::cout << "  paused " << d.paused_ms / 60000 << " minutes\n";
    for (const auto& s : x.computation.steps) {
      std::cout << "    " << s.date.to_string() << "  " << s.what << "\n";
    }
    for (const Event& e : x.controls) {
      std::cout << "  " << format_local(e.at) << "  " << e.type << " by " << e.actor
                << (e.reason.empty() ? "" : " (" + e.reason + ")") << "\n";
    }
  }
  for (const auto& x : *notices) {
    const ItemNotice& n = x.notice;
    std::cout << n.id << "  [" << to_string(n.state) << ", " << to_string(n.origin) << "]  ends "
              << n.last_day.to_string() << " (" << format_local(n.ends_at) << ")"
              << (n.provisional ? "  PROVISIONAL" : "") << "\n"
              << "  rule: " << rule_line(x.rule, x.time_limit_text, x.legal_basis)
              << "\n  starts: published at " << format_local(n.starts_at) << " (revision "
              << n.revision << ")\n"
              << "  calendar: " << x.computation.calendar_id << " version "
              << x.computation.calendar_version << " (" << n.calendar << ")\n";
    for (const auto& s : x.computation.steps) {
      std::cout << "    " << s.date.to_string() << "  " << s.what << "\n";
    }
    if (n.cut_short_at) {
      std::cout << "  CUT SHORT by " << n.cut_short_by << " at " << format_local(*n.cut_short_at)
                << " (" << n.cut_short_reason << "), before the minimum was served\n";
    }
    for (const Event& e : x.records) {
      std::cout << "  " << format_local(e.at) << "  " << e.type << " by " << e.actor
                << (e.reason.empty() ? "" : " (" + e.reason + ")") << "\n";
    }
  }
  return 0;
}

struct ControlOptions {
  std::string item, deadline, actor, role, reason, command_id;
  std::int64_t by = 0;
  std::int64_t expect_version = -1;
};

int run_control(const Globals& globals, DeadlineControl action, const ControlOptions& o) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  DeadlineControlRequest r;
  r.item_id = o.item;
  r.deadline_id = o.deadline;
  r.action = action;
  r.amount = o.by;
  r.actor = o.actor;
  r.role = o.role;
  r.reason = o.reason;
  r.command_id = o.command_id;
  if (o.expect_version >= 0) r.expected_version = o.expect_version;
  r.at = *now;
  if (Status s = check_control_actor(globals, **engine, r); !s.ok()) return fail(s);
  auto item = (*engine)->control_deadline(r);
  if (!item.ok()) return fail(item.status());
  const ItemDeadline* d = item->find_deadline(o.deadline);
  if (globals.json) {
    print_json(item_to_json(*item, TimeStyle::local));
  } else if (d) {
    std::cout << item->id << " " << d->id << ": " << to_string(d->state) << ", due "
              << d->last_day.to_string() << " (" << format_local(d->due) << ")\n";
  }
  return 0;
}

int run_tick(const Globals& globals, const std::string& channels) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  auto report = (*engine)->run_due(*now);
  if (!report.ok()) return fail(report.status());
  json out = {
      {"published", report->published},
      {"steps_fired", report->steps_fired},
      {"notices_served", report->notices_served},
      {"recomputed", report->recomputed},
      {"next_timer", report->next_timer ? json(format_local(*report->next_timer)) : json(nullptr)}};
  // With --channels, the delivery worker runs too (after the timers: a publication it fired is
  // delivered in the same tick).
  std::optional<DeliveryReport> delivered;
  if (!channels.empty()) {
    auto deliveries = run_delivery_worker(**engine, channels, *now);
    if (!deliveries.ok()) return fail(deliveries.status());
    delivered = *deliveries;
    out["deliveries"] = {{"delivered", delivered->delivered},
                         {"retrying", delivered->retrying},
                         {"failed", delivered->failed}};
  }
  if (globals.json) {
    print_json(out);
  } else {
    std::cout << "tick: " << report->published << " published, " << report->steps_fired
              << " escalation steps, " << report->recomputed << " deadlines recomputed";
    if (report->notices_served > 0) {
      std::cout << ", " << report->notices_served << " notice periods served";
    }
    std::cout << "; next " << (report->next_timer ? format_local(*report->next_timer) : "none")
              << "\n";
    if (delivered) {
      std::cout << "deliver: " << delivered->delivered << " delivered, " << delivered->retrying
                << " retrying, " << delivered->failed << " failed\n";
    }
  }
  return 0;
}

void add_control(CLI::App& parent, const char* name, const char* help, DeadlineControl action,
                 Globals& globals, Action& action_out) {
  auto o = std::make_shared<ControlOptions>();
  auto* cmd = parent.add_subcommand(name, help);
  cmd->add_option("ITEM", o->item, "the item's id")->required();
  cmd->add_option("DEADLINE", o->deadline, "the deadline's id (see `item show`)")->required();
  cmd->add_option("--actor", o->actor, "who does it")->required();
  cmd->add_option("--role", o->role, "the actor's role (required to extend)");
  cmd->add_option("--reason", o->reason, "why")->required();
  cmd->add_option("--command-id", o->command_id, "idempotency key");
  cmd->add_option("--expect-version", o->expect_version, "refuse unless the item is at N")
      ->check(whole_number(0, std::numeric_limits<std::int64_t>::max()));
  if (action == DeadlineControl::extend) {
    cmd->add_option("--by", o->by, "how much, in the deadline's unit")
        ->required()
        ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()));
  }
  cmd->callback([&globals, &action_out, o, action] {
    action_out = [&globals, o, action] { return run_control(globals, action, *o); };
  });
}

}  // namespace

void add_time_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* calendar = app.add_subcommand("calendar", "working-day calendars and legal time");
  calendar->require_subcommand(1);

  auto a = std::make_shared<AddOptions>();
  auto* add = calendar->add_subcommand("add", "a due date: a period added to a date or instant");
  add->add_option("--calendar", a->calendar, "the calendar's id")->capture_default_str();
  add->add_option("--from", a->from, "the trigger (YYYY-MM-DD or RFC 3339)")->required();
  // Negative amounts pass the check so that run_calendar_add names them (ANegativeAmount...).
  const auto amount = whole_number(std::numeric_limits<std::int64_t>::min() + 1,
                                   std::numeric_limits<std::int64_t>::max());
  auto* wd = add->add_option("--working-days", a->working_days, "N working days (next-day rule)")
                 ->check(amount);
  auto* cd = add->add_option("--calendar-days", a->calendar_days,
                             "N calendar days (extended past rest days)")
                 ->check(amount);
  auto* hr = add->add_option("--hours", a->hours, "N hours around the clock")->check(amount);
  auto* add_version =
      add->add_option("--calendar-version", a->version, "a specific version (default: the latest)")
          ->check(whole_number(1, std::numeric_limits<int>::max()));
  add->add_option("--as-of", a->as_of, "the version in force at this instant")
      ->excludes(add_version);
  add->callback([&, a, wd, cd, hr] {
    a->has_working_days = wd->count() > 0;
    a->has_calendar_days = cd->count() > 0;
    a->has_hours = hr->count() > 0;
    action = [&, a] { return run_calendar_add(globals, *a); };
  });

  auto id = std::make_shared<std::string>("cn");
  auto date = std::make_shared<std::string>();
  auto version = std::make_shared<int>(0);
  auto as_of = std::make_shared<std::string>();
  auto* is_working = calendar->add_subcommand("is-working-day", "is a date a working day");
  is_working->add_option("--calendar", *id, "the calendar's id")->capture_default_str();
  is_working->add_option("DATE", *date, "YYYY-MM-DD")->required();
  auto* day_version = is_working->add_option("--calendar-version", *version, "a specific version")
                          ->check(whole_number(1, std::numeric_limits<int>::max()));
  is_working->add_option("--as-of", *as_of, "the version in force at this instant")
      ->excludes(day_version);
  is_working->callback([&, id, date, version, as_of] {
    action = [&, id, date, version, as_of] {
      return run_is_working_day(globals, *id, *date, *version, *as_of);
    };
  });

  auto* list = calendar->add_subcommand("list", "the calendars and their versions");
  list->callback([&] { action = [&] { return run_calendar_list(globals); }; });

  auto dir = std::make_shared<std::string>();
  auto* load = calendar->add_subcommand("load", "load changed calendars; open deadlines move");
  load->add_option("DIR", *dir, "the calendars folder")->required();
  load->callback([&, dir] { action = [&, dir] { return run_calendar_load(globals, *dir); }; });

  auto* deadline = app.add_subcommand("deadline", "control a deadline's clock");
  deadline->require_subcommand(1);
  add_control(*deadline, "pause", "pause a running deadline", DeadlineControl::pause, globals,
              action);
  add_control(*deadline, "resume", "resume a paused deadline", DeadlineControl::resume, globals,
              action);
  add_control(*deadline, "extend", "extend a deadline within the standard's cap",
              DeadlineControl::extend, globals, action);

  auto item_id = std::make_shared<std::string>();
  auto* item = app.get_subcommand("item");
  auto* explain = item->add_subcommand("explain", "how each deadline of an item was derived");
  explain->add_option("ITEM", *item_id, "the item's id")->required();
  explain->callback(
      [&, item_id] { action = [&, item_id] { return run_explain(globals, *item_id); }; });

  auto channels = std::make_shared<std::string>();
  auto* tick = app.add_subcommand("tick", "fire every timer due now, once, and exit");
  tick->add_option("--channels", *channels,
                   "also run the delivery worker once with this channel configuration");
  tick->callback(
      [&, channels] { action = [&, channels] { return run_tick(globals, *channels); }; });
}

}  // namespace gongkai::cli
