// gongkai — a disclosure item as the engine shows it: the projection of its history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/lifecycle.h"
#include "gongkai/time.h"

namespace gongkai {

// A public concern (回应关切) raised against a released item, and its answer.
struct Concern {
  int number = 0;      // 1, 2, ... in the order raised
  bool major = false;  // a major public-opinion event (重大舆情): 5 h instead of 48 h
  std::string text;
  std::string raised_by;
  Instant raised_at{};
  bool answered = false;
  std::string answer;
  std::string answered_by;
  std::optional<Instant> answered_at;
};

// A disclosure item (公开事项): one instance of an item standard moving through the lifecycle.
// A value type; copies are independent.
struct Item {
  std::string id;                       // assigned by the store, e.g. "gk-000042"
  std::string unit_id;                  // the pilot unit that discloses it
  std::string standard_id;              // its item standard
  std::int64_t definition_version = 0;  // the catalogue version it started with (kept for life)
  std::string title;
  std::string content;  // the current revision's content
  int revision = 1;     // 1, then +1 per correction
  Stage stage = Stage::drafting;
  std::int64_t version = 0;  // number of events in its history (its last item_seq)
  Instant created_at{};
  Instant updated_at{};
  Instant formed_at{};  // when the information was formed (信息形成), default: created
  std::string created_by;
  std::string submitted_by;  // who submitted (or corrected) the revision under review
  std::string approved_by;
  std::optional<std::string> confidentiality_override;  // the reason, when findings were overridden
  std::optional<Instant> publish_at;                    // scheduled publication, if any
  std::optional<Instant> published_at;                  // the latest publication
  std::string interpretation;  // the interpretation material (解读), if any
  std::optional<Instant> interpreted_at;
  std::vector<Concern> concerns;
  std::string withdrawn_reason;
  std::optional<Instant> closed_at;

  // The number of concerns not yet answered.
  int open_concerns() const noexcept;
};

}  // namespace gongkai
