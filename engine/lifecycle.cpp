// The lifecycle on Boost.MSM's functor front-end. The only translation unit that includes MSM.
// The table below is DESIGN.md's lifecycle table, one row a line, plus the `created` row and the
// restore rows that place a machine in a stored stage.

// More rows than MPL's default limit of 20: raise it before any Boost include.
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_LIMIT_VECTOR_SIZE 30
#define BOOST_MPL_LIMIT_MAP_SIZE 30
// Quiet Boost 1.74's deprecation notes about headers MSM itself includes.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_ALLOW_DEPRECATED_HEADERS

#include "engine/lifecycle.h"

#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/euml/operator.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

namespace gongkai {
namespace {

namespace msm = boost::msm;
namespace mpl = boost::mpl;
using msm::front::none;
using msm::front::Row;
using msm::front::euml::And_;
using msm::front::euml::Not_;

// Every event carries the guards' input and where to record a refusal.
struct EvBase {
  const TransitionInput* in;
  Status* refusal;
};
struct EvCreated : EvBase {};
struct EvSubmit : EvBase {};
struct EvApprove : EvBase {};
struct EvReject : EvBase {};
struct EvPublish : EvBase {};
struct EvInterpret : EvBase {};
struct EvRaiseConcern : EvBase {};
struct EvRespond : EvBase {};
struct EvClose : EvBase {};
struct EvWithdraw : EvBase {};
struct EvCorrect : EvBase {};
struct EvRestore : EvBase {
  Stage target;
};

// Records the first refusal only: a later guard must not hide the reason found first.
bool refuse(const EvBase& e, Errc code, std::string message, std::string details = {}) {
  if (e.refusal->ok()) *e.refusal = Status(code, std::move(message), std::move(details));
  return false;
}

// True when `text` has something besides spaces: a reason of blanks is no reason.
bool has_words(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") != std::string::npos;
}

// --- guards --------------------------------------------------------------------------------------
struct ReasonGiven {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    if (has_words(e.in->reason)) return true;
    return refuse(e, Errc::reason_required,
                  "event '" + std::string(to_string(e.in->event)) + "' requires a reason");
  }
};

struct MaterialGiven {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    if (has_words(e.in->text)) return true;
    return refuse(e, Errc::material_required,
                  "event '" + std::string(to_string(e.in->event)) + "' requires text");
  }
};

// Four eyes, then the confidentiality scan (clean, or overridden with a reason).
struct ApprovalAllowed {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    if (e.in->actor == e.in->item->submitted_by) {
      return refuse(e, Errc::four_eyes_violation,
                    "'" + e.in->actor + "' submitted this revision and cannot approve it");
    }
    if (e.in->confidentiality_findings > 0 && !has_words(e.in->reason)) {
      return refuse(e, Errc::confidentiality_findings,
                    "the title and content contain " +
                        std::to_string(e.in->confidentiality_findings) +
                        " possible personal-data finding(s); remove them or approve with a reason "
                        "that overrides the scan",
                    e.in->findings_json);
    }
    return true;
  }
};

struct PublishDue {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    const auto& at = e.in->item->publish_at;
    if (!at || e.in->at >= *at) return true;
    return refuse(e, Errc::publish_not_due,
                  "the release is scheduled for " + format_local(*at) +
                      "; it cannot be published "
                      "earlier");
  }
};

struct NeedsInterpretation {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    return e.in->standard->interpretation_required;
  }
};

struct ConcernAnswerable {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    const Item& item = *e.in->item;
    if (!e.in->concern) {
      return refuse(e, Errc::concern_not_open, "there is no open concern to answer");
    }
    const int n = *e.in->concern;
    if (n < 1 || n > static_cast<int>(item.concerns.size())) {
      return refuse(e, Errc::concern_not_found,
                    "item " + item.id + " has no concern " + std::to_string(n));
    }
    if (item.concerns[static_cast<std::size_t>(n - 1)].answered) {
      return refuse(e, Errc::concern_not_open, "concern " + std::to_string(n) + " is answered");
    }
    return true;
  }
};

struct ClosingAllowed {
  template <class E, class M, class S, class T>
  bool operator()(const E& e, M&, S&, T&) const {
    const int open = e.in->item->open_concerns();
    if (open > 0) {
      return refuse(e, Errc::concerns_open,
                    std::to_string(open) + " public concern(s) are still unanswered");
    }
    if (e.in->at < e.in->response_window_end) {
      return refuse(e, Errc::response_window_open,
                    "the response window is open until " + format_local(e.in->response_window_end));
    }
    return true;
  }
};

template <Stage S>
struct RestoreTo {
  template <class E, class M, class Src, class T>
  bool operator()(const E& e, M&, Src&, T&) const {
    return e.target == S;
  }
};

// --- the machine ---------------------------------------------------------------------------------
struct MachineDef : msm::front::state_machine_def<MachineDef> {
  using no_exception_thrown = int;  // guards and entries do not throw
  using no_message_queue = int;     // no event is fired from inside a transition

  struct Fresh : msm::front::state<> {};
  template <Stage S>
  struct StageState : msm::front::state<> {
    template <class E, class M>
    void on_entry(const E&, M& machine) {
      machine.stage_ = S;
    }
  };
  using Drafting = StageState<Stage::drafting>;
  using Review = StageState<Stage::review>;
  using Release = StageState<Stage::release>;
  using Interpretation = StageState<Stage::interpretation>;
  using Response = StageState<Stage::response>;
  using Closed = StageState<Stage::closed>;
  using Withdrawn = StageState<Stage::withdrawn>;
  using initial_state = Fresh;

  // clang-format off
  struct transition_table : mpl::vector<
    //   from            event            to               action  guard
    Row< Fresh,          EvCreated,       Drafting,        none,   none                                       >,
    Row< Drafting,       EvSubmit,        Review,          none,   none                                       >,
    Row< Review,         EvApprove,       Release,         none,   ApprovalAllowed                            >,
    Row< Review,         EvReject,        Drafting,        none,   ReasonGiven                                >,
    Row< Release,        EvPublish,       Interpretation,  none,   And_<PublishDue, NeedsInterpretation>      >,
    Row< Release,        EvPublish,       Response,        none,   And_<PublishDue, Not_<NeedsInterpretation>>>,
    Row< Interpretation, EvInterpret,     Response,        none,   MaterialGiven                              >,
    Row< Response,       EvRaiseConcern,  Response,        none,   MaterialGiven                              >,
    Row< Response,       EvRespond,       Response,        none,   And_<ConcernAnswerable, MaterialGiven>     >,
    Row< Response,       EvClose,         Closed,          none,   ClosingAllowed                             >,
    Row< Release,        EvWithdraw,      Withdrawn,       none,   ReasonGiven                                >,
    Row< Interpretation, EvWithdraw,      Withdrawn,       none,   ReasonGiven                                >,
    Row< Response,       EvWithdraw,      Withdrawn,       none,   ReasonGiven                                >,
    Row< Interpretation, EvCorrect,       Review,          none,   ReasonGiven                                >,
    Row< Response,       EvCorrect,       Review,          none,   ReasonGiven                                >,
    // restore: place a fresh machine in a stored stage
    Row< Fresh,          EvRestore,       Drafting,        none,   RestoreTo<Stage::drafting>                 >,
    Row< Fresh,          EvRestore,       Review,          none,   RestoreTo<Stage::review>                   >,
    Row< Fresh,          EvRestore,       Release,         none,   RestoreTo<Stage::release>                  >,
    Row< Fresh,          EvRestore,       Interpretation,  none,   RestoreTo<Stage::interpretation>           >,
    Row< Fresh,          EvRestore,       Response,        none,   RestoreTo<Stage::response>                 >,
    Row< Fresh,          EvRestore,       Closed,          none,   RestoreTo<Stage::closed>                   >,
    Row< Fresh,          EvRestore,       Withdrawn,       none,   RestoreTo<Stage::withdrawn>                >
  > {};
  // clang-format on

  // An event no row of the current stage accepts (or whose guards all refused).
  template <class M, class E>
  void no_transition(const E& e, M&, int) {
    const std::string stage = stage_ ? std::string(to_string(*stage_)) : "(none)";
    refuse(e, Errc::illegal_transition,
           "stage '" + stage + "' does not accept event '" + std::string(to_string(e.in->event)) +
               "'");
  }

  std::optional<Stage> stage_;
};

using BackEnd = msm::back::state_machine<MachineDef>;

template <class E>
Status dispatch(BackEnd& machine, const TransitionInput& in) {
  Status refusal;
  E event{};
  event.in = &in;
  event.refusal = &refusal;
  const auto handled = machine.process_event(event);
  if (handled == msm::back::HANDLED_TRUE) return Status::Ok();
  if (refusal.ok()) {
    refusal = Status(Errc::illegal_transition,
                     "event '" + std::string(to_string(in.event)) + "' was not accepted");
  }
  return refusal;
}

}  // namespace

struct Lifecycle::Machine {
  BackEnd fsm;
};

Lifecycle::Lifecycle() : m_(std::make_unique<Machine>()) {
  m_->fsm.start();
}
Lifecycle::~Lifecycle() = default;
Lifecycle::Lifecycle(Lifecycle&&) noexcept = default;
Lifecycle& Lifecycle::operator=(Lifecycle&&) noexcept = default;

void Lifecycle::place_in(Stage stage) {
  m_ = std::make_unique<Machine>();
  m_->fsm.start();
  Status refusal;
  TransitionInput in;
  EvRestore restore{};
  restore.in = &in;
  restore.refusal = &refusal;
  restore.target = stage;
  m_->fsm.process_event(restore);
}

std::optional<Stage> Lifecycle::stage() const {
  return m_->fsm.stage_;
}

Status Lifecycle::fire(const TransitionInput& in) {
  BackEnd& fsm = m_->fsm;
  switch (in.event) {
    case EventType::created:
      return dispatch<EvCreated>(fsm, in);
    case EventType::submit:
      return dispatch<EvSubmit>(fsm, in);
    case EventType::approve:
      return dispatch<EvApprove>(fsm, in);
    case EventType::reject:
      return dispatch<EvReject>(fsm, in);
    case EventType::publish:
      return dispatch<EvPublish>(fsm, in);
    case EventType::interpret:
      return dispatch<EvInterpret>(fsm, in);
    case EventType::raise_concern:
      return dispatch<EvRaiseConcern>(fsm, in);
    case EventType::respond:
      return dispatch<EvRespond>(fsm, in);
    case EventType::close:
      return dispatch<EvClose>(fsm, in);
    case EventType::withdraw:
      return dispatch<EvWithdraw>(fsm, in);
    case EventType::correct:
      return dispatch<EvCorrect>(fsm, in);
  }
  return Status(Errc::internal, "unknown event type");
}

}  // namespace gongkai
