// Internal to the channel adapters: the public JSON document a delivery carries (written by the
// engine, engine/deliveries.cpp; fields in docs/channels.md), read back into a struct, and the text
// helpers the HTML and feed writers share (paragraphs, excerpts, Chinese labels and dates; the
// escaping, html_escape and xml_escape, is adapters/markup/markup_escape.h, shared with the
// report).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/markup/markup_escape.h"
#include "gongkai/channel.h"
#include "gongkai/status.h"

namespace gongkai::channels {

struct PublicResponse {
  int number = 0;
  std::string concern;
  std::string answer;
  bool major = false;
  std::string answered_at;  // RFC 3339, China time; may be empty
};

// The notice period (公示期) of the revision last put on notice (docs/channels.md).
struct PublicNotice {
  int revision = 1;
  std::int64_t amount = 0;   // > 0
  std::string unit;          // working_days, calendar_days or hours
  std::string starts_at;     // the publication, RFC 3339 China time
  std::string ends_at;       // the minimum is served at this instant
  std::string last_day;      // YYYY-MM-DD: the local day at whose end the minimum is served
  std::string state;         // running, served or cut_short
  std::string cut_short_at;  // cut_short: when the withdrawal or correction came; else empty
  std::string cut_short_by;  // cut_short: withdraw or correct; else empty
};

struct PublicDocument {
  std::string kind;  // release, interpretation, response, withdrawal, correction, notice_served
  std::string at;    // the event's instant, RFC 3339 China time
  std::string item_id;
  std::int64_t version = 0;
  int revision = 1;
  std::string unit_id, unit_name, province_name;
  std::string title;
  std::string content;  // empty when withdrawn
  bool withdrawn = false;
  std::string withdrawn_reason;
  std::string published_at;  // the latest publication, RFC 3339; empty when never published
  std::string interpretation;
  std::vector<PublicResponse> responses;
  std::optional<PublicNotice> notice;  // none when the standard has no notice period
  // The item standard.
  std::string standard_id, name_level1, name_level2, disclosure_kind, responsible_body, time_limit;
  std::vector<std::string> legal_basis, content_elements, channel_names;
};

// Parses a delivery's document. Errors: invalid_json (not JSON, a field of the wrong type, a
// notice_period with a missing or impossible value), invalid_argument (ids that cannot name a file,
// or that differ from the delivery's).
Result<PublicDocument> parse_public_document(const Delivery& delivery);

// Each non-blank line of `text` as an escaped <p> element.
std::string html_paragraphs(std::string_view text);
// The first `chars` characters (UTF-8 code points) of `text`, with "…" when cut; line breaks
// become spaces.
std::string excerpt(std::string_view text, std::size_t chars);

// The notice period section of a release page: its least duration (不少于30日), its time (from the
// publication to the last day, or to the instant for hours) and its state — 公示中 as of the
// document's instant (the page is rewritten only by deliveries), 公示期满 once the end is reached,
// 因撤回/因更正提前结束 with the time. "" when the document has no notice period.
std::string notice_period_section(const PublicDocument& doc);
// The notice period's time: "2026年3月2日 10:05起至2026年4月1日止" — to the end of the last day for
// days, to the minute for hours.
std::string notice_period_time(const PublicNotice& notice);
// "30日", "10个工作日", "72小时" for an amount and a unit (calendar_days, working_days, hours); the
// amount and the unit as they are for another unit.
std::string duration_label(std::int64_t amount, std::string_view unit);

// 发布, 解读, 回应, 撤回, 更正, 公示期满 for the delivery kinds (the kind itself when unknown).
std::string kind_label(const std::string& kind);
// 决策公开 ... 结果公开 for the standard's 五公开 kind.
std::string disclosure_kind_label(const std::string& kind);
// "2026年3月2日" / "2026年3月2日 10:05" of an RFC 3339 instant, in China time ("" when empty or
// not an instant).
std::string chinese_date(const std::string& rfc3339);
std::string chinese_date_time(const std::string& rfc3339);
// The China-time "YYYY-MM" of an RFC 3339 instant ("" when not an instant).
std::string local_month(const std::string& rfc3339);

}  // namespace gongkai::channels
