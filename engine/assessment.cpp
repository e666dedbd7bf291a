// Assessment (考核): the figures of docs/report.md, from the items as they stood at the end of the
// period and the events recorded in it.
#include "gongkai/assessment.h"

#include <algorithm>
#include <map>
#include <set>

#include "gongkai/engine.h"

namespace gongkai {
namespace {

using std::chrono::milliseconds;

// The period [from, to).
struct Period {
  std::optional<Instant> from;
  Instant to{};
  bool contains(Instant t) const { return (!from || t >= *from) && t < to; }
  Instant as_of() const { return to - milliseconds(1); }  // the last instant in the period
};

// How a deadline stood at the end of the period.
struct Settlement {
  bool settled = false;
  bool on_time = false;
  bool open = false;  // late and still not done
  Instant at{};       // when it settled: the act (on time) or the due instant (late)
};

// docs/report.md, "Deadlines": on time when met before the due instant; late when the due instant
// passed without the act — met late, breached, pending past due, paused after the due instant,
// or cancelled (withdrawn, superseded) after the due instant.
Settlement settle(const ItemDeadline& d, Instant as_of) {
  Settlement s;
  switch (d.state) {
    case DeadlineState::met:
      s.settled = true;
      s.on_time = true;
      s.at = d.closed_at.value_or(d.due);
      return s;
    case DeadlineState::met_late:
      s.settled = true;
      break;
    case DeadlineState::breached:
      s.settled = true;
      s.open = true;
      break;
    case DeadlineState::pending:
      s.settled = d.due <= as_of;
      s.open = true;
      break;
    case DeadlineState::paused:
      s.settled = d.paused_since && *d.paused_since >= d.due;
      s.open = true;
      break;
    case DeadlineState::cancelled:
      s.settled = d.closed_at && *d.closed_at >= d.due;
      break;
  }
  s.at = d.due;
  if (!s.settled) s.open = false;
  return s;
}

void add(DeadlineKindFigures& into, const DeadlineKindFigures& from) {
  into.settled += from.settled;
  into.on_time += from.on_time;
  into.late += from.late;
  into.late_open += from.late_open;
}

// Adds the counters of `from` (not the response times' statistics or the score).
void add(AssessmentFigures& into, const AssessmentFigures& from) {
  into.items_formed += from.items_formed;
  into.items_published += from.items_published;
  add(into.publication, from.publication);
  into.interpretation_required += from.interpretation_required;
  into.interpretation_covered += from.interpretation_covered;
  add(into.interpretation, from.interpretation);
  into.concerns_raised += from.concerns_raised;
  into.concerns_answered += from.concerns_answered;
  into.concerns_open += from.concerns_open;
  add(into.concern_response, from.concern_response);
  for (const auto& [kind, figures] : from.deadlines_by_kind)
    add(into.deadlines_by_kind[kind], figures);
  into.deadlines_breached += from.deadlines_breached;
  into.withdrawals += from.withdrawals;
  into.corrections += from.corrections;
}

// A row being filled: its figures and the response times of its concerns.
struct Accumulator {
  AssessmentRow row;
  std::vector<std::int64_t> response_ms;
};

// The nearest-rank percentile (p in percent) of sorted values: the ceil(p·n/100)-th smallest.
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, std::int64_t p) {
  const auto n = static_cast<std::int64_t>(sorted.size());
  const std::int64_t k = std::max<std::int64_t>(1, (p * n + 99) / 100);
  return sorted[static_cast<std::size_t>(k - 1)];
}

void finish_response_times(AssessmentFigures& f, std::vector<std::int64_t>& ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  f.response_median_ms = nearest_rank(ms, 50);
  f.response_p90_ms = nearest_rank(ms, 90);
  for (std::int64_t v : ms) {
    std::size_t bucket = 0;
    while (bucket < std::size(kResponseBucketHours) && v >= kResponseBucketHours[bucket] * 3600000)
      ++bucket;
    ++f.response_buckets[bucket];
  }
}

// docs/report.md, "Score and ranking": the weighted mean of the rates that have a denominator.
std::optional<std::int64_t> score_of(const AssessmentFigures& f) {
  struct Component {
    std::int64_t weight, numerator, denominator;
  };
  const Component components[] = {
      {40, f.publication.on_time, f.publication.settled},
      {20, f.interpretation_covered, f.interpretation_required},
      {20, f.interpretation.on_time, f.interpretation.settled},
      {20, f.concern_response.on_time, f.concern_response.settled},
  };
  // score = Σ w·n/d / Σ w, exactly as a fraction over the product of the denominators would be;
  // long double is exact enough for counts far beyond any history (rounded to 1/10000 below).
  long double sum = 0;
  std::int64_t weights = 0;
  for (const auto& c : components) {
    if (c.denominator == 0) continue;
    sum += static_cast<long double>(c.weight) * c.numerator / c.denominator;
    weights += c.weight;
  }
  if (weights == 0) return std::nullopt;
  return static_cast<std::int64_t>(sum * 10000 / weights + 0.5L);
}

void rank(std::vector<AssessmentRow>& rows) {
  std::vector<AssessmentRow*> ranked;
  for (auto& row : rows) {
    row.rank = 0;
    if (row.figures.score_x100) ranked.push_back(&row);
  }
  std::sort(ranked.begin(), ranked.end(), [](const AssessmentRow* a, const AssessmentRow* b) {
    if (*a->figures.score_x100 != *b->figures.score_x100)
      return *a->figures.score_x100 > *b->figures.score_x100;
    if (a->figures.deadlines_breached != b->figures.deadlines_breached)
      return a->figures.deadlines_breached < b->figures.deadlines_breached;
    return a->id < b->id;
  });
  for (std::size_t i = 0; i < ranked.size(); ++i) ranked[i]->rank = static_cast<int>(i + 1);
}

std::vector<AssessmentRow> finish(std::vector<Accumulator>& accumulators) {
  std::vector<AssessmentRow> rows;
  rows.reserve(accumulators.size());
  for (auto& a : accumulators) {
    finish_response_times(a.row.figures, a.response_ms);
    a.row.figures.score_x100 = score_of(a.row.figures);
    rows.push_back(std::move(a.row));
  }
  rank(rows);
  return rows;
}

// The rows of one list, by id, in the order added.
class RowList {
 public:
  Accumulator& get(const std::string& id, const std::string& name, const std::string& province) {
    auto it = index_.find(id);
    if (it != index_.end()) return rows_[it->second];
    index_.emplace(id, rows_.size());
    Accumulator a;
    a.row.id = id;
    a.row.name = name;
    a.row.province = province;
    rows_.push_back(std::move(a));
    return rows_.back();
  }
  std::vector<Accumulator>& rows() { return rows_; }

 private:
  std::vector<Accumulator> rows_;
  std::map<std::string, std::size_t> index_;
};

// What one item (as it stood at the end of the period) and its events in the period contribute.
void contribute(const Item& item, const std::vector<Event>& events, const ItemStandard* standard,
                const Period& period, AssessmentFigures& f,
                std::vector<std::int64_t>& response_ms) {
  const bool withdrawn = item.stage == Stage::withdrawn;
  if (period.contains(item.formed_at)) ++f.items_formed;
  const bool published = item.published_at && period.contains(*item.published_at);
  if (published) ++f.items_published;
  if (published && !withdrawn && standard && standard->interpretation_required) {
    ++f.interpretation_required;
    if (item.interpreted_at && *item.interpreted_at >= *item.published_at)
      ++f.interpretation_covered;
  }
  for (const Concern& c : item.concerns) {
    if (period.contains(c.raised_at)) ++f.concerns_raised;
    if (c.answered && c.answered_at) {
      if (period.contains(*c.answered_at)) {
        ++f.concerns_answered;
        response_ms.push_back((*c.answered_at - c.raised_at).count());
      }
    } else if (!withdrawn) {
      ++f.concerns_open;
    }
  }
  for (const ItemDeadline& d : item.deadlines) {
    const Settlement s = settle(d, period.as_of());
    if (!s.settled || !period.contains(s.at)) continue;
    DeadlineKindFigures k;
    k.settled = 1;
    k.on_time = s.on_time ? 1 : 0;
    k.late = s.on_time ? 0 : 1;
    k.late_open = s.open ? 1 : 0;
    add(f.deadlines_by_kind[d.kind], k);
    f.deadlines_breached += k.late;
    if (d.kind == "publication") add(f.publication, k);
    if (d.kind == "interpretation") add(f.interpretation, k);
    if (d.kind == "concern_response") add(f.concern_response, k);
  }
  for (const Event& e : events) {
    if (!period.contains(e.at)) continue;
    if (e.type == "withdraw") ++f.withdrawals;
    if (e.type == "correct") ++f.corrections;
  }
}

}  // namespace

std::optional<std::int64_t> ratio_x10000(std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) return std::nullopt;
  return (numerator * 20000 + denominator) / (2 * denominator);
}

Result<Assessment> assess(Engine& engine, const AssessmentQuery& query) {
  if (!query.unit.empty() && !query.province.empty()) {
    return Status(Errc::invalid_argument, "give a unit or a province, not both");
  }
  auto definitions = engine.definitions();
  if (!definitions) return Status(Errc::internal, "the database holds no definitions");
  Assessment out;
  out.from = query.from;
  out.province = query.province;
  out.unit = query.unit;
  out.definitions_version = engine.definitions_version();
  if (!query.unit.empty()) {
    const Unit* unit = definitions->find_unit(query.unit);
    if (!unit) return Status(Errc::unit_not_found, "no pilot unit '" + query.unit + "'");
    out.scope_name = unit->name;
  }
  if (!query.province.empty()) {
    const Province* province = definitions->find_province(query.province);
    if (!province) {
      return Status(Errc::province_not_found, "no pilot province '" + query.province + "'");
    }
    out.scope_name = province->name;
  }

  auto items = engine.list_items(ItemFilter{});
  if (!items.ok()) return items.status();
  Period period;
  period.from = query.from;
  if (query.to) {
    period.to = *query.to;
  } else {
    // Just after the latest instant recorded: every event is in the period.
    Instant latest{};
    for (const Item& item : *items) latest = std::max(latest, item.updated_at);
    period.to = latest + milliseconds(1);
    out.to_defaulted = true;
  }
  if (period.from && *period.from >= period.to) {
    return Status(Errc::invalid_argument, "the period is empty: from " +
                                              format_local(*period.from) + " is not before to " +
                                              format_local(period.to));
  }
  out.to = period.to;

  // The rows, in the definitions' order.
  auto in_scope = [&](const std::string& unit_id, const std::string& province_id) {
    if (!query.unit.empty()) return unit_id == query.unit;
    if (!query.province.empty()) return province_id == query.province;
    return true;
  };
  RowList units, provinces, domains;
  std::set<std::string> scope_domains;
  for (const Unit& unit : definitions->units) {
    if (!in_scope(unit.id, unit.province)) continue;
    units.get(unit.id, unit.name, unit.province);
    for (const ItemStandard* s : definitions->standards_for_unit(unit))
      scope_domains.insert(s->domain);
  }
  for (const Province& province : definitions->provinces) {
    if (units.rows().end() !=
        std::find_if(units.rows().begin(), units.rows().end(),
                     [&](const Accumulator& a) { return a.row.province == province.id; })) {
      provinces.get(province.id, province.name, "");
    }
  }
  for (const Domain& domain : definitions->domains) {
    if (scope_domains.count(domain.id)) domains.get(domain.id, domain.name, "");
  }

  Accumulator overall;
  for (const Item& stored : *items) {
    auto item_definitions = engine.definitions(stored.definition_version);
    if (!item_definitions) item_definitions = definitions;
    const Unit* unit = definitions->find_unit(stored.unit_id);
    if (!unit) unit = item_definitions->find_unit(stored.unit_id);
    const std::string province_id = unit ? unit->province : "";
    if (!in_scope(stored.unit_id, province_id)) continue;

    auto history = engine.history(stored.id);
    if (!history.ok()) return history.status();
    if (history->empty() || history->front().at > period.as_of()) continue;  // not yet created
    Item item = stored;
    if (stored.updated_at > period.as_of()) {
      auto replayed = engine.replay(stored.id, period.as_of());
      if (!replayed.ok()) return replayed.status();
      item = std::move(replayed->item);
    }
    const ItemStandard* standard = item_definitions->find_standard(item.standard_id);
    AssessmentFigures f;
    std::vector<std::int64_t> response_ms;
    contribute(item, *history, standard, period, f, response_ms);

    // A unit, province or domain no longer in the latest definitions still gets its row.
    const Province* province = definitions->find_province(province_id);
    if (!province) province = item_definitions->find_province(province_id);
    const std::string domain_id = standard ? standard->domain : "";
    const Domain* domain = definitions->find_domain(domain_id);
    if (!domain) domain = item_definitions->find_domain(domain_id);
    std::vector<Accumulator*> targets = {
        &overall,
        &units.get(stored.unit_id, unit ? unit->name : "", province_id),
        &provinces.get(province_id, province ? province->name : "", ""),
        &domains.get(domain_id, domain ? domain->name : "", ""),
    };
    for (Accumulator* target : targets) {
      add(target->row.figures, f);
      target->response_ms.insert(target->response_ms.end(), response_ms.begin(), response_ms.end());
    }
  }
  finish_response_times(overall.row.figures, overall.response_ms);
  overall.row.figures.score_x100 = score_of(overall.row.figures);
  out.overall = std::move(overall.row.figures);
  out.units = finish(units.rows());
  out.provinces = finish(provinces.rows());
  out.domains = finish(domains.rows());
  return out;
}

}  // namespace gongkai
