// The assessment report's renderers: plain text for a terminal, JSON with stable keys, and a
// self-contained HTML page with inline SVG charts (no script, no external resource). Each is a
// pure function of the Assessment: equal assessments give byte-identical output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/markup/markup_escape.h"  // html_escape, for the HTML renderer
#include "gongkai/assessment.h"
#include "gongkai/status.h"

namespace gongkai::report {

enum class ReportFormat { text, json, html };

// "text", "json" or "html". Errors: report_format_unknown.
Result<ReportFormat> parse_report_format(std::string_view name);

// The report as UTF-8 text, ending in a newline.
std::string render_text(const Assessment& assessment);
// The report as a JSON document (2-space indent, keys sorted; format in docs/report.md).
std::string render_json(const Assessment& assessment);
// The report as one HTML5 page: inline CSS and SVG, every text escaped, no script.
std::string render_html(const Assessment& assessment);
// One of the above.
std::string render_report(const Assessment& assessment, ReportFormat format);

// Formatting shared by the renderers (exposed for their tests).
// "90.0%" — numerator/denominator in percent with one decimal, rounded half up; `none` when the
// denominator is 0.
std::string format_percent(std::int64_t numerator, std::int64_t denominator,
                           std::string_view none = "-");
// "3.5" — milliseconds as hours with one decimal, rounded half up; `none` when absent.
std::string format_hours(std::optional<std::int64_t> ms, std::string_view none = "-");
// "88.53" — a score in hundredths; `none` when absent.
std::string format_score(std::optional<std::int64_t> score_x100, std::string_view none = "-");
// The rows ranked first (by rank), then the unranked ones in their list order.
std::vector<const AssessmentRow*> in_ranking_order(const std::vector<AssessmentRow>& rows);

}  // namespace gongkai::report
