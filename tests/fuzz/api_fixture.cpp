#include "fuzz/api_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "adapters/http/metrics.h"
#include "gongkai/engine.h"
#include "gongkai/users.h"
#include "support/temp_dir.h"

namespace gongkai::fuzz {

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz fixture: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T expect(Result<T> result, const char* what) {
  if (!result.ok()) fail(std::string(what) + ": " + result.status().to_string());
  return std::move(*result);
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<UserStore> users;
  http::Metrics metrics;
  std::unique_ptr<http::Api> api;
  std::map<std::string, std::string> tokens;  // placeholder -> token

  Fixture() {
    const std::string db = dir.file("fuzz.db");
    const std::string definitions = std::string(GONGKAI_TEST_DATA) + "/engine_definitions";
    expect(Engine::init(db, definitions, /*simulation=*/true), "init").reset();
    SqliteOptions options;
    options.synchronous = "NORMAL";
    engine = expect(Engine::open(db, options), "open");
    users = expect(open_sqlite_user_store(db), "user store");
    const std::pair<const char*, Role> kUsers[] = {
        {"DRAFTER", Role::drafter},     {"REVIEWER", Role::reviewer},
        {"PUBLISHER", Role::publisher}, {"INTERPRETER", Role::interpreter},
        {"RESPONDER", Role::responder}, {"AUDITOR", Role::auditor},
        {"ADMIN", Role::admin}};
    for (const auto& [name, role] : kUsers) {
      NewUser user;
      user.name = std::string("fuzz.") + name;
      user.roles = {role};
      if (role != Role::auditor && role != Role::admin) user.units = {"alpha.one"};
      expect(users->add_user(user, system_now()), "add user");
      tokens[std::string("$") + name] =
          expect(users->issue_token(user.name, system_now()), "issue token").token;
    }
    seed_items();
    api = std::make_unique<http::Api>(*engine, *users, metrics, nullptr);
    api->set_ready(true);
  }

  // gk-000001 in drafting, gk-000002 in review, gk-000003 released and in response.
  void seed_items() {
    for (int i = 0; i < 3; ++i) {
      CreateItemRequest create;
      create.standard_id = "test.with_interpretation";
      create.unit_id = "alpha.one";
      create.title = "低保标准调整 " + std::to_string(i + 1);
      create.content = "自2026年1月1日起，城市低保标准调整为每人每月1000元。";
      create.actor = "fuzz.DRAFTER";
      expect(engine->create_item(create), "create item");
    }
    auto fire = [&](const char* item, EventType event, const char* actor, std::string text = "") {
      FireRequest request;
      request.item_id = item;
      request.event = event;
      request.actor = actor;
      request.text = std::move(text);
      expect(engine->fire(request), "fire");
    };
    fire("gk-000002", EventType::submit, "fuzz.DRAFTER");
    fire("gk-000003", EventType::submit, "fuzz.DRAFTER");
    fire("gk-000003", EventType::approve, "fuzz.REVIEWER");
    fire("gk-000003", EventType::publish, "fuzz.PUBLISHER");
    fire("gk-000003", EventType::interpret, "fuzz.INTERPRETER",
         "政策解读：标准依据上年度消费支出。");
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

http::Api& api() {
  return *fixture().api;
}

std::string with_tokens(std::string text) {
  for (const auto& [placeholder, token] : fixture().tokens) {
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + token.size())) {
      text.replace(at, placeholder.size(), token);
    }
  }
  return text;
}

void check_answer(const http::HttpResponse& response, const char* what) {
  auto bad = [&](const std::string& why) {
    fail(std::string(what) + ": " + why + " (HTTP " + std::to_string(response.status) + ", " +
         response.error_id + ") " + response.body.substr(0, 500));
  };
  if (response.status < 200 || response.status > 599) bad("status out of range");
  if (response.status == 500) bad("an internal error");
  if (response.content_type.rfind("application/json", 0) == 0 && response.status != 304) {
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded()) bad("a JSON answer that is not JSON");
    if (response.status >= 400) {
      if (!body.is_object() || !body.contains("error") || !body["error"].is_object() ||
          !body["error"].contains("id") || body["error"]["id"] != response.error_id) {
        bad("an error answer without its error document");
      }
    }
  }
}

}  // namespace gongkai::fuzz
