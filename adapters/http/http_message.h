// Internal: an HTTP request and response as the API sees them — plain values, no Beast, so the
// router and the handlers compile quickly and can be tested without a socket.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gongkai::http {

// A parsed request. Header names are lowercase.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query, e.g. "/v1/items?unit=alpha.one"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;  // assigned by the server (or the client's X-Request-Id)

  // The first value of header `lowercase_name`, or nullptr.
  const std::string* header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return &value;
    }
    return nullptr;
  }
};

// A response. `route` and `actor` are for logs and metrics, never sent.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string route = "-";  // the matched route pattern ("-" when none matched)
  std::string actor;        // the authenticated user's name, if any
  std::string error_id;     // the error id of an error response
};

}  // namespace gongkai::http
