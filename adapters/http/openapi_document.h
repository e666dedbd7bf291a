// Internal: docs/openapi.json, embedded at build time (served at GET /openapi.json).
#pragma once

namespace gongkai::http {

// The OpenAPI 3 document's text.
const char* openapi_document() noexcept;

}  // namespace gongkai::http
