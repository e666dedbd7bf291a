#include "engine/item_schedule.h"

#include <iterator>
#include <utility>

namespace gongkai {

void schedule_of(const Item& item, std::vector<TimerRecord>& timers,
                 std::vector<DeadlineRecord>& deadlines) {
  for (const ItemDeadline& d : item.deadlines) {
    deadlines.push_back(DeadlineRecord{item.id, d.id, d.kind, to_string(d.state), d.due});
    if (d.next_step_at) {
      timers.push_back(
          TimerRecord{item.id, "deadline:" + d.id + ":" + d.next_step, *d.next_step_at});
    }
  }
  for (const ItemNotice& n : item.notices) {
    if (n.state == NoticeState::running) {
      timers.push_back(TimerRecord{item.id, "notice:" + n.id, n.ends_at});
    }
  }
  if (item.stage == Stage::release && item.publish_at) {
    timers.push_back(TimerRecord{item.id, "publish", *item.publish_at});
  }
}

namespace {

// Sorts `rows` by `key` keeping, of equal keys, the last one listed. An item has a few rows, often
// in order already: an insertion sort (stable, and allocating nothing).
template <typename Row, typename Key>
void sort_last_wins(std::vector<Row>& rows, Key key) {
  if (rows.size() < 2) return;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    for (std::size_t j = i; j > 0 && key(rows[j]) < key(rows[j - 1]); --j) {
      std::swap(rows[j], rows[j - 1]);
    }
  }
  auto out = rows.begin();
  for (auto in = rows.begin(); in != rows.end(); ++in) {
    if (std::next(in) != rows.end() && key(*std::next(in)) == key(*in)) continue;
    if (out != in) *out = std::move(*in);
    ++out;
  }
  rows.erase(out, rows.end());
}

}  // namespace

void sort_as_stored(std::vector<TimerRecord>& timers, std::vector<DeadlineRecord>& deadlines) {
  sort_last_wins(timers, [](const TimerRecord& t) -> const std::string& { return t.key; });
  sort_last_wins(deadlines,
                 [](const DeadlineRecord& d) -> const std::string& { return d.deadline_id; });
}

}  // namespace gongkai
