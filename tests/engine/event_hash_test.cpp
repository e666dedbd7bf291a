#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "gongkai/event.h"

namespace gongkai {
namespace {

Event sample() {
  Event e;
  e.seq = 7;
  e.item_id = "gk-000001";
  e.item_seq = 3;
  e.type = "approve";
  e.actor = "审核人";
  e.role = "reviewer";
  e.reason = "";
  e.command_id = "cmd-1";
  e.at = *parse_instant("2026-03-02T10:00:00.250Z");
  e.payload = R"({"confidentiality_findings":0})";
  e.definition_version = 2;
  e.calendar_version = "";
  e.item_prev_hash = std::string(64, 'a');
  e.prev_hash = std::string(64, 'b');
  return e;
}

TEST(EventHash, CanonicalEncodingIsTheDocumentedArray) {
  EXPECT_EQ(canonical_encoding(sample()),
            "[\"gongkai.event.v1\",7,\"gk-000001\",3,\"approve\",\"审核人\",\"reviewer\",\"\","
            "\"cmd-1\",\"2026-03-02T10:00:00.250Z\",\"{\\\"confidentiality_findings\\\":0}\",2,"
            "\"\",\"" +
                std::string(64, 'a') + "\",\"" + std::string(64, 'b') + "\"]");
}

TEST(EventHash, IsSha256OfTheEncoding) {
  Event e;
  // sha256 of ["gongkai.event.v1",0,"",0,"","","","","","1970-01-01T00:00:00.000Z","",0,"","",""]
  // computed independently with `printf '%s' ... | sha256sum`.
  const std::string encoding = canonical_encoding(e);
  EXPECT_EQ(
      encoding,
      R"(["gongkai.event.v1",0,"",0,"","","","","","1970-01-01T00:00:00.000Z","",0,"","",""])");
  EXPECT_EQ(event_hash(e), "0463803a8428ffafe3698bbc6a1ae88dcd55e220334254ae4c5ea32f45c468e5");
}

TEST(EventHash, EveryFieldCounts) {
  const std::string base = event_hash(sample());
  auto changed = [&](auto mutate) {
    Event e = sample();
    mutate(e);
    return event_hash(e) != base;
  };
  EXPECT_TRUE(changed([](Event& e) { e.seq = 8; }));
  EXPECT_TRUE(changed([](Event& e) { e.item_id = "gk-000002"; }));
  EXPECT_TRUE(changed([](Event& e) { e.item_seq = 4; }));
  EXPECT_TRUE(changed([](Event& e) { e.type = "reject"; }));
  EXPECT_TRUE(changed([](Event& e) { e.actor = "x"; }));
  EXPECT_TRUE(changed([](Event& e) { e.role = "admin"; }));
  EXPECT_TRUE(changed([](Event& e) { e.reason = "r"; }));
  EXPECT_TRUE(changed([](Event& e) { e.command_id = "cmd-2"; }));
  EXPECT_TRUE(changed([](Event& e) { e.at += std::chrono::milliseconds(1); }));
  EXPECT_TRUE(changed([](Event& e) { e.payload = "{}"; }));
  EXPECT_TRUE(changed([](Event& e) { e.definition_version = 3; }));
  EXPECT_TRUE(changed([](Event& e) { e.calendar_version = "cn@2"; }));
  EXPECT_TRUE(changed([](Event& e) { e.item_prev_hash = ""; }));
  EXPECT_TRUE(changed([](Event& e) { e.prev_hash = ""; }));
  EXPECT_FALSE(changed([](Event& e) { e.hash = "ignored"; }));
}

TEST(EventHash, FieldBoundariesCannotBeShifted) {
  Event a = sample(), b = sample();
  a.actor = "ab";
  a.role = "c";
  b.actor = "a";
  b.role = "bc";
  EXPECT_NE(event_hash(a), event_hash(b));
}

// The encoding is written by hand for speed; nlohmann's compact dump of the same array is the
// oracle it must match byte for byte, for any text (ill-formed UTF-8 included, where both
// substitute U+FFFD).
TEST(EventHash, EncodingMatchesNlohmannsDumpForAnyText) {
  const std::vector<std::string> pieces = {"a",
                                           "审核",
                                           "\"",
                                           "\\",
                                           "\b",
                                           "\f",
                                           "\n",
                                           "\r",
                                           "\t",
                                           std::string(1, '\0'),
                                           "\x01",
                                           "\x1f",
                                           "\x7f",
                                           "/",
                                           "\xc3\xa9",
                                           "\xf0\x9f\x98\x80",
                                           "\xff",
                                           "\xc3",
                                           "\xed\xa0\x80",
                                           "\xe0\x80\xaf",
                                           "{\"k\":[1,2]}",
                                           " "};
  std::mt19937_64 random(20261127);
  auto text = [&]() {
    std::string t;
    const auto n = random() % 6;
    for (std::uint64_t i = 0; i < n; ++i) t += pieces[random() % pieces.size()];
    return t;
  };
  for (int round = 0; round < 3000; ++round) {
    Event e;
    e.seq = static_cast<std::int64_t>(random() % 1000000) - 10;
    e.item_id = text();
    e.item_seq = static_cast<std::int64_t>(random() % 100);
    e.type = text();
    e.actor = text();
    e.role = text();
    e.reason = text();
    e.command_id = text();
    e.at = Instant(std::chrono::milliseconds(static_cast<std::int64_t>(random() % (1ULL << 42))));
    e.payload = text();
    e.definition_version = static_cast<std::int64_t>(random() % 50);
    e.calendar_version = text();
    e.item_prev_hash = text();
    e.prev_hash = text();
    const nlohmann::json fields = nlohmann::json::array(
        {"gongkai.event.v1", e.seq, e.item_id, e.item_seq, e.type, e.actor, e.role, e.reason,
         e.command_id, format_utc(e.at), e.payload, e.definition_version, e.calendar_version,
         e.item_prev_hash, e.prev_hash});
    ASSERT_EQ(canonical_encoding(e),
              fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << "round " << round;
  }
}

}  // namespace
}  // namespace gongkai
