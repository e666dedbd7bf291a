// Internal: the timer and deadline rows an item implies. Every commit writes them beside the item's
// projection row (the scheduler fires the timers; overdue lists and reports read the deadline
// rows), and `audit verify` checks the stored rows against them: one rule for the writer and the
// checker, so that the two cannot drift apart.
#pragma once

#include <vector>

#include "gongkai/item.h"
#include "gongkai/store.h"

namespace gongkai {

// Appends the rows `item` implies, with item_id = item.id, in the item's order: a deadline row for
// every deadline; a timer "deadline:<id>:<step>" for every deadline with a next escalation step,
// "notice:<id>" for every running notice period, and "publish" for a release with a scheduled
// publication.
void schedule_of(const Item& item, std::vector<TimerRecord>& timers,
                 std::vector<DeadlineRecord>& deadlines);

// Brings rows listed by schedule_of into the order and form the store keeps them in: timers by key
// and deadline rows by deadline id (byte order, as the tables' primary keys), and of two rows with
// the same key only the later one (a commit writes them in turn, each replacing the one before).
void sort_as_stored(std::vector<TimerRecord>& timers, std::vector<DeadlineRecord>& deadlines);

}  // namespace gongkai
