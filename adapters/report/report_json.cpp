// The assessment as JSON: keys sorted (nlohmann's default object), rates as numbers with at most
// four decimals (or null when undefined), response times in hours and in milliseconds.
#include <nlohmann/json.hpp>

#include "adapters/report/report_renderers.h"

namespace gongkai::report {
namespace {

using nlohmann::json;

json rate(std::int64_t numerator, std::int64_t denominator) {
  auto r = ratio_x10000(numerator, denominator);
  if (!r) return nullptr;
  return static_cast<double>(*r) / 10000.0;
}

json optional_ms(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return *ms;
}

json hours(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return static_cast<double>((*ms + 18000) / 36000) / 100.0;  // two decimals, half up
}

json deadlines(const DeadlineKindFigures& k) {
  return json{{"settled", k.settled},
              {"on_time", k.on_time},
              {"late", k.late},
              {"late_open", k.late_open},
              {"on_time_rate", rate(k.on_time, k.settled)}};
}

json figures(const AssessmentFigures& f) {
  json interpretation = deadlines(f.interpretation);
  interpretation["required"] = f.interpretation_required;
  interpretation["covered"] = f.interpretation_covered;
  interpretation["coverage_rate"] = rate(f.interpretation_covered, f.interpretation_required);
  json buckets = json::array();
  for (std::size_t i = 0; i < kResponseBuckets; ++i) {
    json b{{"from_hours", i == 0 ? 0 : kResponseBucketHours[i - 1]},
           {"count", f.response_buckets[i]}};
    b["to_hours"] = i < std::size(kResponseBucketHours) ? json(kResponseBucketHours[i]) : json();
    buckets.push_back(std::move(b));
  }
  json by_kind = json::object();
  for (const auto& [kind, k] : f.deadlines_by_kind) by_kind[kind] = deadlines(k);
  return json{
      {"items_formed", f.items_formed},
      {"items_published", f.items_published},
      {"publication", deadlines(f.publication)},
      {"interpretation", std::move(interpretation)},
      {"concerns",
       {{"raised", f.concerns_raised},
        {"answered", f.concerns_answered},
        {"open", f.concerns_open},
        {"response_median_hours", hours(f.response_median_ms)},
        {"response_p90_hours", hours(f.response_p90_ms)},
        {"response_median_ms", optional_ms(f.response_median_ms)},
        {"response_p90_ms", optional_ms(f.response_p90_ms)},
        {"response_buckets", std::move(buckets)},
        {"response_deadlines", deadlines(f.concern_response)}}},
      {"deadlines_by_kind", std::move(by_kind)},
      {"deadlines_breached", f.deadlines_breached},
      {"withdrawals", f.withdrawals},
      {"corrections", f.corrections},
      {"score", f.score_x100 ? json(static_cast<double>(*f.score_x100) / 100.0) : json(nullptr)},
  };
}

json rows(const std::vector<AssessmentRow>& list, bool with_province) {
  json out = json::array();
  for (const auto& row : list) {
    json r{{"id", row.id},
           {"name", row.name},
           {"rank", row.rank ? json(row.rank) : json(nullptr)},
           {"figures", figures(row.figures)}};
    if (with_province) r["province"] = row.province;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string render_json(const Assessment& a) {
  json document{
      {"report", "gongkai.assessment.v1"},
      {"period",
       {{"from", a.from ? json(format_local(*a.from)) : json(nullptr)},
        {"to", format_local(a.to)},
        {"to_defaulted", a.to_defaulted}}},
      {"scope",
       {{"province", a.province.empty() ? json(nullptr) : json(a.province)},
        {"unit", a.unit.empty() ? json(nullptr) : json(a.unit)},
        {"name", a.scope_name}}},
      {"definitions_version", a.definitions_version},
      {"overall", figures(a.overall)},
      {"units", rows(a.units, true)},
      {"provinces", rows(a.provinces, false)},
      {"domains", rows(a.domains, false)},
  };
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace gongkai::report
