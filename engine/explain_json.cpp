#include "engine/explain_json.h"

#include "engine/item_json.h"
#include "gongkai/time.h"

namespace gongkai {
namespace {

using nlohmann::json;

json steps_json(const std::vector<ExplanationStep>& steps) {
  json out = json::array();
  for (const auto& s : steps) {
    json step = {{"date", s.date.to_string()},
                 {"kind", to_string(s.kind)},
                 {"day", to_string(s.day_kind)},
                 {"what", s.what}};
    if (!s.holiday.empty()) step["holiday"] = s.holiday;
    if (s.ordinal > 0) step["ordinal"] = s.ordinal;
    if (s.provisional) step["provisional"] = true;
    out.push_back(std::move(step));
  }
  return out;
}

json computation_of(const Deadline& d) {
  return json{{"due", d.last_day.to_string()},
              {"due_at", format_local(d.due)},
              {"trigger", format_local(d.trigger)},
              {"trigger_date", d.trigger_date.to_string()},
              {"amount", d.amount},
              {"unit", to_string(d.unit)},
              {"rule", d.rule},
              {"calendar", d.calendar_id},
              {"calendar_version", d.calendar_version},
              {"calendar_digest", d.calendar_digest},
              {"provisional", d.provisional},
              {"steps", steps_json(d.steps)}};
}

json events_json(const std::vector<Event>& events) {
  json out = json::array();
  for (const Event& e : events) out.push_back(event_to_json(e, TimeStyle::local));
  return out;
}

}  // namespace

json computation_json(const Deadline& computation) {
  return computation_of(computation);
}

json explanations_to_json(const std::vector<DeadlineExplanation>& deadlines,
                          const std::vector<NoticeExplanation>& notices) {
  json out = json::array();
  for (const auto& x : deadlines) {
    const ItemDeadline& d = x.deadline;
    out.push_back({{"deadline", d.id},
                   {"kind", d.kind},
                   {"state", to_string(d.state)},
                   {"origin", to_string(d.origin)},
                   {"rule", x.rule},
                   {"time_limit", x.time_limit_text},
                   {"legal_basis", x.legal_basis},
                   {"trigger", d.trigger},
                   {"trigger_at", format_local(d.trigger_at)},
                   {"extended", d.extended},
                   {"paused_days", d.paused_days},
                   {"paused_ms", d.paused_ms},
                   {"due", d.last_day.to_string()},
                   {"due_at", format_local(d.due)},
                   {"calendar", d.calendar},
                   {"provisional", d.provisional},
                   {"computation", computation_of(x.computation)},
                   {"controls", events_json(x.controls)}});
  }
  for (const auto& x : notices) {
    const ItemNotice& n = x.notice;
    out.push_back(
        {{"notice_period", n.id},
         {"kind", "notice_period"},
         {"state", to_string(n.state)},
         {"origin", to_string(n.origin)},
         {"rule", x.rule},
         {"time_limit", x.time_limit_text},
         {"legal_basis", x.legal_basis},
         {"revision", n.revision},
         {"starts_at", format_local(n.starts_at)},
         {"ends", n.last_day.to_string()},
         {"ends_at", format_local(n.ends_at)},
         {"served_at", n.served_at ? json(format_local(*n.served_at)) : json(nullptr)},
         {"cut_short_at", n.cut_short_at ? json(format_local(*n.cut_short_at)) : json(nullptr)},
         {"cut_short_by", n.cut_short_by},
         {"cut_short_reason", n.cut_short_reason},
         {"calendar", n.calendar},
         {"provisional", n.provisional},
         {"computation", computation_of(x.computation)},
         {"records", events_json(x.records)}});
  }
  return out;
}

}  // namespace gongkai
