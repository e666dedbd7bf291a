// Test support: a small pilot history built through the engine on a simulation clock, whose
// assessment figures are computed by hand in assessment_test.cpp. Building it twice gives two
// databases with the same history.
#pragma once

#include <memory>
#include <string>

#include "gongkai/engine.h"

namespace gongkai::testing {

// The test definitions (tests/data/engine_definitions): units alpha.one, alpha.two (province
// alpha: fiscal_budget, social_assistance) and beta.three (province beta: urban_planning).
std::string scenario_definitions();

// Creates a simulation database at `db_path` and records the scenario (items A to F of
// assessment_test.cpp, in that order: gk-000001 … gk-000006). Fails the test on any refusal.
std::unique_ptr<Engine> build_scenario(const std::string& db_path);

// An instant from RFC 3339 text (fails the test when it does not parse).
Instant at(const char* text);

}  // namespace gongkai::testing
