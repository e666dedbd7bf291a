#include "adapters/channels/webhook_channel.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace gongkai::channels {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

Result<HttpUrl> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    const std::size_t colon = url.find("://");
    const std::string given = colon == std::string::npos ? "none" : url.substr(0, colon);
    return Status(Errc::invalid_argument,
                  "the webhook URL must start with http:// (scheme: " + given +
                      "; for https put a TLS-terminating proxy on the receiving side or in front)");
  }
  const std::size_t host_start = scheme.size();
  std::size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string::npos) host_end = url.size();
  std::string authority = url.substr(host_start, host_end - host_start);
  if (authority.find('@') != std::string::npos) {
    return Status(Errc::invalid_argument,
                  "the webhook URL must not carry user info; the HMAC secret authenticates");
  }
  HttpUrl out;
  std::string port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) return Status(Errc::invalid_argument, "bad IPv6 host in URL");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status(Errc::invalid_argument, "bad host in URL");
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Status(Errc::invalid_argument, "the webhook URL has no host");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    return Status(Errc::invalid_argument, "the webhook URL's port must be 1..65535");
  }
  out.port = port;
  std::string rest = url.substr(host_end);
  if (const std::size_t hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  out.target = rest.empty() || rest.front() == '?' ? "/" + rest : rest;
  std::string path = out.target.substr(0, out.target.find('?'));
  const std::string host_shown =
      out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  out.redacted = "http://" + host_shown + ":" + out.port + path;
  return out;
}

std::string webhook_signature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  static const char* const kHex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xF];
  }
  return out;
}

// A connection and the io_context that drives it: a delivery runs the context on its own thread
// until its exchange is over, so a kept connection needs no thread of its own.
struct WebhookChannel::Connection {
  net::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  ~Connection() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
};

namespace {

// How one request on one connection went.
struct Exchange {
  bool timed_out = false;
  std::string stage;           // where it failed: resolve, connect, send, answer
  beast::error_code failure;   // empty when an answer came
  bool answered_some = false;  // some byte of an answer arrived
  unsigned status = 0;
  std::string reason;
  bool reusable = false;  // the whole answer was read and the connection may carry another
};

// Sends `request` on `c` (resolving and connecting first unless `connected`) and reads the
// answer, all before `deadline`; the connection is closed on a time-out.
Exchange exchange(net::io_context& ioc, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                  bool connected, const HttpUrl& url,
                  const http::request<http::string_body>& request,
                  std::chrono::steady_clock::time_point deadline) {
  ioc.restart();
  tcp::resolver resolver(ioc);
  net::steady_timer guard(ioc);
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024 * 1024);
  Exchange x;
  bool finished = false;

  guard.expires_at(deadline);
  guard.async_wait([&](beast::error_code ec) {
    if (ec || finished) return;
    x.timed_out = true;
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().cancel(ignored);
    stream.socket().close(ignored);
  });
  auto done = [&](const char* what, beast::error_code ec) {
    finished = true;
    x.stage = what;
    x.failure = ec;
    guard.cancel();
  };
  auto read_body = [&]() {
    // The outcome is the status line; the body is read only so the connection can carry the
    // next request.
    const bool keep = parser.get().keep_alive();
    x.status = parser.get().result_int();
    x.reason = std::string(parser.get().reason());
    if (!keep) return done("answer", {});
    http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
      x.reusable = !ec && !x.timed_out;
      done("answer", {});
    });
  };
  auto send = [&]() {
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec || x.timed_out) return done("send", ec);
      http::async_read_header(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        x.answered_some = parser.got_some();
        if (ec || x.timed_out) return done("answer", ec);
        read_body();
      });
    });
  };
  if (connected) {
    send();
  } else {
    resolver.async_resolve(
        url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec || x.timed_out) return done("resolve", ec);
          stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
            if (ec || x.timed_out) return done("connect", ec);
            send();
          });
        });
  }
  ioc.run();
  if (x.timed_out) x.reusable = false;
  return x;
}

}  // namespace

WebhookChannel::WebhookChannel(WebhookOptions options, HttpUrl url)
    : options_(std::move(options)), url_(std::move(url)) {}

WebhookChannel::~WebhookChannel() = default;

std::string WebhookChannel::id() const {
  return options_.channel;
}

std::unique_ptr<WebhookChannel::Connection> WebhookChannel::take_idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.empty()) return nullptr;
  std::unique_ptr<Connection> c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void WebhookChannel::keep_idle(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
}

void WebhookChannel::drop_idle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  dropped.swap(idle_);
}

std::int64_t WebhookChannel::connections_opened() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return opened_;
}

DeliveryOutcome WebhookChannel::deliver(const Delivery& delivery) {
  try {
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    http::request<http::string_body> request{http::verb::post, url_.target, 11};
    const bool default_port = url_.port == "80";
    const std::string host_shown =
        url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    request.set(http::field::host, default_port ? host_shown : host_shown + ":" + url_.port);
    request.set(http::field::user_agent, "gongkai-webhook/1");
    request.set(http::field::content_type, "application/json");
    request.set("Idempotency-Key", delivery.id);
    request.set("X-Gongkai-Signature", webhook_signature(options_.secret, delivery.document));
    request.set("X-Gongkai-Delivery", delivery.id);
    request.set("X-Gongkai-Item", delivery.item_id);
    request.set("X-Gongkai-Unit", delivery.unit_id);
    request.set("X-Gongkai-Channel", delivery.channel);
    request.set("X-Gongkai-Kind", delivery.kind);
    request.body() = delivery.document;
    request.keep_alive(true);
    request.prepare_payload();

    Exchange x;
    for (;;) {
      std::unique_ptr<Connection> c = take_idle();
      const bool kept = c != nullptr;
      if (!kept) {
        c = std::make_unique<Connection>();
        std::lock_guard<std::mutex> lock(mutex_);
        ++opened_;
      }
      x = exchange(c->ioc, c->stream, c->buffer, kept, url_, request, deadline);
      if (x.reusable) keep_idle(std::move(c));
      // A kept connection the receiver had closed: nothing was answered; the others kept since
      // then are likely closed too. Once more on a new connection.
      if (kept && x.failure && !x.answered_some && !x.timed_out) {
        drop_idle();
        continue;
      }
      break;
    }

    const std::string where = " (" + url_.redacted + ")";
    // The status line decides, even when the body that followed it did not all arrive.
    if (x.status == 0 && x.timed_out) {
      return DeliveryOutcome::transient("webhook: no answer within " +
                                        std::to_string(options_.timeout.count()) + " ms" + where);
    }
    if (x.status == 0 && x.failure) {
      std::string what = x.stage == "connect"   ? "cannot connect"
                         : x.stage == "resolve" ? "cannot resolve the host"
                         : x.stage == "send"    ? "cannot send"
                                                : "no answer";
      return DeliveryOutcome::transient("webhook: " + what + ": " + x.failure.message() + where);
    }
    const unsigned status = x.status;
    const std::string described = "webhook: HTTP " + std::to_string(status) +
                                  (x.reason.empty() ? std::string() : " " + x.reason) + where;
    if (status >= 200 && status < 300) return DeliveryOutcome::ok();
    if (status == 408 || status == 429) return DeliveryOutcome::transient(described);
    if (status >= 300 && status < 500) return DeliveryOutcome::permanent(described);
    return DeliveryOutcome::transient(described);
  } catch (const std::exception& e) {
    return DeliveryOutcome::transient(std::string("webhook: ") + e.what() + " (" + url_.redacted +
                                      ")");
  }
}

Result<std::unique_ptr<WebhookChannel>> make_webhook_channel(WebhookOptions options) {
  auto url = parse_http_url(options.url);
  if (!url.ok()) return url.status();
  if (options.timeout.count() <= 0) {
    return Status(Errc::invalid_argument, "the webhook time-out must be positive");
  }
  return std::make_unique<WebhookChannel>(std::move(options), std::move(*url));
}

}  // namespace gongkai::channels
