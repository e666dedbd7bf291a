#include "gongkai/status.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace gongkai {
namespace {

TEST(Status, OkIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.id(), "ok");
  EXPECT_EQ(s.exit_code(), 0);
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, ErrorsCarryIdMessageAndExitCode) {
  Status s(Errc::illegal_transition, "stage 'drafting' does not accept event 'publish'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.id(), "illegal_transition");
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_EQ(s.to_string(),
            "error[illegal_transition]: stage 'drafting' does not accept event 'publish'");
}

TEST(Status, ExitCodesFollowTheDocumentedClasses) {
  EXPECT_EQ(exit_code(Errc::internal), 1);
  EXPECT_EQ(exit_code(Errc::storage_full), 1);
  EXPECT_EQ(exit_code(Errc::usage), 2);
  EXPECT_EQ(exit_code(Errc::definition_missing_field), 2);
  EXPECT_EQ(exit_code(Errc::four_eyes_violation), 3);
  EXPECT_EQ(exit_code(Errc::item_not_found), 4);
  EXPECT_EQ(exit_code(Errc::version_conflict), 5);
  EXPECT_EQ(exit_code(Errc::audit_hash_mismatch), 6);
}

TEST(Status, IdsAreUniqueAndRoundTrip) {
  std::set<std::string_view> seen;
#define GONGKAI_CHECK_ID(name, exit, summary)            \
  EXPECT_TRUE(seen.insert(error_id(Errc::name)).second); \
  EXPECT_EQ(errc_from_id(#name), Errc::name);            \
  EXPECT_FALSE(error_summary(Errc::name).empty());
  GONGKAI_ERRORS(GONGKAI_CHECK_ID)
#undef GONGKAI_CHECK_ID
  EXPECT_FALSE(errc_from_id("no_such_error").has_value());
}

TEST(Result, HoldsAValueOrAStatus) {
  Result<int> good(42);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad(Status(Errc::item_not_found, "no item"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Errc::item_not_found);
}

}  // namespace
}  // namespace gongkai

namespace gongkai {
namespace {

TEST(Status, EveryIdIsDocumented) {
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/docs/errors.md");
  std::stringstream doc;
  doc << in.rdbuf();
#define GONGKAI_CHECK_DOC(name, exit, summary) \
  EXPECT_NE(doc.str().find("| `" #name "` | " #exit " |"), std::string::npos) << #name;
  GONGKAI_ERRORS(GONGKAI_CHECK_DOC)
#undef GONGKAI_CHECK_DOC
}

}  // namespace
}  // namespace gongkai
