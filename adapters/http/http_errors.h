// Internal: how errors travel over HTTP — the status code of every error id and the error
// document {"error": {"id": ..., "message": ..., "details": ...}} (docs/http_api.md).
#pragma once

#include "adapters/http/http_message.h"
#include "gongkai/status.h"

namespace gongkai::http {

// The HTTP status for `code`. `if_match`: the request carried If-Match, so version_conflict is
// 412 Precondition Failed (409 Conflict otherwise). Ids added later fall back on their exit
// code: 1 → 500, 2 → 400, 3 → 409, 4 → 404, 5 → 409, 6 → 500.
int http_status(Errc code, bool if_match = false) noexcept;

// The error document for `status` (details, when present, parsed as JSON), with its HTTP status.
HttpResponse error_response(const Status& status, bool if_match = false);

}  // namespace gongkai::http
