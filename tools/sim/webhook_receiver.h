// A real HTTP/1.1 webhook receiver (Boost.Beast, in the calling process, on 127.0.0.1 and a free
// port): the stand-in for a new-media platform or a portal's CMS. It verifies each request's
// HMAC-SHA256 signature, answers as told (a status, after an optional delay) and, like a careful
// receiver, processes each Idempotency-Key once: a request whose key was processed already is
// answered 200 and counted as a duplicate. Used by the simulated pilot year (tools/sim), the
// channel tests (tests/channels/webhook_receiver.h) and tools/bench/channels_bench.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gongkai::sim {

struct ReceivedRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lowercase names
  bool signature_ok = false;
  std::string key;  // Idempotency-Key
  int attempt = 0;  // 1 for the first request with this key, ...
};

struct ReceiverReply {
  int status = 200;
  std::chrono::milliseconds delay{0};  // wait before answering (a slow receiver)
};

class WebhookReceiver {
 public:
  // Listens on 127.0.0.1:0 with `threads` I/O threads. With `keep_bodies` false, processed()
  // keeps each request's headers and key but not its body (a long simulation).
  explicit WebhookReceiver(std::string secret, int threads = 2, bool keep_bodies = true);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:<port><path>".
  std::string url(const std::string& path = "/hook") const;

  // How to answer; called on the receiver's threads for every correctly signed request whose key
  // was not processed yet. Default: 200 at once. A 2xx answer processes the key (before any
  // delay: a slow receiver has done the work even if the client stopped waiting).
  void set_handler(std::function<ReceiverReply(const ReceivedRequest&)> handler);
  // Shorthand: the n-th request of every key gets replies[n-1]; later ones get 200.
  void script(std::vector<ReceiverReply> replies);

  // With `keep_alive` false every answer says `Connection: close` and the receiver closes the
  // connection after it (a receiver that does not keep connections). Default: true, as the
  // client asks.
  void set_keep_alive(bool keep_alive);
  // Closes every open connection from the receiver's side, as an idle time-out or a restart
  // would, and returns once they are closed.
  void close_connections();

  int connections() const;     // connections accepted
  int requests() const;        // every request seen
  int duplicates() const;      // requests for a key already processed
  int bad_signatures() const;  // answered 401
  // Keys processed, with the request that did it.
  std::map<std::string, ReceivedRequest> processed() const;
  // Requests seen per key.
  std::map<std::string, int> requests_by_key() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A TCP port on 127.0.0.1 where nothing listens (connection refused).
unsigned short closed_port();

}  // namespace gongkai::sim
