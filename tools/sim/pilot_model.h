// The simulated pilot year's behaviour, as data: how many items each pilot unit forms per
// standard and year, how long officials take for each step (in working days, or hours for
// answering public concerns), how often a review rejects, a release is scheduled, withdrawn or
// corrected, and how many public concerns an item draws. Read from definitions/pilot.json
// (format and sources: docs/simulation.md). Settings are layered: "defaults", then the standard's
// domain under "domains", then the standard under "standards"; each layer replaces the fields it
// names (a delay whole, a probability one by one).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gongkai/definitions.h"
#include "gongkai/status.h"
#include "tools/sim/sim_random.h"

namespace gongkai::sim {

// What an official step's delay is counted in.
enum class DelayUnit {
  working_days,  // whole working days of the unit's calendar after the previous act's day
  hours,         // hours after the previous act, then moved into the next office hours
};

// The shape of a delay's distribution.
enum class DelayShape { fixed, uniform, exponential, lognormal };

// One delay: a distribution of a non-negative number, capped at `max`.
struct DelaySpec {
  DelayUnit unit = DelayUnit::working_days;
  DelayShape shape = DelayShape::fixed;
  double value = 0;   // fixed
  double min = 0;     // uniform
  double mean = 0;    // exponential
  double median = 0;  // lognormal
  double sigma = 0;   // lognormal
  double max = 0;     // the cap; every draw is at most this

  // One draw, in `unit`: working days are rounded down to whole days, hours are not rounded.
  double draw(Rng& rng) const;
};

// The delays of the lifecycle's steps, by name.
inline constexpr const char* kDelayNames[] = {
    "create",         // the information is formed -> the item is created
    "submit",         // created (or corrected) -> submitted for review
    "review",         // submitted -> approved or rejected
    "redraft",        // rejected -> submitted again
    "publish",        // approved -> published (when the release is not scheduled)
    "interpret",      // published -> interpretation released (standards that need one)
    "respond",        // a public concern raised -> answered (hours)
    "respond_major",  // a major public-opinion event raised -> answered (hours)
    "close",          // the response window over (and every concern answered) -> closed
    "withdraw",       // published -> withdrawn (for the items that are withdrawn)
    "correct",        // published -> correction started (for the items that are corrected)
};

// The settings in force for one standard.
struct Behaviour {
  double items_per_unit_year = 0;           // expected items per unit and year (Poisson)
  std::map<std::string, DelaySpec> delays;  // every name of kDelayNames
  double reject = 0;                        // a review rejects (each review, independently)
  double scheduled_release = 0;  // an approval schedules the release for the next working day
  double withdraw = 0;           // a released item is withdrawn later
  double correct = 0;            // a released item is corrected later (at most once)
  double concerns_per_item = 0;  // expected public concerns in the response window (Poisson)
  double major_share = 0;        // a concern is a major public-opinion event
};

// The whole model.
struct PilotModel {
  std::string source;                  // the file it was read from
  std::string digest;                  // SHA-256 (hex) of the file's bytes
  int office_start_min = 8 * 60 + 30;  // office hours, local time, minutes after midnight
  int office_end_min = 17 * 60 + 30;
  Behaviour defaults;
  std::map<std::string, Behaviour> by_standard;  // every standard of the definitions

  // The behaviour for `standard_id` (defaults when the standard is unknown).
  const Behaviour& behaviour(const std::string& standard_id) const;
};

// Parses and validates a model against `definitions` (domain and standard ids must exist).
// `origin` names the text in errors. Errors (the message names the origin and the JSON pointer):
// definition_parse_error (not JSON, a repeated key), definition_missing_field,
// definition_wrong_type, definition_invalid_value (a probability outside [0, 1], a negative or
// non-finite number, max below the distribution's location, office hours out of order, an
// unknown format), definition_unknown_field, definition_unknown_reference (an unknown domain or
// standard id).
Result<PilotModel> parse_pilot_model(const std::string& text, const std::string& origin,
                                     const DefinitionSet& definitions);

// Reads `path` and parses it. Errors: definition_io_error, and those of parse_pilot_model.
Result<PilotModel> load_pilot_model(const std::string& path, const DefinitionSet& definitions);

// definitions_dir + "/pilot.json".
std::string default_pilot_path(const std::string& definitions_dir);

}  // namespace gongkai::sim
