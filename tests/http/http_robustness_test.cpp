// Black-box tests of bad input and bad clients: every malformed request gets a 4xx with the error
// document (or, for a slow or silent client, a closed connection), and meanwhile another client
// keeps getting answers. Also the graceful shutdown on SIGTERM.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "gongkai/engine.h"
#include "http/http_test_support.h"

namespace gongkai {
namespace {

using namespace gongkai::testing;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

// Another client, asking all the time on one keep-alive connection; counts its answers.
class Witness {
 public:
  Witness(unsigned short port, std::string token, std::string item)
      : thread_([this, port, token = std::move(token), item = std::move(item)] {
          HttpClient client(port);
          while (!stop_) {
            const auto start = std::chrono::steady_clock::now();
            const HttpAnswer a = client.get("/v1/items/" + item, token);
            const auto took = std::chrono::steady_clock::now() - start;
            if (a.status == 200) {
              ok_.fetch_add(1);
            } else {
              failed_.fetch_add(1);
            }
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
            if (ms > max_ms_.load()) max_ms_.store(ms);
            std::this_thread::sleep_for(5ms);
          }
        }) {}
  ~Witness() {
    stop_ = true;
    thread_.join();
  }
  int ok() const { return ok_.load(); }
  int failed() const { return failed_.load(); }
  long long max_ms() const { return max_ms_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::atomic<long long> max_ms_{0};
  std::thread thread_;
};

class HttpRobustness : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short deadlines keep the test fast: a request must arrive within 1 s; bodies up to 64 KiB.
    served_.start({"--read-timeout-ms", "1000", "--body-limit", "65536"});
    ASSERT_TRUE(served_.server && served_.server->started());
    port_ = served_.server->port();
    client_ = std::make_unique<HttpClient>(port_);
    const HttpAnswer a = client_->post(
        "/v1/items",
        {{"standard_id", "test.without_interpretation"}, {"unit_id", "alpha.one"}, {"title", "t"}},
        token(kDrafter));
    ASSERT_EQ(a.status, 201) << a;
    item_ = a.json()["id"];
    witness_ = std::make_unique<Witness>(port_, token(kAuditor), item_);
    wait_for_witness(5);
  }
  void TearDown() override {
    if (!witness_) return;
    wait_for_witness(witness_->ok() + 3);
    EXPECT_EQ(witness_->failed(), 0) << "the other client was refused";
    EXPECT_LT(witness_->max_ms(), 1000) << "the other client waited";
    witness_.reset();
  }
  void wait_for_witness(int answers) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (witness_->ok() < answers && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    EXPECT_GE(witness_->ok(), answers) << "the other client got no answers";
  }
  std::string token(const char* user) { return served_.tokens[user]; }
  std::map<std::string, std::string> auth(const char* user) {
    return {{"Authorization", "Bearer " + token(user)}};
  }
  HttpAnswer post_raw(const std::string& target, const std::string& body,
                      const std::string& content_type = "application/json") {
    auto headers = auth(kDrafter);
    if (!content_type.empty()) headers["Content-Type"] = content_type;
    return client_->request("POST", target, body, headers);
  }
  // Sends raw bytes on a new connection; what came back before the server closed it.
  std::string raw_exchange(const std::string& bytes, bool* closed,
                           std::chrono::milliseconds wait = 3000ms) {
    RawConnection c(port_);
    EXPECT_TRUE(c.connected());
    c.send(bytes);
    return c.read_until_closed(wait, closed);
  }

  ServedDatabase served_;
  unsigned short port_ = 0;
  std::unique_ptr<HttpClient> client_;
  std::string item_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(HttpRobustness, BadBodiesGetAnErrorDocument) {
  struct Case {
    const char* what;
    std::string body;
    std::string content_type;
    int status;
    const char* id;
  };
  const std::string events = "/v1/items/" + item_ + "/events";
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const std::vector<Case> cases = {
      {"malformed JSON", R"({"event": "submit",)", "application/json", 400, "invalid_json"},
      {"not JSON at all", "event=submit", "application/json", 400, "invalid_json"},
      {"empty body", "", "application/json", 400, "invalid_json"},
      {"invalid UTF-8", "{\"event\": \"submit\", \"text\": \"\xff\xfe\"}", "application/json", 400,
       "invalid_json"},
      {"an overlong UTF-8 slash", "{\"event\": \"submit\", \"text\": \"\xc0\xaf\"}",
       "application/json", 400, "invalid_json"},
      {"not an object", R"(["submit"])", "application/json", 400, "invalid_argument"},
      {"wrong type", R"({"event": 5})", "application/json", 400, "invalid_argument"},
      {"wrong type (major)", R"({"event": "raise_concern", "major": "yes"})", "application/json",
       400, "invalid_argument"},
      {"wrong type (concern)", R"({"event": "respond", "concern": 1.5})", "application/json", 400,
       "invalid_argument"},
      {"unknown field", R"({"event": "submit", "actor": "someone.else"})", "application/json", 400,
       "invalid_argument"},
      {"missing event", R"({"reason": "x"})", "application/json", 400, "invalid_argument"},
      {"bad time", R"({"event": "approve", "publish_at": "tomorrow"})", "application/json", 400,
       "invalid_time"},
      {"nesting", deep, "application/json", 400, "invalid_json"},
      {"form content type", R"({"event": "submit"})", "application/x-www-form-urlencoded", 415,
       "unsupported_media_type"},
      {"no content type", R"({"event": "submit"})", "", 415, "unsupported_media_type"},
      {"latin-1", R"({"event": "submit"})", "application/json; charset=iso-8859-1", 415,
       "unsupported_media_type"},
  };
  for (const Case& c : cases) {
    const HttpAnswer a = post_raw(events, c.body, c.content_type);
    EXPECT_EQ(a.status, c.status) << c.what << ": " << a;
    EXPECT_EQ(a.error_id(), c.id) << c.what << ": " << a;
    EXPECT_FALSE(a.json()["error"]["message"].get<std::string>().empty()) << c.what;
  }
  // Same for a create.
  HttpAnswer a = post_raw("/v1/items", R"({"standard_id": "test.without_interpretation",
      "unit_id": "alpha.one", "title": ["t"]})");
  EXPECT_EQ(a.status, 400) << a;
  a = post_raw("/v1/items", R"({"standard_id": "x", "unit_id": "alpha.one", "title": "t",
      "created_by": "someone.else"})");
  EXPECT_EQ(a.status, 400) << a;
  EXPECT_THAT(a.body, HasSubstr("created_by"));
  // The charset parameter in its usual spelling is fine, and nothing above changed the item.
  a = post_raw(events, R"({"event": "submit"})", "application/json; charset=UTF-8");
  EXPECT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["version"], 2);
}

TEST_F(HttpRobustness, RepeatedKeysAreRefused) {
  const std::string events = "/v1/items/" + item_ + "/events";
  struct Case {
    const char* what;
    std::string target;
    std::string body;
    const char* key;
  };
  const std::vector<Case> cases = {
      {"text twice", events, R"({"event": "interpret", "text": "a", "text": "b"})", "'text'"},
      {"event twice, same value", events, R"({"event": "submit", "event": "submit"})", "'event'"},
      {"event twice", events, R"({"event": "reject", "reason": "r", "event": "submit"})",
       "'event'"},
      {"unit_id twice", "/v1/items",
       R"({"standard_id": "test.without_interpretation", "unit_id": "alpha.two",
           "title": "t", "unit_id": "alpha.one"})",
       "'unit_id'"},
      {"a key twice in an unknown member", events,
       R"({"event": "submit", "extra": {"k": 1, "k": 2}})", "'k'"},
  };
  for (const Case& c : cases) {
    const HttpAnswer a = post_raw(c.target, c.body);
    EXPECT_EQ(a.status, 400) << c.what << ": " << a;
    EXPECT_EQ(a.error_id(), "invalid_json") << c.what << ": " << a;
    EXPECT_THAT(a.json()["error"]["message"].get<std::string>(), HasSubstr(c.key)) << c.what;
  }
  // Nothing was appended nor created; the same bodies with each key once are accepted.
  HttpAnswer a = client_->get("/v1/items/" + item_, token(kDrafter));
  EXPECT_EQ(a.json()["version"], 1) << a;
  EXPECT_EQ(client_->get("/v1/items?limit=500", token(kAdmin)).json()["items"].size(), 1u);
  a = post_raw("/v1/items", R"({"standard_id": "test.without_interpretation",
      "unit_id": "alpha.one", "title": "t"})");
  EXPECT_EQ(a.status, 201) << a;
  // The same key in two different objects is no repetition.
  a = post_raw(events, R"({"event": "submit", "extra": {"event": 1}})");
  EXPECT_EQ(a.error_id(), "invalid_argument") << a;
  a = post_raw(events, R"({"event": "submit"})");
  EXPECT_EQ(a.status, 200) << a;
}

TEST_F(HttpRobustness, HeadersTheApiReadsMustComeOnce) {
  const std::string events = "/v1/items/" + item_ + "/events";
  const std::string body = R"({"event": "submit"})";
  const auto request = [&](const std::string& method, const std::string& target,
                           const std::string& headers, const std::string& content) {
    return method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers +
           (content.empty() ? "" : "Content-Length: " + std::to_string(content.size()) + "\r\n") +
           "\r\n" + content;
  };
  const std::string drafter = "Authorization: Bearer " + token(kDrafter) + "\r\n";
  const std::string admin = "Authorization: Bearer " + token(kAdmin) + "\r\n";
  const std::string json_type = "Content-Type: application/json\r\n";
  struct Case {
    const char* what;
    std::string bytes;
    const char* header;
  };
  const std::vector<Case> cases = {
      {"two tokens (ambiguous credentials)",
       request("POST", events, drafter + admin + json_type, body), "2 Authorization headers"},
      {"the same token twice", request("POST", events, drafter + drafter + json_type, body),
       "2 Authorization headers"},
      {"a valid token and a bogus one, on a read",
       request("GET", "/v1/items/" + item_, drafter + "Authorization: Bearer gkt_bogus\r\n", ""),
       "2 Authorization headers"},
      {"two content types",
       request("POST", events, drafter + json_type + "Content-Type: text/plain\r\n", body),
       "2 Content-Type headers"},
      {"two If-Match",
       request("POST", events, drafter + json_type + "If-Match: \"1\"\r\nIf-Match: \"7\"\r\n",
               body),
       "2 If-Match headers"},
      {"two Idempotency-Key",
       request("POST", events,
               drafter + json_type + "Idempotency-Key: k1\r\nIdempotency-Key: k2\r\n", body),
       "2 Idempotency-Key headers"},
      {"two If-None-Match",
       request("GET", "/v1/items/" + item_,
               drafter + "If-None-Match: \"1\"\r\nIf-None-Match: \"2\"\r\n", ""),
       "2 If-None-Match headers"},
  };
  for (const Case& c : cases) {
    bool closed = false;
    const std::string reply = raw_exchange(c.bytes, &closed);
    EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400")) << c.what;
    EXPECT_THAT(reply, HasSubstr("invalid_request")) << c.what;
    EXPECT_THAT(reply, HasSubstr(c.header)) << c.what;
    EXPECT_THAT(reply, ::testing::Not(HasSubstr(token(kDrafter)))) << c.what;
  }
  // Nothing was appended; the same request with each header once is accepted.
  HttpAnswer a = client_->get("/v1/items/" + item_, token(kDrafter));
  EXPECT_EQ(a.json()["version"], 1) << a;
  bool closed = false;
  const std::string reply = raw_exchange(
      request("POST", events, drafter + json_type + "If-Match: \"1\"\r\n", body), &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 200"));
  // Headers the API does not read may repeat.
  EXPECT_THAT(
      raw_exchange(request("GET", "/v1/items/" + item_,
                           drafter + "Accept: text/plain\r\nAccept: application/json\r\n", ""),
                   &closed),
      HasSubstr("HTTP/1.1 200"));
}

TEST_F(HttpRobustness, OversizedRequestsAreRefused) {
  const std::string events = "/v1/items/" + item_ + "/events";
  // A body over the limit (64 KiB here; 1 MiB by default), sent whole.
  const std::string big = R"({"event": "submit", "text": ")" + std::string(200000, 'a') + "\"}";
  HttpAnswer a = post_raw(events, big);
  EXPECT_EQ(a.status, 413) << a;
  EXPECT_EQ(a.error_id(), "payload_too_large");
  EXPECT_EQ(a.header("connection"), "close");
  // A declared length over the limit is refused before the body is read.
  bool closed = false;
  std::string reply = raw_exchange("POST " + events +
                                       " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 1000000000\r\n\r\n{",
                                   &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("payload_too_large"));
  EXPECT_TRUE(closed);
  // Chunked, growing past the limit.
  std::string chunked = "POST " + events +
                        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 10; ++i) chunked += "2000\r\n" + std::string(0x2000, 'a') + "\r\n";
  reply = raw_exchange(chunked, &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
  // Headers over 16 KiB.
  reply = raw_exchange(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n",
      &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 431"));
  EXPECT_THAT(reply, HasSubstr("payload_too_large"));
  // The item is unchanged and the client's next request works (on a new connection).
  a = client_->get("/v1/items/" + item_, token(kDrafter));
  EXPECT_EQ(a.status, 200) << a;
  EXPECT_EQ(a.json()["version"], 1);
}

TEST_F(HttpRobustness, MalformedHttpAndUnknownRoutes) {
  bool closed = false;
  std::string reply = raw_exchange("HELLO THERE\r\n\r\n", &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(reply, HasSubstr("invalid_request"));
  EXPECT_TRUE(closed);
  reply = raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
  reply = raw_exchange(std::string("GET /healthz HTTP/1.1\r\nHost: \x01\x02\r\n\r\n"), &closed);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));

  HttpAnswer a = client_->get("/v2/items", token(kDrafter));
  EXPECT_EQ(a.status, 404) << a;
  EXPECT_EQ(a.error_id(), "route_not_found");
  a = client_->get("/v1/items/", token(kDrafter));
  EXPECT_EQ(a.status, 404) << a;
  a = client_->get("/v1/items/%zz", token(kDrafter));
  EXPECT_EQ(a.status, 404) << a;
  a = client_->get("/v1/items/%ff", token(kDrafter));
  EXPECT_EQ(a.status, 404) << a;
  a = client_->request("DELETE", "/v1/items/" + item_, "", auth(kAdmin));
  EXPECT_EQ(a.status, 405) << a;
  EXPECT_EQ(a.error_id(), "method_not_allowed");
  EXPECT_EQ(a.header("allow"), "GET");
  a = client_->request("PUT", "/v1/items", "{}", auth(kAdmin));
  EXPECT_EQ(a.status, 405) << a;
  EXPECT_EQ(a.header("allow"), "POST, GET");
  a = client_->get("/v1/items?unit=%zz", token(kDrafter));
  EXPECT_EQ(a.status, 400) << a;
  a = client_->get("/healthz?verbose=1");
  EXPECT_EQ(a.status, 400) << a;
  // An error in a well-formed request keeps the connection open.
  EXPECT_NE(a.header("connection"), "close");
}

TEST_F(HttpRobustness, SlowAndSilentClientsAreCutOff) {
  // Silent: connects and sends nothing.
  RawConnection silent(port_);
  // Half a request, then nothing.
  RawConnection half(port_);
  half.send(
      "POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"title\":");
  // Slow loris: a header byte every 100 ms, never finishing within the deadline.
  RawConnection slow(port_);
  std::atomic<bool> slow_closed{false};
  std::thread loris([&] {
    const std::string request =
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's') + "\r\n\r\n";
    for (char c : request) {
      if (!slow.send(std::string(1, c))) {
        slow_closed = true;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
  });
  // Many idle connections.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<RawConnection>(port_));

  const auto start = std::chrono::steady_clock::now();
  const int before = witness_->ok();
  bool closed = false;
  const std::string silent_reply = silent.read_until_closed(5000ms, &closed);
  EXPECT_TRUE(closed) << "a silent connection is closed";
  EXPECT_TRUE(silent_reply.empty());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 800ms);
  EXPECT_LT(waited, 4000ms);
  const std::string half_reply = half.read_until_closed(5000ms, &closed);
  EXPECT_TRUE(closed) << "a half-sent request is dropped";
  EXPECT_TRUE(half_reply.empty()) << half_reply;
  const std::string slow_reply = slow.read_until_closed(5000ms, &closed);
  EXPECT_TRUE(closed) << "a slow client is cut off";
  EXPECT_TRUE(slow_reply.empty()) << slow_reply;
  loris.join();
  // Meanwhile the other client was answered all along.
  EXPECT_GT(witness_->ok() - before, 20);
  for (auto& c : idle) {
    c->read_until_closed(3000ms, &closed);
    EXPECT_TRUE(closed);
  }
  const HttpAnswer metrics = client_->get("/metrics");
  EXPECT_THAT(metrics.body,
              HasSubstr("gongkai_http_connections_dropped_total{reason=\"read_timeout\"}"));
}

TEST(HttpShutdown, SigtermFinishesRequestsInProgressAndExitsZero) {
  ServedDatabase served;
  served.start();
  ASSERT_TRUE(served.server && served.server->started());
  const unsigned short port = served.server->port();
  // Four writers firing as fast as they can, each on its own items.
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, broken{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(port);
      const std::string drafter = served.tokens[kDrafter];
      while (!stop) {
        const HttpAnswer a = client.post("/v1/items",
                                         {{"standard_id", "test.without_interpretation"},
                                          {"unit_id", "alpha.one"},
                                          {"title", "w" + std::to_string(w)}},
                                         drafter);
        if (a.status == 201) {
          answered.fetch_add(1);
        } else if (a.status != 0) {
          broken.fetch_add(1);  // an answer that is not a success
        } else {
          return;  // refused: the server stopped accepting
        }
      }
    });
  }
  RawConnection idle(port);
  while (answered.load() < 40) std::this_thread::sleep_for(1ms);
  const int code = served.server->stop(SIGTERM);
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(code, 0) << served.server->stderr_text();
  EXPECT_EQ(broken.load(), 0) << "every request in progress was answered in full";
  bool closed = false;
  idle.read_until_closed(1000ms, &closed);
  EXPECT_TRUE(closed) << "idle connections are closed";
  const std::string log = served.server->stderr_text();
  EXPECT_THAT(log, HasSubstr("\"msg\":\"shutting down\""));
  EXPECT_THAT(log, HasSubstr("\"reason\":\"SIGTERM\""));
  EXPECT_THAT(log, HasSubstr("\"msg\":\"stopped\""));
  // Every answered create is in the database, and the history verifies.
  auto engine = Engine::open(served.db);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto items = (*engine)->list_items({});
  ASSERT_TRUE(items.ok());
  EXPECT_GE(static_cast<int>(items->size()), answered.load());
  auto report = (*engine)->verify();
  EXPECT_TRUE(report.ok()) << report.status().to_string();
  // Nobody listens any more.
  RawConnection after(port);
  EXPECT_FALSE(after.connected());
}

}  // namespace
}  // namespace gongkai
