// gongkai-bench: the engine measured against the physical limit of this machine, in one run.
//
//   build/bin/gongkai-bench [--dir DIR] [--seconds S] [--open-items N] [--verify-events N]
//                           [--rounds N]
//   build/bin/gongkai-bench --verify-only DB [--repeat N]
//   build/bin/gongkai-bench --engine-only CALLERS | --storage-only PER_TX [--dir DIR] [--seconds S]
//                           [--content-kb K]
//   build/bin/gongkai-bench --single-caller [--dir DIR] [--seconds S] [--rounds N]
//
// 1. durable commands/s through the engine at 1, 8 and 64 concurrent callers (synchronous=FULL),
//    beside raw SQLite inserts of rows of the same size with the same pragmas (one transaction per
//    row, and 64 rows per transaction), and their ratios;
// 2. the state machine per event vs a hand-written switch;
// 3. `audit verify` events/s (the median of 5 runs); replay of one item;
// 4. start-up with N open items with deadlines: time to have the timers armed, peak RSS, and how
//    late a due timer is recorded (measured in a fresh child process), beside the same with no
//    items; the memory per open item is the difference of the two peaks over N (never below 0);
// 5. each command's latency (p50, p99, worst) at 1, 8 and 64 callers, and the storage alone (the
//    engine's own commits, prebuilt, straight to the store) beside raw SQLite and the engine.
// The durable-commands measurements (raw, storage alone, engine) are set up once and then run in
// --rounds interleaved slices of --seconds / --rounds each, so that all of them see the same disk;
// each figure is the median of its slices and each ratio the median of the rounds' ratios.
// Results are printed as a table; docs/performance.md explains the method and records a run.
// --verify-only measures (3) alone, N times, on an existing database (e.g. DIR/verify.db, which a
// full run leaves behind), to compare changes to `audit verify` on the same data. --content-kb
// gives the items of --engine-only and --storage-only a content of K KiB (a disclosure's text;
// the full run's items have none).
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
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
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
  int engine_only = 0;         // measure only the engine at this many callers (for profiling)
  int storage_only = 0;        // measure only the storage at this many commands per transaction
  bool single_caller = false;  // measure only raw 1/tx, the storage 1/tx and the engine at 1
  int rounds = 5;              // slices each durable-commands measurement is taken in, interleaved
  std::size_t content_bytes = 0;  // the content of the items of --engine-only and --storage-only
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
std::string item_in_review(Engine& engine, int n, std::size_t content_bytes = 0) {
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
  c.content = std::string(content_bytes, 'x');
  c.actor = "drafter";
  auto item = engine.create_item(c);
  FireRequest f;
  f.item_id = item->id;
  f.event = EventType::submit;
  f.actor = "drafter";
  engine.fire(f);
  return item->id;
}

// A measurement set up once and then run slice after slice on the same database: the engine and
// its baselines take turns (interleave), so that all of them see the same disk — on this VM the
// fsync rate drifts by tens of percent from one minute to the next.
class Runner {
 public:
  virtual ~Runner() = default;
  // Runs for about `seconds`: the rate and the process's CPU per operation in that slice.
  virtual Rate run(double seconds) = 0;
};

// Raw SQLite: 300-byte rows with a SHA-256 each, WAL, synchronous=FULL, `per_tx` rows a commit.
class RawRunner final : public Runner {
 public:
  RawRunner(const std::string& dir, int per_tx)
      : path_(dir + "/raw-" + std::to_string(per_tx) + ".db"), per_tx_(per_tx) {
    fresh(path_);
    db_ = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA synchronous = FULL");
    db_->exec(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, item_id TEXT, payload TEXT, hash TEXT)");
    insert_ = std::make_unique<SQLite::Statement>(
        *db_, "INSERT INTO events (item_id, payload, hash) VALUES (?, ?, ?)");
  }

  Rate run(double seconds) override {
    const std::string payload(300, 'x');
    std::int64_t rows = 0;
    const double start = now_s();
    const double cpu_start = process_cpu_s();
    while (now_s() - start < seconds) {
      SQLite::Transaction tx(*db_);
      for (int i = 0; i < per_tx_; ++i) {
        insert_->reset();
        insert_->bind(1, "gk-000001");
        insert_->bind(2, payload);
        insert_->bind(3, sha256_hex(payload + std::to_string(next_++)));
        insert_->exec();
        ++rows;
      }
      tx.commit();
    }
    const double cpu = process_cpu_s() - cpu_start;
    return Rate{static_cast<double>(rows) / (now_s() - start),
                1e6 * cpu / static_cast<double>(std::max<std::int64_t>(rows, 1))};
  }

 private:
  std::string path_;
  int per_tx_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> insert_;  // declared after db_: finalised before it closes
  std::int64_t next_ = 0;
};

// Durable commands/s with `callers` threads, each rejecting and resubmitting its own item (a
// state-changing command with a reason; the item's state stays the same size). Keeps every
// command's latency (call to acknowledgment) of every slice.
class EngineRunner final : public Runner {
 public:
  EngineRunner(const std::string& dir, int callers, std::size_t content_bytes = 0)
      : engine_(make_engine(dir + "/engine-" + std::to_string(callers) + ".db")),
        callers_(callers) {
    for (int i = 0; i < callers; ++i) {
      commands_.push_back(reject_and_submit(item_in_review(*engine_, i, content_bytes)));
      in_review_.push_back(true);
    }
  }

  Rate run(double seconds) override {
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> done{0};
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(callers_));
    std::vector<std::thread> threads;
    const double start = now_s();
    const double cpu_start = process_cpu_s();
    for (int i = 0; i < callers_; ++i) {
      threads.emplace_back([&, i] {
        const auto n = static_cast<std::size_t>(i);
        const auto& [reject, submit] = commands_[n];
        std::vector<double>& mine = latencies[n];
        while (!stop.load(std::memory_order_relaxed)) {
          const double asked = now_s();
          if (engine_->fire(in_review_[n] ? reject : submit).ok()) {
            mine.push_back((now_s() - asked) * 1e6);
            done.fetch_add(1, std::memory_order_relaxed);
          }
          in_review_[n] = !in_review_[n];
        }
      });
    }
    std::this_thread::sleep_for(duration<double>(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    const double elapsed = now_s() - start;
    const double cpu = process_cpu_s() - cpu_start;
    for (const auto& mine : latencies)
      latencies_.insert(latencies_.end(), mine.begin(), mine.end());
    return Rate{static_cast<double>(done.load()) / elapsed,
                1e6 * cpu / static_cast<double>(std::max<std::int64_t>(done.load(), 1))};
  }

  // The latencies of every slice so far: median, 99th percentile, worst (in `rate`).
  void latencies(Rate& rate) {
    if (latencies_.empty()) return;
    std::sort(latencies_.begin(), latencies_.end());
    rate.p50_us = quantile(latencies_, 0.50);
    rate.p99_us = quantile(latencies_, 0.99);
    rate.max_us = latencies_.back();
  }

 private:
  std::unique_ptr<Engine> engine_;
  int callers_;
  std::vector<std::pair<FireRequest, FireRequest>> commands_;  // each caller's reject and submit
  std::vector<char> in_review_;  // each caller's item is in review (its next command rejects)
  std::vector<double> latencies_;
};

// The storage alone: the commits the engine makes in EngineRunner (a rejection, then the
// resubmission, of each of `per_tx` items in review), built once by the engine and then handed to
// the store directly, `per_tx` commands per transaction — no evaluation, no state machine, no
// state document, no group-commit queue; the store still checks each expected version, chains and
// hashes each event, and writes the projection row and what changes of the schedule. What the
// engine adds on top of its storage is the difference to EngineRunner; what the storage design
// costs over a bare row is the difference to RawRunner.
class StoreRunner final : public Runner {
 public:
  StoreRunner(const std::string& dir, int per_tx, std::size_t content_bytes = 0) : per_tx_(per_tx) {
    const std::string path = dir + "/store-" + std::to_string(per_tx) + ".db";
    {
      auto engine = make_engine(path);
      for (int i = 0; i < per_tx; ++i) {
        const auto [reject, submit] = reject_and_submit(item_in_review(*engine, i, content_bytes));
        for (const FireRequest* f : {&reject, &submit}) {
          auto before = engine->get_item(f->item_id);
          auto after = engine->fire(*f);
          auto events = engine->history(f->item_id);
          if (!before.ok() || !after.ok() || !events.ok()) {
            std::cerr << "storage alone: the engine refused a command\n";
            std::exit(1);
          }
          const Event& e = events->back();
          CommitRequest c;
          c.item_id = f->item_id;
          c.events.push_back(NewEvent{e.type, e.actor, e.role, e.reason, e.command_id, e.at,
                                      e.payload, e.definition_version, e.calendar_version});
          c.projection = item_record(*after);
          // As the engine sets it: the texts are written only when the events changed them.
          c.write_texts =
              after->content != before->content || after->interpretation != before->interpretation;
          schedule_of(*after, c.timers, c.deadlines);
          c.schedule_before.emplace();  // as the engine does
          schedule_of(*before, c.schedule_before->timers, c.schedule_before->deadlines);
          (f == &reject ? rejects_ : submits_).push_back(std::move(c));
        }
        versions_.push_back(engine->get_item(reject.item_id)->version);
      }
    }
    auto opened = open_sqlite_store(path);
    if (!opened.ok()) {
      std::cerr << opened.status().to_string() << "\n";
      std::exit(1);
    }
    store_ = std::move(*opened);
  }

  Rate run(double seconds) override {
    std::int64_t commands = 0;
    const double start = now_s();
    const double cpu_start = process_cpu_s();
    while (now_s() - start < seconds) {
      std::vector<CommitRequest>& batch = in_review_ ? rejects_ : submits_;
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].expected_version = versions_[i]++;
      for (const auto& outcome : store_->commit(batch)) {
        if (!outcome.ok()) {
          std::cerr << outcome.status().to_string() << "\n";
          std::exit(1);
        }
      }
      commands += per_tx_;
      in_review_ = !in_review_;
    }
    const double cpu = process_cpu_s() - cpu_start;
    return Rate{static_cast<double>(commands) / (now_s() - start),
                1e6 * cpu / static_cast<double>(std::max<std::int64_t>(commands, 1))};
  }

 private:
  int per_tx_;
  std::vector<CommitRequest> rejects_;
  std::vector<CommitRequest> submits_;
  std::vector<std::int64_t> versions_;
  bool in_review_ = true;
  std::unique_ptr<Store> store_;
};

// The median of `values` (not empty).
double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// `rounds` rounds in which each runner runs for `seconds / rounds`, the order rotating from round
// to round: each runner's slices, in runner order. Every slice starts on a clean disk (sync(2)
// before it, outside its time): a slice does not pay for the writeback of what the one before
// wrote (raw SQLite at 64 rows per transaction writes about 100 MB a second).
std::vector<std::vector<Rate>> interleave(const std::vector<Runner*>& runners, int rounds,
                                          double seconds) {
  std::vector<std::vector<Rate>> slices(runners.size());
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t k = 0; k < runners.size(); ++k) {
      const std::size_t i = (k + static_cast<std::size_t>(r)) % runners.size();
      ::sync();
      slices[i].push_back(runners[i]->run(seconds / rounds));
    }
  }
  return slices;
}

// The median rate and CPU per operation of a runner's slices.
Rate median_rate(const std::vector<Rate>& slices) {
  std::vector<double> rates, cpus;
  for (const Rate& r : slices) {
    rates.push_back(r.per_s);
    cpus.push_back(r.cpu_us);
  }
  return Rate{median(rates), median(cpus)};
}

// The median over rounds of a / b, each round's slices compared with each other.
double median_ratio(const std::vector<Rate>& a, const std::vector<Rate>& b) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < a.size() && r < b.size(); ++r) {
    ratios.push_back(b[r].per_s > 0 ? a[r].per_s / b[r].per_s : 0);
  }
  return ratios.empty() ? 0 : median(ratios);
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
// One `audit verify`: its rate, wall and CPU time, and what it read.
struct VerifyRun {
  double per_s = 0, elapsed = 0, cpu = 0;
  std::int64_t events = 0, items = 0;
};

std::optional<VerifyRun> verify_once(Engine& engine) {
  const double start = now_s();
  const double cpu_start = process_cpu_s();
  auto report = engine.verify();
  const double elapsed = now_s() - start;
  const double cpu = process_cpu_s() - cpu_start;
  if (!report.ok()) {
    std::cerr << report.status().to_string() << "\n";
    return std::nullopt;
  }
  return VerifyRun{static_cast<double>(report->events) / elapsed, elapsed, cpu, report->events,
                   report->items};
}

void print_verify(const VerifyRun& v, const std::string& spread) {
  std::printf(
      "%-46s %12.0f events/s (%lld events of %lld items, %.3f s; %.3f s of CPU on 2 threads, "
      "%.0f events per CPU-second)%s\n",
      "audit verify", v.per_s, static_cast<long long>(v.events), static_cast<long long>(v.items),
      v.elapsed, v.cpu, static_cast<double>(v.events) / v.cpu, spread.c_str());
}

// `audit verify` `runs` times on the same database: the median run, and the spread.
bool measure_verify(Engine& engine, int runs) {
  std::vector<VerifyRun> all;
  for (int i = 0; i < runs; ++i) {
    auto run = verify_once(engine);
    if (!run) return false;
    all.push_back(*run);
  }
  std::sort(all.begin(), all.end(),
            [](const VerifyRun& a, const VerifyRun& b) { return a.per_s < b.per_s; });
  char spread[96];
  std::snprintf(spread, sizeof spread, "; median of %d runs, %.0f - %.0f", runs, all.front().per_s,
                all.back().per_s);
  print_verify(all[all.size() / 2], spread);
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
    auto run = verify_once(**engine);
    if (!run) return 1;
    print_verify(*run, "");
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
    else if (a == "--single-caller")
      o.single_caller = true;
    else if (a == "--content-kb")
      o.content_bytes = static_cast<std::size_t>(std::max(0, std::stoi(value()))) * 1024;
    else if (a == "--rounds")
      o.rounds = std::max(1, std::stoi(value()));
    else {
      std::cerr << "usage: gongkai-bench [--dir DIR] [--seconds S] [--open-items N] "
                   "[--verify-events N] [--rounds N]\n"
                   "       gongkai-bench --verify-only DB [--repeat N]\n"
                   "       gongkai-bench --engine-only CALLERS [--dir DIR] [--seconds S] "
                   "[--content-kb K]\n"
                   "       gongkai-bench --storage-only PER_TX [--dir DIR] [--seconds S] "
                   "[--content-kb K]\n"
                   "       gongkai-bench --single-caller [--dir DIR] [--seconds S] [--rounds N]\n";
      return 2;
    }
  }
  if (!o.probe_db.empty()) return probe_startup(o.probe_db);
  if (!o.verify_only.empty()) return verify_only(o.verify_only, o.repeat);
  fs::create_directories(o.dir);
  if (o.engine_only > 0) {  // the command path alone, e.g. under perf
    EngineRunner runner(o.dir, o.engine_only, o.content_bytes);
    Rate rate = runner.run(o.seconds);
    runner.latencies(rate);
    std::printf(
        "engine, durable commands, %d callers: %.0f /s (%.1f µs CPU per command; latency %.2f ms "
        "p50, %.2f ms p99, %.2f ms worst)\n",
        o.engine_only, rate.per_s, rate.cpu_us, rate.p50_us / 1e3, rate.p99_us / 1e3,
        rate.max_us / 1e3);
    return 0;
  }
  if (o.storage_only > 0) {  // the storage alone, e.g. under perf
    const Rate rate = StoreRunner(o.dir, o.storage_only, o.content_bytes).run(o.seconds);
    std::printf("storage alone, %d commands per transaction: %.0f /s (%.1f µs CPU per command)\n",
                o.storage_only, rate.per_s, rate.cpu_us);
    return 0;
  }
  if (o.single_caller) {  // the single-caller goal alone: raw, storage and engine interleaved
    RawRunner raw(o.dir, 1);
    StoreRunner store(o.dir, 1);
    EngineRunner engine(o.dir, 1);
    const auto slices = interleave({&raw, &store, &engine}, o.rounds, o.seconds);
    std::printf(
        "1 caller: raw %.0f /s, storage alone %.0f /s (%.1f%% of raw), engine %.0f /s (%.1f%% of "
        "raw, %.1f%% of storage alone)\n",
        median_rate(slices[0]).per_s, median_rate(slices[1]).per_s,
        100 * median_ratio(slices[1], slices[0]), median_rate(slices[2]).per_s,
        100 * median_ratio(slices[2], slices[0]), 100 * median_ratio(slices[2], slices[1]));
    return 0;
  }
  std::printf(
      "gongkai-bench — %u cores, WAL, synchronous=FULL, %.1f s per measurement in %d interleaved "
      "slices (medians of the slices; ratios: medians of each round's ratio)\n\n",
      std::thread::hardware_concurrency(), o.seconds, o.rounds);

  RawRunner raw1(o.dir, 1), raw64(o.dir, 64);
  StoreRunner store1(o.dir, 1), store64(o.dir, 64);
  EngineRunner engine1(o.dir, 1), engine8(o.dir, 8), engine64(o.dir, 64);
  const std::vector<Runner*> runners = {&raw1,    &raw64,   &store1,  &store64,
                                        &engine1, &engine8, &engine64};
  const auto slices = interleave(runners, o.rounds, o.seconds);
  enum { kRaw1, kRaw64, kStore1, kStore64, kEngine1, kEngine8, kEngine64 };
  const auto rate = [&](int i) { return median_rate(slices[static_cast<std::size_t>(i)]); };
  const auto ratio = [&](int a, int b) {
    return 100 *
           median_ratio(slices[static_cast<std::size_t>(a)], slices[static_cast<std::size_t>(b)]);
  };
  std::printf("%-46s %12.0f /s   (%.1f µs CPU per row)\n", "raw SQLite, 1 row per transaction",
              rate(kRaw1).per_s, rate(kRaw1).cpu_us);
  std::printf("%-46s %12.0f /s   (%.1f µs CPU per row)\n", "raw SQLite, 64 rows per transaction",
              rate(kRaw64).per_s, rate(kRaw64).cpu_us);
  std::printf("%-46s %12.0f /s   %5.1f%% of raw 1/tx (%.1f µs CPU per command)\n",
              "storage alone, 1 command per transaction", rate(kStore1).per_s,
              ratio(kStore1, kRaw1), rate(kStore1).cpu_us);
  std::printf("%-46s %12.0f /s   %5.1f%% of raw 64/tx (%.1f µs CPU per command)\n",
              "storage alone, 64 commands per transaction", rate(kStore64).per_s,
              ratio(kStore64, kRaw64), rate(kStore64).cpu_us);
  for (const auto& [callers, index, runner] :
       {std::tuple<int, int, EngineRunner*>{1, kEngine1, &engine1},
        {8, kEngine8, &engine8},
        {64, kEngine64, &engine64}}) {
    const int storage = callers == 1 ? kStore1 : kStore64;
    Rate engine = rate(index);
    runner->latencies(engine);
    std::printf(
        "%-46s %12.0f /s   %5.1f%% of raw 1/tx, %5.1f%% of raw 64/tx, %5.1f%% of storage alone "
        "%d/tx (%.1f µs CPU per command)\n",
        ("engine, durable commands, " + std::to_string(callers) + " callers").c_str(), engine.per_s,
        ratio(index, kRaw1), ratio(index, kRaw64), ratio(index, storage), callers == 1 ? 1 : 64,
        engine.cpu_us);
    std::printf("%-46s %12.2f ms p50, %.2f ms p99, %.2f ms worst\n",
                "  latency (call to acknowledgment)", engine.p50_us / 1e3, engine.p99_us / 1e3,
                engine.max_us / 1e3);
  }

  double msm = 0, sw = 0;
  state_machine(&msm, &sw);
  std::printf("%-46s %12.1f ns   (switch: %.1f ns)\n", "state machine per event (MSM)", msm, sw);

  {
    const std::string verify_db = o.dir + "/verify.db";
    fill_for_verify(verify_db, o.verify_events);
    auto engine = Engine::open(verify_db);
    if (!measure_verify(**engine, 5)) return 1;
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
