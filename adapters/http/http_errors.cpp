#include "adapters/http/http_errors.h"

#include <nlohmann/json.hpp>

namespace gongkai::http {

int http_status(Errc code, bool if_match) noexcept {
  switch (code) {
    case Errc::ok:
      return 200;
    case Errc::storage_busy:
    case Errc::not_ready:
    case Errc::database_missing:
      return 503;
    case Errc::payload_too_large:
      return 413;
    case Errc::unsupported_media_type:
      return 415;
    case Errc::method_not_allowed:
      return 405;
    case Errc::idempotency_key_reused:
      return 422;
    case Errc::user_exists:
      return 409;
    case Errc::unauthenticated:
      return 401;
    case Errc::forbidden:
      return 403;
    case Errc::reason_required:
    case Errc::material_required:
    case Errc::confidentiality_findings:
      return 422;
    case Errc::version_conflict:
      return if_match ? 412 : 409;
    default:
      break;
  }
  switch (exit_code(code)) {
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
}

HttpResponse error_response(const Status& status, bool if_match) {
  nlohmann::json error = {{"id", std::string(status.id())}, {"message", status.message()}};
  if (!status.details_json().empty()) {
    nlohmann::json details = nlohmann::json::parse(status.details_json(), nullptr, false);
    if (!details.is_discarded()) error["details"] = std::move(details);
  }
  HttpResponse response;
  response.status = http_status(status.code(), if_match);
  response.error_id = std::string(status.id());
  response.body = nlohmann::json{{"error", std::move(error)}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                  "\n";
  if (response.status == 401) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gongkai\"");
  }
  return response;
}

}  // namespace gongkai::http
