// Unit tests of the HTTP adapter's pieces that need no socket: the router, query strings, the
// error-to-status mapping (and its documentation) and the OpenAPI document against the route
// table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "adapters/http/api.h"
#include "adapters/http/http_errors.h"
#include "adapters/http/router.h"

namespace gongkai::http {
namespace {

using nlohmann::json;

std::string read(const std::string& relative) {
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HttpRouter, MatchesLiteralsAndPlaceholders) {
  Router r;
  r.add("GET", "/v1/items", 0);
  r.add("POST", "/v1/items", 1);
  r.add("GET", "/v1/items/{id}", 2);
  r.add("POST", "/v1/items/{id}/events", 3);
  auto m = r.match("GET", "/v1/items");
  ASSERT_TRUE(m.id);
  EXPECT_EQ(*m.id, 0u);
  m = r.match("POST", "/v1/items/gk-000001/events");
  ASSERT_TRUE(m.id);
  EXPECT_EQ(*m.id, 3u);
  EXPECT_EQ(m.params["id"], "gk-000001");
  EXPECT_EQ(m.pattern, "/v1/items/{id}/events");
  // Segments are percent-decoded.
  m = r.match("GET", "/v1/items/gk%2D1");
  ASSERT_TRUE(m.id);
  EXPECT_EQ(m.params["id"], "gk-1");
  // Wrong method: the methods that would do.
  m = r.match("DELETE", "/v1/items");
  EXPECT_FALSE(m.id);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  // Nothing for empty segments, bad escapes, invalid UTF-8 or other paths.
  for (const char* path : {"/v1/items/", "//v1/items", "/v1/items/%zz", "/v1/items/%ff", "/v1", "",
                           "v1/items", "/v1/items/a/b"}) {
    m = r.match("GET", path);
    EXPECT_FALSE(m.id) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST(HttpRouter, ParsesQueryStrings) {
  auto q = parse_query("unit=alpha.one&stage=review&title=%E4%B8%80+%E5%8E%BF&empty=");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[2].second, "一 县");
  EXPECT_EQ((*q)[3].second, "");
  EXPECT_FALSE(parse_query("a=1&a=2").ok());
  EXPECT_FALSE(parse_query("a=%zz").ok());
  EXPECT_FALSE(parse_query("a=%ff").ok());
  EXPECT_TRUE(parse_query("").ok());
  EXPECT_EQ(split_target("/a?b=c").first, "/a");
  EXPECT_EQ(split_target("/a?b=c").second, "b=c");
  EXPECT_EQ(percent_encode("alpha.one 一"), "alpha.one%20%E4%B8%80");
}

TEST(HttpErrors, StatusCodesFollowTheErrorClass) {
  EXPECT_EQ(http_status(Errc::invalid_json), 400);
  EXPECT_EQ(http_status(Errc::unauthenticated), 401);
  EXPECT_EQ(http_status(Errc::forbidden), 403);
  EXPECT_EQ(http_status(Errc::item_not_found), 404);
  EXPECT_EQ(http_status(Errc::route_not_found), 404);
  EXPECT_EQ(http_status(Errc::method_not_allowed), 405);
  EXPECT_EQ(http_status(Errc::illegal_transition), 409);
  EXPECT_EQ(http_status(Errc::four_eyes_violation), 409);
  EXPECT_EQ(http_status(Errc::version_conflict), 409);
  EXPECT_EQ(http_status(Errc::version_conflict, true), 412);
  EXPECT_EQ(http_status(Errc::payload_too_large), 413);
  EXPECT_EQ(http_status(Errc::unsupported_media_type), 415);
  EXPECT_EQ(http_status(Errc::confidentiality_findings), 422);
  EXPECT_EQ(http_status(Errc::idempotency_key_reused), 422);
  EXPECT_EQ(http_status(Errc::storage_error), 500);
  EXPECT_EQ(http_status(Errc::not_ready), 503);
  const HttpResponse r = error_response(
      Status(Errc::confidentiality_findings, "found", R"({"findings":[{"kind":"mobile"}]})"));
  const json body = json::parse(r.body);
  EXPECT_EQ(body["error"]["id"], "confidentiality_findings");
  EXPECT_EQ(body["error"]["message"], "found");
  EXPECT_EQ(body["error"]["details"]["findings"][0]["kind"], "mobile");
}

// docs/http_api.md states the rule (the status follows the exit code) and lists every id that is
// an exception as "| `id` | status |"; each listed status must be the code's.
TEST(HttpErrors, StatusExceptionsAreDocumented) {
  const std::string doc = read("docs/http_api.md");
  const auto by_exit_code = [](int exit) {
    switch (exit) {
      case 2:
        return 400;
      case 3:
        return 409;
      case 4:
        return 404;
      case 5:
        return 409;
      default:
        return 500;
    }
  };
#define GONGKAI_CHECK_HTTP(name, exit, summary)                                           \
  {                                                                                       \
    const int status = http_status(Errc::name);                                           \
    const std::string row = "| `" #name "` | " + std::to_string(status) + " |";           \
    const bool listed = doc.find(row) != std::string::npos;                               \
    if (status != by_exit_code(exit)) {                                                   \
      EXPECT_TRUE(listed) << "docs/http_api.md lacks the row " << row;                    \
    }                                                                                     \
    const std::string any = "| `" #name "` | ";                                           \
    if (!listed && doc.find(any) != std::string::npos) {                                  \
      ADD_FAILURE() << "docs/http_api.md gives " #name " another status than " << status; \
    }                                                                                     \
  }
  GONGKAI_ERRORS(GONGKAI_CHECK_HTTP)
#undef GONGKAI_CHECK_HTTP
  EXPECT_NE(doc.find("| `version_conflict` with `If-Match` | 412 |"), std::string::npos);
}

TEST(HttpOpenApi, DocumentsEveryRoute) {
  const json doc = json::parse(read("docs/openapi.json"), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "docs/openapi.json is not JSON";
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::size_t operations = 0;
  for (const RouteInfo& route : Api::routes()) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
    const json& op = doc["paths"][route.pattern];
    ASSERT_TRUE(op.contains(method)) << route.method << " " << route.pattern;
    // Bearer routes say so; open ones declare no security.
    const bool secured = !op[method].contains("security") || !op[method]["security"].empty();
    EXPECT_EQ(secured, route.access == RouteAccess::bearer) << route.pattern;
    ++operations;
  }
  std::size_t documented = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) documented += method != "parameters";
  }
  EXPECT_EQ(documented, operations) << "every documented operation exists";
}

}  // namespace
}  // namespace gongkai::http
