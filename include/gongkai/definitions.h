// gongkai — definitions: the item standards (公开事项标准目录), the pilot units (试点单位), the
// domains and the channels, as loaded from the JSON files under definitions/ (format:
// docs/definitions.md).
//
// A DefinitionSet is immutable once loaded and safe to share between threads. Loading validates
// everything first: a wrong definition never half-loads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/status.h"

namespace gongkai {

// The five kinds of disclosure (五公开).
enum class DisclosureKind { decision, execution, management, service, result };

// "decision", "execution", "management", "service", "result".
const char* to_string(DisclosureKind kind) noexcept;

// A unit of time for a duration in a definition.
enum class TimeUnit { working_days, calendar_days, hours };

// "working_days", "calendar_days", "hours".
const char* to_string(TimeUnit unit) noexcept;

// An amount of legal time, e.g. 20 working days.
struct Duration {
  std::int64_t amount = 0;
  TimeUnit unit = TimeUnit::working_days;
};

// One step of an escalation ladder: when it fires relative to the due instant, whom it notifies.
struct EscalationStep {
  std::string step;  // "reminder", "due", "overdue", "very_overdue"
  // Offset from the due instant: negative before it (a reminder), zero at it, positive after.
  // Counted in `offset.unit`; the sign is carried by `before`.
  Duration offset;
  bool before = false;
  std::string notify;  // "responsible_body" or "supervisor"
};

// A deadline rule of a standard (时限).
struct DeadlineRule {
  std::string kind;     // "publication", "review", "interpretation", "concern_response", ...
  std::string trigger;  // "formed", "submitted", "approved", "published", "raised", ...
  Duration limit;
  // For concern_response: the limit when the concern is major (5 hours by default).
  std::optional<Duration> major_limit;
  // The most an `extend` may add in total, in the unit of `limit`; absent = not extendable.
  std::optional<Duration> max_extension;
  // This limit as the law or catalogue words it (e.g. "一般政务舆情48小时内回应"), and the legal
  // basis of this limit (e.g. "《中华人民共和国政府信息公开条例》第二十六条"); either may be empty
  // (not given). `item explain` cites them; for a `publication` rule without them it falls back
  // to the standard's time_limit_text and first legal_basis.
  std::string time_limit_text;
  std::string legal_basis;
  // The escalation ladder; empty = the catalogue's default ladder.
  std::vector<EscalationStep> escalation;
};

// One item standard (公开事项标准): the catalogue's columns.
struct ItemStandard {
  std::string id;           // stable id, e.g. "fiscal.budget"
  std::string name_level1;  // 一级事项
  std::string name_level2;  // 二级事项
  DisclosureKind kind = DisclosureKind::result;
  std::string domain;                         // a domain id from domains.json
  std::vector<std::string> legal_basis;       // 公开依据
  std::vector<std::string> content_elements;  // 公开内容(要素)
  std::string responsible_body;               // 公开主体
  std::string supervisor;                     // who is notified when the body is late
  std::string time_limit_text;          // 公开时限 as published, e.g. "...20个工作日内"
  std::vector<DeadlineRule> deadlines;  // 时限, machine-readable
  std::vector<std::string> channels;    // channel ids from channels.json
  std::string audience;                 // "全社会" or "特定群体"
  std::string mode;                     // "主动" or "依申请"
  std::vector<std::string> levels;      // "县级", "乡级", "村级"
  bool interpretation_required = false;
  Duration response_window{30,
                           TimeUnit::calendar_days};  // how long concerns are taken after release
  // A minimum duration the release must stay on public notice (e.g. 30 days), if any.
  std::optional<Duration> notice_period;
};

// A disclosure domain (试点领域), e.g. 城乡规划.
struct Domain {
  std::string id;    // e.g. "urban_planning"
  std::string name;  // e.g. "城乡规划"
};

// A channel (公开渠道和载体), e.g. the government website.
struct ChannelDefinition {
  std::string id;    // e.g. "website"
  std::string name;  // e.g. "政府网站"
};

// A province taking part in the pilot (组织实施省份).
struct Province {
  std::string id;                          // e.g. "beijing"
  std::string name;                        // e.g. "北京市"
  int group = 0;                           // the domain group of the seed's attachment (1, 2 or 3)
  std::vector<std::string> extra_domains;  // domains the province added itself
  std::string calendar;                    // calendar id; empty = "cn"
};

// A pilot unit (试点单位): a county-level government.
struct Unit {
  std::string id;        // e.g. "beijing.dongcheng"
  std::string name;      // e.g. "东城区"
  std::string province;  // a province id
  std::string calendar;  // calendar id; empty = the province's
};

// A domain group of the seed's attachment: the domains its provinces pilot.
struct DomainGroup {
  int id = 0;
  std::vector<std::string> domains;
};

// Everything under a definitions folder, validated and cross-checked.
struct DefinitionSet {
  std::vector<Domain> domains;
  std::vector<ChannelDefinition> channels;
  std::vector<DomainGroup> groups;
  std::vector<Province> provinces;
  std::vector<Unit> units;
  std::vector<ItemStandard> standards;
  // The default escalation ladder for rules that name none.
  std::vector<EscalationStep> default_escalation;
  // SHA-256 (hex) of the canonical JSON of the whole set: equal content, equal digest.
  std::string digest;
  // The canonical JSON text the digest is taken over; loading it again gives an equal set.
  std::string canonical_json;

  // Look-ups by id; nullptr when absent.
  const ItemStandard* find_standard(const std::string& id) const noexcept;
  const Unit* find_unit(const std::string& id) const noexcept;
  const Province* find_province(const std::string& id) const noexcept;
  const Domain* find_domain(const std::string& id) const noexcept;
  // The standards that apply to `unit`: its province group's domains plus the province's own.
  std::vector<const ItemStandard*> standards_for_unit(const Unit& unit) const;
};

// Loads and validates a definitions folder (domains.json, channels.json, units.json,
// escalation.json and every *.json under catalogue/). Errors (all with the file and the JSON
// pointer in the message): definition_io_error, definition_parse_error, definition_missing_field,
// definition_wrong_type, definition_invalid_value, definition_unknown_field,
// definition_duplicate_id, definition_unknown_reference. The first error found is returned.
Result<DefinitionSet> load_definitions(const std::string& directory);

// Every error in a definitions folder, not only the first (for `gongkai catalog validate`).
// Empty when the folder is valid.
std::vector<Status> validate_definitions(const std::string& directory);

// Rebuilds a set from its canonical_json (as stored in a database). Errors as load_definitions.
Result<DefinitionSet> definitions_from_canonical_json(const std::string& canonical_json);

}  // namespace gongkai
