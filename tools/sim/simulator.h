// The simulated pilot year (issue 6): every selected pilot unit forms disclosure items at the
// rates of the pilot model, and its officials drive them through the lifecycle with the model's
// delays — on the working days and in the office hours of the unit's calendar — while the public
// raises concerns, the engine's timers fire deadlines, escalations and scheduled releases, and the
// delivery worker hands every release to the website (on disk) and to the webhooks (a local
// receiver in this process). Everything runs on the simulation clock in a fresh simulation
// database (docs/simulation.md).
//
// Determinism: the history depends only on the seed, the period, the units, the definitions and
// the pilot model. Random numbers come from SplitMix64 streams derived from the seed and each
// unit's and item's name (tools/sim/sim_random.h), so a unit's items do not depend on which other
// units take part. One thread drives the engine through an event queue ordered by simulated
// instant, then by unit, item and step; nothing stored reads the wall clock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/engine.h"
#include "gongkai/status.h"
#include "gongkai/time.h"

namespace gongkai::sim {

// What is simulated, and where it goes.
struct SimulationOptions {
  Date from{2017, 9, 1};  // first day (local), inclusive
  Date to{2018, 8, 31};   // last day (local), inclusive
  std::uint64_t seed = 20170509;
  std::vector<std::string> units;  // pilot unit ids; empty = all 100
  std::string db_path;             // replaced if it exists (with its -wal and -shm files)
  std::string definitions_dir;     // definitions/ (catalogue, units, calendars)
  std::string pilot_path;          // the pilot model; empty = <definitions_dir>/pilot.json
  // The website's web root; empty = no website delivery (the channel then fails for good, as an
  // unconfigured channel does). Replaced if it exists.
  std::string site_dir;
  // Deliver the other channels by webhook to a receiver started in this process on 127.0.0.1.
  bool webhooks = true;
};

// Where the run is; passed to the progress callback.
struct SimulationProgress {
  Date day;                  // the simulated day being worked on (local)
  double fraction = 0;       // of the period, 0..1
  std::int64_t items = 0;    // items created so far
  std::int64_t events = 0;   // events appended so far (the database-wide chain's length)
  std::int64_t actions = 0;  // simulated acts performed so far
};

// What the run did.
struct SimulationSummary {
  std::int64_t units = 0;
  std::int64_t items = 0;
  std::int64_t events = 0;
  std::map<std::string, std::int64_t> by_stage;   // items per lifecycle stage at the end
  std::map<std::string, std::int64_t> by_type;    // events per type
  std::int64_t rejected = 0;                      // reject events
  std::int64_t scheduled = 0;                     // releases fired by the publication timer
  std::int64_t concerns = 0, major_concerns = 0;  // raised
  std::int64_t deadlines_breached = 0;            // deadlines that went past due (met late or not)
  std::int64_t deliveries = 0, delivered = 0, delivery_failures = 0;
  std::int64_t webhook_requests = 0;            // requests the local receiver accepted
  std::int64_t website_files = 0;               // files the website channel wrote
  std::int64_t official_acts_on_rest_days = 0;  // must stay 0 (a self-check)
  ChainHead head;                               // the database-wide chain head
};

// Called now and then (at most once per simulated day and every few thousand acts).
using ProgressCallback = std::function<void(const SimulationProgress&)>;

// Runs the simulation. Errors: invalid_argument (from after to, an empty or too long period,
// options missing), unit_not_found (an unknown unit id, named), definition_* (the definitions
// or the pilot model do not load), storage errors, and any engine error an act did not expect
// (internal: the simulator then stops; the database holds what was done).
Result<SimulationSummary> run_simulation(const SimulationOptions& options,
                                         const ProgressCallback& progress = {});

}  // namespace gongkai::sim
