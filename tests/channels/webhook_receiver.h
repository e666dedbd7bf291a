// Test support: the webhook receiver of tools/sim/webhook_receiver.h (a real Beast HTTP receiver
// on 127.0.0.1), under the names the channel tests and the channels benchmark use.
#pragma once

#include "tools/sim/webhook_receiver.h"

namespace gongkai::testing {

using sim::closed_port;
using sim::ReceivedRequest;
using sim::ReceiverReply;
using sim::WebhookReceiver;

}  // namespace gongkai::testing
