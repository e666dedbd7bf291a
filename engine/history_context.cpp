#include "engine/history_context.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engine/item_state.h"

namespace gongkai {
namespace {

std::string where(const Event& e) {
  return "event seq " + std::to_string(e.seq) + " (item " + e.item_id + " #" +
         std::to_string(e.item_seq) + ", " + e.type + ")";
}

// The China-time day of `t` (days since 1970-01-01), on which the calendar in force depends.
std::int64_t local_day(Instant t) {
  constexpr std::int64_t kDay = 86400000;
  const std::int64_t ms = (t + kChinaOffset).time_since_epoch().count();
  return ms >= 0 ? ms / kDay : -((-ms + kDay - 1) / kDay);
}

// `text` as a whole decimal number of type T, or nothing.
template <class T>
std::optional<T> whole_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<CalendarRef> parse_calendar_ref(const std::string& text) {
  const auto colon = text.find(':');
  const auto at = text.rfind('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon) return std::nullopt;
  const auto set = whole_number<std::int64_t>(std::string_view(text).substr(0, colon));
  const auto version = whole_number<int>(std::string_view(text).substr(at + 1));
  if (!set || !version) return std::nullopt;
  return CalendarRef{*set, text.substr(colon + 1, at - colon - 1), *version};
}

Result<std::string> HistoryContext::calendar_ref(std::int64_t calendars_version, const Unit& unit,
                                                 Instant at) const {
  if (calendars_version == 0) return std::string();
  auto set = calendars_(calendars_version);
  if (!set) return Status(Errc::calendar_not_found, "calendars version missing");
  std::string id = unit.calendar.empty() ? "cn" : unit.calendar;
  auto calendar = set->as_of(id, at);
  // A regional calendar whose first notice came later (ningxia's is of 2019-12-04): before it,
  // the calendar it is layered on is the one in force, and the reference names that one (replay
  // resolves the reference as recorded).
  for (const CalendarDefinition* def = set->find(id);
       !calendar.ok() && def != nullptr && !def->base.empty() &&
       at < local_midnight(def->versions.front().published);
       def = set->find(id)) {
    id = def->base;
    calendar = set->as_of(id, at);
  }
  if (!calendar.ok()) {
    return Status(Errc::calendar_not_found, "unit " + unit.id + ": " + calendar.status().message());
  }
  return std::to_string(calendars_version) + ":" + id + "@" + std::to_string(calendar->version());
}

Status HistoryContext::resolve(const Item& before, const Event& event, EventContext& out,
                               const nlohmann::json* parsed, ResolveMemo* memo) const {
  std::string standard_id = before.standard_id;
  std::int64_t version = before.definition_version;
  if (event.item_seq == 1) {
    const auto payload = parsed ? nlohmann::json() : parse_payload(event.payload);
    const nlohmann::json& p = parsed ? *parsed : payload;
    standard_id = p.is_object() ? p.value("standard_id", "") : "";
    version = event.definition_version;
  }
  const ItemStandard* standard = nullptr;
  const DefinitionSet* definitions = nullptr;
  if (memo) {
    auto [d, added] = memo->definitions_.try_emplace(version);
    if (added) d->second.set = definitions_(version);
    definitions = d->second.set.get();  // kept by the memo
    if (definitions) {
      auto found = d->second.standards.find(standard_id);
      if (found == d->second.standards.end()) {
        found =
            d->second.standards.emplace(standard_id, definitions->find_standard(standard_id)).first;
      }
      standard = found->second;
    }
  } else {
    out.definitions = definitions_(version);
    definitions = out.definitions.get();
    standard = definitions ? definitions->find_standard(standard_id) : nullptr;
  }
  if (!standard) {
    return Status(Errc::audit_replay_mismatch, where(event) + " refers to standard '" +
                                                   standard_id + "' of definitions version " +
                                                   std::to_string(version) + ", not stored");
  }
  out.deadlines.standard = standard;
  out.deadlines.default_ladder = &definitions->default_escalation;
  out.deadlines.calendar = nullptr;
  out.deadlines.calendar_ref = event.calendar_version;
  out.deadlines.at = event.at;
  if (event.calendar_version.empty()) return Status::Ok();
  const std::int64_t day = local_day(event.at);
  if (memo) {
    if (auto by_ref = memo->calendars_.find(event.calendar_version);
        by_ref != memo->calendars_.end()) {
      if (auto hit = by_ref->second.find(day); hit != by_ref->second.end()) {
        out.deadlines.calendar = &hit->second.calendar;  // kept by the memo
        return Status::Ok();
      }
    }
  }
  const auto ref = parse_calendar_ref(event.calendar_version);
  if (!ref) {
    return Status(Errc::audit_replay_mismatch,
                  where(event) + " records calendar '" + event.calendar_version + "'");
  }
  out.calendars = calendars_(ref->set);
  if (!out.calendars) {
    return Status(Errc::audit_replay_mismatch, where(event) + " uses calendars version " +
                                                   std::to_string(ref->set) + ", not stored");
  }
  auto calendar = out.calendars->as_of(ref->id, event.at);
  if (!calendar.ok() || calendar->version() != ref->version) {
    return Status(Errc::audit_replay_mismatch,
                  where(event) + " records calendar " + event.calendar_version +
                      ", which was not the version in force at its instant");
  }
  out.calendar.emplace(std::move(*calendar));
  out.deadlines.calendar = &*out.calendar;
  if (memo) {
    memo->calendars_[event.calendar_version].emplace(
        day, ResolveMemo::InForce{out.calendars, *out.calendar});
  }
  return Status::Ok();
}

Status HistoryContext::replay_step(Item& item, const Event& event) const {
  return replay_step(item, event, parse_payload(event.payload));
}

Status HistoryContext::replay_step(Item& item, const Event& event, const nlohmann::json& payload,
                                   ResolveMemo* memo) const {
  EventContext context;
  if (Status s = resolve(item, event, context, &payload, memo); !s.ok()) return s;
  if (Status s = apply_event_in_place(item, event, payload, context.deadlines); !s.ok()) {
    return Status(Errc::audit_replay_mismatch, where(event) + " does not replay: " + s.to_string());
  }
  return Status::Ok();
}

}  // namespace gongkai
