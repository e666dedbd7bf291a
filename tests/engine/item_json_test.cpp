// The stored projection of an item: what item_to_json writes, item_from_json reads back; every
// integer field that is not an integer of its type (a float, 1e300, past int64) is a corrupt row
// (storage_corrupt), never a cast (a fuzzer found `"version": 1e300` read through a plain cast).
#include "engine/item_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace gongkai {
namespace {

using nlohmann::json;

Instant at(const char* text) {
  return *parse_instant(text);
}

Item sample_item() {
  Item item;
  item.id = "gk-000001";
  item.unit_id = "alpha.one";
  item.standard_id = "budget.final";
  item.definition_version = 3;
  item.title = "预算";
  item.content = "公开内容。";
  item.revision = 2;
  item.stage = Stage::response;
  item.version = 9;
  item.created_at = at("2026-03-02T01:00:00Z");
  item.updated_at = at("2026-03-09T01:00:00Z");
  item.formed_at = at("2026-03-02T01:00:00Z");
  item.created_by = "drafter";
  item.published_at = at("2026-03-05T01:00:00Z");
  Concern concern;
  concern.number = 1;
  concern.text = "何时?";
  concern.raised_by = "public";
  concern.raised_at = at("2026-03-06T01:00:00Z");
  item.concerns.push_back(concern);
  ItemDeadline d;
  d.id = "respond-1";
  d.kind = "respond";
  d.trigger = "raise_concern";
  d.trigger_at = concern.raised_at;
  d.amount = 5;
  d.unit = "working_days";
  d.due = at("2026-03-13T16:00:00Z");
  d.last_day = *parse_date("2026-03-13");
  d.calendar = "1:cn@12";
  d.computed_at = concern.raised_at;
  d.concern = 1;
  item.deadlines.push_back(d);
  ItemNotice n;
  n.id = "plan-notice";
  n.revision = 1;
  n.starts_at = *item.published_at;
  n.amount = 30;
  n.unit = "calendar_days";
  n.ends_at = at("2026-04-04T16:00:00Z");
  n.last_day = *parse_date("2026-04-04");
  n.calendar = "1:cn@12";
  n.computed_at = *item.published_at;
  item.notices.push_back(n);
  return item;
}

TEST(ItemJson, ReadsBackWhatItWrites) {
  const Item item = sample_item();
  const std::string text = item_to_json(item, TimeStyle::utc).dump();
  auto read = item_from_json(text);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(item_to_json(*read, TimeStyle::utc).dump(), text);
  EXPECT_EQ(record_digest(item_record(*read)), record_digest(item_record(item)));
}

TEST(ItemJson, AnIntegerFieldThatIsNoIntegerOfItsTypeIsACorruptRow) {
  const json stored = item_to_json(sample_item(), TimeStyle::utc);
  const char* const fields[] = {"/version",
                                "/definition_version",
                                "/revision",
                                "/concerns/0/number",
                                "/deadlines/0/amount",
                                "/deadlines/0/extended",
                                "/deadlines/0/paused_days",
                                "/deadlines/0/paused_ms",
                                "/deadlines/0/concern",
                                "/notice_periods/0/revision",
                                "/notice_periods/0/amount"};
  const char* const bad_values[] = {
      "1e300", "-1e300", "2.5", "3.0", "9223372036854775808", "18446744073709551615",
      "\"7\"", "null",   "true"};
  for (const char* field : fields) {
    ASSERT_TRUE(stored.contains(json::json_pointer(field))) << field;
    for (const char* bad : bad_values) {
      json doc = stored;
      doc[json::json_pointer(field)] = json::parse(bad);
      auto read = item_from_json(doc.dump());
      ASSERT_FALSE(read.ok()) << field << " = " << bad;
      EXPECT_EQ(read.status().code(), Errc::storage_corrupt) << field << " = " << bad;
    }
  }
  // An int field given a number only int64 holds is out of range too.
  for (const char* field : {"/revision", "/concerns/0/number", "/deadlines/0/concern"}) {
    json doc = stored;
    doc[json::json_pointer(field)] = std::int64_t{1} << 40;
    auto read = item_from_json(doc.dump());
    ASSERT_FALSE(read.ok()) << field;
    EXPECT_NE(read.status().message().find("not an integer in range"), std::string::npos)
        << read.status().message();
  }
}

}  // namespace
}  // namespace gongkai
