// gongkai — private: the JSON form of definitions (docs/definitions.md), shared by the loader and
// the engine (which stores the canonical form beside the events it writes).
//
// Everything here is pure and thread-safe. Nothing here throws for values that came out of a
// validated DefinitionSet; the functions taking text never throw.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gongkai/definitions.h"

namespace gongkai::definition_json {

// The version of the canonical form, written as "canonical_format" into it. Bump it (and document
// it) whenever the canonical form of an unchanged set would change.
inline constexpr int kCanonicalFormat = 1;

// The largest `amount` a duration may have (100000 hours is 11 years; 100000 days 273 years).
inline constexpr std::int64_t kMaxAmount = 100000;

// Parses the JSON spelling of an enum ("result", "working_days"). std::nullopt for anything else.
std::optional<DisclosureKind> disclosure_kind_from_string(std::string_view text) noexcept;
std::optional<TimeUnit> time_unit_from_string(std::string_view text) noexcept;

// The canonical JSON of one part, exactly as it appears inside the canonical form of a set:
// {"amount": 20, "unit": "working_days"}; a step with "before" always present; a rule with its
// optional members present only when set ("escalation" only when not empty); a standard with
// every field ("notice_period" only when set).
nlohmann::json to_json(const Duration& d);
nlohmann::json to_json(const EscalationStep& s);
nlohmann::json to_json(const DeadlineRule& r);
nlohmann::json to_json(const ItemStandard& s);

// The whole set in canonical form: {"canonical_format": 1, "channels": [...], "default_escalation":
// [...], "domains": [...], "groups": [...], "provinces": [...], "standards": [...sorted by id],
// "units": [...]}, every default filled in. `digest` and `canonical_json` of `set` are not read.
// set.canonical_json == to_canonical(set).dump() for a loaded set.
nlohmann::json to_canonical(const DefinitionSet& set);

}  // namespace gongkai::definition_json
