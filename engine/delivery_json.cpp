#include "engine/delivery_json.h"

#include <cstddef>
#include <map>
#include <string>

#include "gongkai/time.h"

namespace gongkai {

using nlohmann::json;

json delivery_to_json(const Delivery& d, bool with_document) {
  json row{{"id", d.id},
           {"item_id", d.item_id},
           {"item_version", d.item_version},
           {"unit_id", d.unit_id},
           {"channel", d.channel},
           {"kind", d.kind},
           {"state", d.state},
           {"attempts", d.attempts},
           {"last_error", d.last_error},
           {"created_at", format_local(d.created_at)},
           {"next_attempt_at", d.state == "pending" || d.state == "retrying"
                                   ? json(format_local(d.next_attempt_at))
                                   : json(nullptr)},
           {"delivered_at", d.delivered_at ? json(format_local(*d.delivered_at)) : json(nullptr)}};
  if (with_document) {
    json document = json::parse(d.document, nullptr, /*allow_exceptions=*/false);
    row["document"] = document.is_discarded() ? json(nullptr) : std::move(document);
  }
  return row;
}

json delivery_status_json(const std::vector<Delivery>& deliveries) {
  std::map<std::string, const Delivery*> latest;  // channel -> its row of the highest version
  for (const Delivery& d : deliveries) {
    const Delivery*& slot = latest[d.channel];
    if (!slot || d.item_version > slot->item_version) slot = &d;
  }
  std::size_t delivered = 0;
  for (const auto& entry : latest) delivered += entry.second->state == "delivered";
  const std::string state = latest.empty()               ? "none"
                            : delivered == latest.size() ? "delivered"
                            : delivered > 0              ? "partly_delivered"
                                                         : "not_delivered";
  return json{{"state", state},
              {"channels", latest.size()},
              {"delivered", delivered},
              {"partly_delivered", state == "partly_delivered"}};
}

}  // namespace gongkai
