// The webhook channel (new media accounts, the portal's CMS): an HTTP/1.1 POST of the delivery's
// public JSON document (Boost.Beast, plain http).
//
//   POST <path> HTTP/1.1
//   Content-Type: application/json
//   Idempotency-Key: <delivery id>            the receiver keeps the first and ignores repeats
//   X-Gongkai-Signature: sha256=<hex>         HMAC-SHA256 of the exact body with the shared secret
//   X-Gongkai-Delivery, X-Gongkai-Item, X-Gongkai-Unit, X-Gongkai-Channel, X-Gongkai-Kind
//
// 2xx → delivered; 408 and 429 → retried; any other 4xx → failed for good (the receiver refuses
// it); 3xx → failed (redirects are not followed: configure the final URL); 5xx, a refused or
// broken connection, a time-out → retried. The secret is never part of an error, a log or a
// describe(); URLs in errors show no user info and no query string.
//
// Connections are kept alive (HTTP/1.1 persistent connections) and reused by the next delivery
// to the same URL: a completed exchange whose answer did not say `Connection: close` returns its
// connection to the channel's idle pool. A kept connection the receiver has closed meanwhile (its
// idle time-out, a restart) fails before any byte of an answer arrives; the request is then sent
// once more on a new connection (harmless: receivers process each Idempotency-Key once). A
// connection whose exchange failed or timed out is never reused.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gongkai/channel.h"
#include "gongkai/status.h"

namespace gongkai::channels {

struct WebhookOptions {
  std::string channel = "new_media";        // the channel id served
  std::string url;                          // http://host[:port]/path[?query]
  std::string secret;                       // the HMAC key; never logged
  std::chrono::milliseconds timeout{5000};  // connect + send + answer, per attempt
};

// The parts of an http URL.
struct HttpUrl {
  std::string host, port, target;  // target: path and query
  // scheme://host:port/path, without user info or query: safe to show.
  std::string redacted;
};

// Parses "http://host[:port][/path][?query]". Errors: invalid_argument (another scheme, user
// info, no host, a bad port). The message never contains the query string.
Result<HttpUrl> parse_http_url(const std::string& url);

// "sha256=<lowercase hex HMAC-SHA256 of body under secret>".
std::string webhook_signature(const std::string& secret, const std::string& body);

// Thread-safe: each delivery uses a connection of its own (an idle kept one, or a new one).
class WebhookChannel : public Channel {
 public:
  // Idle connections kept for reuse at most; more concurrent deliveries close theirs after use.
  static constexpr std::size_t kMaxIdleConnections = 8;

  // `options.url` must parse (see parse_http_url); use make_webhook_channel to check it.
  WebhookChannel(WebhookOptions options, HttpUrl url);
  ~WebhookChannel() override;

  std::string id() const override;
  DeliveryOutcome deliver(const Delivery& delivery) override;

  // Connections opened since construction (for tests and the benchmark).
  std::int64_t connections_opened() const;

 private:
  struct Connection;  // a socket with the io_context that drives it (webhook_channel.cpp)
  // An idle kept connection, or nullptr when none.
  std::unique_ptr<Connection> take_idle();
  // Keeps `connection` for the next delivery (closes it when the pool is full).
  void keep_idle(std::unique_ptr<Connection> connection);
  // Closes every idle connection (one was found closed by the receiver: the others likely are).
  void drop_idle();

  WebhookOptions options_;
  HttpUrl url_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::int64_t opened_ = 0;
};

// A webhook channel after checking the URL. Errors: invalid_argument.
Result<std::unique_ptr<WebhookChannel>> make_webhook_channel(WebhookOptions options);

}  // namespace gongkai::channels
