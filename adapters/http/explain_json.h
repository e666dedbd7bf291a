// Internal: how an item's deadlines and notice periods were derived (Engine::explain,
// Engine::explain_notices) as JSON — the answer of GET /v1/items/{id}/explain. The shape is that
// of `gongkai item explain --json` (tools/cli/commands_time.cpp), field for field; a test compares
// the two.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "gongkai/engine.h"

namespace gongkai::http {

// One entry per deadline (with "deadline": its id), then one per notice period (with
// "notice_period": its id and "kind": "notice_period"), each with its rule, legal basis, calendar,
// the day-by-day computation and the events that moved or ended it. Times in China Standard Time.
nlohmann::json explanations_to_json(const std::vector<DeadlineExplanation>& deadlines,
                                    const std::vector<NoticeExplanation>& notices);

}  // namespace gongkai::http
