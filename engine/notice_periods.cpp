#include "engine/notice_periods.h"

namespace gongkai {
namespace {

using nlohmann::json;

std::optional<TimeUnit> unit_of(const std::string& name) {
  if (name == "working_days") return TimeUnit::working_days;
  if (name == "calendar_days") return TimeUnit::calendar_days;
  if (name == "hours") return TimeUnit::hours;
  return std::nullopt;
}

ItemNotice* find(Item& item, const std::string& id) {
  for (auto& n : item.notices) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

ItemNotice* running(Item& item) {
  for (auto& n : item.notices) {
    if (n.state == NoticeState::running) return &n;
  }
  return nullptr;
}

Status set_end(ItemNotice& n, const DeadlineContext& context) {
  if (!context.calendar) {
    return Status(Errc::calendar_not_found, "no calendar is in force for notice period " + n.id);
  }
  auto end = notice_end_date(n, *context.calendar);
  if (!end.ok()) return end.status();
  n.ends_at = end->due;
  n.last_day = end->last_day;
  n.provisional = end->provisional;
  n.calendar = context.calendar_ref;
  n.computed_at = context.at;
  return Status::Ok();
}

void serve(ItemNotice& n) {
  n.state = NoticeState::served;
  n.served_at = n.ends_at;
}

}  // namespace

const char* to_string(NoticeState state) noexcept {
  switch (state) {
    case NoticeState::running:
      return "running";
    case NoticeState::served:
      return "served";
    case NoticeState::cut_short:
      return "cut_short";
  }
  return "unknown";
}

const ItemNotice* Item::find_notice(const std::string& id) const noexcept {
  for (const auto& n : notices) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Result<Deadline> compute_notice_end(const ItemNotice& n, const Calendar& calendar) {
  const auto unit = unit_of(n.unit);
  if (!unit) {
    return Status(Errc::internal, "notice period " + n.id + " has unit '" + n.unit + "'");
  }
  return calendar.add(n.starts_at, Duration{n.amount, *unit});
}

Result<DueDate> notice_end_date(const ItemNotice& n, const Calendar& calendar) {
  const auto unit = unit_of(n.unit);
  if (!unit) {
    return Status(Errc::internal, "notice period " + n.id + " has unit '" + n.unit + "'");
  }
  return calendar.due_date(n.starts_at, Duration{n.amount, *unit});
}

const ItemNotice* running_notice(const Item& item) {
  for (const auto& n : item.notices) {
    if (n.state == NoticeState::running) return &n;
  }
  return nullptr;
}

Status check_notice_allows(const Item& before, EventType type, Instant at) {
  if (type != EventType::close) return Status::Ok();
  const ItemNotice* n = running_notice(before);
  if (!n || at >= n->ends_at) return Status::Ok();
  return Status(Errc::notice_period_running,
                "item " + before.id + " is on public notice (" + n->id + ", at least " +
                    std::to_string(n->amount) + " " + n->unit + " from " +
                    format_local(n->starts_at) + ") until " + format_local(n->ends_at) +
                    "; it cannot be closed before the notice period is served");
}

Status update_notices_after(Item& item, EventType type, const Event& event,
                            const DeadlineContext& context) {
  if (type == EventType::close || type == EventType::withdraw || type == EventType::correct) {
    ItemNotice* n = running(item);
    if (!n) return Status::Ok();
    if (event.at >= n->ends_at) {
      serve(*n);
    } else {
      // check_notice_allows refused an early close, so this is a withdrawal or a correction.
      n->state = NoticeState::cut_short;
      n->cut_short_at = event.at;
      n->cut_short_by = event.type;
      n->cut_short_reason = event.reason;
    }
    return Status::Ok();
  }
  if (type != EventType::publish || !context.standard || !context.standard->notice_period) {
    return Status::Ok();
  }
  ItemNotice n;
  n.id = item.notices.empty() ? std::string("notice_period")
                              : "notice_period#" + std::to_string(item.notices.size() + 1);
  n.revision = item.revision;
  n.starts_at = event.at;
  n.amount = context.standard->notice_period->amount;
  n.unit = to_string(context.standard->notice_period->unit);
  if (Status s = set_end(n, context); !s.ok()) return s;
  item.notices.push_back(std::move(n));
  return Status::Ok();
}

Result<bool> apply_notice_event(Item& item, const Event& event, const json& payload,
                                const DeadlineContext& context) {
  const std::string& type = event.type;
  if (type != kNoticePeriodServed && type != kNoticePeriodRecomputed) return false;
  const std::string id = payload.value("notice", "");
  ItemNotice* n = find(item, id);
  if (!n) {
    return Status(Errc::deadline_not_found,
                  "item " + item.id + " has no notice period '" + id + "'");
  }
  if (n->state != NoticeState::running) {
    return Status(Errc::deadline_not_open,
                  "notice period " + id + " is " + to_string(n->state) + ", not running");
  }
  if (type == kNoticePeriodServed) {
    if (event.at < n->ends_at) {
      return Status(Errc::notice_period_running,
                    "notice period " + id + " runs until " + format_local(n->ends_at) +
                        "; it cannot be served at " + format_local(event.at));
    }
    serve(*n);
    return true;
  }
  if (Status s = set_end(*n, context); !s.ok()) return s;
  n->origin = DeadlineOrigin::recomputed;
  return true;
}

}  // namespace gongkai
