#include "engine/item_json.h"

#include <charconv>

#include "engine/item_schedule.h"
#include "engine/item_state_text.h"
#include "engine/sha256.h"
#include "engine/strict_json.h"

namespace gongkai {
namespace {

using nlohmann::json;

json optional_instant(const std::optional<Instant>& t, TimeStyle style) {
  return t ? json(format_instant(*t, style)) : json(nullptr);
}

Instant read_instant(const json& j, const char* key) {
  auto parsed = parse_instant(j.at(key).get<std::string>());
  if (!parsed.ok()) throw std::invalid_argument(parsed.status().message());
  return *parsed;
}

std::optional<Instant> read_optional_instant(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return read_instant(j, key);
}

json deadlines_to_json(const std::vector<ItemDeadline>& deadlines, TimeStyle style) {
  json list = json::array();
  for (const auto& d : deadlines) {
    list.push_back({{"id", d.id},
                    {"kind", d.kind},
                    {"trigger", d.trigger},
                    {"trigger_at", format_instant(d.trigger_at, style)},
                    {"amount", d.amount},
                    {"unit", d.unit},
                    {"extended", d.extended},
                    {"paused_days", d.paused_days},
                    {"paused_ms", d.paused_ms},
                    {"paused_since", optional_instant(d.paused_since, style)},
                    {"due", format_instant(d.due, style)},
                    {"due_date", d.last_day.to_string()},
                    {"provisional", d.provisional},
                    {"calendar", d.calendar},
                    {"computed_at", format_instant(d.computed_at, style)},
                    {"state", to_string(d.state)},
                    {"origin", to_string(d.origin)},
                    {"closed_at", optional_instant(d.closed_at, style)},
                    {"concern", d.concern},
                    {"steps_fired", d.steps_fired},
                    {"next_step", d.next_step},
                    {"next_step_at", optional_instant(d.next_step_at, style)}});
  }
  return list;
}

std::vector<ItemDeadline> deadlines_from_json(const json& list) {
  std::vector<ItemDeadline> deadlines;
  for (const auto& j : list) {
    ItemDeadline d;
    d.id = j.at("id").get<std::string>();
    d.kind = j.at("kind").get<std::string>();
    d.trigger = j.at("trigger").get<std::string>();
    d.trigger_at = read_instant(j, "trigger_at");
    d.amount = strict_json::integer_at<std::int64_t>(j, "amount");
    d.unit = j.at("unit").get<std::string>();
    d.extended = strict_json::integer_at<std::int64_t>(j, "extended");
    d.paused_days = strict_json::integer_at<std::int64_t>(j, "paused_days");
    d.paused_ms = strict_json::integer_at<std::int64_t>(j, "paused_ms");
    d.paused_since = read_optional_instant(j, "paused_since");
    d.due = read_instant(j, "due");
    auto day = parse_date(j.at("due_date").get<std::string>());
    if (!day.ok()) throw std::invalid_argument(day.status().message());
    d.last_day = *day;
    d.provisional = j.at("provisional").get<bool>();
    d.calendar = j.at("calendar").get<std::string>();
    d.computed_at = read_instant(j, "computed_at");
    const std::string state = j.at("state").get<std::string>();
    bool known = false;
    for (auto s : {DeadlineState::pending, DeadlineState::met, DeadlineState::met_late,
                   DeadlineState::breached, DeadlineState::paused, DeadlineState::cancelled}) {
      if (state == to_string(s)) {
        d.state = s;
        known = true;
      }
    }
    const std::string origin = j.at("origin").get<std::string>();
    for (auto o : {DeadlineOrigin::original, DeadlineOrigin::extended, DeadlineOrigin::paused,
                   DeadlineOrigin::recomputed}) {
      if (origin == to_string(o)) d.origin = o;
    }
    if (!known) throw std::invalid_argument("unknown deadline state " + state);
    d.closed_at = read_optional_instant(j, "closed_at");
    d.concern = strict_json::integer_at<int>(j, "concern");
    d.steps_fired = j.at("steps_fired").get<std::vector<std::string>>();
    d.next_step = j.at("next_step").get<std::string>();
    d.next_step_at = read_optional_instant(j, "next_step_at");
    deadlines.push_back(std::move(d));
  }
  return deadlines;
}

json notices_to_json(const std::vector<ItemNotice>& notices, TimeStyle style) {
  json list = json::array();
  for (const auto& n : notices) {
    list.push_back({{"id", n.id},
                    {"revision", n.revision},
                    {"starts_at", format_instant(n.starts_at, style)},
                    {"amount", n.amount},
                    {"unit", n.unit},
                    {"ends_at", format_instant(n.ends_at, style)},
                    {"last_day", n.last_day.to_string()},
                    {"provisional", n.provisional},
                    {"calendar", n.calendar},
                    {"computed_at", format_instant(n.computed_at, style)},
                    {"state", to_string(n.state)},
                    {"origin", to_string(n.origin)},
                    {"served_at", optional_instant(n.served_at, style)},
                    {"cut_short_at", optional_instant(n.cut_short_at, style)},
                    {"cut_short_by", n.cut_short_by},
                    {"cut_short_reason", n.cut_short_reason}});
  }
  return list;
}

std::vector<ItemNotice> notices_from_json(const json& list) {
  std::vector<ItemNotice> notices;
  for (const auto& j : list) {
    ItemNotice n;
    n.id = j.at("id").get<std::string>();
    n.revision = strict_json::integer_at<int>(j, "revision");
    n.starts_at = read_instant(j, "starts_at");
    n.amount = strict_json::integer_at<std::int64_t>(j, "amount");
    n.unit = j.at("unit").get<std::string>();
    n.ends_at = read_instant(j, "ends_at");
    auto day = parse_date(j.at("last_day").get<std::string>());
    if (!day.ok()) throw std::invalid_argument(day.status().message());
    n.last_day = *day;
    n.provisional = j.at("provisional").get<bool>();
    n.calendar = j.at("calendar").get<std::string>();
    n.computed_at = read_instant(j, "computed_at");
    const std::string state = j.at("state").get<std::string>();
    bool known = false;
    for (auto s : {NoticeState::running, NoticeState::served, NoticeState::cut_short}) {
      if (state == to_string(s)) {
        n.state = s;
        known = true;
      }
    }
    if (!known) throw std::invalid_argument("unknown notice period state " + state);
    n.origin = j.at("origin").get<std::string>() == to_string(DeadlineOrigin::recomputed)
                   ? DeadlineOrigin::recomputed
                   : DeadlineOrigin::original;
    n.served_at = read_optional_instant(j, "served_at");
    n.cut_short_at = read_optional_instant(j, "cut_short_at");
    n.cut_short_by = j.at("cut_short_by").get<std::string>();
    n.cut_short_reason = j.at("cut_short_reason").get<std::string>();
    notices.push_back(std::move(n));
  }
  return notices;
}

}  // namespace

int Item::open_concerns() const noexcept {
  int open = 0;
  for (const auto& c : concerns) open += c.answered ? 0 : 1;
  return open;
}

std::string format_instant(Instant t, TimeStyle style) {
  return style == TimeStyle::utc ? format_utc(t) : format_local(t);
}

json item_to_json(const Item& item, TimeStyle style) {
  json concerns = json::array();
  for (const auto& c : item.concerns) {
    concerns.push_back({{"number", c.number},
                        {"major", c.major},
                        {"text", c.text},
                        {"raised_by", c.raised_by},
                        {"raised_at", format_instant(c.raised_at, style)},
                        {"answered", c.answered},
                        {"answer", c.answer},
                        {"answered_by", c.answered_by},
                        {"answered_at", optional_instant(c.answered_at, style)}});
  }
  json out{
      {"id", item.id},
      {"unit_id", item.unit_id},
      {"standard_id", item.standard_id},
      {"definition_version", item.definition_version},
      {"title", item.title},
      {"content", item.content},
      {"revision", item.revision},
      {"stage", std::string(to_string(item.stage))},
      {"version", item.version},
      {"created_at", format_instant(item.created_at, style)},
      {"updated_at", format_instant(item.updated_at, style)},
      {"formed_at", format_instant(item.formed_at, style)},
      {"created_by", item.created_by},
      {"submitted_by", item.submitted_by},
      {"approved_by", item.approved_by},
      {"confidentiality_override",
       item.confidentiality_override ? json(*item.confidentiality_override) : json(nullptr)},
      {"publish_at", optional_instant(item.publish_at, style)},
      {"published_at", optional_instant(item.published_at, style)},
      {"response_window_end", optional_instant(item.response_window_end, style)},
      {"interpretation", item.interpretation},
      {"interpreted_at", optional_instant(item.interpreted_at, style)},
      {"concerns", std::move(concerns)},
      {"open_concerns", item.open_concerns()},
      {"withdrawn_reason", item.withdrawn_reason},
      {"closed_at", optional_instant(item.closed_at, style)},
      {"deadlines", deadlines_to_json(item.deadlines, style)},
  };
  // Only items whose standard has a notice period carry the field, so the stored projection of
  // every other item stays byte for byte what it was.
  if (!item.notices.empty()) out["notice_periods"] = notices_to_json(item.notices, style);
  return out;
}

Result<Item> item_from_json(const std::string& text) {
  try {
    const json j = json::parse(text);
    Item item;
    item.id = j.value("id", std::string());
    item.unit_id = j.at("unit_id").get<std::string>();
    item.standard_id = j.at("standard_id").get<std::string>();
    item.definition_version = strict_json::integer_at<std::int64_t>(j, "definition_version");
    item.title = j.at("title").get<std::string>();
    // Stored documents have no long texts since schema 7 (item_from_record sets them).
    item.content = j.value("content", std::string());
    item.revision = strict_json::integer_at<int>(j, "revision");
    const auto stage = parse_stage(j.at("stage").get<std::string>());
    if (!stage) throw std::invalid_argument("unknown stage");
    item.stage = *stage;
    item.version = strict_json::integer_at<std::int64_t>(j, "version");
    item.created_at = read_instant(j, "created_at");
    item.updated_at = read_instant(j, "updated_at");
    item.formed_at = read_instant(j, "formed_at");
    item.created_by = j.at("created_by").get<std::string>();
    item.submitted_by = j.at("submitted_by").get<std::string>();
    item.approved_by = j.at("approved_by").get<std::string>();
    if (!j.at("confidentiality_override").is_null()) {
      item.confidentiality_override = j.at("confidentiality_override").get<std::string>();
    }
    item.publish_at = read_optional_instant(j, "publish_at");
    item.published_at = read_optional_instant(j, "published_at");
    item.response_window_end = read_optional_instant(j, "response_window_end");
    item.interpretation = j.value("interpretation", std::string());
    item.interpreted_at = read_optional_instant(j, "interpreted_at");
    for (const auto& c : j.at("concerns")) {
      Concern concern;
      concern.number = strict_json::integer_at<int>(c, "number");
      concern.major = c.at("major").get<bool>();
      concern.text = c.at("text").get<std::string>();
      concern.raised_by = c.at("raised_by").get<std::string>();
      concern.raised_at = read_instant(c, "raised_at");
      concern.answered = c.at("answered").get<bool>();
      concern.answer = c.at("answer").get<std::string>();
      concern.answered_by = c.at("answered_by").get<std::string>();
      concern.answered_at = read_optional_instant(c, "answered_at");
      item.concerns.push_back(std::move(concern));
    }
    item.withdrawn_reason = j.at("withdrawn_reason").get<std::string>();
    item.closed_at = read_optional_instant(j, "closed_at");
    if (j.contains("deadlines")) item.deadlines = deadlines_from_json(j.at("deadlines"));
    if (j.contains("notice_periods")) item.notices = notices_from_json(j.at("notice_periods"));
    return item;
  } catch (const std::exception& e) {
    return Status(Errc::storage_corrupt,
                  std::string("a stored item state does not read: ") + e.what());
  }
}

ItemRecord item_record(const Item& item) {
  ItemRecord r;
  r.id = item.id;
  r.unit_id = item.unit_id;
  r.standard_id = item.standard_id;
  r.definition_version = item.definition_version;
  r.stage = item.stage;
  r.version = item.version;
  r.created_at = item.created_at;
  r.updated_at = item.updated_at;
  r.title = item.title;
  write_item_state(item, r.state_json);
  r.content = item.content;
  r.interpretation = item.interpretation;
  return r;
}

Result<Item> item_from_record(const ItemRecord& record) {
  auto item = item_from_json(record.state_json);
  if (!item.ok()) return item.status();
  item->id = record.id;
  item->content = record.content;
  item->interpretation = record.interpretation;
  return item;
}

namespace {

// Each column as its length and its bytes, so that no two different rows concatenate alike. Short
// columns are gathered and hashed together: one hash update per column cost more than the hashing
// (the hashed bytes are the same either way).
class RowDigest {
 public:
  RowDigest() { buffer_.clear(); }
  void put(std::string_view column) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof length, column.size()).ptr;
    *end = ':';
    buffer_.append(length, static_cast<std::size_t>(end + 1 - length));
    if (column.size() > kGathered) {
      flush();
      sha_.update(column);
    } else {
      buffer_.append(column);
    }
  }
  void put(std::int64_t number) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  // An instant as its milliseconds since the epoch.
  void put(Instant t) { put(static_cast<std::int64_t>(t.time_since_epoch().count())); }
  std::string hex() {
    flush();
    return sha_.hex();
  }

 private:
  static constexpr std::size_t kGathered = 256;
  void flush() {
    if (buffer_.empty()) return;
    sha_.update(buffer_);
    buffer_.clear();
  }
  Sha256& sha_ = thread_sha();
  std::string& buffer_ = thread_buffer();
  static Sha256& thread_sha() {
    thread_local Sha256 sha;
    return sha;
  }
  static std::string& thread_buffer() {
    thread_local std::string buffer;
    return buffer;
  }
};

template <typename Row>
void put_columns(RowDigest& d, const Row& r, std::string_view id, std::string_view state_json) {
  // The long texts, kept apart from the state document, first: every column of the row after.
  d.put(r.content);
  d.put(r.interpretation);
  d.put(id);
  d.put(r.unit_id);
  d.put(r.standard_id);
  d.put(r.definition_version);
  d.put(to_string(r.stage));
  d.put(r.version);
  d.put(format_utc(r.created_at));
  d.put(format_utc(r.updated_at));
  d.put(r.title);
  d.put(state_json);
}

}  // namespace

std::string record_digest(const ItemRecord& r) {
  RowDigest d;
  put_columns(d, r, r.id, r.state_json);
  return d.hex();
}

std::string item_record_digest(const Item& item) {
  thread_local std::string state;
  write_item_state(item, state);
  RowDigest d;
  put_columns(d, item, item.id, state);
  return d.hex();
}

namespace {

// The rows of one item's schedule, after its row's columns: each list counted, so that no row can
// pass for a column or for a row of the other list.
void put_schedule(RowDigest& d, const std::vector<TimerRecord>& timers,
                  const std::vector<DeadlineRecord>& deadlines) {
  d.put(static_cast<std::int64_t>(deadlines.size()));
  for (const DeadlineRecord& r : deadlines) {
    d.put(r.deadline_id);
    d.put(r.kind);
    d.put(r.state);
    d.put(r.due);
  }
  d.put(static_cast<std::int64_t>(timers.size()));
  for (const TimerRecord& t : timers) {
    d.put(t.key);
    d.put(t.fire_at);
  }
}

}  // namespace

std::string projection_digest(const ItemRecord& r, const std::vector<TimerRecord>& timers,
                              const std::vector<DeadlineRecord>& deadlines) {
  RowDigest d;
  put_columns(d, r, r.id, r.state_json);
  put_schedule(d, timers, deadlines);
  return d.hex();
}

std::string item_projection_digest(const Item& item) {
  thread_local std::string state;
  thread_local std::vector<TimerRecord> timers;
  thread_local std::vector<DeadlineRecord> deadlines;
  write_item_state(item, state);
  timers.clear();
  deadlines.clear();
  schedule_of(item, timers, deadlines);
  sort_as_stored(timers, deadlines);
  RowDigest d;
  put_columns(d, item, item.id, state);
  put_schedule(d, timers, deadlines);
  return d.hex();
}

json event_to_json(const Event& event, TimeStyle style) {
  json payload = json::parse(event.payload, nullptr, false);
  if (payload.is_discarded()) payload = event.payload;
  return json{{"seq", event.seq},
              {"item_id", event.item_id},
              {"item_seq", event.item_seq},
              {"type", event.type},
              {"actor", event.actor},
              {"role", event.role},
              {"reason", event.reason},
              {"command_id", event.command_id},
              {"at", format_instant(event.at, style)},
              {"payload", std::move(payload)},
              {"definition_version", event.definition_version},
              {"calendar_version", event.calendar_version},
              {"item_prev_hash", event.item_prev_hash},
              {"prev_hash", event.prev_hash},
              {"hash", event.hash}};
}

}  // namespace gongkai
