// gongkai-crash: a small blocking HTTP/1.1 client (Boost.Beast) for the serve rounds.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <string>

namespace gongkai::crash {

// One keep-alive connection to 127.0.0.1:port, reconnected after a failure; a request without an
// answer in 30 s fails. Not thread-safe.
class HttpClient {
 public:
  explicit HttpClient(unsigned short port) : port_(port) {}
  // The status (-1 when the connection failed or the answer never came) and the body.
  int request(boost::beast::http::verb method, const std::string& target, const std::string& token,
              const std::string& body, const std::string& key, std::string& out);

 private:
  unsigned short port_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
};

}  // namespace gongkai::crash
