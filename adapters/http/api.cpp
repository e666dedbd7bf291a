#include "adapters/http/api.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "adapters/http/http_errors.h"
#include "adapters/http/json_log.h"
#include "adapters/http/openapi_document.h"
#include "adapters/report/report_renderers.h"
#include "engine/access_policy.h"
#include "engine/definition_json.h"
#include "engine/delivery_json.h"
#include "engine/explain_json.h"
#include "engine/fire_fields.h"
#include "engine/item_json.h"
#include "engine/strict_json.h"
#include "engine/utf8.h"
#include "gongkai/assessment.h"

namespace gongkai::http {

using nlohmann::json;

namespace {

// The deepest nesting accepted in a request body (the API's documents are flat).
constexpr int kMaxJsonDepth = 16;
// The longest Idempotency-Key accepted.
constexpr std::size_t kMaxIdempotencyKey = 200;

struct TooDeep {};

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = dump(body);
  return r;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string etag(const Item& item) {
  return "\"" + std::to_string(item.version) + "\"";
}

HttpResponse item_response(int status, const Item& item) {
  HttpResponse r = json_response(status, item_to_json(item, TimeStyle::local));
  r.headers.emplace_back("ETag", etag(item));
  return r;
}

// The body as a JSON object. Errors: unsupported_media_type, invalid_json, invalid_argument.
Result<json> parse_body(const HttpRequest& request) {
  const std::string* type = request.header("content-type");
  if (!type) {
    return Status(Errc::unsupported_media_type,
                  "the body must be JSON: send Content-Type: application/json");
  }
  const std::string t = lower(*type);
  const std::string media = trim(t.substr(0, t.find(';')));
  if (media != "application/json") {
    return Status(Errc::unsupported_media_type,
                  "the body must be application/json, not '" + media + "'");
  }
  const std::size_t charset = t.find("charset=");
  if (charset != std::string::npos) {
    std::string value = trim(t.substr(charset + 8));
    value = value.substr(0, value.find(';'));
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.find('"', 1) - 1);
    if (value != "utf-8" && value != "utf8") {
      return Status(Errc::unsupported_media_type, "the body must be UTF-8, not " + value);
    }
  }
  if (request.body.empty()) return Status(Errc::invalid_json, "the request needs a JSON body");
  if (!is_valid_utf8(request.body)) {
    return Status(Errc::invalid_json, "the body is not valid UTF-8");
  }
  json body;
  try {
    body = json::parse(request.body, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) throw TooDeep{};
      return true;
    });
  } catch (const TooDeep&) {
    return Status(Errc::invalid_json,
                  "the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  } catch (const json::exception& e) {
    return Status(Errc::invalid_json, std::string("the body is not JSON: ") + e.what());
  }
  // nlohmann keeps the last of a repeated key silently: the strict parser refuses it (the depth,
  // checked above, bounds its work).
  strict_json::ParseResult strict = strict_json::parse(request.body);
  if (!strict.ok()) {
    if (strict.error.kind == strict_json::ParseError::Kind::repeated_key) {
      return Status(Errc::invalid_json, "the body names the key '" + strict.error.key +
                                            "' more than once (at " + strict.error.pointer + ")");
    }
    return Status(Errc::invalid_json, "the body is not JSON: " + strict.error.reason());
  }
  if (!body.is_object()) return Status(Errc::invalid_argument, "the body must be a JSON object");
  return body;
}

// The request headers the API reads, each of which must come at most once: with two, which one
// counts would be the server's guess (RFC 9110 §5.3: only list-valued fields may repeat).
constexpr const char* kSingleHeaders[] = {"authorization", "content-type", "if-match",
                                          "if-none-match", "idempotency-key"};

// Errors: invalid_request, naming the first header given more than once.
Status single_headers(const HttpRequest& request) {
  for (const char* name : kSingleHeaders) {
    const auto count = std::count_if(
        request.headers.begin(), request.headers.end(),
        [&](const std::pair<std::string, std::string>& h) { return h.first == name; });
    if (count > 1) {
      std::string shown(name);
      bool start = true;
      for (char& c : shown) {
        if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        start = c == '-';
      }
      return Status(Errc::invalid_request, "the request carries " + std::to_string(count) + " " +
                                               shown + " headers; send exactly one");
    }
  }
  return Status::Ok();
}

Status only_fields(const json& body, std::initializer_list<const char*> known) {
  for (const auto& entry : body.items()) {
    const std::string& key = entry.key();  // a structured binding cannot be captured in C++17
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string names;
      for (const char* k : known) names += (names.empty() ? "" : ", ") + std::string(k);
      return Status(Errc::invalid_argument,
                    "unknown field '" + key + "' (this request takes " + names + ")");
    }
  }
  return Status::Ok();
}

// Reads an optional (or required) string member; null counts as absent.
Status read_string(const json& body, const char* key, bool required, std::string& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return Status(Errc::invalid_argument, std::string("'") + key + "' is required");
    return Status::Ok();
  }
  if (!it->is_string()) {
    return Status(Errc::invalid_argument, std::string("'") + key + "' must be a string");
  }
  out = it->get<std::string>();
  return Status::Ok();
}

Status read_instant(const json& body, const char* key, std::optional<Instant>& out) {
  std::string text;
  if (Status s = read_string(body, key, false, text); !s.ok()) return s;
  if (text.empty()) return Status::Ok();
  auto t = parse_instant(text);
  if (!t.ok()) {
    return Status(Errc::invalid_time, std::string("'") + key + "': " + t.status().message());
  }
  out = *t;
  return Status::Ok();
}

Status read_role(const json& body, std::optional<Role>& out) {
  std::string text;
  if (Status s = read_string(body, "role", false, text); !s.ok()) return s;
  if (text.empty()) return Status::Ok();
  out = parse_role(text);
  if (!out) return Status(Errc::invalid_argument, "unknown role '" + text + "'");
  return Status::Ok();
}

// If-Match: "N" or N (or *) → the expected version. Errors: invalid_argument.
Result<std::optional<std::int64_t>> parse_if_match(const HttpRequest& request) {
  const std::string* header = request.header("if-match");
  if (!header) return std::optional<std::int64_t>();
  std::string v = trim(*header);
  if (v == "*") return std::optional<std::int64_t>();
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 18 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status(Errc::invalid_argument,
                  "If-Match must be an item's ETag (\"N\", its version), not '" + *header + "'");
  }
  return std::optional<std::int64_t>(std::stoll(v));
}

// Idempotency-Key → the engine's command id. Errors: invalid_argument.
Result<std::string> idempotency_key(const HttpRequest& request) {
  const std::string* header = request.header("idempotency-key");
  if (!header) return std::string();
  const std::string key = trim(*header);
  if (key.empty() || key.size() > kMaxIdempotencyKey ||
      !std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return Status(Errc::invalid_argument, "Idempotency-Key must be 1 to " +
                                              std::to_string(kMaxIdempotencyKey) +
                                              " visible ASCII characters");
  }
  return key;
}

Result<std::int64_t> query_int(const std::vector<std::pair<std::string, std::string>>& query,
                               const char* name, std::int64_t fallback, std::int64_t min,
                               std::int64_t max) {
  for (const auto& [n, v] : query) {
    if (n != name) continue;
    if (v.empty() || v.size() > 18 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status(Errc::invalid_argument, std::string("'") + name + "' must be a number");
    }
    const std::int64_t value = std::stoll(v);
    if (value < min || value > max) {
      return Status(Errc::invalid_argument, std::string("'") + name + "' must be between " +
                                                std::to_string(min) + " and " +
                                                std::to_string(max));
    }
    return value;
  }
  return fallback;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& query,
                         const char* name) {
  for (const auto& [n, v] : query) {
    if (n == name) return v;
  }
  return {};
}

std::string standard_name(const ItemStandard& s) {
  return s.name_level2.empty() ? s.name_level1 : s.name_level2;
}

// Released (published at least once and not under review again), in the public's eyes.
bool is_public(const Item& item) {
  switch (item.stage) {
    case Stage::interpretation:
    case Stage::response:
    case Stage::closed:
      return true;
    case Stage::withdrawn:
      return item.published_at.has_value();
    default:
      return false;
  }
}

// What the public may see of a released item: never drafts, internal notes (reasons, the
// confidentiality override) or anybody's name.
json public_view(const Item& item, const DefinitionSet* definitions) {
  const Unit* unit = definitions ? definitions->find_unit(item.unit_id) : nullptr;
  json j = {
      {"id", item.id},
      {"unit_id", item.unit_id},
      {"unit_name", unit ? unit->name : ""},
      {"standard_id", item.standard_id},
      {"title", item.title},
      {"stage", std::string(to_string(item.stage))},
      {"published_at", item.published_at ? json(format_local(*item.published_at)) : json(nullptr)}};
  if (item.stage == Stage::withdrawn) {
    j["withdrawn"] = true;
    return j;
  }
  j["withdrawn"] = false;
  j["content"] = item.content;
  j["revision"] = item.revision;
  j["interpretation"] = item.interpretation;
  j["interpreted_at"] =
      item.interpreted_at ? json(format_local(*item.interpreted_at)) : json(nullptr);
  json concerns = json::array();
  for (const Concern& c : item.concerns) {
    if (!c.answered) continue;
    concerns.push_back(
        {{"number", c.number},
         {"text", c.text},
         {"raised_at", format_local(c.raised_at)},
         {"answer", c.answer},
         {"answered_at", c.answered_at ? json(format_local(*c.answered_at)) : json(nullptr)}});
  }
  j["concerns"] = std::move(concerns);
  j["closed_at"] = item.closed_at ? json(format_local(*item.closed_at)) : json(nullptr);
  return j;
}

json user_json(const User& user) {
  json roles = json::array();
  for (Role r : user.roles) roles.push_back(std::string(to_string(r)));
  return {{"name", user.name},
          {"roles", roles},
          {"units", user.units},
          {"all_units", access::sees_all_units(user)}};
}

// Merges item pages from several queries (each sorted by id) into one page.
std::vector<Item> merge_page(std::vector<std::vector<Item>> parts, std::int64_t offset,
                             std::int64_t count) {
  std::vector<Item> all;
  for (auto& p : parts) std::move(p.begin(), p.end(), std::back_inserter(all));
  std::sort(all.begin(), all.end(), [](const Item& a, const Item& b) { return a.id < b.id; });
  std::vector<Item> page;
  for (std::int64_t i = offset; i < static_cast<std::int64_t>(all.size()) && i < offset + count;
       ++i) {
    page.push_back(std::move(all[static_cast<std::size_t>(i)]));
  }
  return page;
}

// The link to the next page, or null.
json next_link(const std::string& path, std::vector<std::pair<std::string, std::string>> query,
               bool more, std::int64_t limit, std::int64_t offset) {
  if (!more) return nullptr;
  std::string link = path + "?";
  query.erase(
      std::remove_if(query.begin(), query.end(),
                     [](const auto& p) { return p.first == "limit" || p.first == "offset"; }),
      query.end());
  for (const auto& [n, v] : query) link += percent_encode(n) + "=" + percent_encode(v) + "&";
  link += "limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset + limit);
  return link;
}

}  // namespace

struct Api::Call {
  const HttpRequest& request;
  std::map<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> query;
  std::optional<User> user;
  std::string path;
};

// The route table. A new route is a row here, its handler, an entry in docs/openapi.json and a
// line in docs/http_api.md.
const std::vector<Api::RouteDef>& Api::table() {
  // clang-format off
  static const std::vector<RouteDef> kTable = {
    {"GET",  "/healthz",                       RouteAccess::open,   "",                         &Api::healthz},
    {"GET",  "/readyz",                        RouteAccess::open,   "",                         &Api::readyz},
    {"GET",  "/metrics",                       RouteAccess::open,   "",                         &Api::metrics},
    {"GET",  "/openapi.json",                  RouteAccess::open,   "",                         &Api::openapi},
    {"GET",  "/v1/me",                         RouteAccess::bearer, "",                         &Api::me},
    {"POST", "/v1/items",                      RouteAccess::bearer, "",                         &Api::create_item},
    {"GET",  "/v1/items",                      RouteAccess::bearer, "unit,stage,limit,offset",  &Api::list_items},
    {"GET",  "/v1/items/{id}",                 RouteAccess::bearer, "",                         &Api::get_item},
    {"POST", "/v1/items/{id}/events",          RouteAccess::bearer, "",                         &Api::fire_event},
    {"GET",  "/v1/items/{id}/history",         RouteAccess::bearer, "",                         &Api::item_history},
    {"GET",  "/v1/items/{id}/explain",         RouteAccess::bearer, "",                         &Api::item_explain},
    {"GET",  "/v1/items/{id}/deliveries",      RouteAccess::bearer, "",                         &Api::item_deliveries},
    {"GET",  "/v1/deliveries",                 RouteAccess::bearer, "item,unit,channel,state,limit", &Api::list_deliveries},
    {"GET",  "/v1/catalog",                    RouteAccess::bearer, "unit",                     &Api::catalog},
    {"GET",  "/v1/catalog/{id}",               RouteAccess::bearer, "",                         &Api::catalog_standard},
    {"GET",  "/v1/units",                      RouteAccess::bearer, "",                         &Api::units},
    {"GET",  "/v1/report",                     RouteAccess::bearer, "from,to,province,unit,format", &Api::report},
    {"GET",  "/public/v1/units/{unit}/items",  RouteAccess::open,   "limit,offset",             &Api::public_unit_items},
    {"GET",  "/public/v1/items/{id}",          RouteAccess::open,   "",                         &Api::public_item},
  };
  // clang-format on
  return kTable;
}

std::vector<RouteInfo> Api::routes() {
  std::vector<RouteInfo> out;
  for (const RouteDef& r : table()) out.push_back({r.method, r.pattern, r.access, r.query});
  return out;
}

Api::Api(Engine& engine, UserStore& users, Metrics& metrics, JsonLog* log, ApiOptions options)
    : engine_(engine), users_(users), metrics_(metrics), log_(log), options_(options) {
  for (std::size_t i = 0; i < table().size(); ++i) {
    router_.add(table()[i].method, table()[i].pattern, i);
  }
}

Api::~Api() = default;

HttpResponse Api::handle(const HttpRequest& request) {
  // Not a structured binding: the lambda below captures them (C++17 forbids that).
  const std::pair<std::string_view, std::string_view> split = split_target(request.target);
  const std::string_view path = split.first;
  const std::string_view query_text = split.second;
  auto match = router_.match(request.method, path);
  if (!match.id) {
    if (!match.allowed.empty()) {
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      HttpResponse r = error_response(
          Status(Errc::method_not_allowed, request.method + " is not allowed here; use " + allow));
      r.headers.emplace_back("Allow", allow);
      r.route = match.pattern;
      return r;
    }
    return error_response(Status(Errc::route_not_found, "no route " + request.method + " " +
                                                            std::string(path) +
                                                            " (GET /openapi.json lists them)"));
  }
  const RouteDef& def = table()[*match.id];
  Call call{request, std::move(match.params), {}, std::nullopt, std::string(path)};
  HttpResponse response;
  try {
    response = [&]() -> HttpResponse {
      if (Status s = single_headers(request); !s.ok()) return error_response(s);
      auto query = parse_query(query_text);
      if (!query.ok()) return error_response(query.status());
      for (const auto& [name, value] : *query) {
        const std::string accepted = std::string(",") + def.query + ",";
        if (accepted.find("," + name + ",") == std::string::npos) {
          return error_response(
              Status(Errc::invalid_argument,
                     "unknown query parameter '" + name + "'" +
                         (*def.query ? std::string(" (this route takes ") + def.query + ")" : "")));
        }
      }
      call.query = std::move(*query);
      if (def.access == RouteAccess::bearer) {
        const std::string* header = request.header("authorization");
        if (!header) {
          return error_response(Status(Errc::unauthenticated,
                                       "this route needs an Authorization: Bearer <token> header"));
        }
        const std::string value = trim(*header);
        if (value.size() < 7 || lower(value.substr(0, 7)) != "bearer ") {
          return error_response(
              Status(Errc::unauthenticated, "the Authorization header must be 'Bearer <token>'"));
        }
        auto user = users_.authenticate(trim(value.substr(7)));
        if (!user.ok()) return error_response(user.status());
        if (!*user) {
          return error_response(Status(Errc::unauthenticated, "the token is unknown or revoked"));
        }
        call.user = std::move(**user);
      }
      return (this->*def.handler)(call);
    }();
  } catch (const std::exception& e) {
    if (log_) {
      log_->error({{"msg", "unexpected exception"},
                   {"request_id", request.request_id},
                   {"route", def.pattern},
                   {"what", e.what()}});
    }
    response = error_response(Status(Errc::internal, "an unexpected internal failure"));
  }
  response.route = def.pattern;
  if (call.user) {
    response.actor = call.user->name;
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  return response;
}

// The number of item units remembered; the cache starts afresh when it is full.
constexpr std::size_t kUnitCacheSize = 100000;

Result<std::string> Api::unit_of(const std::string& item_id) {
  {
    std::lock_guard<std::mutex> lock(units_mutex_);
    auto it = units_.find(item_id);
    if (it != units_.end()) return it->second;
  }
  auto item = engine_.get_item(item_id);
  if (!item.ok()) return item.status();
  remember_unit(item_id, item->unit_id);
  return item->unit_id;
}

void Api::remember_unit(const std::string& item_id, const std::string& unit_id) {
  std::lock_guard<std::mutex> lock(units_mutex_);
  if (units_.size() >= kUnitCacheSize) units_.clear();
  units_.emplace(item_id, unit_id);
}

// --- operations --------------------------------------------------------------------------------

HttpResponse Api::healthz(Call&) {
  return json_response(200, {{"status", "ok"}});
}

HttpResponse Api::readyz(Call&) {
  if (!ready_.load()) {
    return error_response(Status(Errc::not_ready, "the service is starting or shutting down"));
  }
  if (engine_.definitions_version() == 0) {
    return error_response(Status(Errc::not_ready, "the database holds no definitions"));
  }
  ItemFilter probe;
  probe.limit = 1;
  auto items = engine_.list_items(probe);
  if (!items.ok()) {
    return error_response(Status(
        Errc::not_ready, "the database does not answer: " + std::string(items.status().id())));
  }
  return json_response(200, {{"status", "ready"},
                             {"definitions_version", engine_.definitions_version()},
                             {"simulation", engine_.is_simulation()}});
}

HttpResponse Api::metrics(Call&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.render();
  return r;
}

HttpResponse Api::openapi(Call&) {
  HttpResponse r;
  r.body = openapi_document();
  return r;
}

HttpResponse Api::me(Call& call) {
  return json_response(200, user_json(*call.user));
}

// --- items -------------------------------------------------------------------------------------

HttpResponse Api::create_item(Call& call) {
  auto body = parse_body(call.request);
  if (!body.ok()) return error_response(body.status());
  if (Status s = only_fields(
          *body, {"standard_id", "unit_id", "title", "content", "formed_at", "role", "at"});
      !s.ok()) {
    return error_response(s);
  }
  CreateItemRequest request;
  std::optional<Role> role;
  for (Status s : {read_string(*body, "standard_id", true, request.standard_id),
                   read_string(*body, "unit_id", true, request.unit_id),
                   read_string(*body, "title", true, request.title),
                   read_string(*body, "content", false, request.content),
                   read_instant(*body, "formed_at", request.formed_at),
                   read_instant(*body, "at", request.at), read_role(*body, role)}) {
    if (!s.ok()) return error_response(s);
  }
  auto key = idempotency_key(call.request);
  if (!key.ok()) return error_response(key.status());
  const access::Decision d = access::decide(*call.user, EventType::created, request.unit_id, role);
  if (d.verdict != access::Verdict::allowed) {
    return error_response(Status(Errc::forbidden, d.message));
  }
  request.actor = call.user->name;
  request.role = std::string(to_string(*d.role));
  request.command_id = *key;
  auto item = engine_.create_item(request);
  if (!item.ok()) return error_response(item.status());
  metrics_.count_command("created");
  remember_unit(item->id, item->unit_id);
  HttpResponse r = item_response(201, *item);
  r.headers.emplace_back("Location", "/v1/items/" + percent_encode(item->id));
  return r;
}

HttpResponse Api::fire_event(Call& call) {
  const std::string& id = call.params["id"];
  auto body = parse_body(call.request);
  if (!body.ok()) return error_response(body.status());
  if (Status s = only_fields(
          *body, {"event", "reason", "text", "concern", "major", "publish_at", "role", "at"});
      !s.ok()) {
    return error_response(s);
  }
  FireRequest request;
  request.item_id = id;
  std::string event_name;
  std::optional<Role> role;
  for (Status s : {read_string(*body, "event", true, event_name),
                   read_string(*body, "reason", false, request.reason),
                   read_string(*body, "text", false, request.text),
                   read_instant(*body, "publish_at", request.publish_at),
                   read_instant(*body, "at", request.at), read_role(*body, role)}) {
    if (!s.ok()) return error_response(s);
  }
  const auto event = parse_event_type(event_name);
  if (!event || *event == EventType::created) {
    std::string names;
    for (EventType e : kFireableEvents) {
      names += (names.empty() ? "" : ", ") + std::string(to_string(e));
    }
    return error_response(
        Status(Errc::invalid_argument, "unknown event '" + event_name + "'; events are " + names));
  }
  request.event = *event;
  if (auto it = body->find("concern"); it != body->end() && !it->is_null()) {
    const auto number = strict_json::integer_as<int>(*it);
    if (!number || *number < 1 || *number > 1000000) {
      return error_response(
          Status(Errc::invalid_argument, "'concern' must be a concern number (1, 2, ...)"));
    }
    request.concern = *number;
  }
  if (auto it = body->find("major"); it != body->end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return error_response(Status(Errc::invalid_argument, "'major' must be true or false"));
    }
    request.major = it->get<bool>();
  }
  if (Status s = check_fields_apply(request); !s.ok()) return error_response(s);
  auto expected = parse_if_match(call.request);
  if (!expected.ok()) return error_response(expected.status());
  request.expected_version = *expected;
  const bool if_match = expected->has_value();
  auto key = idempotency_key(call.request);
  if (!key.ok()) return error_response(key.status());
  request.command_id = *key;

  // The unit decides who may act; an item the user cannot see does not exist for them.
  auto unit = unit_of(id);
  if (!unit.ok()) return error_response(unit.status());
  const access::Decision d = access::decide(*call.user, *event, *unit, role);
  if (d.verdict == access::Verdict::not_visible) {
    return error_response(Status(Errc::item_not_found, "no item '" + id + "'"));
  }
  if (d.verdict == access::Verdict::forbidden) {
    return error_response(Status(Errc::forbidden, d.message));
  }
  request.actor = call.user->name;
  request.role = std::string(to_string(*d.role));
  auto item = engine_.fire(request);
  if (!item.ok()) return error_response(item.status(), if_match);
  metrics_.count_command(std::string(to_string(*event)));
  return item_response(200, *item);
}

HttpResponse Api::get_item(Call& call) {
  const std::string& id = call.params["id"];
  auto item = visible_item(*call.user, id);
  if (!item.ok()) return error_response(item.status());
  if (const std::string* none_match = call.request.header("if-none-match");
      none_match && trim(*none_match) == etag(*item)) {
    HttpResponse r;
    r.status = 304;
    r.headers.emplace_back("ETag", etag(*item));
    return r;
  }
  return item_response(200, *item);
}

HttpResponse Api::list_items(Call& call) {
  const std::string unit = query_string(call.query, "unit");
  const std::string stage_name = query_string(call.query, "stage");
  auto limit =
      query_int(call.query, "limit", options_.default_page_size, 1, options_.max_page_size);
  if (!limit.ok()) return error_response(limit.status());
  auto offset = query_int(call.query, "offset", 0, 0, 1000000000);
  if (!offset.ok()) return error_response(offset.status());
  ItemFilter filter;
  if (!stage_name.empty()) {
    filter.stage = parse_stage(stage_name);
    if (!filter.stage) {
      return error_response(Status(Errc::invalid_argument, "unknown stage '" + stage_name + "'"));
    }
  }
  const User& user = *call.user;
  // One more than a page tells whether there is a next one.
  std::vector<std::vector<Item>> parts;
  std::int64_t page_offset = 0;
  if (Status s = check_unit_filter(user, unit); !s.ok()) return error_response(s);
  if (!unit.empty() || access::sees_all_units(user)) {
    filter.unit_id = unit;
    filter.limit = *limit + 1;
    filter.offset = *offset;
    auto items = engine_.list_items(filter);
    if (!items.ok()) return error_response(items.status());
    parts.push_back(std::move(*items));
  } else {
    for (const auto& u : user.units) {
      filter.unit_id = u;
      filter.limit = *offset + *limit + 1;
      filter.offset = 0;
      auto items = engine_.list_items(filter);
      if (!items.ok()) return error_response(items.status());
      parts.push_back(std::move(*items));
    }
    page_offset = *offset;
  }
  std::vector<Item> page = merge_page(std::move(parts), page_offset, *limit + 1);
  const bool more = static_cast<std::int64_t>(page.size()) > *limit;
  if (more) page.pop_back();
  json items = json::array();
  for (const Item& item : page) items.push_back(item_to_json(item, TimeStyle::local));
  return json_response(200, {{"items", std::move(items)},
                             {"limit", *limit},
                             {"offset", *offset},
                             {"next", next_link(call.path, call.query, more, *limit, *offset)}});
}

Status Api::check_unit_filter(const User& user, const std::string& unit) {
  if (unit.empty()) return Status::Ok();
  if (!engine_.definitions()->find_unit(unit)) {
    return Status(Errc::unit_not_found, "no pilot unit '" + unit + "'");
  }
  if (!access::may_read_unit(user, unit)) {
    return Status(Errc::forbidden, "user '" + user.name + "' does not act for unit '" + unit + "'");
  }
  return Status::Ok();
}

Result<Item> Api::visible_item(const User& user, const std::string& id) {
  auto item = engine_.get_item(id);
  if (!item.ok()) return item.status();
  if (!access::may_read_unit(user, item->unit_id)) {
    return Status(Errc::item_not_found, "no item '" + id + "'");
  }
  return item;
}

HttpResponse Api::item_history(Call& call) {
  const std::string& id = call.params["id"];
  auto item = visible_item(*call.user, id);
  if (!item.ok()) return error_response(item.status());
  auto events = engine_.history(id);
  if (!events.ok()) return error_response(events.status());
  json list = json::array();
  for (const Event& e : *events) list.push_back(event_to_json(e, TimeStyle::local));
  return json_response(200, {{"item_id", id}, {"events", std::move(list)}});
}

HttpResponse Api::item_explain(Call& call) {
  const std::string& id = call.params["id"];
  auto item = visible_item(*call.user, id);
  if (!item.ok()) return error_response(item.status());
  auto deadlines = engine_.explain(id);
  if (!deadlines.ok()) return error_response(deadlines.status());
  auto notices = engine_.explain_notices(id);
  if (!notices.ok()) return error_response(notices.status());
  return json_response(
      200, {{"item_id", id}, {"explanations", explanations_to_json(*deadlines, *notices)}});
}

// --- deliveries --------------------------------------------------------------------------------

HttpResponse Api::item_deliveries(Call& call) {
  const std::string& id = call.params["id"];
  auto item = visible_item(*call.user, id);
  if (!item.ok()) return error_response(item.status());
  DeliveryQuery query;
  query.item_id = id;
  auto rows = engine_.deliveries(query);
  if (!rows.ok()) return error_response(rows.status());
  json list = json::array();
  for (const Delivery& d : *rows) list.push_back(delivery_to_json(d));
  return json_response(200, {{"item_id", id},
                             {"deliveries", std::move(list)},
                             {"delivery_status", delivery_status_json(*rows)}});
}

HttpResponse Api::list_deliveries(Call& call) {
  const User& user = *call.user;
  DeliveryQuery query;
  query.item_id = query_string(call.query, "item");
  query.channel = query_string(call.query, "channel");
  query.state = query_string(call.query, "state");
  const std::string unit = query_string(call.query, "unit");
  if (!query.state.empty() && query.state != "pending" && query.state != "delivered" &&
      query.state != "retrying" && query.state != "failed") {
    return error_response(Status(
        Errc::invalid_argument,
        "unknown state '" + query.state + "'; states are pending, delivered, retrying, failed"));
  }
  auto limit =
      query_int(call.query, "limit", options_.default_page_size, 1, options_.max_page_size);
  if (!limit.ok()) return error_response(limit.status());
  if (Status s = check_unit_filter(user, unit); !s.ok()) return error_response(s);
  if (!query.item_id.empty()) {
    auto item = visible_item(user, query.item_id);
    if (!item.ok()) return error_response(item.status());
  }
  // The store filters by the unit asked for, or else by the units the caller sees (an item the
  // caller sees is in one of them).
  if (!unit.empty()) {
    query.units = std::vector<std::string>{unit};
  } else if (!access::sees_all_units(user)) {
    query.units = user.units;
  }
  query.limit = *limit;
  auto rows = engine_.deliveries(query);
  if (!rows.ok()) return error_response(rows.status());
  auto total = engine_.count_deliveries(query);
  if (!total.ok()) return error_response(total.status());
  json list = json::array();
  for (const Delivery& d : *rows) list.push_back(delivery_to_json(d));
  return json_response(200,
                       {{"deliveries", std::move(list)}, {"limit", *limit}, {"total", *total}});
}

// --- definitions -------------------------------------------------------------------------------

HttpResponse Api::catalog(Call& call) {
  auto set = engine_.definitions();
  const std::string unit_id = query_string(call.query, "unit");
  std::vector<const ItemStandard*> standards;
  if (unit_id.empty()) {
    for (const auto& s : set->standards) standards.push_back(&s);
  } else {
    const Unit* unit = set->find_unit(unit_id);
    if (!unit)
      return error_response(Status(Errc::unit_not_found, "no pilot unit '" + unit_id + "'"));
    standards = set->standards_for_unit(*unit);
  }
  json list = json::array();
  for (const ItemStandard* s : standards) {
    list.push_back({{"id", s->id},
                    {"name", standard_name(*s)},
                    {"name_level1", s->name_level1},
                    {"name_level2", s->name_level2},
                    {"kind", to_string(s->kind)},
                    {"domain", s->domain},
                    {"interpretation_required", s->interpretation_required}});
  }
  return json_response(200, {{"definitions_version", engine_.definitions_version()},
                             {"standards", std::move(list)}});
}

HttpResponse Api::catalog_standard(Call& call) {
  const std::string& id = call.params["id"];
  auto set = engine_.definitions();
  const ItemStandard* s = set->find_standard(id);
  if (!s) return error_response(Status(Errc::standard_not_found, "no item standard '" + id + "'"));
  json j = definition_json::to_json(*s);
  return json_response(200, j);
}

HttpResponse Api::units(Call& call) {
  auto set = engine_.definitions();
  json list = json::array();
  for (const Unit& u : set->units) {
    const Province* p = set->find_province(u.province);
    list.push_back({{"id", u.id},
                    {"name", u.name},
                    {"province", u.province},
                    {"province_name", p ? p->name : ""},
                    {"in_scope", access::may_act_in_unit(*call.user, u.id)}});
  }
  return json_response(200, {{"units", std::move(list)}});
}

// The assessment report (docs/report.md). A user who sees every unit may ask for any scope; any
// other user must name one of their units.
HttpResponse Api::report(Call& call) {
  const std::string format_name = query_string(call.query, "format");
  auto format = gongkai::report::parse_report_format(format_name.empty() ? "json" : format_name);
  if (!format.ok()) return error_response(format.status());
  AssessmentQuery query;
  for (const auto& [name, target] :
       {std::pair<const char*, std::optional<Instant>*>{"from", &query.from}, {"to", &query.to}}) {
    const std::string text = query_string(call.query, name);
    if (text.empty()) continue;
    auto t = parse_instant(text);
    if (!t.ok())
      return error_response(
          Status(Errc::invalid_time, std::string(name) + ": " + t.status().message()));
    *target = *t;
  }
  query.province = query_string(call.query, "province");
  query.unit = query_string(call.query, "unit");
  const User& user = *call.user;
  if (!access::sees_all_units(user)) {
    if (query.unit.empty() || !access::may_read_unit(user, query.unit)) {
      return error_response(
          Status(Errc::forbidden,
                 "user '" + user.name + "' may report only on a unit they act for (unit=...)"));
    }
  }
  auto assessment = assess(engine_, query);
  if (!assessment.ok()) return error_response(assessment.status());
  HttpResponse r;
  r.body = gongkai::report::render_report(*assessment, *format);
  switch (*format) {
    case gongkai::report::ReportFormat::json:
      r.content_type = "application/json";
      break;
    case gongkai::report::ReportFormat::html:
      r.content_type = "text/html; charset=utf-8";
      break;
    case gongkai::report::ReportFormat::text:
      r.content_type = "text/plain; charset=utf-8";
      break;
  }
  return r;
}

// --- public ------------------------------------------------------------------------------------

HttpResponse Api::public_unit_items(Call& call) {
  const std::string& unit_id = call.params["unit"];
  auto set = engine_.definitions();
  const Unit* unit = set->find_unit(unit_id);
  if (!unit) return error_response(Status(Errc::unit_not_found, "no pilot unit '" + unit_id + "'"));
  auto limit =
      query_int(call.query, "limit", options_.default_page_size, 1, options_.max_page_size);
  if (!limit.ok()) return error_response(limit.status());
  auto offset = query_int(call.query, "offset", 0, 0, 1000000000);
  if (!offset.ok()) return error_response(offset.status());
  std::vector<std::vector<Item>> parts;
  for (Stage stage : {Stage::interpretation, Stage::response, Stage::closed, Stage::withdrawn}) {
    ItemFilter filter;
    filter.unit_id = unit_id;
    filter.stage = stage;
    // Withdrawn items count only when they had been published: read them all.
    filter.limit = stage == Stage::withdrawn ? 0 : *offset + *limit + 1;
    auto items = engine_.list_items(filter);
    if (!items.ok()) return error_response(items.status());
    items->erase(
        std::remove_if(items->begin(), items->end(), [](const Item& i) { return !is_public(i); }),
        items->end());
    parts.push_back(std::move(*items));
  }
  std::vector<Item> page = merge_page(std::move(parts), *offset, *limit + 1);
  const bool more = static_cast<std::int64_t>(page.size()) > *limit;
  if (more) page.pop_back();
  json items = json::array();
  for (const Item& item : page) items.push_back(public_view(item, set.get()));
  return json_response(200, {{"unit", {{"id", unit->id}, {"name", unit->name}}},
                             {"items", std::move(items)},
                             {"limit", *limit},
                             {"offset", *offset},
                             {"next", next_link(call.path, call.query, more, *limit, *offset)}});
}

HttpResponse Api::public_item(Call& call) {
  const std::string& id = call.params["id"];
  auto item = engine_.get_item(id);
  if (!item.ok() && item.status().code() != Errc::item_not_found) {
    return error_response(item.status());
  }
  if (!item.ok() || !is_public(*item)) {
    return error_response(Status(Errc::item_not_found, "no published item '" + id + "'"));
  }
  return json_response(200, public_view(*item, engine_.definitions().get()));
}

}  // namespace gongkai::http
