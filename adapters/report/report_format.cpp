// Number formatting and format selection shared by the report renderers. Integer arithmetic only,
// so output never depends on the locale or on floating-point printing.
#include <algorithm>
#include <string>

#include "adapters/report/report_renderers.h"

namespace gongkai::report {
namespace {

// `value` (≥ 0) in units of 1/`scale` (10 or 100) as a decimal string.
std::string fixed(std::int64_t value, std::int64_t scale) {
  const std::string fraction = std::to_string(value % scale);
  const std::size_t digits = scale == 10 ? 1 : 2;
  return std::to_string(value / scale) + "." + std::string(digits - fraction.size(), '0') +
         fraction;
}

}  // namespace

Result<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "text") return ReportFormat::text;
  if (name == "json") return ReportFormat::json;
  if (name == "html") return ReportFormat::html;
  return Status(Errc::report_format_unknown,
                "unknown report format '" + std::string(name) + "' (text, json or html)");
}

std::string format_percent(std::int64_t numerator, std::int64_t denominator,
                           std::string_view none) {
  if (denominator <= 0) return std::string(none);
  // Tenths of a percent, rounded half up: floor(n·1000/d + 1/2).
  const std::int64_t tenths = (numerator * 2000 + denominator) / (2 * denominator);
  return fixed(tenths, 10) + "%";
}

std::string format_hours(std::optional<std::int64_t> ms, std::string_view none) {
  if (!ms) return std::string(none);
  // Tenths of an hour (360,000 ms), rounded half up.
  return fixed((*ms + 180000) / 360000, 10);
}

std::string format_score(std::optional<std::int64_t> score_x100, std::string_view none) {
  if (!score_x100) return std::string(none);
  return fixed(*score_x100, 100);
}

std::vector<const AssessmentRow*> in_ranking_order(const std::vector<AssessmentRow>& rows) {
  std::vector<const AssessmentRow*> ordered;
  for (const auto& row : rows) ordered.push_back(&row);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const AssessmentRow* a, const AssessmentRow* b) {
                     if ((a->rank == 0) != (b->rank == 0)) return a->rank != 0;
                     return a->rank < b->rank;
                   });
  return ordered;
}

std::string render_report(const Assessment& assessment, ReportFormat format) {
  switch (format) {
    case ReportFormat::text:
      return render_text(assessment);
    case ReportFormat::json:
      return render_json(assessment);
    case ReportFormat::html:
      return render_html(assessment);
  }
  return render_text(assessment);
}

}  // namespace gongkai::report
