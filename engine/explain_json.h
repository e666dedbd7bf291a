// Internal: how an item's deadlines and notice periods were derived (Engine::explain,
// Engine::explain_notices) as JSON — one builder for `gongkai item explain --json`,
// `gongkai calendar add --json` (a computation) and GET /v1/items/{id}/explain.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "gongkai/engine.h"

namespace gongkai {

// One entry per deadline (with "deadline": its id), then one per notice period (with
// "notice_period": its id and "kind": "notice_period"), each with its rule, legal basis, calendar,
// the day-by-day computation and the events that moved or ended it. Times in China Standard Time.
// A due-date computation: due, due_at, trigger, amount and unit, rule, calendar (id, version,
// digest), provisional, and the day-by-day steps.
nlohmann::json computation_json(const Deadline& computation);

nlohmann::json explanations_to_json(const std::vector<DeadlineExplanation>& deadlines,
                                    const std::vector<NoticeExplanation>& notices);

}  // namespace gongkai
