// `gongkai report`: the assessment (考核) of a period, as text, JSON or HTML (docs/report.md).
#include <fstream>
#include <iostream>

#include "adapters/report/report_renderers.h"
#include "gongkai/assessment.h"
#include "tools/cli/cli.h"

namespace gongkai::cli {
namespace {

struct ReportOptions {
  std::string from;
  std::string to;
  std::string province;
  std::string unit;
  std::string format;
  std::string output;
};

Result<std::optional<Instant>> instant_option(const std::string& text, const char* name) {
  if (text.empty()) return std::optional<Instant>();
  auto t = parse_instant(text);
  if (!t.ok()) return Status(Errc::invalid_time, std::string(name) + ": " + t.status().message());
  return std::optional<Instant>(*t);
}

int run_report(const Globals& globals, const ReportOptions& options) {
  // Checked before the database is opened: a wrong command line never touches it.
  auto format = report::parse_report_format(
      options.format.empty() ? (globals.json ? "json" : "text") : options.format);
  if (!format.ok()) return fail(format.status());
  AssessmentQuery query;
  auto from = instant_option(options.from, "--from");
  if (!from.ok()) return fail(from.status());
  auto to = instant_option(options.to, "--to");
  if (!to.ok()) return fail(to.status());
  query.from = *from;
  query.to = *to;
  query.province = options.province;
  query.unit = options.unit;
  auto engine = open_engine(globals, /*write=*/false);
  if (!engine.ok()) return fail(engine.status());
  auto assessment = assess(**engine, query);
  if (!assessment.ok()) return fail(assessment.status());
  const std::string document = report::render_report(*assessment, *format);
  if (options.output.empty()) {
    std::cout << document;
    std::cout.flush();
    return std::cout ? 0 : fail(Status(Errc::internal, "cannot write the report to stdout"));
  }
  std::ofstream file(options.output, std::ios::binary | std::ios::trunc);
  file << document;
  file.close();
  if (!file) {
    return fail(
        Status(Errc::invalid_argument, "cannot write the report to '" + options.output + "'"));
  }
  return 0;
}

}  // namespace

void add_report_commands(CLI::App& app, Globals& globals, Action& action) {
  auto options = std::make_shared<ReportOptions>();
  auto* report = app.add_subcommand(
      "report",
      "the assessment (考核) of a period per unit, province and domain: on-time publication, "
      "interpretation, concern response times, breaches, withdrawals, corrections, a ranking");
  report->add_option(
      "--from", options->from,
      "start of the period (RFC 3339 or YYYY-MM-DD, included); default: the beginning");
  report->add_option(
      "--to", options->to,
      "end of the period (excluded); default: just after the latest recorded instant");
  auto* province =
      report->add_option("--province", options->province, "only this province's units");
  auto* unit = report->add_option("--unit", options->unit, "only this unit");
  province->excludes(unit);
  report->add_option("--format", options->format,
                     "text, json or html (default text; json with --json)");
  report->add_option("--output,-o", options->output,
                     "write the report to this file instead of stdout");
  report->callback(
      [&, options] { action = [&, options] { return run_report(globals, *options); }; });
}

}  // namespace gongkai::cli
