#include "engine/item_state_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/item_json.h"

namespace gongkai {
namespace {

// What the engine stored before the document was written directly, and the oracle it must match
// byte for byte: nlohmann's compact dump of the item's JSON without its id.
std::string reference(const Item& item) {
  nlohmann::json state = item_to_json(item, TimeStyle::utc);
  state.erase("id");
  state.erase("content");
  state.erase("interpretation");
  return state.dump();
}

// Random items with every field set or left out, every enumeration value, texts with every
// escape, multi-byte characters and runs long enough for the eight-byte scan.
class RandomItems {
 public:
  explicit RandomItems(std::uint64_t seed) : random_(seed) {}

  Item next() {
    Item item;
    item.id = text();
    item.unit_id = text();
    item.standard_id = text();
    item.definition_version = number();
    item.title = text();
    item.content = text();
    item.revision = static_cast<int>(random_() % 5) + 1;
    item.stage = kAllStages[random_() % 7];
    item.version = number();
    item.created_at = instant();
    item.updated_at = instant();
    item.formed_at = instant();
    item.created_by = text();
    item.submitted_by = text();
    item.approved_by = text();
    if (coin()) item.confidentiality_override = text();
    item.publish_at = maybe_instant();
    item.published_at = maybe_instant();
    item.response_window_end = maybe_instant();
    item.interpretation = text();
    item.interpreted_at = maybe_instant();
    for (auto n = random_() % 4; n > 0; --n) {
      Concern c;
      c.number = static_cast<int>(random_() % 9);
      c.major = coin();
      c.text = text();
      c.raised_by = text();
      c.raised_at = instant();
      c.answered = coin();
      c.answer = text();
      c.answered_by = text();
      c.answered_at = maybe_instant();
      item.concerns.push_back(c);
    }
    item.withdrawn_reason = text();
    item.closed_at = maybe_instant();
    for (auto n = random_() % 5; n > 0; --n) {
      ItemDeadline d;
      d.id = text();
      d.kind = text();
      d.trigger = text();
      d.trigger_at = instant();
      d.amount = number();
      d.unit = text();
      d.extended = number();
      d.paused_days = number();
      d.paused_ms = number();
      d.paused_since = maybe_instant();
      d.due = instant();
      d.last_day = date();
      d.provisional = coin();
      d.calendar = text();
      d.computed_at = instant();
      d.state = static_cast<DeadlineState>(random_() % 6);
      d.origin = static_cast<DeadlineOrigin>(random_() % 4);
      d.closed_at = maybe_instant();
      d.concern = static_cast<int>(random_() % 4);
      for (auto s = random_() % 3; s > 0; --s) d.steps_fired.push_back(text());
      d.next_step = text();
      d.next_step_at = maybe_instant();
      item.deadlines.push_back(d);
    }
    for (auto n = random_() % 3; n > 0; --n) {
      ItemNotice x;
      x.id = text();
      x.revision = static_cast<int>(random_() % 4);
      x.starts_at = instant();
      x.amount = number();
      x.unit = text();
      x.ends_at = instant();
      x.last_day = date();
      x.provisional = coin();
      x.calendar = text();
      x.computed_at = instant();
      x.state = static_cast<NoticeState>(random_() % 3);
      x.origin = coin() ? DeadlineOrigin::original : DeadlineOrigin::recomputed;
      x.served_at = maybe_instant();
      x.cut_short_at = maybe_instant();
      x.cut_short_by = text();
      x.cut_short_reason = text();
      item.notices.push_back(x);
    }
    return item;
  }

 private:
  bool coin() { return random_() % 2 == 0; }
  std::int64_t number() { return static_cast<std::int64_t>(random_() % 2000001) - 1000000; }
  Instant instant() {
    return Instant(std::chrono::milliseconds(static_cast<std::int64_t>(random_() % (1ULL << 42))));
  }
  std::optional<Instant> maybe_instant() {
    if (coin()) return std::nullopt;
    return instant();
  }
  Date date() {
    if (random_() % 8 == 0) {  // any fields at all, e.g. a year past 9999
      return Date{static_cast<int>(random_() % 20000) - 100, static_cast<int>(random_() % 14),
                  static_cast<int>(random_() % 40)};
    }
    return Date::from_days(static_cast<std::int64_t>(random_() % 60000));
  }
  std::string text() {
    static const std::vector<std::string> pieces = {"a",
                                                    "gk-000042",
                                                    "审核",
                                                    "\"",
                                                    "\\",
                                                    "\n",
                                                    "\t",
                                                    "\x01",
                                                    "\x7f",
                                                    "\xc3\xa9",
                                                    "\xf0\x9f\x98\x80",
                                                    std::string(1, '\0'),
                                                    "publication#2",
                                                    std::string(20, 'x')};
    std::string t;
    for (auto n = random_() % 5; n > 0; --n) t += pieces[random_() % pieces.size()];
    return t;
  }

  std::mt19937_64 random_;
};

TEST(ItemStateText, MatchesNlohmannsDumpOfTheItem) {
  RandomItems items(20261127);
  std::string out;
  for (int round = 0; round < 2000; ++round) {
    const Item item = items.next();
    write_item_state(item, out);
    ASSERT_EQ(out, reference(item)) << "round " << round;
  }
}

TEST(ItemStateText, AnEmptyItemAndOneWithoutNoticePeriods) {
  Item item;
  std::string out = "left over";
  write_item_state(item, out);
  EXPECT_EQ(out, reference(item));
  EXPECT_EQ(out.find("notice_periods"), std::string::npos);      // only items that have them
  EXPECT_EQ(out.find("\"id\""), std::string::npos);              // the id is a column of its own
  EXPECT_EQ(out.find("\"content\""), std::string::npos);         // and the long texts a row of
  EXPECT_EQ(out.find("\"interpretation\""), std::string::npos);  // their own
}

// Text that is not well-formed UTF-8 is refused as nlohmann's dump refuses it.
TEST(ItemStateText, IllFormedTextIsRefusedLikeTheDump) {
  Item item;
  item.title = "bad \xff title";
  std::string out;
  EXPECT_THROW(write_item_state(item, out), nlohmann::json::type_error);
  EXPECT_THROW(reference(item), nlohmann::json::type_error);
  item.title.clear();
  item.deadlines.emplace_back();
  item.deadlines.back().steps_fired.push_back("\xc3");
  EXPECT_THROW(write_item_state(item, out), nlohmann::json::type_error);
}

// The projection row and its digest are built from the written document.
TEST(ItemStateText, RecordAndDigestUseTheDocument) {
  RandomItems items(5);
  for (int round = 0; round < 200; ++round) {
    const Item item = items.next();
    const ItemRecord record = item_record(item);
    ASSERT_EQ(record.state_json, reference(item));
    ASSERT_EQ(item_record_digest(item), record_digest(record));
    ASSERT_EQ(record.content, item.content);
    ASSERT_EQ(record.interpretation, item.interpretation);
    ItemRecord other = record;
    other.state_json += " ";
    ASSERT_NE(record_digest(other), record_digest(record));
    // The content, kept apart from the document, is in the digest too.
    other = record;
    other.content += "x";
    ASSERT_NE(record_digest(other), record_digest(record));
    other = record;
    other.interpretation += "x";
    ASSERT_NE(record_digest(other), record_digest(record));
    // Neither text can pass for the other.
    other = record;
    std::swap(other.content, other.interpretation);
    if (other.content != record.content) {
      ASSERT_NE(record_digest(other), record_digest(record));
    }
  }
}

}  // namespace
}  // namespace gongkai
