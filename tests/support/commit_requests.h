// Test support: commit requests written by hand, for the tests of the store and of what reads or
// queues its commits without an engine (the group commit, the audit stream).
#pragma once

#include <cstdint>
#include <string>

#include "gongkai/store.h"

namespace gongkai::testing {

// A commit of `event` alone: a new item when `item_id` is empty, else the next event of that item,
// which must be at `expected_version`. The projection: unit alpha.one, standard "s", definitions
// version 1, created and updated at the event's instant, titled `title`, state `state_json`.
CommitRequest single_event_commit(const NewEvent& event, const std::string& item_id = "",
                                  std::int64_t expected_version = 0, const std::string& title = "t",
                                  const std::string& state_json = "{}");

// An event of `type` by `actor` at `at` (RFC 3339) with `payload`, of definitions version 1.
NewEvent test_event(const std::string& type, const std::string& actor, const std::string& at,
                    const std::string& payload = "{}");

}  // namespace gongkai::testing
