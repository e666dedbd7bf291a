// Internal: an item's notice periods (公示期) — the least time a release must stay on public
// notice ("公告时间不得少于30日"). A notice period opens when an item whose standard has a
// `notice_period` is published, ends at the earliest at `ends_at` (counted exactly like a deadline
// on the unit's calendar), is recorded as served by the timer, refuses closing the item before
// then, and is cut short by a withdrawal or a correction during it.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/deadlines.h"
#include "gongkai/calendar.h"
#include "gongkai/event.h"
#include "gongkai/item.h"
#include "gongkai/lifecycle.h"
#include "gongkai/status.h"

namespace gongkai {

// System event types of notice periods.
inline constexpr const char* kNoticePeriodServed = "notice_period_served";
inline constexpr const char* kNoticePeriodRecomputed = "notice_period_recomputed";

// The earliest end of `n` (from its starts_at, amount and unit) on `calendar`, with the
// explanation. Errors: internal for an unknown unit; those of the calendar arithmetic.
Result<Deadline> compute_notice_end(const ItemNotice& n, const Calendar& calendar);

// The same end without the explanation: what commands and replays record in the notice.
Result<DueDate> notice_end_date(const ItemNotice& n, const Calendar& calendar);

// The running notice period of `item`; nullptr when none runs.
const ItemNotice* running_notice(const Item& item);

// Before a lifecycle event is applied: refuses `close` while a notice period runs and `at` is
// before its end (notice_period_running, naming the end). Every other event passes.
Status check_notice_allows(const Item& before, EventType type, Instant at);

// After a lifecycle event has been applied to `item`: `publish` opens a notice period when the
// standard has one; `close` (allowed only once the minimum is reached), `withdraw` and `correct`
// end a running one — as served when the event comes at or after its end, otherwise (withdraw,
// correct) as cut short, with the event's type and reason. Errors: the calendar's;
// calendar_not_found when no calendar is in force.
Status update_notices_after(Item& item, EventType type, const Event& event,
                            const DeadlineContext& context);

// Applies a notice period system event (served, recomputed). Returns false when `event.type` is
// not one of them. Errors: deadline_not_found (no such notice period), deadline_not_open (it does
// not run), notice_period_running (served recorded before the end), the calendar's.
Result<bool> apply_notice_event(Item& item, const Event& event, const nlohmann::json& payload,
                                const DeadlineContext& context);

}  // namespace gongkai
