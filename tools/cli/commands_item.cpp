// `gongkai item create|fire|show|list|history`.
#include <algorithm>
#include <iostream>
#include <limits>

#include "engine/fire_fields.h"
#include "engine/item_json.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

struct CreateOptions {
  std::string standard, unit, title, actor, role, content_file, formed_at, command_id;
};

struct FireOptions {
  std::string item, event, actor, role, reason, text, text_file, command_id, publish_at;
  std::int64_t expect_version = -1;
  int concern = 0;
  bool major = false;
};

struct ListOptions {
  bool overdue = false;
  std::string unit, stage;
  std::int64_t limit = 0, offset = 0;
};

void print_item(const Globals& globals, const Item& item) {
  if (globals.json) {
    print_json(item_to_json(item, TimeStyle::local));
    return;
  }
  std::cout << item.id << "  " << item.title << "\n"
            << "  stage     " << to_string(item.stage) << "   version " << item.version
            << "   revision " << item.revision << "\n"
            << "  unit      " << item.unit_id << "   standard " << item.standard_id
            << " (definitions v" << item.definition_version << ")\n"
            << "  created   " << format_local(item.created_at) << " by " << item.created_by << "\n";
  if (!item.submitted_by.empty()) std::cout << "  submitted by " << item.submitted_by << "\n";
  if (!item.approved_by.empty()) std::cout << "  approved by  " << item.approved_by << "\n";
  if (item.publish_at) std::cout << "  publish at   " << format_local(*item.publish_at) << "\n";
  if (item.published_at) std::cout << "  published    " << format_local(*item.published_at) << "\n";
  if (!item.interpretation.empty())
    std::cout << "  interpretation: " << item.interpretation << "\n";
  for (const Concern& c : item.concerns) {
    std::cout << "  concern " << c.number << (c.major ? " (major)" : "") << ": " << c.text
              << (c.answered ? "  → " + c.answer : "  [open]") << "\n";
  }
  if (!item.withdrawn_reason.empty()) std::cout << "  withdrawn: " << item.withdrawn_reason << "\n";
  for (const ItemDeadline& d : item.deadlines) {
    std::cout << "  deadline " << d.id << "  " << to_string(d.state) << "  due "
              << d.last_day.to_string() << " (" << format_local(d.due) << ")  "
              << to_string(d.origin) << (d.provisional ? "  PROVISIONAL" : "") << "\n";
  }
  for (const ItemNotice& n : item.notices) {
    std::cout << "  notice " << n.id << "  " << to_string(n.state) << "  at least " << n.amount
              << " " << n.unit << " from " << format_local(n.starts_at) << ", ends "
              << n.last_day.to_string() << " (" << format_local(n.ends_at) << ")  "
              << to_string(n.origin) << (n.provisional ? "  PROVISIONAL" : "");
    if (n.cut_short_at) {
      std::cout << "  CUT SHORT by " << n.cut_short_by << " at " << format_local(*n.cut_short_at);
    }
    std::cout << "\n";
  }
}

int run_create(const Globals& globals, const CreateOptions& o) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  CreateItemRequest request;
  request.standard_id = o.standard;
  request.unit_id = o.unit;
  request.title = o.title;
  request.actor = o.actor;
  request.role = o.role;
  request.command_id = o.command_id;
  if (!o.content_file.empty()) {
    auto content = read_text_file(o.content_file);
    if (!content.ok()) return fail(content.status());
    request.content = std::move(*content);
  }
  if (!o.formed_at.empty()) {
    auto formed = parse_instant(o.formed_at);
    if (!formed.ok()) return fail(formed.status());
    request.formed_at = *formed;
  }
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  request.at = *now;
  if (Status s = check_create_actor(globals, request); !s.ok()) return fail(s);
  auto item = (*engine)->create_item(request);
  if (!item.ok()) return fail(item.status());
  print_item(globals, *item);
  return 0;
}

int run_fire(const Globals& globals, const FireOptions& o) {
  auto event = parse_event_type(o.event);
  if (!event || *event == EventType::created) {
    std::string names;
    for (EventType e : kFireableEvents)
      names += (names.empty() ? "" : ", ") + std::string(to_string(e));
    return fail(
        Status(Errc::invalid_argument, "unknown event '" + o.event + "'; events are " + names));
  }
  FireRequest request;
  request.item_id = o.item;
  request.event = *event;
  request.actor = o.actor;
  request.role = o.role;
  request.reason = o.reason;
  request.text = o.text;
  request.major = o.major;
  request.command_id = o.command_id;
  if (!o.text_file.empty()) {
    auto text = read_text_file(o.text_file);
    if (!text.ok()) return fail(text.status());
    request.text = std::move(*text);
  }
  if (o.concern > 0) request.concern = o.concern;
  if (o.expect_version >= 0) request.expected_version = o.expect_version;
  if (!o.publish_at.empty()) {
    auto t = parse_instant(o.publish_at);
    if (!t.ok()) return fail(t.status());
    request.publish_at = *t;
  }
  if (Status s = check_fields_apply(request); !s.ok()) return fail(s);
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  request.at = *now;
  if (Status s = check_fire_actor(globals, **engine, request); !s.ok()) return fail(s);
  auto item = (*engine)->fire(request);
  if (!item.ok()) return fail(item.status());
  print_item(globals, *item);
  return 0;
}

int run_show(const Globals& globals, const std::string& id) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto item = (*engine)->get_item(id);
  if (!item.ok()) return fail(item.status());
  DeliveryQuery query;
  query.item_id = item->id;
  auto deliveries = (*engine)->deliveries(query);
  if (!deliveries.ok()) return fail(deliveries.status());
  if (globals.json) {
    json out = item_to_json(*item, TimeStyle::local);
    add_deliveries_json(out, *deliveries);
    print_json(out);
    return 0;
  }
  print_item(globals, *item);
  print_deliveries(*deliveries);
  return 0;
}

int run_overdue(const Globals& globals) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  auto overdue = (*engine)->overdue(*now);
  if (!overdue.ok()) return fail(overdue.status());
  if (globals.json) {
    json out = json::array();
    for (const auto& o : *overdue) {
      out.push_back({{"item_id", o.item_id},
                     {"unit_id", o.unit_id},
                     {"title", o.title},
                     {"deadline", o.deadline.id},
                     {"kind", o.deadline.kind},
                     {"state", to_string(o.deadline.state)},
                     {"due", o.deadline.last_day.to_string()},
                     {"due_at", format_local(o.deadline.due)},
                     {"origin", to_string(o.deadline.origin)}});
    }
    print_json(out);
    return 0;
  }
  for (const auto& o : *overdue) {
    std::cout << o.item_id << "  " << o.deadline.id << "  " << to_string(o.deadline.state)
              << "  due " << format_local(o.deadline.due) << "  " << o.unit_id << "  " << o.title
              << "\n";
  }
  std::cout << overdue->size() << " overdue deadlines\n";
  return 0;
}

int run_list(const Globals& globals, const ListOptions& o) {
  if (o.overdue) return run_overdue(globals);
  ItemFilter filter;
  filter.unit_id = o.unit;
  filter.limit = o.limit;
  filter.offset = o.offset;
  if (!o.stage.empty()) {
    auto stage = parse_stage(o.stage);
    if (!stage) return fail(Status(Errc::invalid_argument, "unknown stage '" + o.stage + "'"));
    filter.stage = *stage;
  }
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  // A unit no pilot unit has is a mistake to name, not a unit without items (as for the report).
  if (!o.unit.empty() && !(*engine)->definitions()->find_unit(o.unit)) {
    return fail(
        Status(Errc::unit_not_found, "no pilot unit '" + o.unit + "' (see `gongkai unit list`)"));
  }
  auto items = (*engine)->list_items(filter);
  if (!items.ok()) return fail(items.status());
  if (globals.json) {
    json out = json::array();
    for (const Item& item : *items) out.push_back(item_to_json(item, TimeStyle::local));
    print_json(out);
    return 0;
  }
  for (const Item& item : *items) {
    std::cout << item.id << "  " << to_string(item.stage) << "  v" << item.version << "  "
              << item.unit_id << "  " << item.title << "\n";
  }
  std::cout << items->size() << " items\n";
  return 0;
}

int run_history(const Globals& globals, const std::string& id) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  auto events = (*engine)->history(id);
  if (!events.ok()) return fail(events.status());
  if (globals.json) {
    json out = json::array();
    for (const Event& e : *events) out.push_back(event_to_json(e, TimeStyle::local));
    print_json(out);
    return 0;
  }
  for (const Event& e : *events) {
    std::cout << "#" << e.item_seq << "  " << format_local(e.at) << "  " << e.type << "  by "
              << e.actor << (e.reason.empty() ? "" : "  (" + e.reason + ")") << "  "
              << e.hash.substr(0, 12) << "\n";
  }
  return 0;
}

}  // namespace

void add_item_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* item = app.add_subcommand("item", "disclosure items (公开事项)");
  item->require_subcommand(1);

  auto c = std::make_shared<CreateOptions>();
  auto* create = item->add_subcommand("create", "create an item in drafting");
  create->add_option("--standard", c->standard, "the item standard's id")->required();
  create->add_option("--unit", c->unit, "the pilot unit's id")->required();
  create->add_option("--title", c->title, "the title")->required();
  create->add_option("--actor", c->actor, "who creates it")->required();
  create->add_option("--role", c->role, "the actor's role");
  create->add_option("--content-file", c->content_file, "a UTF-8 file with the content");
  create->add_option("--formed-at", c->formed_at, "when the information was formed (RFC 3339)");
  create->add_option("--command-id", c->command_id, "idempotency key");
  create->callback([&, c] { action = [&, c] { return run_create(globals, *c); }; });

  auto f = std::make_shared<FireOptions>();
  auto* fire = item->add_subcommand("fire", "fire a lifecycle event at an item");
  fire->add_option("ITEM", f->item, "the item's id")->required();
  fire->add_option("EVENT", f->event,
                   "submit, approve, reject, publish, interpret, raise_concern, respond, close, "
                   "withdraw, correct")
      ->required();
  fire->add_option("--actor", f->actor, "who fires it")->required();
  fire->add_option("--role", f->role, "the actor's role");
  fire->add_option("--reason", f->reason, "the reason (reject, withdraw, correct, override)");
  auto* text =
      fire->add_option("--text", f->text, "interpretation, concern, answer or corrected content");
  fire->add_option("--text-file", f->text_file, "the text from a UTF-8 file")->excludes(text);
  fire->add_option("--expect-version", f->expect_version, "refuse unless the item is at N")
      ->check(whole_number(0, std::numeric_limits<std::int64_t>::max()));
  fire->add_option("--command-id", f->command_id, "idempotency key");
  fire->add_option("--concern", f->concern, "respond: the concern's number")
      ->check(whole_number(1, std::numeric_limits<int>::max()));
  fire->add_flag("--major", f->major, "raise_concern: a major public-opinion event (5 h)");
  fire->add_option("--publish-at", f->publish_at, "approve: schedule the publication");
  fire->callback([&, f] { action = [&, f] { return run_fire(globals, *f); }; });

  auto id = std::make_shared<std::string>();
  auto* show = item->add_subcommand("show", "show an item");
  show->add_option("ITEM", *id, "the item's id")->required();
  show->callback([&, id] { action = [&, id] { return run_show(globals, *id); }; });

  auto l = std::make_shared<ListOptions>();
  auto* list = item->add_subcommand("list", "list items");
  list->add_option("--unit", l->unit, "only this unit's items");
  list->add_option("--stage", l->stage, "only items in this stage");
  list->add_option("--limit", l->limit, "at most N items")
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()));
  list->add_option("--offset", l->offset, "skip the first N items")
      ->check(whole_number(0, std::numeric_limits<std::int64_t>::max()));
  list->add_flag("--overdue", l->overdue, "breached deadlines across items instead");
  list->callback([&, l] { action = [&, l] { return run_list(globals, *l); }; });

  auto hid = std::make_shared<std::string>();
  auto* history = item->add_subcommand("history", "an item's events");
  history->add_option("ITEM", *hid, "the item's id")->required();
  history->callback([&, hid] { action = [&, hid] { return run_history(globals, *hid); }; });
}

}  // namespace gongkai::cli
