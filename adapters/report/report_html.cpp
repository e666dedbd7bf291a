// The assessment as one self-contained HTML5 page: inline CSS, inline SVG bar charts, tables; no
// script, no external font, image or style sheet, so it opens offline. Every text is escaped.
#include <algorithm>
#include <sstream>

#include "adapters/report/report_renderers.h"

namespace gongkai::report {
namespace {

// One bar: a label, its length relative to `max`, and the text printed beside it.
struct Bar {
  std::string label;
  std::int64_t value = 0;  // 0..max; ignored when `defined` is false
  bool defined = true;     // false: no bar, only the text (e.g. a rate with no denominator)
  std::string text;
};

constexpr int kLabelWidth = 250;
constexpr int kBarWidth = 560;
constexpr int kRowHeight = 22;

// A horizontal bar chart as inline SVG.
void horizontal_bars(std::ostringstream& out, const std::string& id, const std::string& title,
                     const std::vector<Bar>& bars, std::int64_t max) {
  const int height = 10 + kRowHeight * static_cast<int>(std::max<std::size_t>(bars.size(), 1));
  const int width = kLabelWidth + kBarWidth + 90;
  out << "<figure>\n<figcaption>" << html_escape(title) << "</figcaption>\n";
  out << "<svg id=\"" << html_escape(id)
      << "\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
      << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height
      << "\" role=\"img\" aria-label=\"" << html_escape(title) << "\">\n";
  out << "<line x1=\"" << kLabelWidth << "\" y1=\"0\" x2=\"" << kLabelWidth << "\" y2=\"" << height
      << "\" class=\"axis\"/>\n";
  if (bars.empty()) {
    out << "<text x=\"" << kLabelWidth + 8 << "\" y=\"20\">(none)</text>\n";
  }
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const int y = 5 + kRowHeight * static_cast<int>(i);
    const std::int64_t length =
        bar.defined && max > 0 ? std::clamp<std::int64_t>(bar.value, 0, max) * kBarWidth / max : 0;
    out << "<g class=\"bar\"><text class=\"label\" x=\"" << kLabelWidth - 8 << "\" y=\"" << y + 15
        << "\">" << html_escape(bar.label) << "</text>";
    if (bar.defined) {
      out << "<rect x=\"" << kLabelWidth << "\" y=\"" << y + 2 << "\" width=\"" << length
          << "\" height=\"" << kRowHeight - 6 << "\"/>";
    }
    out << "<text class=\"value\" x=\"" << kLabelWidth + length + 6 << "\" y=\"" << y + 15 << "\">"
        << html_escape(bar.text) << "</text></g>\n";
  }
  out << "</svg>\n</figure>\n";
}

// A vertical histogram of the response times as inline SVG.
void response_histogram(std::ostringstream& out, const AssessmentFigures& f) {
  const char* names[kResponseBuckets] = {"< 1 h", "1–5 h", "5–24 h", "24–48 h", "≥ 48 h"};
  std::int64_t max = 0;
  for (std::int64_t n : f.response_buckets) max = std::max(max, n);
  const int width = 600, height = 260, base = 220, top = 20, column = 100;
  out << "<figure>\n<figcaption>Concern response times (raised → answered, concerns answered in "
         "the period)</figcaption>\n";
  out << "<svg id=\"chart-response-times\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
         "width=\""
      << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height
      << "\" role=\"img\" aria-label=\"concern response times\">\n";
  out << "<line x1=\"40\" y1=\"" << base << "\" x2=\"" << width - 10 << "\" y2=\"" << base
      << "\" class=\"axis\"/>\n";
  for (std::size_t i = 0; i < kResponseBuckets; ++i) {
    const std::int64_t n = f.response_buckets[i];
    const std::int64_t h = max > 0 ? n * (base - top - 20) / max : 0;
    const int x = 50 + column * static_cast<int>(i);
    out << "<g class=\"bar\"><rect x=\"" << x << "\" y=\"" << base - h << "\" width=\""
        << column - 20 << "\" height=\"" << h << "\"/><text class=\"count\" x=\""
        << x + (column - 20) / 2 << "\" y=\"" << base - h - 5 << "\">" << n
        << "</text><text class=\"count\" x=\"" << x + (column - 20) / 2 << "\" y=\"" << base + 18
        << "\">" << html_escape(names[i]) << "</text></g>\n";
  }
  out << "</svg>\n</figure>\n";
}

std::string rate_text(std::int64_t numerator, std::int64_t denominator) {
  return format_percent(numerator, denominator, "—") + " (" + std::to_string(numerator) + "/" +
         std::to_string(denominator) + ")";
}

Bar rate_bar(const AssessmentRow& row, std::int64_t numerator, std::int64_t denominator) {
  Bar bar;
  bar.label = row.name.empty() ? row.id : row.name;
  auto r = ratio_x10000(numerator, denominator);
  bar.defined = r.has_value();
  bar.value = r.value_or(0);
  bar.text = rate_text(numerator, denominator);
  return bar;
}

void summary(std::ostringstream& out, const AssessmentFigures& f) {
  auto row = [&](const std::string& label, const std::string& value) {
    out << "<tr><th>" << html_escape(label) << "</th><td>" << html_escape(value) << "</td></tr>\n";
  };
  out << "<table class=\"summary\">\n";
  row("items formed", std::to_string(f.items_formed));
  row("items published", std::to_string(f.items_published));
  row("publication on time", rate_text(f.publication.on_time, f.publication.settled));
  row("interpretation coverage", rate_text(f.interpretation_covered, f.interpretation_required));
  row("interpretation on time", rate_text(f.interpretation.on_time, f.interpretation.settled));
  row("concerns raised / answered / open", std::to_string(f.concerns_raised) + " / " +
                                               std::to_string(f.concerns_answered) + " / " +
                                               std::to_string(f.concerns_open));
  row("response time median / p90 (hours)",
      format_hours(f.response_median_ms, "—") + " / " + format_hours(f.response_p90_ms, "—"));
  row("concern responses on time",
      rate_text(f.concern_response.on_time, f.concern_response.settled));
  row("deadlines breached", std::to_string(f.deadlines_breached));
  row("withdrawals", std::to_string(f.withdrawals));
  row("corrections", std::to_string(f.corrections));
  row("score", format_score(f.score_x100, "—"));
  out << "</table>\n";
}

void ranking_table(std::ostringstream& out, const std::string& id, const std::string& title,
                   const std::vector<AssessmentRow>& rows) {
  out << "<h2>" << html_escape(title) << "</h2>\n<table id=\"" << html_escape(id)
      << "\" class=\"ranking\">\n<thead><tr><th>rank</th><th>id</th><th>name</th><th>score</th>"
         "<th>items</th><th>publication on time</th><th>interpretation coverage</th>"
         "<th>interpretation on time</th><th>responses on time</th><th>median h</th>"
         "<th>p90 h</th><th>open concerns</th><th>breached</th><th>withdrawals</th>"
         "<th>corrections</th></tr></thead>\n<tbody>\n";
  for (const AssessmentRow* row : in_ranking_order(rows)) {
    const AssessmentFigures& f = row->figures;
    out << "<tr><td>" << (row->rank ? std::to_string(row->rank) : "—") << "</td><td>"
        << html_escape(row->id) << "</td><td>" << html_escape(row->name) << "</td><td>"
        << format_score(f.score_x100, "—") << "</td><td>" << f.items_formed << "</td><td>"
        << format_percent(f.publication.on_time, f.publication.settled, "—") << "</td><td>"
        << format_percent(f.interpretation_covered, f.interpretation_required, "—") << "</td><td>"
        << format_percent(f.interpretation.on_time, f.interpretation.settled, "—") << "</td><td>"
        << format_percent(f.concern_response.on_time, f.concern_response.settled, "—")
        << "</td><td>" << format_hours(f.response_median_ms, "—") << "</td><td>"
        << format_hours(f.response_p90_ms, "—") << "</td><td>" << f.concerns_open << "</td><td>"
        << f.deadlines_breached << "</td><td>" << f.withdrawals << "</td><td>" << f.corrections
        << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
}

void list_section(std::ostringstream& out, const std::string& key, const std::string& title,
                  const std::vector<AssessmentRow>& rows) {
  if (rows.empty()) return;
  std::vector<Bar> on_time;
  for (const auto& row : rows) {
    on_time.push_back(
        rate_bar(row, row.figures.publication.on_time, row.figures.publication.settled));
  }
  std::vector<Bar> scores;
  for (const AssessmentRow* row : in_ranking_order(rows)) {
    Bar bar;
    bar.label = (row->rank ? std::to_string(row->rank) + ". " : "— ") +
                (row->name.empty() ? row->id : row->name);
    bar.defined = row->figures.score_x100.has_value();
    bar.value = row->figures.score_x100.value_or(0);
    bar.text = format_score(row->figures.score_x100, "—");
    scores.push_back(std::move(bar));
  }
  out << "<section id=\"" << html_escape(key) << "\">\n";
  ranking_table(out, "table-" + key, title, rows);
  horizontal_bars(out, "chart-" + key + "-publication",
                  title + ": publication deadlines met on time", on_time, 10000);
  horizontal_bars(out, "chart-" + key + "-score", title + ": score (ranking)", scores, 10000);
  out << "</section>\n";
}

const char* kStyle =
    R"(body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:24px;color:#1a1a1a;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
td{white-space:nowrap}
table.ranking td:nth-child(2),table.ranking td:nth-child(3),table.ranking th:nth-child(2),table.ranking th:nth-child(3),table.summary th{text-align:left}
figure{margin:16px 0}figcaption{font-weight:bold;margin-bottom:4px}
svg.chart{font-size:12px;font-family:inherit}
svg.chart rect{fill:#2f6db5}svg.chart .axis{stroke:#555;stroke-width:1}
svg.chart .label{text-anchor:end}svg.chart .count{text-anchor:middle}
p.note{font-size:12px;color:#444})";

}  // namespace

std::string render_html(const Assessment& a) {
  std::ostringstream out;
  std::string scope = "every pilot unit";
  if (!a.unit.empty()) scope = "unit " + a.unit + " " + a.scope_name;
  if (!a.province.empty()) scope = "province " + a.province + " " + a.scope_name;
  const std::string period = (a.from ? format_local(*a.from) : std::string("the beginning")) +
                             " to " + format_local(a.to) + " (end excluded" +
                             (a.to_defaulted ? "; just after the latest recorded instant" : "") +
                             ")";
  out << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>gongkai assessment report (考核报告) — "
      << html_escape(scope) << "</title>\n<style>\n"
      << kStyle << "\n</style>\n</head>\n<body>\n";
  out << "<h1>gongkai assessment report (考核报告)</h1>\n";
  out << "<p>period: " << html_escape(period) << "<br>scope: " << html_escape(scope)
      << "; definitions version " << a.definitions_version << "</p>\n";
  out << "<section id=\"overall\">\n<h2>Overall</h2>\n";
  summary(out, a.overall);
  response_histogram(out, a.overall);
  std::vector<Bar> kinds;
  std::int64_t max_late = 0;
  for (const auto& [kind, k] : a.overall.deadlines_by_kind) max_late = std::max(max_late, k.late);
  for (const auto& [kind, k] : a.overall.deadlines_by_kind) {
    kinds.push_back(Bar{kind, k.late, true,
                        std::to_string(k.late) + " of " + std::to_string(k.settled) + " settled"});
  }
  horizontal_bars(out, "chart-breaches", "Deadlines breached, by kind", kinds, max_late);
  out << "</section>\n";
  list_section(out, "provinces", "Provinces", a.provinces);
  list_section(out, "units", "Units", a.units);
  list_section(out, "domains", "Domains", a.domains);
  out << "<p class=\"note\">Every figure is defined in docs/report.md. Rates are of deadlines "
         "settled in the period; a dash means no denominator. Score: weighted mean of publication "
         "on time (40), interpretation coverage (20), interpretation on time (20) and concern "
         "responses on time (20) over the rates that are defined; ties are ranked by fewer "
         "breaches, then id.</p>\n";
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace gongkai::report
