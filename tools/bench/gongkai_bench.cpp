// gongkai-bench: the engine measured against the physical limit of this machine, in one run.
//
//   build/bin/gongkai-bench [--dir DIR] [--seconds S] [--open-items N] [--verify-events N]
//   build/bin/gongkai-bench --verify-only DB [--repeat N]
//
// 1. durable commands/s through the engine at 1, 8 and 64 concurrent callers (synchronous=FULL),
//    beside raw SQLite inserts of rows of the same size with the same pragmas (one transaction per
//    row, and 64 rows per transaction), and their ratios;
// 2. the state machine per event vs a hand-written switch;
// 3. `audit verify` events/s; replay of one item;
// 4. start-up with N open items with deadlines: time to have the timers armed, peak RSS, and how
//    late a due timer is recorded (measured in a fresh child process), beside the same with no
//    items; the memory per open item is the difference of the two peaks over N (never below 0);
// 5. each command's latency (p50, p99, worst) at 1, 8 and 64 callers, and the storage alone (the
//    engine's own commits, prebuilt, straight to the store) beside raw SQLite and the engine.
// Results are printed as a table; docs/performance.md explains the method and records a run.
// --verify-only measures (3) alone, N times, on an existing database (e.g. DIR/verify.db, which a
// full run leaves behind), to compare changes to `audit verify` on the same data.
#include <time.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/item_json.h"
#include "engine/item_schedule.h"
#include "engine/lifecycle.h"
#include "engine/sha256.h"
#include "gongkai/engine.h"
#include "gongkai/scheduler.h"
#include "gongkai/store.h"

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace gongkai;

namespace {

struct Options {
  std::string dir = "var/bench";
  double seconds = 3.0;
  std::int64_t open_items = 1000000;
  std::int64_t verify_events = 200000;
  std::string probe_db;     // internal: the start-up probe runs in a child
  std::string verify_only;  // measure `audit verify` alone on this database
  int repeat = 1;
  int engine_only = 0;   // measure only the engine at this many callers (for profiling)
  int storage_only = 0;  // measure only the storage at this many commands per transaction
};

double now_s() {
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

long rss_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return 0;
}

void fresh(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

std::unique_ptr<Engine> make_engine(const std::string& path) {
  fresh(path);
  auto engine = Engine::init(path, default_definitions_dir(), /*simulation=*/false);
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    std::exit(1);
  }
  return std::move(*engine);
}

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A rate and the process's CPU time per operation while it was measured (user + system, all
// threads): on a shared machine the rate moves with the disk and the run queue, the CPU per
// operation much less.
struct Rate {
  double per_s = 0;
  double cpu_us = 0;
  // Each command's latency as its caller saw it (call to acknowledgment), in µs: the median, the
  // 99th percentile and the worst (engine measurements only).
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// The q-quantile (0 <= q <= 1) of `sorted` (ascending, not empty): the nearest rank.
double quantile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

// The two commands every engine caller alternates on its item (in review): a rejection with a
// reason, and the resubmission.
std::pair<FireRequest, FireRequest> reject_and_submit(const std::string& item_id) {
  FireRequest reject;
  reject.item_id = item_id;
  reject.event = EventType::reject;
  reject.actor = "reviewer";
  reject.reason = "退回修改：" + std::string(200, 'x');
  FireRequest submit = reject;
  submit.event = EventType::submit;
  submit.actor = "drafter";
  submit.reason.clear();
  return {reject, submit};
}

// An item in `review`: submit and reject alternate on it without its state growing.
std::string item_in_review(Engine& engine, int n) {
  auto defs = engine.definitions();
  const Unit& unit = defs->units[static_cast<std::size_t>(n) % defs->units.size()];
  const ItemStandard* standard = nullptr;
  for (const ItemStandard* s : defs->standards_for_unit(unit)) {
    if (!s->interpretation_required) standard = s;
  }
  CreateItemRequest c;
  c.standard_id = standard->id;
  c.unit_id = unit.id;
  c.title = "bench " + std::to_string(n);
  c.actor = "drafter";
  auto item = engine.create_item(c);
  FireRequest f;
  f.item_id = item->id;
  f.event = EventType::submit;
  f.actor = "drafter";
  engine.fire(f);
  return item->id;
}

// Durable commands/s with `callers` threads, each rejecting and resubmitting its own item (a
// state of constant size, a review deadline opened and closed by every pair).
Rate engine_rate(const std::string& dir, int callers, double seconds, std::int64_t* events) {
  auto engine = make_engine(dir + "/engine-" + std::to_string(callers) + ".db");
  std::vector<std::string> items;
  for (int i = 0; i < callers; ++i) items.push_back(item_in_review(*engine, i));
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> done{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(callers));
  std::vector<std::thread> threads;
  const double start = now_s();
  const double cpu_start = process_cpu_s();
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      const auto [reject, submit] = reject_and_submit(items[static_cast<std::size_t>(i)]);
      std::vector<double>& mine = latencies[static_cast<std::size_t>(i)];
      for (bool in_review = true; !stop.load(std::memory_order_relaxed); in_review = !in_review) {
        const double asked = now_s();
        if (engine->fire(in_review ? reject : submit).ok()) {
          mine.push_back((now_s() - asked) * 1e6);
          done.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = now_s() - start;
  const double cpu = process_cpu_s() - cpu_start;
  if (events) *events = done.load();
  Rate rate{static_cast<double>(done.load()) / elapsed,
            1e6 * cpu / static_cast<double>(std::max<std::int64_t>(done.load(), 1))};
  std::vector<double> all;
  for (const auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    rate.p50_us = quantile(all, 0.50);
    rate.p99_us = quantile(all, 0.99);
    rate.max_us = all.back();
  }
  return rate;
}

// The storage alone: the commits the engine makes in engine_rate (a rejection, then the
// resubmission, of each of `per_tx` items in review), built once by the engine and then handed to
// the store directly, `per_tx` commands per transaction — no evaluation, no state machine, no
// state document, no group-commit queue; the store still checks each expected version, chains and
// hashes each event, and writes the projection row and what changes of the schedule. What the
// engine adds on top of its storage is the difference to engine_rate; what the storage design
// costs over a bare row is the difference to raw_rate.
Rate store_rate(const std::string& dir, int per_tx, double seconds) {
  const std::string path = dir + "/store-" + std::to_string(per_tx) + ".db";
  std::vector<CommitRequest> rejects;
  std::vector<CommitRequest> submits;
  std::vector<std::int64_t> versions;
  {
    auto engine = make_engine(path);
    for (int i = 0; i < per_tx; ++i) {
      const auto [reject, submit] = reject_and_submit(item_in_review(*engine, i));
      for (const FireRequest* f : {&reject, &submit}) {
        auto before = engine->get_item(f->item_id);
        auto after = engine->fire(*f);
        auto events = engine->history(f->item_id);
        if (!before.ok() || !after.ok() || !events.ok()) {
          std::cerr << "store_rate: the engine refused a command\n";
          std::exit(1);
        }
        const Event& e = events->back();
        CommitRequest c;
        c.item_id = f->item_id;
        c.events.push_back(NewEvent{e.type, e.actor, e.role, e.reason, e.command_id, e.at,
                                    e.payload, e.definition_version, e.calendar_version});
        c.projection = item_record(*after);
        schedule_of(*after, c.timers, c.deadlines);
        c.schedule_before.emplace();  // as the engine does
        schedule_of(*before, c.schedule_before->timers, c.schedule_before->deadlines);
        (f == &reject ? rejects : submits).push_back(std::move(c));
      }
      versions.push_back(engine->get_item(reject.item_id)->version);
    }
  }
  auto opened = open_sqlite_store(path);
  if (!opened.ok()) {
    std::cerr << opened.status().to_string() << "\n";
    std::exit(1);
  }
  Store& store = **opened;
  std::int64_t commands = 0;
  const double start = now_s();
  const double cpu_start = process_cpu_s();
  for (bool in_review = true; now_s() - start < seconds; in_review = !in_review) {
    std::vector<CommitRequest>& batch = in_review ? rejects : submits;
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].expected_version = versions[i]++;
    for (const auto& outcome : store.commit(batch)) {
      if (!outcome.ok()) {
        std::cerr << outcome.status().to_string() << "\n";
        std::exit(1);
      }
    }
    commands += per_tx;
  }
  const double cpu = process_cpu_s() - cpu_start;
  return Rate{static_cast<double>(commands) / (now_s() - start),
              1e6 * cpu / static_cast<double>(std::max<std::int64_t>(commands, 1))};
}

// A database of about `events` events for `audit verify`: items of every unit driven through a
// whole course (drafted, rejected once, approved, published, interpreted where the standard asks
// for it, a concern raised and answered), by 8 threads, with synchronous=NORMAL so that filling it
// is quick; verifying reads it the same way whatever the setting it was written with.
std::int64_t fill_for_verify(const std::string& path, std::int64_t events) {
  fresh(path);
  SqliteOptions options;
  options.synchronous = "NORMAL";
  auto opened = Engine::init(path, default_definitions_dir(), /*simulation=*/false);
  if (!opened.ok()) {
    std::cerr << opened.status().to_string() << "\n";
    std::exit(1);
  }
  opened->reset();
  auto reopened = Engine::open(path, options);
  if (!reopened.ok()) {
    std::cerr << reopened.status().to_string() << "\n";
    std::exit(1);
  }
  Engine& engine = **reopened;
  auto defs = engine.definitions();
  std::atomic<std::int64_t> written{0};
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (written.load() < events) {
        const int n = next.fetch_add(1);
        const Unit& unit = defs->units[static_cast<std::size_t>(n) % defs->units.size()];
        const auto standards = defs->standards_for_unit(unit);
        const ItemStandard* standard =
            standards[static_cast<std::size_t>(n / 100) % standards.size()];
        CreateItemRequest c;
        c.standard_id = standard->id;
        c.unit_id = unit.id;
        c.title = "核验基准事项 " + std::to_string(n);
        c.content = "公开内容：" + std::string(120, 'x');
        c.actor = "drafter";
        auto item = engine.create_item(c);
        if (!item.ok()) continue;
        std::int64_t count = 1;
        auto fire = [&](EventType type, const std::string& actor,
                        const std::function<void(FireRequest&)>& set = {}) {
          FireRequest f;
          f.item_id = item->id;
          f.event = type;
          f.actor = actor;
          if (set) set(f);
          if (engine.fire(f).ok()) ++count;
        };
        fire(EventType::submit, "drafter");
        fire(EventType::reject, "reviewer",
             [](FireRequest& f) { f.reason = "依据不全，退回修改"; });
        fire(EventType::submit, "drafter");
        fire(EventType::approve, "reviewer");
        fire(EventType::publish, "reviewer");
        if (standard->interpretation_required) {
          fire(EventType::interpret, "interpreter", [](FireRequest& f) { f.text = "政策解读"; });
        }
        fire(EventType::raise_concern, "public",
             [](FireRequest& f) { f.text = "办理时限是多少？"; });
        fire(EventType::respond, "responder", [](FireRequest& f) { f.text = "二十个工作日"; });
        written.fetch_add(count);
      }
    });
  }
  for (auto& t : threads) t.join();
  return written.load();
}

// Raw SQLite: 300-byte rows with a SHA-256 each, WAL, synchronous=FULL, `per_tx` rows a commit.
Rate raw_rate(const std::string& dir, int per_tx, double seconds) {
  const std::string path = dir + "/raw-" + std::to_string(per_tx) + ".db";
  fresh(path);
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, item_id TEXT, payload TEXT, hash TEXT)");
  SQLite::Statement insert(db, "INSERT INTO events (item_id, payload, hash) VALUES (?, ?, ?)");
  const std::string payload(300, 'x');
  std::int64_t rows = 0;
  const double start = now_s();
  const double cpu_start = process_cpu_s();
  while (now_s() - start < seconds) {
    SQLite::Transaction tx(db);
    for (int i = 0; i < per_tx; ++i) {
      insert.reset();
      insert.bind(1, "gk-000001");
      insert.bind(2, payload);
      insert.bind(3, sha256_hex(payload + std::to_string(rows)));
      insert.exec();
      ++rows;
    }
    tx.commit();
  }
  const double cpu = process_cpu_s() - cpu_start;
  return Rate{static_cast<double>(rows) / (now_s() - start),
              1e6 * cpu / static_cast<double>(std::max<std::int64_t>(rows, 1))};
}

int switch_next(int stage, int event) {
  switch (stage * 16 + event) {
    case 0 * 16 + 1:
      return 1;
    case 1 * 16 + 2:
      return 2;
    case 1 * 16 + 3:
      return 0;
    case 2 * 16 + 4:
      return 3;
    case 3 * 16 + 5:
      return 4;
    case 4 * 16 + 6:
      return 4;
    case 4 * 16 + 7:
      return 4;
    case 4 * 16 + 8:
      return 5;
    default:
      return -1;
  }
}

void state_machine(double* msm_ns, double* switch_ns) {
  Item item;
  item.submitted_by = "drafter";
  item.concerns.push_back(Concern{});
  ItemStandard standard;
  TransitionInput in;
  in.item = &item;
  in.standard = &standard;
  in.actor = "reviewer";
  in.text = "t";
  in.concern = 1;
  const EventType cycle[] = {EventType::raise_concern, EventType::respond};
  constexpr int kN = 2000000;
  Lifecycle machine;
  machine.place_in(Stage::response);
  double start = now_s();
  int accepted = 0;
  for (int i = 0; i < kN; ++i) {
    in.event = cycle[i & 1];
    accepted += machine.fire(in).ok();
  }
  *msm_ns = (now_s() - start) * 1e9 / kN;
  volatile int stage = 4;
  start = now_s();
  int sum = 0;
  for (int i = 0; i < kN; ++i) sum += switch_next(stage, 6 + (i & 1));
  *switch_ns = (now_s() - start) * 1e9 / kN;
  if (accepted + sum == -1) std::cout << "";
}

int probe_startup(const std::string& db) {
  const double start = now_s();
  auto engine = Engine::open(db);
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    return 1;
  }
  auto report = (*engine)->run_due();
  auto next = (*engine)->next_timer();
  const double ready = now_s() - start;
  // A release scheduled 1.5 s ahead, fired by the scheduler: how late is it recorded?
  Scheduler scheduler(**engine, milliseconds(1000));
  scheduler.start();
  auto defs = (*engine)->definitions();
  const Unit& unit = defs->units.front();
  CreateItemRequest c;
  c.standard_id = defs->standards_for_unit(unit).front()->id;
  c.unit_id = unit.id;
  c.title = "probe";
  c.actor = "drafter";
  auto item = (*engine)->create_item(c);
  FireRequest f;
  f.item_id = item->id;
  f.event = EventType::submit;
  f.actor = "drafter";
  (*engine)->fire(f);
  f.event = EventType::approve;
  f.actor = "reviewer";
  const Instant due = system_now() + milliseconds(1500);
  f.publish_at = due;
  (*engine)->fire(f);
  double late_ms = -1;
  for (int i = 0; i < 100 && late_ms < 0; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    auto now = (*engine)->get_item(item->id);
    if (now.ok() && now->published_at)
      late_ms = static_cast<double>((*now->published_at - due).count());
  }
  scheduler.stop();
  std::cout << "ready_s=" << ready << " rss_kb=" << rss_kb("VmHWM:") << " late_ms=" << late_ms
            << " fired=" << (report.ok() ? report->steps_fired : -1)
            << " next=" << (next.ok() && *next ? format_local(**next) : "none") << "\n";
  return 0;
}

// The line the start-up probe (a child process running `self --probe-startup db`) prints, without
// its line break; "" when it printed none.
std::string probe_line(const char* self, const std::string& db) {
  const std::string command = std::string(self) + " --probe-startup " + db;
  FILE* pipe = popen(command.c_str(), "r");
  char line[512] = {0};
  std::string out;
  if (pipe && std::fgets(line, sizeof line, pipe)) out = line;
  if (pipe) pclose(pipe);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The number after `key` (e.g. "rss_kb=") in a probe line; -1 when it is not there.
long probe_value(const std::string& line, const std::string& key) {
  const auto at = line.find(key);
  return at == std::string::npos ? -1 : std::atol(line.c_str() + at + key.size());
}

// One `audit verify` of `engine`'s database, printed with its wall and CPU time; false (after
// printing the error) when it fails.
bool measure_verify(Engine& engine) {
  const double start = now_s();
  const double cpu_start = process_cpu_s();
  auto report = engine.verify();
  const double elapsed = now_s() - start;
  const double cpu = process_cpu_s() - cpu_start;
  if (!report.ok()) {
    std::cerr << report.status().to_string() << "\n";
    return false;
  }
  std::printf(
      "%-46s %12.0f events/s (%lld events of %lld items, %.3f s; %.3f s of CPU on 2 threads, "
      "%.0f events per CPU-second)\n",
      "audit verify", static_cast<double>(report->events) / elapsed,
      static_cast<long long>(report->events), static_cast<long long>(report->items), elapsed, cpu,
      static_cast<double>(report->events) / cpu);
  return true;
}

// `audit verify` of an existing database, `repeat` times.
int verify_only(const std::string& path, int repeat) {
  auto engine = Engine::open(path);
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    return 1;
  }
  for (int i = 0; i < repeat; ++i) {
    if (!measure_verify(**engine)) return 1;
  }
  return 0;
}

// N items with an open publication deadline, created through the engine (group commit).
double fill(const std::string& path, std::int64_t n) {
  auto engine = make_engine(path);
  auto defs = engine->definitions();
  std::atomic<std::int64_t> next{0};
  std::vector<std::thread> threads;
  const double start = now_s();
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&] {
      for (std::int64_t i = next++; i < n; i = next++) {
        const Unit& unit = defs->units[static_cast<std::size_t>(i) % defs->units.size()];
        CreateItemRequest c;
        c.standard_id = defs->standards_for_unit(unit).front()->id;
        c.unit_id = unit.id;
        c.title = "item " + std::to_string(i);
        c.actor = "drafter";
        if (!engine->create_item(c).ok()) std::abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  return static_cast<double>(n) / (now_s() - start);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--dir")
      o.dir = value();
    else if (a == "--seconds")
      o.seconds = std::stod(value());
    else if (a == "--open-items")
      o.open_items = std::stoll(value());
    else if (a == "--verify-events")
      o.verify_events = std::stoll(value());
    else if (a == "--probe-startup")
      o.probe_db = value();
    else if (a == "--verify-only")
      o.verify_only = value();
    else if (a == "--repeat")
      o.repeat = std::stoi(value());
    else if (a == "--engine-only")
      o.engine_only = std::stoi(value());
    else if (a == "--storage-only")
      o.storage_only = std::stoi(value());
    else {
      std::cerr << "usage: gongkai-bench [--dir DIR] [--seconds S] [--open-items N] "
                   "[--verify-events N]\n       gongkai-bench --verify-only DB [--repeat N]\n"
                   "       gongkai-bench --engine-only CALLERS [--dir DIR] [--seconds S]\n"
                   "       gongkai-bench --storage-only PER_TX [--dir DIR] [--seconds S]\n";
      return 2;
    }
  }
  if (!o.probe_db.empty()) return probe_startup(o.probe_db);
  if (!o.verify_only.empty()) return verify_only(o.verify_only, o.repeat);
  fs::create_directories(o.dir);
  if (o.engine_only > 0) {  // the command path alone, e.g. under perf
    const Rate rate = engine_rate(o.dir, o.engine_only, o.seconds, nullptr);
    std::printf(
        "engine, durable commands, %d callers: %.0f /s (%.1f µs CPU per command; latency %.2f ms "
        "p50, %.2f ms p99, %.2f ms worst)\n",
        o.engine_only, rate.per_s, rate.cpu_us, rate.p50_us / 1e3, rate.p99_us / 1e3,
        rate.max_us / 1e3);
    return 0;
  }
  if (o.storage_only > 0) {  // the storage alone, e.g. under perf
    const Rate rate = store_rate(o.dir, o.storage_only, o.seconds);
    std::printf("storage alone, %d commands per transaction: %.0f /s (%.1f µs CPU per command)\n",
                o.storage_only, rate.per_s, rate.cpu_us);
    return 0;
  }
  std::printf("gongkai-bench — %u cores, WAL, synchronous=FULL, %.1f s per measurement\n\n",
              std::thread::hardware_concurrency(), o.seconds);

  const Rate raw1 = raw_rate(o.dir, 1, o.seconds);
  const Rate raw64 = raw_rate(o.dir, 64, o.seconds);
  std::printf("%-46s %12.0f /s   (%.1f µs CPU per row)\n", "raw SQLite, 1 row per transaction",
              raw1.per_s, raw1.cpu_us);
  std::printf("%-46s %12.0f /s   (%.1f µs CPU per row)\n", "raw SQLite, 64 rows per transaction",
              raw64.per_s, raw64.cpu_us);
  const Rate store1 = store_rate(o.dir, 1, o.seconds);
  const Rate store64 = store_rate(o.dir, 64, o.seconds);
  std::printf("%-46s %12.0f /s   %5.1f%% of raw 1/tx (%.1f µs CPU per command)\n",
              "storage alone, 1 command per transaction", store1.per_s,
              100 * store1.per_s / raw1.per_s, store1.cpu_us);
  std::printf("%-46s %12.0f /s   %5.1f%% of raw 64/tx (%.1f µs CPU per command)\n",
              "storage alone, 64 commands per transaction", store64.per_s,
              100 * store64.per_s / raw64.per_s, store64.cpu_us);
  std::int64_t events = 0;
  for (int callers : {1, 8, 64}) {
    const Rate rate = engine_rate(o.dir, callers, o.seconds, &events);
    const Rate& storage = callers == 1 ? store1 : store64;
    std::printf(
        "%-46s %12.0f /s   %5.1f%% of raw 1/tx, %5.1f%% of raw 64/tx, %5.1f%% of storage alone "
        "%d/tx (%.1f µs CPU per command)\n",
        ("engine, durable commands, " + std::to_string(callers) + " callers").c_str(), rate.per_s,
        100 * rate.per_s / raw1.per_s, 100 * rate.per_s / raw64.per_s,
        100 * rate.per_s / storage.per_s, callers == 1 ? 1 : 64, rate.cpu_us);
    std::printf("%-46s %12.2f ms p50, %.2f ms p99, %.2f ms worst\n",
                "  latency (call to acknowledgment)", rate.p50_us / 1e3, rate.p99_us / 1e3,
                rate.max_us / 1e3);
  }

  double msm = 0, sw = 0;
  state_machine(&msm, &sw);
  std::printf("%-46s %12.1f ns   (switch: %.1f ns)\n", "state machine per event (MSM)", msm, sw);

  {
    const std::string verify_db = o.dir + "/verify.db";
    fill_for_verify(verify_db, o.verify_events);
    auto engine = Engine::open(verify_db);
    if (!measure_verify(**engine)) return 1;
    // The first replay in a process also resolves the unit's calendar for the years it covers;
    // later ones find it resolved.
    auto items = (*engine)->list_items({});
    double start = now_s();
    auto replayed = (*engine)->replay(items->front().id, system_now());
    const double first = now_s() - start;
    start = now_s();
    replayed = (*engine)->replay(items->back().id, system_now());
    std::printf("%-46s %12.3f ms (%lld events; the first in the process: %.3f ms)\n",
                "replay of one item", (now_s() - start) * 1e3,
                static_cast<long long>(replayed->events_applied), first * 1e3);
  }

  const std::string big = o.dir + "/open-items.db";
  const double fill_rate = fill(big, o.open_items);
  std::printf("%-46s %12.0f /s (%lld items)\n", "creating items with deadlines, 64 callers",
              fill_rate, static_cast<long long>(o.open_items));
  std::fflush(stdout);
  const std::string empty = o.dir + "/no-items.db";
  make_engine(empty).reset();
  const std::string with_items = probe_line(argv[0], big);
  const std::string without = probe_line(argv[0], empty);
  std::printf("%-46s %s\n",
              ("start-up with " + std::to_string(o.open_items) + " open items").c_str(),
              with_items.c_str());
  std::printf("%-46s %s\n", "start-up with no items", without.c_str());
  const long rss_items = probe_value(with_items, "rss_kb=");
  const long rss_empty = probe_value(without, "rss_kb=");
  if (rss_items > 0 && rss_empty > 0) {
    std::printf(
        "%-46s %12.1f bytes ((peak RSS with %lld open items - peak RSS with none) / %lld)\n",
        "memory per open item",
        1024.0 * static_cast<double>(std::max(rss_items - rss_empty, 0L)) /
            static_cast<double>(o.open_items),
        static_cast<long long>(o.open_items), static_cast<long long>(o.open_items));
  }
  std::printf("%-46s %12.0f bytes per item\n", "database size",
              static_cast<double>(fs::file_size(big)) / static_cast<double>(o.open_items));
  return 0;
}
