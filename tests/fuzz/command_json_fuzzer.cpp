// Fuzz target: command and JSON decoding. The first byte picks what reads the rest:
//   0  item_from_json (the stored projection of an item): when it reads, writing the item back
//      and reading that again must give the same projection row (record_digest);
//   1  the body of POST /v1/items, sent by one of the fixture's users;
//   2  the body of POST /v1/items/{id}/events on one of the fixture's items.
// Bodies go through the real Api (request decoding, validation, the engine); findings are
// crashes, sanitizer reports and answers that break the error contract (api_fixture.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/item_json.h"
#include "fuzz/api_fixture.h"

namespace {

constexpr const char* kUsers[] = {"$DRAFTER",   "$REVIEWER", "$PUBLISHER", "$INTERPRETER",
                                  "$RESPONDER", "$AUDITOR",  "$ADMIN"};
constexpr const char* kItems[] = {"gk-000001", "gk-000002", "gk-000003", "gk-000004"};

void item_round_trip(const std::string& text) {
  auto item = gongkai::item_from_json(text);
  if (!item.ok()) {
    if (item.status().code() != gongkai::Errc::storage_corrupt) {
      std::fprintf(stderr, "item_from_json: unexpected %s\n", item.status().to_string().c_str());
      std::abort();
    }
    return;
  }
  const std::string written = gongkai::item_to_json(*item, gongkai::TimeStyle::utc).dump();
  auto again = gongkai::item_from_json(written);
  if (!again.ok()) {
    std::fprintf(stderr, "an item read does not read back: %s\n%s\n",
                 again.status().to_string().c_str(), written.c_str());
    std::abort();
  }
  if (gongkai::record_digest(gongkai::item_record(*item)) !=
      gongkai::record_digest(gongkai::item_record(*again))) {
    std::fprintf(stderr, "an item changes when written and read back:\n%s\n", written.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned selector = data[0];
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (selector % 3 == 0) {
    item_round_trip(rest);
    return 0;
  }
  gongkai::http::HttpRequest request;
  request.method = "POST";
  request.request_id = "fuzz-1";
  request.headers.emplace_back("content-type", "application/json");
  request.headers.emplace_back(
      "authorization", gongkai::fuzz::with_tokens(std::string("Bearer ") +
                                                  kUsers[(selector / 3) % std::size(kUsers)]));
  request.body = rest;
  if (selector % 3 == 1) {
    request.target = "/v1/items";
  } else {
    request.target =
        std::string("/v1/items/") + kItems[(selector / 21) % std::size(kItems)] + "/events";
  }
  gongkai::fuzz::check_answer(gongkai::fuzz::api().handle(request), "command body");
  return 0;
}
