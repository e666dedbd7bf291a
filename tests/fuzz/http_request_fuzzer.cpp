// Fuzz target: HTTP request handling. The input is a raw byte stream as a client would send it
// (token placeholders replaced, see api_fixture.h). Beast's request parser reads it with the
// server's header and body limits; each complete request is translated as the server does
// (beast_message.h), answered by the real Api over a real database, and the answer is written
// as the server would and parsed back. Findings: crashes and sanitizer reports, a 500, an
// answer that breaks the error contract, an answer that does not serialise to a well-formed
// HTTP response carrying the same status and body.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "adapters/http/beast_message.h"
#include "fuzz/api_fixture.h"

namespace bhttp = boost::beast::http;

namespace {

// The server's defaults (ServerOptions), smaller bodies to keep runs fast.
constexpr std::uint32_t kHeaderLimit = 16 << 10;
constexpr std::uint64_t kBodyLimit = 64 << 10;
// Pipelined requests answered per input at most.
constexpr int kMaxRequests = 8;

void check_serialised(const gongkai::http::HttpResponse& answer, unsigned version) {
  const int status = answer.status;
  const std::string body = (status == 304 || status == 204) ? "" : answer.body;
  auto response = gongkai::http::to_beast(answer, version, "fuzz-1", true);
  std::ostringstream out;
  out << response;
  const std::string wire = out.str();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(wire), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done() || parser.get().result_int() != static_cast<unsigned>(status) ||
      parser.get().body() != body) {
    std::fprintf(stderr, "answer does not serialise: %s\n%s\n", ec.message().c_str(),
                 wire.substr(0, 1000).c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string stream =
      gongkai::fuzz::with_tokens(std::string(reinterpret_cast<const char*>(data), size));
  boost::asio::const_buffer rest(stream.data(), stream.size());
  for (int n = 0; n < kMaxRequests && rest.size() > 0; ++n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      if (rest.size() == 0) {
        parser.put_eof(ec);  // the stream ends here
        break;
      }
      const std::size_t used = parser.put(rest, ec);
      rest += used;
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (used == 0) {
          parser.put_eof(ec);
          break;
        }
        continue;
      }
      if (ec) break;
    }
    if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 or closes
    const unsigned version = parser.get().version();
    gongkai::http::HttpRequest request = gongkai::http::from_beast(parser.release());
    request.request_id = "fuzz-1";
    const gongkai::http::HttpResponse answer = gongkai::fuzz::api().handle(request);
    gongkai::fuzz::check_answer(answer, "http request");
    check_serialised(answer, version);
  }
  return 0;
}
