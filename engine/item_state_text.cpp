#include "engine/item_state_text.h"

#include "engine/item_json.h"
#include "engine/json_text.h"
#include "engine/utf8.h"

namespace gongkai {
namespace {

// A JSON object or array under construction in `out`; members must be given in key order (the
// order of nlohmann's std::map). Records whether every text was well-formed UTF-8.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  bool well_formed() const { return well_formed_; }

  void open_object() {
    out_.push_back('{');
    first_ = true;
  }
  void close_object() {
    out_.push_back('}');
    first_ = false;
  }
  void open_array() {
    out_.push_back('[');
    first_ = true;
  }
  void close_array() {
    out_.push_back(']');
    first_ = false;
  }
  // Starts an array element.
  void element() { separate(); }

  // Starts the member `key` (a plain ASCII key: no escaping needed).
  void key(const char* key) {
    separate();
    out_.push_back('"');
    out_ += key;
    out_ += "\":";
    first_ = true;  // the value follows without a comma
  }

  void text(std::string_view value) {
    if (!is_valid_utf8(value)) well_formed_ = false;
    append_json_string(out_, value);
    first_ = false;
  }
  void integer(long long value) {
    append_json_integer(out_, value);
    first_ = false;
  }
  void boolean(bool value) {
    out_ += value ? "true" : "false";
    first_ = false;
  }
  void null() {
    out_ += "null";
    first_ = false;
  }
  void instant(Instant t) {
    append_json_utc(out_, t);
    first_ = false;
  }
  // As Date::to_string() writes it ("YYYY-MM-DD"), without snprintf for years 0-9999.
  void date(const Date& d) {
    if (d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 99 || d.day < 0 || d.day > 99) {
      text(d.to_string());
      return;
    }
    char out[] = "\"0000-00-00\"";
    auto put = [&out](int at, int value, int width) {
      for (int i = at + width - 1; i >= at; --i, value /= 10) {
        out[i] = static_cast<char>('0' + value % 10);
      }
    };
    put(1, d.year, 4);
    put(6, d.month, 2);
    put(9, d.day, 2);
    out_.append(out, sizeof out - 1);
    first_ = false;
  }
  void instant(const std::optional<Instant>& t) {
    if (t) {
      instant(*t);
    } else {
      null();
    }
  }

 private:
  void separate() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool well_formed_ = true;
};

void write_concern(Writer& w, const Concern& c) {
  w.open_object();
  w.key("answer");
  w.text(c.answer);
  w.key("answered");
  w.boolean(c.answered);
  w.key("answered_at");
  w.instant(c.answered_at);
  w.key("answered_by");
  w.text(c.answered_by);
  w.key("major");
  w.boolean(c.major);
  w.key("number");
  w.integer(c.number);
  w.key("raised_at");
  w.instant(c.raised_at);
  w.key("raised_by");
  w.text(c.raised_by);
  w.key("text");
  w.text(c.text);
  w.close_object();
}

void write_deadline(Writer& w, const ItemDeadline& d) {
  w.open_object();
  w.key("amount");
  w.integer(d.amount);
  w.key("calendar");
  w.text(d.calendar);
  w.key("closed_at");
  w.instant(d.closed_at);
  w.key("computed_at");
  w.instant(d.computed_at);
  w.key("concern");
  w.integer(d.concern);
  w.key("due");
  w.instant(d.due);
  w.key("due_date");
  w.date(d.last_day);
  w.key("extended");
  w.integer(d.extended);
  w.key("id");
  w.text(d.id);
  w.key("kind");
  w.text(d.kind);
  w.key("next_step");
  w.text(d.next_step);
  w.key("next_step_at");
  w.instant(d.next_step_at);
  w.key("origin");
  w.text(to_string(d.origin));
  w.key("paused_days");
  w.integer(d.paused_days);
  w.key("paused_ms");
  w.integer(d.paused_ms);
  w.key("paused_since");
  w.instant(d.paused_since);
  w.key("provisional");
  w.boolean(d.provisional);
  w.key("state");
  w.text(to_string(d.state));
  w.key("steps_fired");
  w.open_array();
  for (const auto& step : d.steps_fired) {
    w.element();
    w.text(step);
  }
  w.close_array();
  w.key("trigger");
  w.text(d.trigger);
  w.key("trigger_at");
  w.instant(d.trigger_at);
  w.key("unit");
  w.text(d.unit);
  w.close_object();
}

void write_notice(Writer& w, const ItemNotice& n) {
  w.open_object();
  w.key("amount");
  w.integer(n.amount);
  w.key("calendar");
  w.text(n.calendar);
  w.key("computed_at");
  w.instant(n.computed_at);
  w.key("cut_short_at");
  w.instant(n.cut_short_at);
  w.key("cut_short_by");
  w.text(n.cut_short_by);
  w.key("cut_short_reason");
  w.text(n.cut_short_reason);
  w.key("ends_at");
  w.instant(n.ends_at);
  w.key("id");
  w.text(n.id);
  w.key("last_day");
  w.date(n.last_day);
  w.key("origin");
  w.text(to_string(n.origin));
  w.key("provisional");
  w.boolean(n.provisional);
  w.key("revision");
  w.integer(n.revision);
  w.key("served_at");
  w.instant(n.served_at);
  w.key("starts_at");
  w.instant(n.starts_at);
  w.key("state");
  w.text(to_string(n.state));
  w.key("unit");
  w.text(n.unit);
  w.close_object();
}

}  // namespace

void write_item_state(const Item& item, std::string& out) {
  out.clear();
  // About what the document takes (≈ 1 KB besides its texts), so that it is not grown piece by
  // piece: a command writes one, and the copies of its growth were a tenth of its CPU.
  out.reserve(1536 + item.title.size());
  Writer w(out);
  w.open_object();
  w.key("approved_by");
  w.text(item.approved_by);
  w.key("closed_at");
  w.instant(item.closed_at);
  w.key("concerns");
  w.open_array();
  for (const auto& c : item.concerns) {
    w.element();
    write_concern(w, c);
  }
  w.close_array();
  w.key("confidentiality_override");
  if (item.confidentiality_override) {
    w.text(*item.confidentiality_override);
  } else {
    w.null();
  }
  w.key("created_at");
  w.instant(item.created_at);
  w.key("created_by");
  w.text(item.created_by);
  w.key("deadlines");
  w.open_array();
  for (const auto& d : item.deadlines) {
    w.element();
    write_deadline(w, d);
  }
  w.close_array();
  w.key("definition_version");
  w.integer(item.definition_version);
  w.key("formed_at");
  w.instant(item.formed_at);
  w.key("interpreted_at");
  w.instant(item.interpreted_at);
  // Only items whose standard has a notice period carry the member (item_to_json).
  if (!item.notices.empty()) {
    w.key("notice_periods");
    w.open_array();
    for (const auto& n : item.notices) {
      w.element();
      write_notice(w, n);
    }
    w.close_array();
  }
  w.key("open_concerns");
  w.integer(item.open_concerns());
  w.key("publish_at");
  w.instant(item.publish_at);
  w.key("published_at");
  w.instant(item.published_at);
  w.key("response_window_end");
  w.instant(item.response_window_end);
  w.key("revision");
  w.integer(item.revision);
  w.key("stage");
  w.text(to_string(item.stage));
  w.key("standard_id");
  w.text(item.standard_id);
  w.key("submitted_by");
  w.text(item.submitted_by);
  w.key("title");
  w.text(item.title);
  w.key("unit_id");
  w.text(item.unit_id);
  w.key("updated_at");
  w.instant(item.updated_at);
  w.key("version");
  w.integer(item.version);
  w.key("withdrawn_reason");
  w.text(item.withdrawn_reason);
  w.close_object();
  if (!w.well_formed()) {
    // nlohmann's dump refuses the text (type_error 316), as the engine always has.
    nlohmann::json state = item_to_json(item, TimeStyle::utc);
    state.erase("id");
    state.erase("content");
    state.erase("interpretation");
    out = state.dump();
  }
}

}  // namespace gongkai
