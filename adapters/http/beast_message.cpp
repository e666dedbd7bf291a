#include "adapters/http/beast_message.h"

#include <cctype>
#include <utility>

namespace gongkai::http {

namespace bhttp = boost::beast::http;

HttpRequest from_beast(bhttp::request<bhttp::string_body>&& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

bhttp::response<bhttp::string_body> to_beast(HttpResponse r, unsigned version,
                                             const std::string& request_id, bool keep_alive) {
  bhttp::response<bhttp::string_body> res(static_cast<bhttp::status>(r.status), version);
  res.set(bhttp::field::server, "gongkai");
  res.set("X-Request-Id", request_id);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  if (r.status != 304 && r.status != 204) {
    res.set(bhttp::field::content_type, r.content_type);
    res.body() = std::move(r.body);
  }
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace gongkai::http
