// The assessment as plain text: an overall block, then one ranking table per list. Every column
// but the last holds ASCII only, so the table lines up in any terminal; names come last.
#include <iomanip>
#include <sstream>

#include "adapters/report/report_renderers.h"

namespace gongkai::report {
namespace {

std::string of(std::int64_t numerator, std::int64_t denominator) {
  return std::to_string(numerator) + " of " + std::to_string(denominator) + " (" +
         format_percent(numerator, denominator) + ")";
}

std::string breaches(const AssessmentFigures& f) {
  std::string text = std::to_string(f.deadlines_breached);
  std::string kinds;
  for (const auto& [kind, k] : f.deadlines_by_kind) {
    if (k.late == 0) continue;
    kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(k.late);
  }
  if (!kinds.empty()) text += " (" + kinds + ")";
  return text;
}

void line(std::ostringstream& out, const char* label, const std::string& value) {
  out << "  " << std::left << std::setw(36) << label << value << "\n";
}

void overall(std::ostringstream& out, const AssessmentFigures& f) {
  out << "Overall\n";
  line(out, "items formed", std::to_string(f.items_formed));
  line(out, "items published", std::to_string(f.items_published));
  line(out, "publication on time", of(f.publication.on_time, f.publication.settled));
  line(out, "interpretation coverage", of(f.interpretation_covered, f.interpretation_required));
  line(out, "interpretation on time", of(f.interpretation.on_time, f.interpretation.settled));
  line(out, "concerns raised / answered / open",
       std::to_string(f.concerns_raised) + " / " + std::to_string(f.concerns_answered) + " / " +
           std::to_string(f.concerns_open));
  line(out, "response time median / p90 (hours)",
       format_hours(f.response_median_ms) + " / " + format_hours(f.response_p90_ms));
  std::string buckets;
  const char* names[kResponseBuckets] = {"<1h", "1-5h", "5-24h", "24-48h", ">=48h"};
  for (std::size_t i = 0; i < kResponseBuckets; ++i) {
    buckets +=
        (i ? "  " : "") + std::string(names[i]) + " " + std::to_string(f.response_buckets[i]);
  }
  line(out, "response times", buckets);
  line(out, "concern responses on time",
       of(f.concern_response.on_time, f.concern_response.settled));
  line(out, "deadlines breached", breaches(f));
  line(out, "withdrawals", std::to_string(f.withdrawals));
  line(out, "corrections", std::to_string(f.corrections));
  line(out, "score", format_score(f.score_x100));
}

void table(std::ostringstream& out, const char* title, const std::vector<AssessmentRow>& rows) {
  out << "\n" << title << " (ranked by score; ties: fewer breaches, then id)\n";
  out << std::right << std::setw(4) << "rank" << std::setw(8) << "score" << std::setw(7) << "items"
      << std::setw(9) << "publ.ok" << std::setw(9) << "interp" << std::setw(9) << "int.ok"
      << std::setw(9) << "resp.ok" << std::setw(8) << "med.h" << std::setw(8) << "p90.h"
      << std::setw(6) << "open" << std::setw(7) << "breach" << std::setw(6) << "wdr" << std::setw(6)
      << "corr"
      << "  id name\n";
  for (const AssessmentRow* row : in_ranking_order(rows)) {
    const AssessmentFigures& f = row->figures;
    out << std::right << std::setw(4) << (row->rank ? std::to_string(row->rank) : "-")
        << std::setw(8) << format_score(f.score_x100) << std::setw(7) << f.items_formed
        << std::setw(9) << format_percent(f.publication.on_time, f.publication.settled)
        << std::setw(9) << format_percent(f.interpretation_covered, f.interpretation_required)
        << std::setw(9) << format_percent(f.interpretation.on_time, f.interpretation.settled)
        << std::setw(9) << format_percent(f.concern_response.on_time, f.concern_response.settled)
        << std::setw(8) << format_hours(f.response_median_ms) << std::setw(8)
        << format_hours(f.response_p90_ms) << std::setw(6) << f.concerns_open << std::setw(7)
        << f.deadlines_breached << std::setw(6) << f.withdrawals << std::setw(6) << f.corrections
        << "  " << row->id << " " << row->name << "\n";
  }
}

}  // namespace

std::string render_text(const Assessment& a) {
  std::ostringstream out;
  out << "gongkai assessment report (考核报告)\n";
  out << "period: " << (a.from ? format_local(*a.from) : std::string("the beginning")) << " to "
      << format_local(a.to) << " (end excluded"
      << (a.to_defaulted ? "; just after the latest recorded instant" : "") << ")\n";
  out << "scope: ";
  if (!a.unit.empty()) {
    out << "unit " << a.unit << " " << a.scope_name;
  } else if (!a.province.empty()) {
    out << "province " << a.province << " " << a.scope_name;
  } else {
    out << "every pilot unit";
  }
  out << "; definitions version " << a.definitions_version << "\n\n";
  overall(out, a.overall);
  table(out, "Provinces", a.provinces);
  table(out, "Units", a.units);
  table(out, "Domains", a.domains);
  out << "\nColumns: items formed; publication deadlines on time; interpretation coverage; "
         "interpretation deadlines on time; concern response deadlines on time; response time "
         "median and p90 in hours; concerns open; deadlines breached; withdrawals; corrections "
         "(docs/report.md).\n";
  return out.str();
}

}  // namespace gongkai::report
