// Internal: which fields of a FireRequest each lifecycle event takes. The CLI and the HTTP API
// refuse a field given with an event it does not apply to — it would otherwise be recorded with
// the event (a reason on a submit) or silently dropped (a publication time on a submit).
#pragma once

#include "gongkai/engine.h"

namespace gongkai {

// Ok when every field `request` gives applies to its event: reason to reject, withdraw, correct
// and approve (where it overrides confidentiality findings); text to interpret, raise_concern,
// respond and correct; concern to respond; major to raise_concern; publish_at to approve.
// Otherwise invalid_argument naming the field and the events it belongs to.
Status check_fields_apply(const FireRequest& request);

}  // namespace gongkai
