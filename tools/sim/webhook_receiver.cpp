#include "tools/sim/webhook_receiver.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <mutex>
#include <thread>

namespace gongkai::sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string hmac_hex(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xF];
  }
  return out;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

struct WebhookReceiver::Impl {
  std::string secret;
  bool keep_bodies = true;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  unsigned short port = 0;

  mutable std::mutex mutex;
  std::function<ReceiverReply(const ReceivedRequest&)> handler;
  bool keep_alive = true;
  int connections = 0, requests = 0, duplicates = 0, bad_signatures = 0;
  std::map<std::string, ReceivedRequest> processed;
  std::map<std::string, int> by_key;

  // Decides the answer to one request (and records it).
  ReceiverReply decide(ReceivedRequest& r) {
    std::function<ReceiverReply(const ReceivedRequest&)> h;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++requests;
      r.attempt = ++by_key[r.key];
      if (!r.signature_ok) {
        ++bad_signatures;
        return {401, {}};
      }
      if (processed.count(r.key)) {
        ++duplicates;
        return {200, {}};
      }
      h = handler;
    }
    ReceiverReply reply = h ? h(r) : ReceiverReply{};
    if (reply.status >= 200 && reply.status < 300) {
      std::lock_guard<std::mutex> lock(mutex);
      // Two requests with one key may race here; the first processes it.
      ReceivedRequest kept = r;
      if (!keep_bodies) kept.body.clear();
      if (!processed.emplace(r.key, std::move(kept)).second) ++duplicates;
    }
    return reply;
  }

  struct Session : std::enable_shared_from_this<Session> {
    Impl* owner;  // outlives every session: they die with its io_context
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    net::steady_timer timer;

    Session(Impl* o, tcp::socket socket)
        : owner(o), stream(std::move(socket)), timer(stream.get_executor()) {}

    void read() {
      request = {};
      http::async_read(stream, buffer, request,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         self->handle();
                       });
    }

    void handle() {
      ReceivedRequest r;
      r.method = std::string(request.method_string());
      r.target = std::string(request.target());
      r.body = request.body();
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      r.key = r.headers["idempotency-key"];
      r.signature_ok = constant_time_equal(r.headers["x-gongkai-signature"],
                                           "sha256=" + hmac_hex(owner->secret, r.body));
      const ReceiverReply reply = owner->decide(r);
      bool keep_alive = false;
      {
        std::lock_guard<std::mutex> lock(owner->mutex);
        keep_alive = owner->keep_alive;
      }
      response = {};
      response.version(11);
      response.result(static_cast<unsigned>(reply.status));
      response.set(http::field::content_type, "application/json");
      response.keep_alive(keep_alive && request.keep_alive());
      response.body() = "{\"ok\": " + std::string(reply.status < 300 ? "true" : "false") + "}";
      response.prepare_payload();
      if (reply.delay.count() > 0) {
        timer.expires_after(reply.delay);
        timer.async_wait([self = shared_from_this()](beast::error_code) { self->write(); });
      } else {
        write();
      }
    }

    void write() {
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec) return;
                          if (self->response.keep_alive()) {
                            self->read();
                          } else {
                            beast::error_code ignored;
                            self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          }
                        });
    }
  };

  std::vector<std::weak_ptr<Session>> sessions;  // under mutex

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed
      auto session = std::make_shared<Session>(this, std::move(socket));
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++connections;
        sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                      [](const std::weak_ptr<Session>& w) { return w.expired(); }),
                       sessions.end());
        sessions.push_back(session);
      }
      session->read();
      accept();
    });
  }
};

WebhookReceiver::WebhookReceiver(std::string secret, int threads, bool keep_bodies)
    : impl_(std::make_shared<Impl>()) {
  impl_->secret = std::move(secret);
  impl_->keep_bodies = keep_bodies;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(net::socket_base::max_listen_connections);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
}

WebhookReceiver::~WebhookReceiver() {
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
}

unsigned short WebhookReceiver::port() const {
  return impl_->port;
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void WebhookReceiver::set_handler(std::function<ReceiverReply(const ReceivedRequest&)> handler) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

void WebhookReceiver::script(std::vector<ReceiverReply> replies) {
  set_handler([replies = std::move(replies)](const ReceivedRequest& r) {
    const auto n = static_cast<std::size_t>(r.attempt);
    return n >= 1 && n <= replies.size() ? replies[n - 1] : ReceiverReply{};
  });
}

void WebhookReceiver::set_keep_alive(bool keep_alive) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->keep_alive = keep_alive;
}

void WebhookReceiver::close_connections() {
  std::vector<std::shared_ptr<Impl::Session>> open;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (const auto& w : impl_->sessions) {
      if (auto s = w.lock()) open.push_back(std::move(s));
    }
    impl_->sessions.clear();
  }
  std::vector<std::future<void>> closed;
  for (const auto& session : open) {
    auto done = std::make_shared<std::promise<void>>();
    closed.push_back(done->get_future());
    // On the session's strand: its handlers never run beside the close.
    net::post(session->stream.get_executor(), [session, done] {
      beast::error_code ignored;
      session->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      session->stream.socket().close(ignored);
      done->set_value();
    });
  }
  for (auto& f : closed) f.wait();
}

int WebhookReceiver::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->connections;
}

int WebhookReceiver::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests;
}

int WebhookReceiver::duplicates() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->duplicates;
}

int WebhookReceiver::bad_signatures() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->bad_signatures;
}

std::map<std::string, ReceivedRequest> WebhookReceiver::processed() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->processed;
}

std::map<std::string, int> WebhookReceiver::requests_by_key() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->by_key;
}

unsigned short closed_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const unsigned short port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace gongkai::sim
