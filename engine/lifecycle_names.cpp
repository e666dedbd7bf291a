#include "gongkai/lifecycle.h"

namespace gongkai {
namespace {

constexpr std::string_view kStageNames[] = {"drafting", "review", "release",  "interpretation",
                                            "response", "closed", "withdrawn"};
constexpr std::string_view kEventNames[] = {"created", "submit",    "approve",       "reject",
                                            "publish", "interpret", "raise_concern", "respond",
                                            "close",   "withdraw",  "correct"};

}  // namespace

std::string_view to_string(Stage stage) noexcept {
  return kStageNames[static_cast<std::size_t>(stage)];
}

std::string_view to_string(EventType type) noexcept {
  return kEventNames[static_cast<std::size_t>(type)];
}

std::optional<Stage> parse_stage(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kStageNames); ++i) {
    if (kStageNames[i] == name) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

std::optional<EventType> parse_event_type(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kEventNames); ++i) {
    if (kEventNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

bool is_terminal(Stage stage) noexcept {
  return stage == Stage::closed || stage == Stage::withdrawn;
}

}  // namespace gongkai
