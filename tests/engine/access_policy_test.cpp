#include "engine/access_policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace gongkai::access {
namespace {

User user(std::vector<Role> roles, std::vector<std::string> units) {
  return User{"u", std::move(roles), std::move(units), {}};
}

TEST(AccessPolicy, MatrixRows) {
  const std::vector<std::pair<Role, std::vector<EventType>>> allowed = {
      {Role::drafter, {EventType::created, EventType::submit, EventType::correct}},
      {Role::reviewer, {EventType::approve, EventType::reject}},
      {Role::publisher, {EventType::publish, EventType::withdraw}},
      {Role::interpreter, {EventType::interpret}},
      {Role::responder, {EventType::raise_concern, EventType::respond, EventType::close}},
      {Role::auditor, {}},
  };
  for (const auto& [role, events] : allowed) {
    for (EventType e :
         {EventType::created, EventType::submit, EventType::approve, EventType::reject,
          EventType::publish, EventType::interpret, EventType::raise_concern, EventType::respond,
          EventType::close, EventType::withdraw, EventType::correct}) {
      const bool expected = std::find(events.begin(), events.end(), e) != events.end();
      EXPECT_EQ(role_allows(role, e), expected) << to_string(role) << " " << to_string(e);
      EXPECT_TRUE(role_allows(Role::admin, e));
    }
  }
}

TEST(AccessPolicy, UnitScopes) {
  const User drafter = user({Role::drafter}, {"alpha.one"});
  EXPECT_TRUE(may_read_unit(drafter, "alpha.one"));
  EXPECT_FALSE(may_read_unit(drafter, "alpha.two"));
  EXPECT_FALSE(sees_all_units(drafter));
  const User auditor = user({Role::auditor}, {});
  EXPECT_TRUE(may_read_unit(auditor, "beta.three"));
  EXPECT_FALSE(may_act_in_unit(auditor, "beta.three"));
  EXPECT_TRUE(sees_all_units(auditor));
  const User admin = user({Role::admin}, {});
  EXPECT_TRUE(may_act_in_unit(admin, "anything"));
  const User everywhere = user({Role::reviewer}, {"*"});
  EXPECT_TRUE(sees_all_units(everywhere));
  EXPECT_TRUE(may_act_in_unit(everywhere, "beta.three"));
  // An auditor who also drafts for one unit reads all and drafts in that one.
  const User both = user({Role::auditor, Role::drafter}, {"alpha.one"});
  EXPECT_EQ(decide(both, EventType::submit, "alpha.one").verdict, Verdict::allowed);
  EXPECT_EQ(decide(both, EventType::submit, "alpha.two").verdict, Verdict::forbidden);
}

TEST(AccessPolicy, Decisions) {
  const User d = user({Role::drafter, Role::responder}, {"alpha.one"});
  Decision x = decide(d, EventType::submit, "alpha.one");
  EXPECT_EQ(x.verdict, Verdict::allowed);
  EXPECT_EQ(x.role, Role::drafter);
  x = decide(d, EventType::close, "alpha.one");
  EXPECT_EQ(x.role, Role::responder) << "the first role that allows the event is used";
  x = decide(d, EventType::approve, "alpha.one");
  EXPECT_EQ(x.verdict, Verdict::forbidden);
  EXPECT_NE(x.message.find("approve"), std::string::npos);
  // Another unit's item is not visible; creating there is forbidden (units are public).
  EXPECT_EQ(decide(d, EventType::submit, "alpha.two").verdict, Verdict::not_visible);
  EXPECT_EQ(decide(d, EventType::approve, "alpha.two").verdict, Verdict::not_visible);
  EXPECT_EQ(decide(d, EventType::created, "alpha.two").verdict, Verdict::forbidden);
  // A requested role must be the user's and allow the event.
  EXPECT_EQ(decide(d, EventType::submit, "alpha.one", Role::responder).verdict, Verdict::forbidden);
  EXPECT_EQ(decide(d, EventType::submit, "alpha.one", Role::admin).verdict, Verdict::forbidden);
  x = decide(d, EventType::respond, "alpha.one", Role::responder);
  EXPECT_EQ(x.verdict, Verdict::allowed);
  EXPECT_EQ(x.role, Role::responder);
}

TEST(AccessPolicy, DeadlineControls) {
  for (Role r : kAllRoles) {
    const User u = user({r}, {"alpha.one"});
    EXPECT_EQ(decide_deadline_control(u, false, "alpha.one").verdict,
              r == Role::auditor ? Verdict::forbidden : Verdict::allowed)
        << to_string(r);
    EXPECT_EQ(decide_deadline_control(u, true, "alpha.one").verdict,
              r == Role::reviewer || r == Role::admin ? Verdict::allowed : Verdict::forbidden)
        << to_string(r);
  }
  const User reviewer = user({Role::reviewer}, {"alpha.one"});
  EXPECT_EQ(decide_deadline_control(reviewer, true, "alpha.two").verdict, Verdict::not_visible);
  const Decision x =
      decide_deadline_control(user({Role::drafter}, {"alpha.one"}), true, "alpha.one");
  EXPECT_NE(x.message.find("reviewers and admins"), std::string::npos) << x.message;
  EXPECT_FALSE(x.role);
  // A drafter who also audits reads every unit but pauses only in its own.
  const User both = user({Role::auditor, Role::drafter}, {"alpha.one"});
  EXPECT_EQ(decide_deadline_control(both, false, "alpha.one").role, Role::drafter);
  EXPECT_EQ(decide_deadline_control(both, false, "alpha.two").verdict, Verdict::forbidden);
  EXPECT_EQ(decide_deadline_control(user({Role::admin}, {}), true, "anywhere").verdict,
            Verdict::allowed);
}

TEST(AccessPolicy, TheDocumentedMatrixIsTheCodes) {
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/docs/http_api.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(matrix_markdown()), std::string::npos)
      << "docs/http_api.md must contain:\n"
      << matrix_markdown();
}

}  // namespace
}  // namespace gongkai::access
