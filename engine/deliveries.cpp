#include "engine/deliveries.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/notice_periods.h"

namespace gongkai {

using nlohmann::json;

std::optional<std::string> delivery_kind(const std::string& event_type) {
  if (event_type == "publish") return std::string("release");
  if (event_type == "interpret") return std::string("interpretation");
  if (event_type == "respond") return std::string("response");
  if (event_type == "withdraw") return std::string("withdrawal");
  if (event_type == "correct") return std::string("correction");
  // The end of a notice period (公示期满) is public too: the website's "公示中" must not outlive
  // it.
  if (event_type == kNoticePeriodServed) return std::string(kNoticeServedKind);
  return std::nullopt;
}

std::optional<std::string> delivery_kind(const std::string& event_type, const Item& before,
                                         const Item& after) {
  if (auto kind = delivery_kind(event_type)) return kind;
  if (event_type != to_string(EventType::close)) return std::nullopt;
  for (const ItemNotice& n : before.notices) {
    if (n.state != NoticeState::running) continue;
    const ItemNotice* now = after.find_notice(n.id);
    if (now && now->state == NoticeState::served) return std::string(kNoticeServedKind);
  }
  return std::nullopt;
}

namespace {

// The item's latest notice period (公示期) as the public sees it — the one of the revision last put
// on notice —, or null when its standard has none or it was never published.
json public_notice(const Item& item) {
  if (item.notices.empty()) return nullptr;
  const ItemNotice& n = item.notices.back();
  return {{"revision", n.revision},
          {"amount", n.amount},
          {"unit", n.unit},
          {"starts_at", format_local(n.starts_at)},
          {"ends_at", format_local(n.ends_at)},
          {"last_day", n.last_day.to_string()},
          {"state", to_string(n.state)},
          {"cut_short_at", n.cut_short_at ? json(format_local(*n.cut_short_at)) : json(nullptr)},
          {"cut_short_by", n.cut_short_by.empty() ? json(nullptr) : json(n.cut_short_by)}};
}

}  // namespace

std::string public_document(const Item& item, const ItemStandard& standard,
                            const DefinitionSet* definitions, const std::string& kind, Instant at) {
  const bool withdrawn = item.stage == Stage::withdrawn;
  json responses = json::array();
  for (const Concern& c : item.concerns) {
    if (!c.answered) continue;
    responses.push_back({{"number", c.number},
                         {"concern", c.text},
                         {"answer", c.answer},
                         {"major", c.major},
                         {"answered_at", c.answered_at ? format_local(*c.answered_at) : ""}});
  }
  std::string unit_name, province_name;
  std::vector<std::string> channel_names;
  if (definitions) {
    if (const Unit* u = definitions->find_unit(item.unit_id)) {
      unit_name = u->name;
      if (const Province* p = definitions->find_province(u->province)) province_name = p->name;
    }
    for (const auto& id : standard.channels) {
      for (const auto& c : definitions->channels) {
        if (c.id == id) channel_names.push_back(c.name);
      }
    }
  }
  json doc = {
      {"kind", kind},
      {"at", format_local(at)},
      {"item_id", item.id},
      {"version", item.version},
      {"revision", item.revision},
      {"unit_id", item.unit_id},
      {"unit_name", unit_name},
      {"province_name", province_name},
      {"title", item.title},
      {"content", withdrawn || kind == "correction"
                      ? json(nullptr)
                      : json(item.content)},  // a correction is not yet reviewed
      {"withdrawn", withdrawn},
      {"withdrawn_reason", withdrawn ? json(item.withdrawn_reason) : json(nullptr)},
      {"published_at", item.published_at ? json(format_local(*item.published_at)) : json(nullptr)},
      {"interpretation", withdrawn ? json(nullptr) : json(item.interpretation)},
      {"responses", withdrawn ? json::array() : responses},
      {"notice_period", public_notice(item)},
      {"standard",
       {{"id", standard.id},
        {"name_level1", standard.name_level1},
        {"name_level2", standard.name_level2},
        {"kind", to_string(standard.kind)},
        {"legal_basis", standard.legal_basis},
        {"content_elements", standard.content_elements},
        {"responsible_body", standard.responsible_body},
        {"time_limit", standard.time_limit_text},
        {"channels", channel_names}}}};
  return doc.dump();
}

std::vector<Delivery> deliveries_for(const Item& item, const ItemStandard& standard,
                                     const DefinitionSet* definitions, const std::string& kind,
                                     Instant at) {
  std::vector<Delivery> out;
  const std::string document = public_document(item, standard, definitions, kind, at);
  for (const std::string& channel : standard.channels) {
    Delivery d;
    d.id = item.id + "-v" + std::to_string(item.version) + "-" + channel;
    d.item_id = item.id;
    d.item_version = item.version;
    d.unit_id = item.unit_id;
    d.channel = channel;
    d.kind = kind;
    d.document = document;
    d.state = "pending";
    d.created_at = at;
    d.next_attempt_at = at;
    out.push_back(std::move(d));
  }
  return out;
}

Instant next_attempt(Instant now, int attempts, const DeliveryPolicy& policy, double jitter) {
  const double base =
      static_cast<double>(policy.first_backoff.count()) * std::pow(2.0, std::max(0, attempts - 1));
  const double capped = std::min(base, static_cast<double>(policy.max_backoff.count()));
  const double factor = 0.5 + std::clamp(jitter, 0.0, 1.0);
  return now + std::chrono::milliseconds(static_cast<std::int64_t>(capped * factor));
}

}  // namespace gongkai
