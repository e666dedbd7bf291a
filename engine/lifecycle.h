// Internal: the lifecycle state machine (Boost.MSM, functor front-end) behind a plain interface.
// This header includes no Boost; engine/lifecycle.cpp is the only translation unit that includes
// MSM.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "gongkai/definitions.h"
#include "gongkai/item.h"
#include "gongkai/lifecycle.h"
#include "gongkai/status.h"

namespace gongkai {

// What the guards read: the item before the event, its standard, and the command.
struct TransitionInput {
  const Item* item = nullptr;
  const ItemStandard* standard = nullptr;
  EventType event = EventType::submit;
  std::string actor;
  std::string reason;
  std::string text;
  std::optional<int> concern;  // respond: the concern it answers (resolved by the caller)
  Instant at{};
  Instant response_window_end{};             // close: when the response window ends
  std::size_t confidentiality_findings = 0;  // approve: findings of the scan (title and content)
  std::string findings_json;                 // approve: the findings, for the refusal's details
};

// One item's lifecycle machine. Not thread-safe; cheap to create.
class Lifecycle {
 public:
  // A machine before the item exists: only `created` is accepted.
  Lifecycle();
  ~Lifecycle();
  Lifecycle(Lifecycle&&) noexcept;
  Lifecycle& operator=(Lifecycle&&) noexcept;

  // Test and restore hook: places the machine in `stage` (through the restore event from the
  // initial pseudo-state), as if it had got there by its history.
  void place_in(Stage stage);

  // The current stage; std::nullopt before `created`.
  std::optional<Stage> stage() const;

  // Offers an event. On acceptance the machine moves as the transition table says and ok is
  // returned. Otherwise the machine stays and the status names why: illegal_transition (naming
  // the stage and the event) or the failed guard's error.
  Status fire(const TransitionInput& input);

 private:
  struct Machine;
  std::unique_ptr<Machine> m_;
};

}  // namespace gongkai
