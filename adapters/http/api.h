// Internal: the JSON API — the route table, authentication, the access policy and the mapping of
// requests and answers to engine calls (docs/http_api.md, docs/openapi.json). Transport-free: the
// server (http_server.cpp) hands it parsed requests; tests may call it directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/http/http_message.h"
#include "adapters/http/metrics.h"
#include "adapters/http/router.h"
#include "gongkai/engine.h"
#include "gongkai/users.h"

namespace gongkai::http {

class JsonLog;

struct ApiOptions {
  std::int64_t default_page_size = 50;  // items per page when `limit` is not given
  std::int64_t max_page_size = 500;     // the largest `limit` accepted
};

// Who may call a route.
enum class RouteAccess {
  open,    // anyone (health, metrics, the OpenAPI document, the public endpoints)
  bearer,  // a valid bearer token
};

// One row of the route table, as documented.
struct RouteInfo {
  std::string method;
  std::string pattern;
  RouteAccess access;
  std::string query;  // the query parameters accepted, comma-separated
};

class Api {
 public:
  // `engine`, `users` and `metrics` must outlive the Api; `log` may be nullptr.
  Api(Engine& engine, UserStore& users, Metrics& metrics, JsonLog* log, ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request. Thread-safe; blocks on the engine (SQLite) for items routes. Never
  // throws: an unexpected exception is a 500 with error id `internal`.
  HttpResponse handle(const HttpRequest& request);

  // Readiness (GET /readyz): the server sets it once listening and clears it when shutting down.
  void set_ready(bool ready) { ready_.store(ready); }

  // The route table.
  static std::vector<RouteInfo> routes();

 private:
  struct Call;
  using Handler = HttpResponse (Api::*)(Call&);
  struct RouteDef {
    const char* method;
    const char* pattern;
    RouteAccess access;
    const char* query;  // accepted query parameters, comma-separated
    Handler handler;
  };
  static const std::vector<RouteDef>& table();

  HttpResponse healthz(Call& call);
  HttpResponse readyz(Call& call);
  HttpResponse metrics(Call& call);
  HttpResponse openapi(Call& call);
  HttpResponse me(Call& call);
  HttpResponse create_item(Call& call);
  HttpResponse fire_event(Call& call);
  HttpResponse get_item(Call& call);
  HttpResponse list_items(Call& call);
  HttpResponse item_history(Call& call);
  HttpResponse item_explain(Call& call);
  HttpResponse item_deliveries(Call& call);
  HttpResponse list_deliveries(Call& call);
  HttpResponse catalog(Call& call);
  HttpResponse catalog_standard(Call& call);
  HttpResponse units(Call& call);
  HttpResponse report(Call& call);
  HttpResponse public_unit_items(Call& call);
  HttpResponse public_item(Call& call);

  // A list's `unit` filter (empty: none) for `user`. Errors: unit_not_found (not a pilot unit of
  // the definitions), forbidden (a unit the user does not act for).
  Status check_unit_filter(const User& user, const std::string& unit);

  // The item, if `user` may read its unit. Errors: item_not_found (also for an item of another
  // unit: it does not exist for them), storage errors.
  Result<Item> visible_item(const User& user, const std::string& id);

  // The unit of an item, from a bounded cache (an item never changes unit), else the engine.
  Result<std::string> unit_of(const std::string& item_id);
  void remember_unit(const std::string& item_id, const std::string& unit_id);

  Engine& engine_;
  UserStore& users_;
  Metrics& metrics_;
  JsonLog* log_;
  ApiOptions options_;
  Router router_;
  std::atomic<bool> ready_{false};
  std::mutex units_mutex_;
  std::unordered_map<std::string, std::string> units_;  // item id -> unit id
};

}  // namespace gongkai::http
