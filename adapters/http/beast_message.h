// Internal: the translation between Beast's HTTP messages and the API's plain values
// (http_message.h). The server uses it for every request and answer; the HTTP fuzz target
// (tests/fuzz/http_request_fuzzer.cpp) uses it on parsed byte streams, so both see the same
// requests.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/http/http_message.h"

namespace gongkai::http {

// The request as the Api sees it: method, target, headers (names lowercased, in order) and body.
// `request_id` is left empty: the server assigns it.
HttpRequest from_beast(boost::beast::http::request<boost::beast::http::string_body>&& message);

// The answer as sent: status, `version` (10 or 11), Server and X-Request-Id headers, the Api's
// headers, Content-Type and body (neither for 304 and 204), Connection per `keep_alive`, and
// Content-Length.
boost::beast::http::response<boost::beast::http::string_body> to_beast(
    HttpResponse response, unsigned version, const std::string& request_id, bool keep_alive);

}  // namespace gongkai::http
