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
#pragma once

#include <chrono>
#include <memory>
#include <string>

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

// Thread-safe: each delivery uses its own connection.
class WebhookChannel : public Channel {
 public:
  // `options.url` must parse (see parse_http_url); use make_webhook_channel to check it.
  WebhookChannel(WebhookOptions options, HttpUrl url);
  ~WebhookChannel() override;

  std::string id() const override;
  DeliveryOutcome deliver(const Delivery& delivery) override;

 private:
  WebhookOptions options_;
  HttpUrl url_;
};

// A webhook channel after checking the URL. Errors: invalid_argument.
Result<std::unique_ptr<WebhookChannel>> make_webhook_channel(WebhookOptions options);

}  // namespace gongkai::channels
