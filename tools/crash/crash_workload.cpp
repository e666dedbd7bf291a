#include "tools/crash/crash_workload.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

namespace gongkai::crash {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

void write_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

Result<Item> run_command(Engine& engine, const json& c) {
  const std::string op = c.at("op");
  if (op == "create") {
    CreateItemRequest r;
    r.standard_id = c.at("standard");
    r.unit_id = c.at("unit");
    r.title = c.at("title");
    r.content = c.at("content");
    r.actor = c.at("actor");
    r.formed_at = *parse_instant(c.at("formed_at").get<std::string>());
    r.at = *parse_instant(c.at("at").get<std::string>());
    r.command_id = c.at("key");
    return engine.create_item(r);
  }
  FireRequest r;
  r.item_id = c.at("item");
  r.event = *parse_event_type(c.at("event").get<std::string>());
  r.actor = c.at("actor");
  r.reason = c.value("reason", "");
  r.text = c.value("text", "");
  r.major = c.value("major", false);
  if (c.contains("publish_at")) {
    r.publish_at = *parse_instant(c.at("publish_at").get<std::string>());
  }
  r.at = *parse_instant(c.at("at").get<std::string>());
  r.command_id = c.at("key");
  return engine.fire(r);
}

// The next command that moves `item` on, as JSON (without key and at), or null when it is done.
json next_command(const Item& item, Rng& rng, Instant at) {
  json c = {{"op", "fire"}, {"item", item.id}};
  const std::string other = item.submitted_by == kActors[0] ? kActors[1] : kActors[0];
  switch (item.stage) {
    case Stage::drafting:
      c["event"] = "submit";
      c["actor"] = kActors[rng.below(2)];
      break;
    case Stage::review:
      c["event"] = "approve";
      c["actor"] = other;
      if (rng.chance(30)) c["publish_at"] = format_utc(at + std::chrono::minutes(20));
      break;
    case Stage::release:
      if (item.publish_at && *item.publish_at > at) return nullptr;  // the timer will publish it
      c["event"] = rng.chance(8) ? "withdraw" : "publish";
      c["actor"] = other;
      c["reason"] = "撤回";
      break;
    case Stage::interpretation:
      c["event"] = rng.chance(10) ? "correct" : "interpret";
      c["actor"] = kActors[rng.below(2)];
      c["text"] = "解读材料";
      c["reason"] = "更正";
      break;
    case Stage::response:
      if (item.open_concerns() > 0 && rng.chance(60)) {
        c["event"] = "respond";
        c["text"] = "答复";
      } else if (item.concerns.size() < 3) {
        c["event"] = "raise_concern";
        c["text"] = "关切";
        c["major"] = rng.chance(50);
      } else {
        c["event"] = "withdraw";
        c["reason"] = "撤回";
      }
      c["actor"] = kActors[rng.below(2)];
      break;
    default:
      return nullptr;
  }
  return c;
}

DeliveryOutcome FileReceiver::deliver(const Delivery& d) {
  if (flaky_ && flaky_->chance(20)) return DeliveryOutcome::transient("503");
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return DeliveryOutcome::transient(std::strerror(errno));
  const std::string line = d.id + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  return ok ? DeliveryOutcome::ok() : DeliveryOutcome::transient("write");
}

// Runs until killed: commands on the engine, each reported before ("SEND") and after ("ACK").
[[noreturn]] void generate(const std::string& db, int fd, std::uint64_t seed, int round,
                           Instant start, const std::vector<Target>& targets,
                           const std::string& receiver_log) {
  Rng rng(seed);
  auto opened = Engine::open(db);
  if (!opened.ok()) {
    write_line(fd, "FATAL " + opened.status().to_string());
    _exit(4);
  }
  Engine& engine = **opened;
  FileReceiver receiver(receiver_log, &rng);
  DeliveryPolicy policy;
  policy.max_attempts = 4;
  policy.first_backoff = 1min;
  std::map<std::string, Item> open_items;
  if (auto all = engine.list_items({}); all.ok()) {
    for (auto& item : *all) {
      if (!is_terminal(item.stage)) open_items[item.id] = item;
    }
  }
  write_line(fd, "READY");
  Instant at = start;
  for (int i = 0;; ++i) {
    at += 1min;
    const auto roll = rng.below(100);
    if (roll < 12) {
      write_line(fd, "TICK");
      auto report = engine.run_due(at);
      if (!report.ok()) write_line(fd, "FATAL run_due " + report.status().to_string());
      continue;
    }
    if (roll < 20) {
      write_line(fd, "DELIVER");
      auto report = engine.run_deliveries(receiver, policy, at);
      if (!report.ok()) write_line(fd, "FATAL run_deliveries " + report.status().to_string());
      continue;
    }
    json c;
    if (roll < 35 || open_items.size() < 3) {
      const Target& t = targets[rng.below(targets.size())];
      c = {{"op", "create"},
           {"standard", t.standard},
           {"unit", t.unit},
           {"title", "事项 " + std::to_string(round) + "-" + std::to_string(i)},
           {"content", "公开内容"},
           {"actor", kActors[rng.below(2)]},
           // formed long ago: the publication deadline's reminders and breaches come due
           {"formed_at", format_utc(at - 24h * 40)}};
    } else {
      auto it = open_items.begin();
      std::advance(it, static_cast<long>(rng.below(open_items.size())));
      c = next_command(it->second, rng, at);
      if (c.is_null()) continue;
    }
    c["key"] = "r" + std::to_string(round) + "-" + std::to_string(i);
    c["at"] = format_utc(at);
    write_line(fd, "SEND " + c.dump());
    auto item = run_command(engine, c);
    if (!item.ok()) {
      write_line(fd, "NACK " + c.at("key").get<std::string>() + " " + item.status().to_string());
      if (c.at("op") == "fire") open_items.erase(c.at("item").get<std::string>());
      continue;
    }
    write_line(fd, "ACK " + c.at("key").get<std::string>() + " " + item->id + " " +
                       std::to_string(item->version));
    if (is_terminal(item->stage)) {
      open_items.erase(item->id);
    } else {
      open_items[item->id] = *item;
    }
  }
}

}  // namespace gongkai::crash
