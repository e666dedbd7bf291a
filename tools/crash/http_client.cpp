#include "tools/crash/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/beast/core.hpp>

namespace gongkai::crash {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

int HttpClient::request(bhttp::verb method, const std::string& target, const std::string& token,
                        const std::string& body, const std::string& key, std::string& out) {
  try {
    if (!socket_) {
      socket_ = std::make_unique<tcp::socket>(ioc_);
      socket_->connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_));
      // A service that stopped answering must not hang the harness: no answer in 30 s is -1.
      const timeval timeout{30, 0};
      ::setsockopt(socket_->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      ::setsockopt(socket_->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::authorization, "Bearer " + token);
    if (!key.empty()) req.set("Idempotency-Key", key);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(*socket_, req);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(*socket_, buffer, res);
    out = res.body();
    if (!res.keep_alive()) socket_.reset();
    return static_cast<int>(res.result_int());
  } catch (const std::exception&) {
    socket_.reset();
    return -1;
  }
}

}  // namespace gongkai::crash
