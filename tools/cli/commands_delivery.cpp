// Channel deliveries on the command line: `gongkai delivery list`, `gongkai delivery retry`,
// `gongkai deliver --channels CONFIG` (the delivery worker, once), and the deliveries that
// `item show` and `tick --channels` print.
#include <iostream>
#include <limits>
#include <map>

#include "adapters/channels/channel_config.h"
#include "engine/delivery_json.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

using nlohmann::json;

struct ListOptions {
  bool failed = false;
  std::string item, channel, state;
  std::int64_t limit = 0;
};

struct RetryOptions {
  std::string item, channel, actor, role;
};

// The latest delivery of each channel (the item's current state as the channels have it).
std::map<std::string, const Delivery*> latest_by_channel(const std::vector<Delivery>& deliveries) {
  std::map<std::string, const Delivery*> latest;
  for (const Delivery& d : deliveries) {
    auto& slot = latest[d.channel];
    if (!slot || d.item_version > slot->item_version) slot = &d;
  }
  return latest;
}

struct Coverage {
  std::size_t channels = 0, delivered = 0;
  std::string state;   // none, delivered, partly_delivered, not_delivered
  std::string behind;  // "new_media: failed, ..."
};

Coverage coverage_of(const std::vector<Delivery>& deliveries) {
  Coverage c;
  const auto latest = latest_by_channel(deliveries);
  c.channels = latest.size();
  for (const auto& [channel, d] : latest) {
    if (d->state == "delivered") {
      ++c.delivered;
    } else {
      c.behind += (c.behind.empty() ? "" : ", ") + channel + ": " + d->state;
    }
  }
  c.state = c.channels == 0             ? "none"
            : c.delivered == c.channels ? "delivered"
            : c.delivered > 0           ? "partly_delivered"
                                        : "not_delivered";
  return c;
}

void print_delivery_line(const Delivery& d, bool with_item) {
  std::cout << "  " << (with_item ? d.id : d.channel) << "  " << d.kind << "  " << d.state
            << "  attempts " << d.attempts;
  if (d.state == "delivered" && d.delivered_at) {
    std::cout << "  at " << format_local(*d.delivered_at);
  } else if (d.state == "pending" || d.state == "retrying") {
    std::cout << "  next " << format_local(d.next_attempt_at);
  }
  if (!d.last_error.empty()) std::cout << "  last error: " << d.last_error;
  std::cout << "\n";
}

int run_list(const Globals& globals, const ListOptions& o) {
  auto engine = open_engine(globals, false);
  if (!engine.ok()) return fail(engine.status());
  DeliveryQuery query;
  query.item_id = o.item;
  query.channel = o.channel;
  query.state = o.failed ? "failed" : o.state;
  query.limit = o.limit;
  if (!query.state.empty() && query.state != "pending" && query.state != "delivered" &&
      query.state != "retrying" && query.state != "failed") {
    return fail(Status(
        Errc::invalid_argument,
        "unknown state '" + query.state + "'; states are pending, delivered, retrying, failed"));
  }
  auto rows = (*engine)->deliveries(query);
  if (!rows.ok()) return fail(rows.status());
  if (globals.json) {
    json out = json::array();
    for (const Delivery& d : *rows) out.push_back(delivery_to_json(d, /*with_document=*/false));
    print_json(out);
    return 0;
  }
  for (const Delivery& d : *rows) print_delivery_line(d, true);
  std::cout << rows->size() << (query.state.empty() ? "" : " " + query.state)
            << (rows->size() == 1 ? " delivery" : " deliveries") << "\n";
  return 0;
}

int run_retry(const Globals& globals, const RetryOptions& o) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  DeliveryQuery query;
  query.item_id = o.item;
  query.channel = o.channel;
  query.state = "failed";
  auto failed = (*engine)->deliveries(query);
  if (!failed.ok()) return fail(failed.status());
  auto item = (*engine)->retry_deliveries(o.item, o.channel, o.actor, o.role, *now);
  if (!item.ok()) return fail(item.status());
  if (globals.json) {
    json ids = json::array();
    for (const Delivery& d : *failed) ids.push_back(d.id);
    print_json(json{{"item_id", item->id}, {"version", item->version}, {"retrying", ids}});
    return 0;
  }
  std::cout << item->id << ": " << failed->size()
            << (failed->size() == 1 ? " failed delivery" : " failed deliveries")
            << " back in the outbox (version " << item->version << ")\n";
  for (const Delivery& d : *failed) std::cout << "  " << d.id << "\n";
  return 0;
}

json report_json(const DeliveryReport& r) {
  return json{{"delivered", r.delivered}, {"retrying", r.retrying}, {"failed", r.failed}};
}

int run_deliver(const Globals& globals, const std::string& config) {
  auto engine = open_engine(globals, true);
  if (!engine.ok()) return fail(engine.status());
  auto now = now_option(globals);
  if (!now.ok()) return fail(now.status());
  auto report = run_delivery_worker(**engine, config, *now);
  if (!report.ok()) return fail(report.status());
  if (globals.json) {
    print_json(report_json(*report));
  } else {
    std::cout << "deliver: " << report->delivered << " delivered, " << report->retrying
              << " retrying, " << report->failed << " failed\n";
  }
  return 0;
}

}  // namespace

Result<DeliveryReport> run_delivery_worker(Engine& engine, const std::string& config_path,
                                           std::optional<Instant> at) {
  auto definitions = engine.definitions();
  auto registry = channels::load_channel_registry(config_path, definitions.get(),
                                                  [&engine] { return engine.definitions(); });
  if (!registry.ok()) return registry.status();
  const DeliveryPolicy policy = (*registry)->config().policy;
  DeliveryReport total;
  // One run takes a batch; keep going while runs come back full (bounded, in case other workers
  // keep the outbox busy).
  for (int round = 0; round < 10000; ++round) {
    auto report = engine.run_deliveries(**registry, policy, at);
    if (!report.ok()) return report.status();
    total.delivered += report->delivered;
    total.retrying += report->retrying;
    total.failed += report->failed;
    if (report->delivered + report->retrying + report->failed < policy.batch) break;
  }
  return total;
}

void add_deliveries_json(nlohmann::json& item, const std::vector<Delivery>& deliveries) {
  json rows = json::array();
  for (const Delivery& d : deliveries) rows.push_back(delivery_to_json(d, /*with_document=*/false));
  item["deliveries"] = std::move(rows);
  item["delivery_status"] = delivery_status_json(deliveries);
}

void print_deliveries(const std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return;
  const Coverage c = coverage_of(deliveries);
  std::cout << "  deliveries  ";
  if (c.state == "delivered") {
    std::cout << "delivered to all " << c.channels << " channels\n";
  } else if (c.state == "partly_delivered") {
    std::cout << "PARTLY DELIVERED: " << c.delivered << " of " << c.channels << " channels ("
              << c.behind << ")\n";
  } else {
    std::cout << "not delivered yet: 0 of " << c.channels << " channels (" << c.behind << ")\n";
  }
  for (const Delivery& d : deliveries) print_delivery_line(d, false);
}

void add_delivery_commands(CLI::App& app, Globals& globals, Action& action) {
  auto* delivery = app.add_subcommand("delivery", "channel deliveries (the outbox)");
  delivery->require_subcommand(1);

  auto l = std::make_shared<ListOptions>();
  auto* list = delivery->add_subcommand("list", "list deliveries, oldest first");
  list->add_flag("--failed", l->failed, "only those that failed for good");
  list->add_option("--state", l->state, "pending, delivered, retrying or failed");
  list->add_option("--item", l->item, "only this item's");
  list->add_option("--channel", l->channel, "only this channel's");
  list->add_option("--limit", l->limit, "at most N")
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max()));
  list->callback([&, l] { action = [&, l] { return run_list(globals, *l); }; });

  auto r = std::make_shared<RetryOptions>();
  auto* retry = delivery->add_subcommand(
      "retry", "put an item's failed deliveries back in the outbox (recorded in its history)");
  retry->add_option("ITEM", r->item, "the item's id")->required();
  retry->add_option("--channel", r->channel, "only this channel's (default: every failed one)");
  retry->add_option("--actor", r->actor, "who asks")->required();
  retry->add_option("--role", r->role, "the actor's role");
  retry->callback([&, r] { action = [&, r] { return run_retry(globals, *r); }; });

  auto config = std::make_shared<std::string>();
  auto* deliver = app.add_subcommand(
      "deliver", "run the delivery worker once: hand every due delivery to its channel");
  deliver
      ->add_option("--channels", *config,
                   "the channel configuration (docs/channels.md; sample: "
                   "definitions/channels.config.example.json)")
      ->required();
  deliver->callback(
      [&, config] { action = [&, config] { return run_deliver(globals, *config); }; });
}

}  // namespace gongkai::cli
