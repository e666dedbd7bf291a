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

WebhookChannel::WebhookChannel(WebhookOptions options, HttpUrl url)
    : options_(std::move(options)), url_(std::move(url)) {}

WebhookChannel::~WebhookChannel() = default;

std::string WebhookChannel::id() const {
  return options_.channel;
}

DeliveryOutcome WebhookChannel::deliver(const Delivery& delivery) {
  try {
    net::io_context ioc{1};
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    net::steady_timer guard(ioc);

    http::request<http::string_body> request{http::verb::post, url_.target, 11};
    const bool default_port = url_.port == "80";
    const std::string host_shown =
        url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    request.set(http::field::host, default_port ? host_shown : host_shown + ":" + url_.port);
    request.set(http::field::user_agent, "gongkai-webhook/1");
    request.set(http::field::content_type, "application/json");
    request.set(http::field::connection, "close");
    request.set("Idempotency-Key", delivery.id);
    request.set("X-Gongkai-Signature", webhook_signature(options_.secret, delivery.document));
    request.set("X-Gongkai-Delivery", delivery.id);
    request.set("X-Gongkai-Item", delivery.item_id);
    request.set("X-Gongkai-Unit", delivery.unit_id);
    request.set("X-Gongkai-Channel", delivery.channel);
    request.set("X-Gongkai-Kind", delivery.kind);
    request.body() = delivery.document;
    request.prepare_payload();

    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    bool timed_out = false;
    bool finished = false;
    std::string stage;
    beast::error_code failure;

    guard.expires_after(options_.timeout);
    guard.async_wait([&](beast::error_code ec) {
      if (ec || finished) return;
      timed_out = true;
      resolver.cancel();
      beast::error_code ignored;
      stream.socket().cancel(ignored);
      stream.socket().close(ignored);
    });
    auto done = [&](const char* what, beast::error_code ec) {
      finished = true;
      stage = what;
      failure = ec;
      guard.cancel();
    };
    resolver.async_resolve(
        url_.host, url_.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec || timed_out) return done("resolve", ec);
          stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
            if (ec || timed_out) return done("connect", ec);
            http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
              if (ec || timed_out) return done("send", ec);
              http::async_read_header(
                  stream, buffer, parser,
                  [&](beast::error_code ec, std::size_t) { done("answer", ec); });
            });
          });
        });
    ioc.run();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

    const std::string where = " (" + url_.redacted + ")";
    if (timed_out) {
      return DeliveryOutcome::transient("webhook: no answer within " +
                                        std::to_string(options_.timeout.count()) + " ms" + where);
    }
    if (failure) {
      std::string what = stage == "connect"   ? "cannot connect"
                         : stage == "resolve" ? "cannot resolve the host"
                         : stage == "send"    ? "cannot send"
                                              : "no answer";
      return DeliveryOutcome::transient("webhook: " + what + ": " + failure.message() + where);
    }
    const auto& answer = parser.get();
    const unsigned status = answer.result_int();
    const std::string described =
        "webhook: HTTP " + std::to_string(status) +
        (answer.reason().empty() ? std::string() : " " + std::string(answer.reason())) + where;
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
