#include "engine/item_state.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "engine/lifecycle.h"
#include "engine/notice_periods.h"
#include "engine/strict_json.h"
#include "engine/utf8.h"
#include "gongkai/confidentiality_scan.h"

namespace gongkai {
namespace {

using nlohmann::json;

std::string string_or_empty(const json& payload, const char* key) {
  auto it = payload.find(key);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Instant> instant_or_none(const json& payload, const char* key) {
  auto it = payload.find(key);
  if (it == payload.end() || !it->is_string()) return std::nullopt;
  auto parsed = parse_instant(it->get<std::string>());
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

// The scan's findings over the texts a release publishes, each naming the field it is in (offsets
// count from the start of that field's text), as the details of error[confidentiality_findings].
std::string findings_json(std::initializer_list<std::pair<const char*, std::string_view>> texts) {
  json list = json::array();
  for (const auto& [field, text] : texts) {
    for (const auto& f : scan_personal_data(text)) {
      list.push_back({{"field", field},
                      {"kind", f.kind},
                      {"offset", f.offset},
                      {"length", f.length},
                      {"char_offset", f.char_offset},
                      {"char_length", f.char_length},
                      {"masked", f.masked}});
    }
  }
  return json{{"findings", std::move(list)}}.dump();
}

// True when `text` has something besides spaces: a reason of blanks is no reason.
bool has_words(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") != std::string::npos;
}

// The scan's count recorded in an event's payload; std::nullopt when none is recorded.
std::optional<std::size_t> recorded_findings(const json& payload) {
  auto it = payload.find("confidentiality_findings");
  if (it == payload.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::size_t>();
}

}  // namespace

Result<Instant> response_window_end(const ItemStandard& standard, Instant published_at,
                                    const Calendar* calendar) {
  if (standard.response_window.unit == TimeUnit::hours) {
    return published_at + std::chrono::hours(standard.response_window.amount);
  }
  if (!calendar) return Status(Errc::calendar_not_found, "no calendar for the response window");
  // due_date: the same instant as add() without building the day-by-day explanation.
  auto end = calendar->due_date(published_at, standard.response_window);
  if (!end.ok()) return end.status();
  return end->due;
}

Result<Item> apply_event(const Item& before, const Event& event, const DeadlineContext& context) {
  Item after = before;
  if (Status s = apply_event_in_place(after, event, context); !s.ok()) return s;
  return after;
}

// `before` and `after` are the same item: everything `before` is read for (the guards, the
// content scanned, the revision, the concerns counted) is read before the field is changed.
Status apply_event_in_place(Item& item, const Event& event, const DeadlineContext& context) {
  return apply_event_in_place(item, event, parse_payload(event.payload), context);
}

namespace {

// The payloads the engine writes are flat, compact objects: {"k":"v","n":1,"b":false}. Such a
// text is read here directly, into exactly what nlohmann's parser gives (a non-negative integer
// unsigned, a negative one signed, the last of duplicate keys); anything else — whitespace, an
// escape, a control character, ill-formed UTF-8, a fraction or exponent, a long number, a nested
// value — is left to the parser (std::nullopt).
std::optional<json> parse_flat_object(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto string_at = [&](std::string_view& out) {
    if (i >= n || text[i] != '"') return false;
    const std::size_t start = ++i;
    while (i < n && text[i] != '"') {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 || c == '\\') return false;
      ++i;
    }
    if (i >= n) return false;
    out = text.substr(start, i - start);
    ++i;  // the closing quote
    return is_valid_utf8(out);
  };
  if (n < 2 || text[0] != '{') return std::nullopt;
  json object = json::object();
  i = 1;
  if (text[i] == '}') return i + 1 == n ? std::optional<json>(std::move(object)) : std::nullopt;
  for (;;) {
    std::string_view key;
    if (!string_at(key) || i >= n || text[i] != ':') return std::nullopt;
    ++i;
    if (i >= n) return std::nullopt;
    json value;
    const char c = text[i];
    if (c == '"') {
      std::string_view v;
      if (!string_at(v)) return std::nullopt;
      value = std::string(v);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const bool negative = c == '-';
      if (negative) ++i;
      const std::size_t start = i;
      while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
      const std::size_t digits = i - start;
      if (digits == 0 || digits > 18 || (digits > 1 && text[start] == '0')) return std::nullopt;
      std::int64_t number = 0;
      for (std::size_t k = start; k < i; ++k) number = number * 10 + (text[k] - '0');
      if (negative) {
        value = -number;
      } else {
        value = static_cast<std::uint64_t>(number);
      }
    } else if (text.substr(i, 4) == "true") {
      value = true;
      i += 4;
    } else if (text.substr(i, 5) == "false") {
      value = false;
      i += 5;
    } else if (text.substr(i, 4) == "null") {
      i += 4;
    } else {
      return std::nullopt;
    }
    object[std::string(key)] = std::move(value);
    if (i >= n) return std::nullopt;
    if (text[i] == '}') return i + 1 == n ? std::optional<json>(std::move(object)) : std::nullopt;
    if (text[i] != ',') return std::nullopt;
    ++i;
  }
}

}  // namespace

json parse_payload(const std::string& text) {
  if (auto flat = parse_flat_object(text)) return std::move(*flat);
  return json::parse(text, nullptr, false);
}

namespace {

Status apply_parsed(Item& item, const Event& event, const json& payload,
                    const DeadlineContext& context) {
  if (!context.standard) return Status(Errc::internal, "apply_event without a standard");
  const ItemStandard& standard = *context.standard;
  const auto type = parse_event_type(event.type);
  const Item& before = item;
  Item& after = item;
  if (!payload.is_object()) {
    return Status(Errc::storage_corrupt, "event " + std::to_string(event.seq) +
                                             " has a payload that is not a JSON object");
  }
  if (!type) {
    // A system event: a deadline's clock control or timer step, or another record (channels).
    after.version = event.item_seq;
    after.updated_at = event.at;
    auto applied = apply_deadline_event(after, event, payload, context);
    if (!applied.ok()) return applied.status();
    if (!*applied) {
      auto notice = apply_notice_event(after, event, payload, context);
      if (!notice.ok()) return notice.status();
    }
    return Status::Ok();
  }

  TransitionInput in;
  in.item = &before;
  in.standard = &standard;
  in.event = *type;
  in.actor = event.actor;
  in.reason = event.reason;
  in.text = string_or_empty(payload, "text");
  in.at = event.at;
  if (auto it = payload.find("concern"); it != payload.end() && it->is_number_integer()) {
    // A number no int holds names no concern: 0 (none), not a wrapped number that might.
    in.concern = strict_json::integer_as<int>(*it).value_or(0);
  }
  std::size_t findings = 0;
  if (*type == EventType::approve) {
    // The count the scan found (over the title and the content) when the approval was decided is
    // part of the event, so a later change of the scan's rules cannot change how a stored approval
    // replays. An approval recorded without a count predates it: its scan covered the content.
    const auto recorded = recorded_findings(payload);
    findings = recorded ? *recorded : scan_personal_data(before.content).size();
    in.confidentiality_findings = findings;
    if (findings > 0) {
      in.findings_json = findings_json({{"title", before.title}, {"content", before.content}});
    }
  }
  if (*type == EventType::close && before.response_window_end) {
    in.response_window_end = *before.response_window_end;
  }

  Lifecycle machine;
  if (*type != EventType::created) machine.place_in(before.stage);
  Status refused = machine.fire(in);
  if (!refused.ok()) return refused;
  // A minimum notice period (公示期) still running refuses closing; the lifecycle's own guards
  // (concerns, the response window) have been checked first.
  if (Status s = check_notice_allows(before, *type, event.at); !s.ok()) return s;
  // An interpretation or an answer is published the moment it is given: its text gets the same
  // scan as a release (保密审查, 条例 art. 17) and the same override, a reason. The count is
  // recorded in the event only when the scan found something (older histories were not scanned:
  // none).
  if (*type == EventType::interpret || *type == EventType::respond) {
    const std::size_t found = recorded_findings(payload).value_or(0);
    if (found > 0 && !has_words(event.reason)) {
      return Status(
          Errc::confidentiality_findings,
          std::string(*type == EventType::interpret ? "the interpretation" : "the answer") +
              " contains " + std::to_string(found) +
              " possible personal-data finding(s) and would be published at once; "
              "remove them or give a reason that overrides the scan",
          findings_json({{"text", in.text}}));
    }
  }
  after.stage = *machine.stage();
  after.version = event.item_seq;
  after.updated_at = event.at;

  int concern = 0;
  switch (*type) {
    case EventType::created:
      after.id = event.item_id;
      after.unit_id = string_or_empty(payload, "unit_id");
      after.standard_id = string_or_empty(payload, "standard_id");
      after.definition_version = event.definition_version;
      after.title = string_or_empty(payload, "title");
      after.content = string_or_empty(payload, "content");
      after.revision = 1;
      after.created_at = event.at;
      after.formed_at = instant_or_none(payload, "formed_at").value_or(event.at);
      after.created_by = event.actor;
      break;
    case EventType::submit:
      after.submitted_by = event.actor;
      break;
    case EventType::approve:
      after.approved_by = event.actor;
      after.publish_at = instant_or_none(payload, "publish_at");
      if (findings > 0) {
        after.confidentiality_override = event.reason;
      } else {
        after.confidentiality_override.reset();
      }
      break;
    case EventType::reject:
      after.approved_by.clear();
      break;
    case EventType::publish: {
      after.published_at = event.at;
      after.publish_at.reset();
      auto end = response_window_end(standard, event.at, context.calendar);
      if (!end.ok()) return end.status();
      after.response_window_end = *end;
      break;
    }
    case EventType::interpret:
      after.interpretation = in.text;
      after.interpreted_at = event.at;
      break;
    case EventType::raise_concern: {
      Concern c;
      c.number = static_cast<int>(before.concerns.size()) + 1;
      c.major = payload.value("major", false);
      c.text = in.text;
      c.raised_by = event.actor;
      c.raised_at = event.at;
      concern = c.number;
      after.concerns.push_back(std::move(c));
      break;
    }
    case EventType::respond: {
      concern = *in.concern;
      Concern& c = after.concerns[static_cast<std::size_t>(*in.concern - 1)];
      c.answered = true;
      c.answer = in.text;
      c.answered_by = event.actor;
      c.answered_at = event.at;
      break;
    }
    case EventType::close:
      after.closed_at = event.at;
      break;
    case EventType::withdraw:
      after.withdrawn_reason = event.reason;
      break;
    case EventType::correct:
      after.revision = before.revision + 1;
      if (!in.text.empty()) after.content = in.text;
      after.submitted_by = event.actor;
      after.approved_by.clear();
      after.confidentiality_override.reset();
      break;
  }
  if (Status s = update_deadlines_after(after, *type, event, concern, context); !s.ok()) return s;
  if (Status s = update_notices_after(after, *type, event, context); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace

Status apply_event_in_place(Item& item, const Event& event, const json& payload,
                            const DeadlineContext& context) {
  try {
    return apply_parsed(item, event, payload, context);
  } catch (const json::exception& e) {
    // A member of another type than the engine writes ({"major":"yes"}, {"deadline":5}): the
    // event was not written by the engine.
    return Status(Errc::storage_corrupt,
                  "event " + std::to_string(event.seq) +
                      " has a payload member of the wrong type: " + e.what());
  }
}

}  // namespace gongkai
