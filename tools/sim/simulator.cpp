#include "tools/sim/simulator.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <tuple>

#include <unistd.h>

#include "adapters/channels/webhook_channel.h"
#include "adapters/channels/website_channel.h"
#include "gongkai/calendar.h"
#include "gongkai/clock.h"
#include "gongkai/store.h"
#include "tools/sim/pilot_model.h"
#include "tools/sim/sim_random.h"
#include "tools/sim/webhook_receiver.h"

namespace gongkai::sim {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

// The longest period one run may simulate.
constexpr std::int64_t kMaxPeriodDays = 3660;
// The secret the simulation's webhooks are signed with (a local receiver in this process).
constexpr const char* kWebhookSecret = "gongkai-simulation";
// Acts and timer runs committed in one store batch (one transaction). Larger batches save little
// more and hold more uncommitted pages (measured in docs/simulation.md).
constexpr std::int64_t kStepsPerBatch = 512;
// How often an act refused because the item is not ready yet (an answer during a correction, a
// close with concerns still open) is tried again, one working day later each time.
constexpr int kMaxRetries = 60;

// The roles whose acts are officials' acts: on working days, in office hours only.
const std::set<std::string>& official_roles() {
  static const std::set<std::string> roles = {"drafter", "reviewer", "publisher", "interpreter",
                                              "responder"};
  return roles;
}

template <typename T>
const T& pick(Rng& rng, const std::vector<T>& options) {
  return options[rng.below(options.size())];
}

const std::vector<std::string> kRejectReasons = {
    "公开依据引用不完整，请补充法律依据", "公开内容要素不全，请按标准目录补充",
    "涉及个人信息，请脱敏后重新提交", "数据口径与上期不一致，请核实后提交",
    "标题表述不规范，请修改"};
const std::vector<std::string> kWithdrawReasons = {"信息有误，撤回后重新发布",
                                                   "所依据的决定已被撤销", "重复发布，予以撤回",
                                                   "经保密审查复核，撤回公开"};
const std::vector<std::string> kCorrectReasons = {"更正数据错误", "补充公开内容要素",
                                                  "更正文字表述", "更正附件内容"};
const std::vector<std::string> kConcernTexts = {
    "群众询问办理时限和办理地点", "网民咨询补助标准和申请条件", "对公示结果提出疑问",
    "询问资金使用情况",           "反映信息更新不及时",         "询问政策适用范围"};
const std::vector<std::string> kMajorTexts = {"网络舆情：对该事项的集中质疑",
                                              "媒体报道引发的公众关注", "群体性诉求涉及该事项"};
const std::vector<std::string> kConcernSources = {"public.hotline_12345", "public.website",
                                                  "public.new_media", "public.letters"};

enum class ActKind : std::uint8_t {
  create,
  submit,
  review,
  publish,
  after_publish,  // a scheduled release fired by the engine's timer: carry on from there
  interpret,
  raise_concern,
  respond,
  close,
  withdraw,
  correct,
  deliver,  // the delivery worker's run
};

// One thing to do at a simulated instant. Ordered by instant, then unit (the definitions' order),
// item (its ordinal in the unit) and the item's own counter: a total order that does not depend
// on which other units take part.
struct Act {
  std::int64_t at_ms = 0;
  std::uint32_t unit = 0;
  std::uint32_t item = 0;
  std::uint64_t seq = 0;
  ActKind kind = ActKind::create;
  int epoch = 0;    // the item's epoch when planned; a withdrawal or correction starts a new one
  int concern = 0;  // respond: the concern's number
  bool major = false;
  int retries = 0;
};

struct ActLater {
  bool operator()(const Act& a, const Act& b) const {
    return std::tie(a.at_ms, a.unit, a.item, a.seq) > std::tie(b.at_ms, b.unit, b.item, b.seq);
  }
};

struct SimUnit {
  const Unit* unit = nullptr;
  std::uint32_t index = 0;  // in the definitions' units
  std::optional<Calendar> calendar;
};

struct SimItem {
  SimUnit* unit = nullptr;
  const ItemStandard* standard = nullptr;
  const Behaviour* behaviour = nullptr;
  std::uint32_t ordinal = 0;
  Rng rng{0};
  Instant formed_at{};
  std::string id;
  std::uint64_t next_seq = 0;
  int epoch = 0;
  int publications = 0;
  bool corrected = false;
  bool concerns_planned = false;
  bool ended = false;  // withdrawn or closed

  std::string actor(const char* role) const {
    return unit->unit->id + "." + standard->domain + "." + role;
  }
};

Instant from_ms(std::int64_t ms) {
  return Instant(milliseconds(ms));
}
std::int64_t to_ms(Instant t) {
  return t.time_since_epoch().count();
}

class Simulator {
 public:
  Simulator(const SimulationOptions& options, const ProgressCallback& progress)
      : options_(options), progress_(progress) {}
  ~Simulator() {
    if (!replaced_site_.empty()) delete_old_sites();
  }
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Result<SimulationSummary> run();

 private:
  // --- set-up
  Status open_database();
  Status start_channels();
  // Moves a previous site out of the way; it is deleted when the run ends (delete_old_sites).
  // Deleting some 190,000 files just before writing as many made each new file's inode
  // allocation scan past the recently freed ones (ext4), slowing the run by a quarter.
  void set_aside_old_site();
  void delete_old_sites();
  Status plan_items();

  // --- office time
  Instant office_at(Date d, int minute) const { return local_midnight(d) + minutes(minute); }
  // The `days`-th working day after `after`'s local date (0: the same day if it is a working day
  // with office time left), at a random minute of its office hours (after `after`).
  Instant after_working_days(const Calendar& calendar, Instant after, std::int64_t days, Rng& rng);
  // `t` when it falls in office hours of a working day; else the next opening plus a few minutes.
  Instant next_office_time(const Calendar& calendar, Instant t, Rng& rng);
  // The opening of the next working day after `t`'s local date.
  Instant next_opening(const Calendar& calendar, Instant t);

  // --- acts
  void plan(SimItem& item, ActKind kind, Instant at, int concern = 0, bool major = false,
            int retries = 0);
  Status perform(const Act& act);
  Status on_published(SimItem& item, const Item& state, Instant at);
  void enter_response(SimItem& item, const Item& state, Instant at);
  void request_delivery(Instant at);
  Status deliver(Instant at);
  // Fires an event; refusals with the listed ids come back as they are, anything else is an error
  // of the simulation.
  Result<Item> fire(SimItem& item, FireRequest request, std::initializer_list<Errc> expected);
  Status run_timers(Instant at);
  void report_progress(Instant now, bool force);

  Result<SimulationSummary> summarise();

  const SimulationOptions& options_;
  const ProgressCallback& progress_;
  std::shared_ptr<ManualClock> clock_;
  Store* store_ = nullptr;  // owned by engine_
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<const DefinitionSet> definitions_;
  PilotModel model_;
  Instant start_{}, end_{};
  std::vector<SimUnit> units_;
  std::vector<SimItem> items_;
  std::priority_queue<Act, std::vector<Act>, ActLater> queue_;
  std::optional<Instant> next_timer_;
  std::optional<Instant> pending_delivery_;
  std::uint64_t delivery_runs_ = 0;
  bool retrying_ = false;  // some delivery may be waiting for another attempt
  std::int64_t stuck_timer_runs_ = 0;
  std::filesystem::path replaced_site_;  // the previous site, set aside until the run ends

  // Channels.
  std::unique_ptr<WebhookReceiver> receiver_;
  struct Registry : ChannelRegistry {
    std::unique_ptr<channels::WebsiteChannel> website;
    std::map<std::string, std::unique_ptr<Channel>> webhooks;
    Channel* find(const std::string&, const std::string& channel) override {
      if (channel == "website" && website) return website.get();
      auto it = webhooks.find(channel);
      return it == webhooks.end() ? nullptr : it->second.get();
    }
  } registry_;
  DeliveryPolicy policy_;

  // Counters.
  SimulationSummary summary_;
  std::int64_t actions_ = 0;
  std::int64_t created_ = 0;
  Date last_progress_day_{1970, 1, 1};
};

Instant Simulator::after_working_days(const Calendar& calendar, Instant after, std::int64_t days,
                                      Rng& rng) {
  const int open = model_.office_start_min;
  const int close = model_.office_end_min;
  Date d = local_date(after);
  if (days == 0) {
    const Instant lo = std::max(after + minutes(1), office_at(d, open));
    const Instant hi = office_at(d, close);
    if (calendar.is_working_day(d) && lo < hi) {
      const std::int64_t span = std::chrono::duration_cast<minutes>(hi - lo).count();
      return lo +
             minutes(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span) + 1)));
    }
    days = 1;
  }
  for (std::int64_t k = 0; k < days;) {
    d = d.plus_days(1);
    if (calendar.is_working_day(d)) ++k;
  }
  return office_at(d, open) +
         minutes(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(close - open))));
}

Instant Simulator::next_opening(const Calendar& calendar, Instant t) {
  Date d = local_date(t);
  do {
    d = d.plus_days(1);
  } while (!calendar.is_working_day(d));
  return office_at(d, model_.office_start_min);
}

Instant Simulator::next_office_time(const Calendar& calendar, Instant t, Rng& rng) {
  const Date d = local_date(t);
  const Instant open = office_at(d, model_.office_start_min);
  const Instant close = office_at(d, model_.office_end_min);
  if (calendar.is_working_day(d)) {
    if (t >= open && t < close) return t;
    if (t < open) return open + minutes(5 + static_cast<std::int64_t>(rng.below(40)));
  }
  return next_opening(calendar, t) + minutes(5 + static_cast<std::int64_t>(rng.below(40)));
}

void Simulator::plan(SimItem& item, ActKind kind, Instant at, int concern, bool major,
                     int retries) {
  Act act;
  act.at_ms = to_ms(at);
  act.unit = item.unit->index;
  act.item = item.ordinal;
  act.seq = item.next_seq++;
  act.kind = kind;
  act.epoch = item.epoch;
  act.concern = concern;
  act.major = major;
  act.retries = retries;
  // Acts after the period are not done; planning them anyway keeps the queue simple.
  queue_.push(act);
}

void Simulator::request_delivery(Instant at) {
  // The worker runs at the instant of the act, after every act of that instant: what it delivers
  // and when does not depend on the other units' acts.
  if (pending_delivery_ && *pending_delivery_ == at) return;
  Act act;
  act.at_ms = to_ms(at);
  act.unit = UINT32_MAX;
  act.item = UINT32_MAX;
  act.seq = delivery_runs_++;
  act.kind = ActKind::deliver;
  queue_.push(act);
  pending_delivery_ = at;
}

Result<Item> Simulator::fire(SimItem& item, FireRequest request,
                             std::initializer_list<Errc> expected) {
  request.item_id = item.id;
  auto result = engine_->fire(request);
  if (result.ok()) {
    ++actions_;
    return result;
  }
  for (Errc e : expected) {
    if (result.status().code() == e) return result;
  }
  return Status(Errc::internal, "the simulation's " + std::string(to_string(request.event)) +
                                    " of " + item.id + " (" + item.standard->id + " in " +
                                    item.unit->unit->id + ") at " +
                                    format_local(request.at.value_or(Instant{})) +
                                    " was refused: " + result.status().to_string());
}

// A simulation replaces its website folder, so the folder must be one it may delete: absent, empty,
// or a website a simulation wrote (every entry a unit's folder with the website's state
// `.gongkai/site.json`) — and neither the database nor a folder holding it.
Status check_site_replaceable(const std::string& site_dir, const std::string& db_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path site = fs::weakly_canonical(site_dir, ec);
  const fs::path db = fs::weakly_canonical(db_path, ec);
  if (ec) return Status(Errc::invalid_argument, "cannot resolve '" + site_dir + "'");
  // `site` is the database or one of its folders when it is a prefix of the database's path.
  auto [site_end, db_at] = std::mismatch(site.begin(), site.end(), db.begin(), db.end());
  if (site_end == site.end()) {
    return Status(Errc::site_not_replaceable,
                  "the website folder '" + site_dir + "' is or holds the database '" + db_path +
                      "'; a simulation replaces its website folder — give another --site");
  }
  if (!fs::exists(fs::symlink_status(site_dir, ec))) return Status::Ok();
  const std::string refused = "'" + site_dir +
                              "' exists and is not a website a simulation wrote; it is left "
                              "alone (a simulation replaces its website folder — give another "
                              "--site, or delete it yourself)";
  if (!fs::is_directory(fs::symlink_status(site_dir, ec))) {
    return Status(Errc::site_not_replaceable, refused + ": it is not a folder");
  }
  for (fs::directory_iterator it(site_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& entry = it->path();
    if (!fs::is_directory(fs::symlink_status(entry, ec)) ||
        !fs::is_regular_file(entry / ".gongkai" / "site.json", ec)) {
      return Status(Errc::site_not_replaceable,
                    refused + ": '" + entry.filename().string() + "' is not a unit's site");
    }
  }
  if (ec) return Status(Errc::site_not_replaceable, refused + ": it cannot be read");
  return Status::Ok();
}

Status Simulator::open_database() {
  if (options_.db_path.empty()) return Status(Errc::invalid_argument, "no database path given");
  std::error_code ec;
  if (std::filesystem::exists(options_.db_path, ec)) {
    // Only a simulation database is replaced; anything else is left alone.
    SqliteOptions existing;
    existing.read_only = true;
    auto store = open_sqlite_store(options_.db_path, existing);
    if (!store.ok()) {
      return Status(store.status().code(),
                    "'" + options_.db_path +
                        "' exists and is not a gongkai database; it is left alone (" +
                        store.status().message() + ")");
    }
    if (!(*store)->is_simulation()) {
      return Status(Errc::simulation_only,
                    "'" + options_.db_path +
                        "' is a production database; a simulation replaces only a simulation "
                        "database");
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(options_.db_path + suffix, ec);
  }
  const auto parent = std::filesystem::path(options_.db_path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // A simulation: PRAGMA synchronous=OFF (nothing is synced; an operating-system crash may
  // corrupt the file, which is then simulated again). Production databases keep FULL.
  SqliteOptions sqlite;
  sqlite.create = true;
  sqlite.simulation = true;
  sqlite.synchronous = "OFF";
  auto store = open_sqlite_store(options_.db_path, sqlite);
  if (!store.ok()) return store.status();
  store_ = store->get();
  clock_ = std::make_shared<ManualClock>(start_);
  auto engine = Engine::with_store(std::move(*store), clock_);
  if (!engine.ok()) return engine.status();
  engine_ = std::move(*engine);
  // As Engine::init does, but at the simulated start: nothing stored reads the wall clock.
  auto calendars = engine_->load_calendars(options_.definitions_dir + "/calendars", start_);
  if (!calendars.ok()) return calendars.status();
  auto loaded = engine_->load_definitions(options_.definitions_dir);
  if (!loaded.ok()) return loaded.status();
  definitions_ = engine_->definitions();
  engine_->set_timer_listener([this](Instant t) {
    if (!next_timer_ || t < *next_timer_) next_timer_ = t;
  });
  return Status::Ok();
}

// Where a replaced site waits to be deleted: a hidden sibling of the site.
std::string replaced_prefix(const std::filesystem::path& site) {
  return "." + site.filename().string() + ".replaced-";
}

void Simulator::set_aside_old_site() {
  namespace fs = std::filesystem;
  const fs::path site = fs::path(options_.site_dir).lexically_normal();
  std::error_code ec;
  if (!fs::exists(site, ec)) return;
  const fs::path parent = site.has_parent_path() ? site.parent_path() : fs::path(".");
  replaced_site_ = parent / (replaced_prefix(site) + std::to_string(::getpid()));
  fs::remove_all(replaced_site_, ec);
  fs::rename(site, replaced_site_, ec);
  if (ec) {  // cannot be renamed (another filesystem, permissions): deleted now after all
    fs::remove_all(site, ec);
    replaced_site_.clear();
  }
}

void Simulator::delete_old_sites() {
  namespace fs = std::filesystem;
  if (options_.site_dir.empty()) return;
  const fs::path site = fs::path(options_.site_dir).lexically_normal();
  const fs::path parent = site.has_parent_path() ? site.parent_path() : fs::path(".");
  const std::string prefix = replaced_prefix(site);
  std::error_code ec;
  // This run's and any left by a run that was killed.
  std::vector<fs::path> old;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) old.push_back(it->path());
  }
  for (const fs::path& p : old) fs::remove_all(p, ec);
  replaced_site_.clear();
}

Status Simulator::start_channels() {
  policy_.batch = 512;
  policy_.max_attempts = 8;
  if (!options_.site_dir.empty()) {
    set_aside_old_site();
    channels::WebsiteOptions website;
    website.web_root = options_.site_dir;
    website.durable = false;  // a simulation's site: rewritten in place, not synced
    // Every delivery rewrites the unit's index and feeds: shorter ones keep a year of deliveries
    // affordable (the monthly archives still list every item).
    website.index_items = 20;
    website.feed_items = 20;
    registry_.website = std::make_unique<channels::WebsiteChannel>(website);
  }
  if (options_.webhooks) {
    try {
      receiver_ = std::make_unique<WebhookReceiver>(kWebhookSecret, 2, false);
    } catch (const std::exception& e) {
      return Status(Errc::internal,
                    std::string("the local webhook receiver did not start: ") + e.what());
    }
    for (const ChannelDefinition& c : definitions_->channels) {
      if (c.id == "website") continue;
      channels::WebhookOptions hook;
      hook.channel = c.id;
      hook.url = receiver_->url("/hook/" + c.id);
      hook.secret = kWebhookSecret;
      hook.timeout = std::chrono::seconds(30);
      auto channel = channels::make_webhook_channel(hook);
      if (!channel.ok()) return channel.status();
      registry_.webhooks[c.id] = std::move(*channel);
    }
  }
  return Status::Ok();
}

Status Simulator::plan_items() {
  const double years =
      static_cast<double>(options_.to.days_since_epoch() - options_.from.days_since_epoch() + 1) /
      365.0;
  for (SimUnit& u : units_) {
    const std::uint64_t unit_seed = derive_seed(options_.seed, u.unit->id);
    // The working days of the period in this unit: information forms on them.
    std::vector<Date> working;
    for (Date d = options_.from; d <= options_.to; d = d.plus_days(1)) {
      if (u.calendar->is_working_day(d)) working.push_back(d);
    }
    if (working.empty()) continue;
    struct Planned {
      Instant formed;
      const ItemStandard* standard;
      std::uint64_t seed;
    };
    std::vector<Planned> planned;
    for (const ItemStandard* standard : definitions_->standards_for_unit(*u.unit)) {
      const Behaviour& b = model_.behaviour(standard->id);
      Rng rng(derive_seed(unit_seed, standard->id));
      const std::int64_t n = rng.poisson(b.items_per_unit_year * years);
      for (std::int64_t k = 0; k < n; ++k) {
        const Date day = working[rng.below(working.size())];
        const int minute =
            model_.office_start_min + static_cast<int>(rng.below(static_cast<std::uint64_t>(
                                          model_.office_end_min - model_.office_start_min)));
        planned.push_back(Planned{
            office_at(day, minute), standard,
            derive_seed(derive_seed(unit_seed, standard->id), static_cast<std::uint64_t>(k))});
      }
    }
    std::stable_sort(planned.begin(), planned.end(), [](const Planned& a, const Planned& b) {
      return std::tie(a.formed, a.standard->id) < std::tie(b.formed, b.standard->id);
    });
    for (const Planned& p : planned) {
      SimItem item;
      item.unit = &u;
      item.standard = p.standard;
      item.behaviour = &model_.behaviour(p.standard->id);
      item.ordinal = static_cast<std::uint32_t>(items_.size());
      item.rng = Rng(p.seed);
      item.formed_at = p.formed;
      items_.push_back(std::move(item));
    }
  }
  // Ordinals are indexes into items_ (units in the definitions' order, items by formation; the
  // order within a unit does not depend on the other units). Acts are planned once every item is
  // in place.
  for (SimItem& item : items_) {
    const double days = item.behaviour->delays.at("create").draw(item.rng);
    plan(item, ActKind::create,
         after_working_days(*item.unit->calendar, item.formed_at, static_cast<std::int64_t>(days),
                            item.rng));
  }
  return Status::Ok();
}

Status Simulator::run_timers(Instant at) {
  clock_->set(at);
  auto report = engine_->run_due(at);
  if (!report.ok()) return report.status();
  summary_.scheduled += report->published;
  next_timer_ = report->next_timer;
  // A timer left due after a run (none should be): look again an hour later rather than spin.
  if (next_timer_ && *next_timer_ <= at) {
    ++stuck_timer_runs_;
    next_timer_ = at + hours(1);
  }
  // A publication and the end of a notice period (公示期满) are delivered to the channels.
  if (report->published > 0 || report->notices_served > 0) request_delivery(at);
  return Status::Ok();
}

Status Simulator::deliver(Instant at) {
  if (pending_delivery_ && *pending_delivery_ == at) pending_delivery_.reset();
  for (;;) {
    auto report = engine_->run_deliveries(registry_, policy_, at);
    if (!report.ok()) return report.status();
    summary_.delivered += report->delivered;
    summary_.delivery_failures += report->failed;
    if (report->retrying > 0) retrying_ = true;
    if (report->delivered + report->retrying + report->failed < policy_.batch) break;
  }
  if (!retrying_) return Status::Ok();
  // Deliveries to be tried again: a run when the first of them is due.
  DeliveryQuery query;
  query.state = "retrying";
  auto retrying = engine_->deliveries(query);
  if (!retrying.ok()) return retrying.status();
  retrying_ = !retrying->empty();
  std::optional<Instant> first;
  for (const Delivery& d : *retrying) {
    if (!first || d.next_attempt_at < *first) first = d.next_attempt_at;
  }
  if (first) request_delivery(std::max(*first, at + milliseconds(1)));
  return Status::Ok();
}

void Simulator::enter_response(SimItem& item, const Item& state, Instant at) {
  const Behaviour& b = *item.behaviour;
  const Calendar& calendar = *item.unit->calendar;
  const Instant window_end = state.response_window_end.value_or(at + hours(24 * 30));
  if (!item.concerns_planned) {
    item.concerns_planned = true;
    const std::int64_t n = item.rng.poisson(b.concerns_per_item);
    const std::int64_t span = to_ms(window_end) - to_ms(at) - 2 * 3600 * 1000;
    for (std::int64_t k = 0; k < n && span > 0; ++k) {
      // The public writes at any hour of any day, mostly between 08:00 and 22:00.
      Instant raised = at + milliseconds(1 + static_cast<std::int64_t>(
                                                 item.rng.below(static_cast<std::uint64_t>(span))));
      if (item.rng.chance(0.85)) {
        const Instant daytime =
            local_midnight(local_date(raised)) +
            minutes(8 * 60 + static_cast<std::int64_t>(item.rng.below(14 * 60)));
        if (daytime > at && daytime < window_end - hours(1)) raised = daytime;
      }
      plan(item, ActKind::raise_concern, raised, 0, item.rng.chance(b.major_share));
    }
  }
  const double close_days = b.delays.at("close").draw(item.rng);
  plan(item, ActKind::close,
       after_working_days(calendar, window_end, static_cast<std::int64_t>(close_days), item.rng));
}

Status Simulator::on_published(SimItem& item, const Item& state, Instant at) {
  const Behaviour& b = *item.behaviour;
  const Calendar& calendar = *item.unit->calendar;
  ++item.publications;
  request_delivery(at);
  if (item.publications == 1) {
    // The item's fate after its first release: withdrawn, corrected, or neither.
    const double u = item.rng.uniform();
    if (u < b.withdraw) {
      const double days = b.delays.at("withdraw").draw(item.rng);
      plan(item, ActKind::withdraw,
           after_working_days(calendar, at, static_cast<std::int64_t>(days), item.rng));
    } else if (u < b.withdraw + b.correct) {
      const double days = b.delays.at("correct").draw(item.rng);
      plan(item, ActKind::correct,
           after_working_days(calendar, at, static_cast<std::int64_t>(days), item.rng));
    }
  }
  if (state.stage == Stage::interpretation) {
    const double days = b.delays.at("interpret").draw(item.rng);
    plan(item, ActKind::interpret,
         after_working_days(calendar, at, static_cast<std::int64_t>(days), item.rng));
  } else if (state.stage == Stage::response) {
    enter_response(item, state, at);
  } else {
    return Status(Errc::internal, "item " + item.id + " is in " +
                                      std::string(to_string(state.stage)) + " after publication");
  }
  return Status::Ok();
}

Status Simulator::perform(const Act& act) {
  const Instant at = from_ms(act.at_ms);
  if (act.kind == ActKind::deliver) return deliver(at);
  SimItem& item = items_[act.item];
  if (act.kind != ActKind::create && (item.ended || item.id.empty())) return Status::Ok();
  // A withdrawal or a correction makes the acts planned before it moot (answers to concerns
  // stay owed).
  if (act.epoch != item.epoch && act.kind != ActKind::raise_concern &&
      act.kind != ActKind::respond) {
    return Status::Ok();
  }
  const Behaviour& b = *item.behaviour;
  const Calendar& calendar = *item.unit->calendar;
  auto later = [&](const char* delay) {
    const double days = b.delays.at(delay).draw(item.rng);
    return after_working_days(calendar, at, static_cast<std::int64_t>(days), item.rng);
  };
  FireRequest r;
  r.at = at;
  switch (act.kind) {
    case ActKind::create: {
      CreateItemRequest c;
      c.standard_id = item.standard->id;
      c.unit_id = item.unit->unit->id;
      c.title = item.standard->name_level2 + "（" + local_date(item.formed_at).to_string() + "）";
      std::string elements;
      for (const std::string& e : item.standard->content_elements) {
        elements += (elements.empty() ? "" : "；") + e;
      }
      c.content = "根据" +
                  (item.standard->legal_basis.empty() ? std::string("有关规定")
                                                      : item.standard->legal_basis.front()) +
                  "，现公开" + item.standard->name_level2 + "：" + elements + "。";
      c.actor = item.actor("drafter");
      c.role = "drafter";
      c.formed_at = item.formed_at;
      c.at = at;
      auto created = engine_->create_item(c);
      if (!created.ok() && created.status().code() == Errc::calendar_not_found) {
        // The period starts before the unit's calendar was in force (its first notice): the
        // options' fault, not the simulation's.
        return Status(Errc::calendar_not_found,
                      "the simulated period (from " + options_.from.to_string() +
                          ") is not covered by the calendars: " + created.status().message());
      }
      if (!created.ok()) {
        return Status(Errc::internal, "the simulation could not create an item of " +
                                          item.standard->id + " in " + item.unit->unit->id + ": " +
                                          created.status().to_string());
      }
      ++actions_;
      ++created_;
      item.id = created->id;
      plan(item, ActKind::submit, later("submit"));
      return Status::Ok();
    }
    case ActKind::submit: {
      r.event = EventType::submit;
      r.actor = item.actor("drafter");
      r.role = "drafter";
      auto done = fire(item, r, {});
      if (!done.ok()) return done.status();
      plan(item, ActKind::review, later("review"));
      return Status::Ok();
    }
    case ActKind::review: {
      r.actor = item.actor("reviewer");
      r.role = "reviewer";
      if (item.rng.chance(b.reject)) {
        r.event = EventType::reject;
        r.reason = pick(item.rng, kRejectReasons);
        auto done = fire(item, r, {});
        if (!done.ok()) return done.status();
        ++summary_.rejected;
        plan(item, ActKind::submit, later("redraft"));
        return Status::Ok();
      }
      r.event = EventType::approve;
      const bool scheduled = item.rng.chance(b.scheduled_release);
      if (scheduled) r.publish_at = next_opening(calendar, at);
      auto done = fire(item, r, {Errc::confidentiality_findings});
      if (!done.ok() && done.status().code() == Errc::confidentiality_findings) {
        r.reason = "经保密审查，所涉信息为依法应当公开的内容";
        done = fire(item, r, {});
      }
      if (!done.ok()) return done.status();
      if (scheduled) {
        plan(item, ActKind::after_publish, *r.publish_at);
      } else {
        plan(item, ActKind::publish, later("publish"));
      }
      return Status::Ok();
    }
    case ActKind::publish: {
      r.event = EventType::publish;
      r.actor = item.actor("publisher");
      r.role = "publisher";
      auto done = fire(item, r, {});
      if (!done.ok()) return done.status();
      return on_published(item, *done, at);
    }
    case ActKind::after_publish: {
      auto state = engine_->get_item(item.id);
      if (!state.ok()) return state.status();
      return on_published(item, *state, at);
    }
    case ActKind::interpret: {
      r.event = EventType::interpret;
      r.actor = item.actor("interpreter");
      r.role = "interpreter";
      r.text = "政策解读：" + item.standard->name_level2 + "的背景、依据、主要内容和适用范围。";
      auto done = fire(item, r, {});
      if (!done.ok()) return done.status();
      request_delivery(at);
      enter_response(item, *done, at);
      return Status::Ok();
    }
    case ActKind::raise_concern: {
      r.event = EventType::raise_concern;
      r.actor = pick(item.rng, kConcernSources);
      r.role = "public";
      r.major = act.major;
      r.text = act.major ? pick(item.rng, kMajorTexts) : pick(item.rng, kConcernTexts);
      auto done = fire(item, r, {Errc::illegal_transition});
      // Not in the response stage (being corrected): the concern goes elsewhere.
      if (!done.ok()) return Status::Ok();
      ++summary_.concerns;
      if (act.major) ++summary_.major_concerns;
      const int number = static_cast<int>(done->concerns.size());
      const double h = b.delays.at(act.major ? "respond_major" : "respond").draw(item.rng);
      const Instant answer = next_office_time(
          calendar, at + milliseconds(static_cast<std::int64_t>(h * 3600 * 1000)), item.rng);
      plan(item, ActKind::respond, std::max(answer, at + minutes(1)), number, act.major);
      return Status::Ok();
    }
    case ActKind::respond: {
      r.event = EventType::respond;
      r.actor = item.actor("responder");
      r.role = "responder";
      r.concern = act.concern;
      r.text = "已答复：" + item.standard->responsible_body + "已核实并说明有关情况。";
      auto done = fire(item, r, {Errc::illegal_transition});
      if (!done.ok()) {
        // Being corrected: answered once it is released again.
        if (act.retries < kMaxRetries) {
          plan(item, ActKind::respond, after_working_days(calendar, at, 1, item.rng), act.concern,
               act.major, act.retries + 1);
        }
        return Status::Ok();
      }
      request_delivery(at);
      return Status::Ok();
    }
    case ActKind::close: {
      r.event = EventType::close;
      r.actor = item.actor("responder");
      r.role = "responder";
      auto done = fire(item, r, {Errc::concerns_open, Errc::response_window_open});
      if (!done.ok()) {
        if (act.retries < kMaxRetries) {
          plan(item, ActKind::close, after_working_days(calendar, at, 1, item.rng), 0, false,
               act.retries + 1);
        }
        return Status::Ok();
      }
      item.ended = true;
      return Status::Ok();
    }
    case ActKind::withdraw: {
      r.event = EventType::withdraw;
      r.actor = item.actor("publisher");
      r.role = "publisher";
      r.reason = pick(item.rng, kWithdrawReasons);
      auto done = fire(item, r, {Errc::illegal_transition});
      if (!done.ok()) return Status::Ok();  // closed before the withdrawal came
      item.ended = true;
      ++item.epoch;
      request_delivery(at);
      return Status::Ok();
    }
    case ActKind::correct: {
      r.event = EventType::correct;
      r.actor = item.actor("drafter");
      r.role = "drafter";
      r.reason = pick(item.rng, kCorrectReasons);
      r.text = "（更正）根据" + item.standard->name_level2 + "的最新情况，更正有关内容。";
      auto done = fire(item, r, {Errc::illegal_transition});
      if (!done.ok()) return Status::Ok();  // closed before the correction came
      item.corrected = true;
      ++item.epoch;
      request_delivery(at);
      plan(item, ActKind::review, later("review"));
      return Status::Ok();
    }
    case ActKind::deliver:
      break;
  }
  return Status::Ok();
}

void Simulator::report_progress(Instant now, bool force) {
  if (!progress_) return;
  const Date day = local_date(now);
  if (!force && day == last_progress_day_ && actions_ % 4096 != 0) return;
  last_progress_day_ = day;
  SimulationProgress p;
  p.day = day;
  const double total = static_cast<double>(to_ms(end_) - to_ms(start_));
  p.fraction = std::clamp(static_cast<double>(to_ms(now) - to_ms(start_)) / total, 0.0, 1.0);
  p.items = created_;
  p.actions = actions_;
  auto head = store_->chain_head();
  p.events = head.ok() ? head->seq : 0;
  progress_(p);
}

Result<SimulationSummary> Simulator::summarise() {
  summary_.units = static_cast<std::int64_t>(units_.size());
  summary_.items = created_;
  auto head = store_->chain_head();
  if (!head.ok()) return head.status();
  summary_.head = *head;
  summary_.events = head->seq;
  auto items = engine_->list_items({});
  if (!items.ok()) return items.status();
  std::map<std::string, const Calendar*> calendar_of_item;
  std::map<std::string, const Calendar*> calendar_of_unit;
  for (const SimUnit& u : units_) calendar_of_unit[u.unit->id] = &*u.calendar;
  for (const Item& item : *items) {
    ++summary_.by_stage[std::string(to_string(item.stage))];
    for (const ItemDeadline& d : item.deadlines) {
      if (d.state == DeadlineState::breached || d.state == DeadlineState::met_late) {
        ++summary_.deadlines_breached;
      }
    }
    calendar_of_item[item.id] = calendar_of_unit[item.unit_id];
  }
  // Every event once: counts by type, and the self-check that officials acted on working days.
  Status scanned = store_->scan_events([&](const Event& e) {
    ++summary_.by_type[e.type];
    if (official_roles().count(e.role)) {
      const Calendar* calendar = calendar_of_item[e.item_id];
      if (calendar && !calendar->is_working_day(local_date(e.at))) {
        ++summary_.official_acts_on_rest_days;
      }
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  auto deliveries = engine_->count_deliveries({});  // counted, not read (≈ 1 KB a row)
  if (!deliveries.ok()) return deliveries.status();
  summary_.deliveries = *deliveries;
  if (receiver_) summary_.webhook_requests = receiver_->requests();
  if (registry_.website) summary_.website_files = registry_.website->files_written();
  return summary_;
}

Result<SimulationSummary> Simulator::run() {
  if (options_.to < options_.from) {
    return Status(Errc::invalid_argument, "the period ends (" + options_.to.to_string() +
                                              ") before it starts (" + options_.from.to_string() +
                                              ")");
  }
  if (!options_.from.valid() || !options_.to.valid()) {
    return Status(Errc::invalid_argument, "the period's dates are not valid");
  }
  if (options_.to.days_since_epoch() - options_.from.days_since_epoch() >= kMaxPeriodDays) {
    return Status(Errc::invalid_argument,
                  "a simulation covers at most " + std::to_string(kMaxPeriodDays) + " days");
  }
  if (options_.definitions_dir.empty()) {
    return Status(Errc::invalid_argument, "no definitions folder given");
  }
  // Everything is checked before the database is touched.
  auto definitions = load_definitions(options_.definitions_dir);
  if (!definitions.ok()) return definitions.status();
  for (const std::string& id : options_.units) {
    if (!definitions->find_unit(id)) {
      return Status(Errc::unit_not_found, "no pilot unit '" + id + "' (see `gongkai unit list`)");
    }
  }
  const std::string pilot_path = options_.pilot_path.empty()
                                     ? default_pilot_path(options_.definitions_dir)
                                     : options_.pilot_path;
  auto model = load_pilot_model(pilot_path, *definitions);
  if (!model.ok()) return model.status();
  model_ = std::move(*model);
  start_ = local_midnight(options_.from);
  end_ = local_midnight(options_.to.plus_days(1));
  if (!options_.site_dir.empty()) {
    if (Status s = check_site_replaceable(options_.site_dir, options_.db_path); !s.ok()) return s;
  }

  if (Status s = open_database(); !s.ok()) return s;
  auto calendars = engine_->calendars();
  for (std::uint32_t i = 0; i < definitions_->units.size(); ++i) {
    const Unit& unit = definitions_->units[i];
    if (!options_.units.empty() &&
        std::find(options_.units.begin(), options_.units.end(), unit.id) == options_.units.end()) {
      continue;
    }
    std::string calendar_id = unit.calendar;
    if (calendar_id.empty()) {
      const Province* p = definitions_->find_province(unit.province);
      calendar_id = p && !p->calendar.empty() ? p->calendar : "cn";
    }
    auto calendar = calendars->latest(calendar_id);
    if (!calendar.ok()) return calendar.status();
    SimUnit u;
    u.unit = &unit;
    u.index = i;
    u.calendar = *calendar;
    units_.push_back(std::move(u));
  }
  // What was simulated, beside the history (not part of it).
  if (Status s = store_->set_note(
          "simulation", json{{"seed", std::to_string(options_.seed)},
                             {"from", options_.from.to_string()},
                             {"to", options_.to.to_string()},
                             {"units", options_.units.empty() ? json("all") : json(options_.units)},
                             {"pilot_model_digest", model_.digest},
                             {"definitions_digest", definitions_->digest}}
                            .dump());
      !s.ok()) {
    return s;
  }
  if (Status s = start_channels(); !s.ok()) return s;
  if (Status s = plan_items(); !s.ok()) return s;
  report_progress(start_, true);

  // The acts are committed in batches of the store (one transaction for many commands instead of
  // one each: docs/simulation.md, "Speed"); the history is the same. A run that stops on an error
  // commits what it did.
  if (Status s = store_->begin_batch(); !s.ok()) return s;
  struct BatchGuard {
    Store* store;
    bool open = true;
    Status end() {
      open = false;
      return store->end_batch();
    }
    Status next() {
      if (Status s = end(); !s.ok()) return s;
      open = true;
      return store->begin_batch();
    }
    ~BatchGuard() {
      if (open) store->end_batch();
    }
  } batch{store_};
  std::int64_t steps_in_batch = 0;

  for (;;) {
    if (++steps_in_batch > kStepsPerBatch) {
      steps_in_batch = 0;
      if (Status s = batch.next(); !s.ok()) return s;
    }
    const std::optional<Instant> next_act =
        queue_.empty() ? std::nullopt : std::optional<Instant>(from_ms(queue_.top().at_ms));
    // Timers first: what falls due at an instant is recorded before the acts of that instant.
    if (next_timer_ && *next_timer_ < end_ && (!next_act || *next_timer_ <= *next_act)) {
      if (Status s = run_timers(std::max(*next_timer_, clock_->now())); !s.ok()) return s;
      continue;
    }
    if (!next_act || *next_act >= end_) break;
    const Act act = queue_.top();
    queue_.pop();
    clock_->set(*next_act);
    if (Status s = perform(act); !s.ok()) return s;
    report_progress(*next_act, false);
  }
  if (Status s = batch.end(); !s.ok()) return s;
  clock_->set(end_);
  report_progress(end_, true);
  auto summary = summarise();
  delete_old_sites();
  return summary;
}

}  // namespace

Result<SimulationSummary> run_simulation(const SimulationOptions& options,
                                         const ProgressCallback& progress) {
  try {
    Simulator simulator(options, progress);
    return simulator.run();
  } catch (const std::exception& e) {
    return Status(Errc::internal, std::string("the simulation stopped: ") + e.what());
  }
}

}  // namespace gongkai::sim
