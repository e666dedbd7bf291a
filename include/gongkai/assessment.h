// gongkai — assessment (考核): how well the pilot units disclose, per unit, province and domain,
// computed from the stored history alone (docs/report.md defines every figure).
//
//   gongkai::AssessmentQuery query;
//   query.province = "beijing";
//   auto report = gongkai::assess(*engine, query);
//   if (report.ok()) for (const auto& unit : report->units) ...
//
// The assessment is a pure function of the history and the query: no wall clock is read, rows
// come in a fixed order, and equal histories give equal assessments.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai {

class Engine;

// What to assess. The period is half-open: [from, to).
struct AssessmentQuery {
  std::optional<Instant> from;  // none = from the beginning of the history
  std::optional<Instant> to;    // none = just after the latest instant recorded in the database
  std::string province;         // only this province's units; empty = every province
  std::string unit;             // only this unit; empty = every unit (exclusive with province)
};

// How the deadlines of one kind settled in the period. A deadline settles once: when it is met
// before its due instant (on time, at the act), or at its due instant when the act did not come
// before it (late — a breach).
struct DeadlineKindFigures {
  std::int64_t settled = 0;    // on_time + late
  std::int64_t on_time = 0;    // met before the due instant
  std::int64_t late = 0;       // breached: the due instant passed without the act
  std::int64_t late_open = 0;  // of `late`: still not done at the end of the period
};

// The concern response times' upper bounds of the distribution's buckets, in hours: [0, 1),
// [1, 5), [5, 24), [24, 48), [48, ∞).
inline constexpr std::int64_t kResponseBucketHours[] = {1, 5, 24, 48};
inline constexpr std::size_t kResponseBuckets = 5;

// The figures of one group of items (a unit, a province, a domain, or the whole scope).
struct AssessmentFigures {
  std::int64_t items_formed = 0;     // items formed (formed_at) in the period
  std::int64_t items_published = 0;  // items whose latest publication is in the period
  // Publication deadlines settled in the period.
  DeadlineKindFigures publication;
  // Interpretation coverage: items published in the period, not withdrawn, whose standard
  // requires interpretation (`required`); those interpreted after their latest publication
  // (`covered`).
  std::int64_t interpretation_required = 0;
  std::int64_t interpretation_covered = 0;
  // Interpretation deadlines settled in the period (timeliness).
  DeadlineKindFigures interpretation;
  // Public concerns (回应关切).
  std::int64_t concerns_raised = 0;    // raised in the period
  std::int64_t concerns_answered = 0;  // answered in the period
  std::int64_t concerns_open = 0;  // unanswered at the end of the period (withdrawn items aside)
  // Response times (raised → answered) of the concerns answered in the period, in milliseconds,
  // nearest rank; std::nullopt when none was answered.
  std::optional<std::int64_t> response_median_ms;
  std::optional<std::int64_t> response_p90_ms;
  std::int64_t response_buckets[kResponseBuckets] = {0, 0, 0, 0, 0};  // see kResponseBucketHours
  // Concern response deadlines settled in the period.
  DeadlineKindFigures concern_response;
  // Every deadline kind settled in the period (the three above and review, response_window, the
  // kinds standards add), by kind.
  std::map<std::string, DeadlineKindFigures> deadlines_by_kind;
  std::int64_t deadlines_breached = 0;  // the sum of `late` over every kind
  std::int64_t withdrawals = 0;         // withdraw events in the period
  std::int64_t corrections = 0;         // correct events in the period
  // The composite score in hundredths of a point (0..10000), std::nullopt when no component has
  // a denominator (docs/report.md, "Score and ranking").
  std::optional<std::int64_t> score_x100;
};

// A unit, province or domain with its figures and its place in the ranking of its list.
struct AssessmentRow {
  std::string id;
  std::string name;      // the Chinese name from the definitions
  std::string province;  // units: the province id; empty otherwise
  AssessmentFigures figures;
  int rank = 0;  // 1, 2, ... in the ranking of its list; 0 = unranked (no score)
};

// An assessment of a period.
struct Assessment {
  std::optional<Instant> from;  // as asked
  Instant to{};                 // the end used (asked, or the default)
  bool to_defaulted = false;    // `to` is the default (just after the latest recorded instant)
  std::string province;         // the scope, as asked
  std::string unit;
  std::string scope_name;  // the Chinese name of the province or unit; "" for every unit
  std::int64_t definitions_version = 0;  // the definitions version names and lists come from
  AssessmentFigures overall;             // every item in scope
  // In the definitions' order (units.json, domains.json); domains: those that apply to a unit
  // in scope, and any other domain an item in scope belongs to.
  std::vector<AssessmentRow> units;
  std::vector<AssessmentRow> provinces;
  std::vector<AssessmentRow> domains;
};

// The ratio numerator/denominator in ten-thousandths, rounded half up; std::nullopt when the
// denominator is 0 (the figure is undefined, not zero).
std::optional<std::int64_t> ratio_x10000(std::int64_t numerator, std::int64_t denominator);

// Assesses the history of `engine`'s database. Each item is taken as it stood at the end of the
// period (its events up to `to`, replayed through the engine when later events exist). Errors:
// invalid_argument (both unit and province given; from not before to), unit_not_found,
// province_not_found, audit_replay_mismatch (a history that does not replay), storage errors.
// Reads only; safe on a read-only database and beside other threads using the engine.
Result<Assessment> assess(Engine& engine, const AssessmentQuery& query);

}  // namespace gongkai
