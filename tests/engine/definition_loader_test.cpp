// Tests of engine/definition_loader.cpp and engine/definition_set.cpp against the small sets under
// tests/data/definitions: the valid one, and one folder per invalid case (each with expected.txt:
// the error id on line 1, a text the message must contain on line 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/definition_json.h"
#include "engine/sha256.h"
#include "gongkai/definitions.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using testing::TempDir;

const std::string kData = GONGKAI_TEST_DATA;
const std::string kValid = kData + "/definitions/valid";
const std::string kInvalid = kData + "/definitions/invalid";

// ---- helpers
// -------------------------------------------------------------------------------------

bool same(const Duration& a, const Duration& b) {
  return a.amount == b.amount && a.unit == b.unit;
}
bool same(const std::optional<Duration>& a, const std::optional<Duration>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

void expect_equal(const std::vector<EscalationStep>& a, const std::vector<EscalationStep>& b,
                  const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step) << where;
    EXPECT_TRUE(same(a[i].offset, b[i].offset)) << where;
    EXPECT_EQ(a[i].before, b[i].before) << where;
    EXPECT_EQ(a[i].notify, b[i].notify) << where;
  }
}

void expect_equal(const ItemStandard& a, const ItemStandard& b) {
  const std::string& w = a.id;
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name_level1, b.name_level1) << w;
  EXPECT_EQ(a.name_level2, b.name_level2) << w;
  EXPECT_EQ(a.kind, b.kind) << w;
  EXPECT_EQ(a.domain, b.domain) << w;
  EXPECT_EQ(a.legal_basis, b.legal_basis) << w;
  EXPECT_EQ(a.content_elements, b.content_elements) << w;
  EXPECT_EQ(a.responsible_body, b.responsible_body) << w;
  EXPECT_EQ(a.supervisor, b.supervisor) << w;
  EXPECT_EQ(a.time_limit_text, b.time_limit_text) << w;
  ASSERT_EQ(a.deadlines.size(), b.deadlines.size()) << w;
  for (std::size_t i = 0; i < a.deadlines.size(); ++i) {
    const auto& x = a.deadlines[i];
    const auto& y = b.deadlines[i];
    EXPECT_EQ(x.kind, y.kind) << w;
    EXPECT_EQ(x.trigger, y.trigger) << w;
    EXPECT_TRUE(same(x.limit, y.limit)) << w;
    EXPECT_TRUE(same(x.major_limit, y.major_limit)) << w;
    EXPECT_TRUE(same(x.max_extension, y.max_extension)) << w;
    EXPECT_EQ(x.time_limit_text, y.time_limit_text) << w;
    EXPECT_EQ(x.legal_basis, y.legal_basis) << w;
    expect_equal(x.escalation, y.escalation, w);
  }
  EXPECT_EQ(a.channels, b.channels) << w;
  EXPECT_EQ(a.audience, b.audience) << w;
  EXPECT_EQ(a.mode, b.mode) << w;
  EXPECT_EQ(a.levels, b.levels) << w;
  EXPECT_EQ(a.interpretation_required, b.interpretation_required) << w;
  EXPECT_TRUE(same(a.response_window, b.response_window)) << w;
  EXPECT_TRUE(same(a.notice_period, b.notice_period)) << w;
}

}  // namespace

// Two sets are equal when every part is equal; standards are compared by id, because a folder
// keeps the file order and the canonical form sorts them by id.
void ExpectSetsEqual(const DefinitionSet& a, const DefinitionSet& b) {
  ASSERT_EQ(a.domains.size(), b.domains.size());
  for (std::size_t i = 0; i < a.domains.size(); ++i) {
    EXPECT_EQ(a.domains[i].id, b.domains[i].id);
    EXPECT_EQ(a.domains[i].name, b.domains[i].name);
  }
  ASSERT_EQ(a.channels.size(), b.channels.size());
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    EXPECT_EQ(a.channels[i].id, b.channels[i].id);
    EXPECT_EQ(a.channels[i].name, b.channels[i].name);
  }
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    EXPECT_EQ(a.groups[i].id, b.groups[i].id);
    EXPECT_EQ(a.groups[i].domains, b.groups[i].domains);
  }
  ASSERT_EQ(a.provinces.size(), b.provinces.size());
  for (std::size_t i = 0; i < a.provinces.size(); ++i) {
    EXPECT_EQ(a.provinces[i].id, b.provinces[i].id);
    EXPECT_EQ(a.provinces[i].name, b.provinces[i].name);
    EXPECT_EQ(a.provinces[i].group, b.provinces[i].group);
    EXPECT_EQ(a.provinces[i].extra_domains, b.provinces[i].extra_domains);
    EXPECT_EQ(a.provinces[i].calendar, b.provinces[i].calendar);
  }
  ASSERT_EQ(a.units.size(), b.units.size());
  for (std::size_t i = 0; i < a.units.size(); ++i) {
    EXPECT_EQ(a.units[i].id, b.units[i].id);
    EXPECT_EQ(a.units[i].name, b.units[i].name);
    EXPECT_EQ(a.units[i].province, b.units[i].province);
    EXPECT_EQ(a.units[i].calendar, b.units[i].calendar);
  }
  expect_equal(a.default_escalation, b.default_escalation, "default_escalation");
  ASSERT_EQ(a.standards.size(), b.standards.size());
  for (const auto& s : a.standards) {
    const ItemStandard* t = b.find_standard(s.id);
    ASSERT_NE(t, nullptr) << s.id;
    expect_equal(s, *t);
  }
  EXPECT_EQ(a.canonical_json, b.canonical_json);
  EXPECT_EQ(a.digest, b.digest);
}

namespace {

// A copy of the valid set in a fresh temporary folder.
class ValidCopy {
 public:
  ValidCopy() { fs::copy(kValid, dir_.path(), fs::copy_options::recursive); }
  std::string path() const { return dir_.path().string(); }
  std::string file(const std::string& rel) const { return dir_.file(rel); }
  json read(const std::string& rel) const { return json::parse(testing::read_file(file(rel))); }
  void write(const std::string& rel, const json& j, int indent = 2) const {
    testing::write_file(file(rel), j.dump(indent));
  }

 private:
  TempDir dir_;
};

DefinitionSet load_ok(const std::string& dir) {
  auto r = load_definitions(dir);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  return std::move(r).value();
}

bool is_lower_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool has_error(const std::vector<Status>& errors, Errc code, const std::string& text) {
  return std::any_of(errors.begin(), errors.end(), [&](const Status& s) {
    return s.code() == code && s.message().find(text) != std::string::npos;
  });
}

std::string all_messages(const std::vector<Status>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

// ---- the valid set -----------------------------------------------------------------------------

TEST(DefinitionLoader, LoadsTheValidSet) {
  const DefinitionSet set = load_ok(kValid);
  ASSERT_EQ(set.domains.size(), 4u);
  EXPECT_EQ(set.domains[0].id, "urban_planning");
  EXPECT_EQ(set.domains[0].name, "城乡规划");
  ASSERT_EQ(set.channels.size(), 4u);
  EXPECT_EQ(set.channels[0].id, "website");
  EXPECT_EQ(set.channels[0].name, "政府网站");
  ASSERT_EQ(set.groups.size(), 2u);
  EXPECT_EQ(set.groups[1].id, 2);
  EXPECT_EQ(set.groups[1].domains, std::vector<std::string>{"social_assistance"});
  ASSERT_EQ(set.provinces.size(), 2u);
  EXPECT_EQ(set.provinces[0].calendar, "cn");  // the default, filled in
  EXPECT_EQ(set.provinces[1].calendar, "cn-shanghai");
  EXPECT_EQ(set.provinces[1].extra_domains, std::vector<std::string>{"elderly_care"});
  ASSERT_EQ(set.units.size(), 3u);
  EXPECT_EQ(set.units[0].calendar, "cn");           // the province's
  EXPECT_EQ(set.units[1].calendar, "cn-test");      // its own
  EXPECT_EQ(set.units[2].calendar, "cn-shanghai");  // the province's
  EXPECT_EQ(set.units[2].name, "浦东新区");

  ASSERT_EQ(set.default_escalation.size(), 4u);
  EXPECT_EQ(set.default_escalation[0].step, "reminder");
  EXPECT_TRUE(set.default_escalation[0].before);
  EXPECT_FALSE(set.default_escalation[1].before);  // the default
  EXPECT_EQ(set.default_escalation[1].offset.unit, TimeUnit::hours);
  EXPECT_EQ(set.default_escalation[3].offset.amount, 5);
  EXPECT_EQ(set.default_escalation[3].notify, "supervisor");

  // Catalogue files sorted by name, standards in file order.
  ASSERT_EQ(set.standards.size(), 4u);
  EXPECT_EQ(set.standards[0].id, "fiscal_budget.government_budget");
  EXPECT_EQ(set.standards[1].id, "urban_planning.draft_plan");
  EXPECT_EQ(set.standards[2].id, "social_assistance.dibao_recipients");
  EXPECT_EQ(set.standards[3].id, "elderly_care.subsidy_rules");

  const ItemStandard& budget = set.standards[0];
  EXPECT_EQ(budget.name_level1, "财政预决算");
  EXPECT_EQ(budget.name_level2, "政府预算");
  EXPECT_EQ(budget.kind, DisclosureKind::result);
  EXPECT_EQ(budget.domain, "fiscal_budget");
  EXPECT_EQ(budget.legal_basis, std::vector<std::string>{"《中华人民共和国预算法》第十四条"});
  EXPECT_EQ(budget.content_elements.size(), 3u);
  EXPECT_EQ(budget.responsible_body, "县财政局");
  EXPECT_EQ(budget.supervisor, "县人民政府办公室");
  EXPECT_EQ(budget.time_limit_text, "批准后20日内");
  ASSERT_EQ(budget.deadlines.size(), 3u);
  EXPECT_EQ(budget.deadlines[0].kind, "publication");
  EXPECT_EQ(budget.deadlines[0].trigger, "approved");
  EXPECT_TRUE(same(budget.deadlines[0].limit, Duration{20, TimeUnit::calendar_days}));
  EXPECT_FALSE(budget.deadlines[0].max_extension.has_value());
  EXPECT_TRUE(budget.deadlines[0].escalation.empty());  // the default ladder
  EXPECT_TRUE(same(budget.deadlines[1].limit, Duration{0, TimeUnit::working_days}));
  EXPECT_EQ(budget.deadlines[2].kind, "concern_response");
  EXPECT_TRUE(same(budget.deadlines[2].limit, Duration{48, TimeUnit::hours}));
  EXPECT_TRUE(same(budget.deadlines[2].major_limit, Duration{5, TimeUnit::hours}));
  EXPECT_EQ(budget.channels, (std::vector<std::string>{"website", "new_media"}));
  EXPECT_EQ(budget.audience, "全社会");
  EXPECT_EQ(budget.mode, "主动");
  EXPECT_EQ(budget.levels, std::vector<std::string>{"县级"});
  EXPECT_TRUE(budget.interpretation_required);
  EXPECT_TRUE(same(budget.response_window, Duration{30, TimeUnit::calendar_days}));
  EXPECT_FALSE(budget.notice_period.has_value());

  const ItemStandard& plan = set.standards[1];
  EXPECT_EQ(plan.kind, DisclosureKind::decision);
  EXPECT_FALSE(plan.interpretation_required);
  EXPECT_TRUE(same(plan.notice_period, Duration{30, TimeUnit::calendar_days}));
  EXPECT_TRUE(same(plan.deadlines[0].max_extension, Duration{20, TimeUnit::working_days}));
  ASSERT_EQ(plan.deadlines[0].escalation.size(), 2u);
  EXPECT_EQ(plan.deadlines[0].escalation[1].step, "overdue");
  EXPECT_EQ(plan.levels, (std::vector<std::string>{"县级", "乡级"}));
  EXPECT_EQ(set.standards[3].mode, "依申请");

  EXPECT_EQ(set.digest.size(), 64u);
  EXPECT_TRUE(is_lower_hex(set.digest));
  EXPECT_FALSE(set.canonical_json.empty());
}

TEST(DefinitionLoader, ValidateFindsNothingInTheValidSet) {
  const auto errors = validate_definitions(kValid);
  EXPECT_TRUE(errors.empty()) << all_messages(errors);
}

TEST(DefinitionSet, FindsById) {
  const DefinitionSet set = load_ok(kValid);
  ASSERT_NE(set.find_standard("urban_planning.draft_plan"), nullptr);
  EXPECT_EQ(set.find_standard("urban_planning.draft_plan")->name_level2, "规划草案公告");
  EXPECT_EQ(set.find_standard("urban_planning"), nullptr);
  ASSERT_NE(set.find_unit("shanghai.pudong"), nullptr);
  EXPECT_EQ(set.find_unit("shanghai.pudong")->province, "shanghai");
  EXPECT_EQ(set.find_unit("pudong"), nullptr);
  ASSERT_NE(set.find_province("beijing"), nullptr);
  EXPECT_EQ(set.find_province("beijing")->name, "北京市");
  EXPECT_EQ(set.find_province("tianjin"), nullptr);
  ASSERT_NE(set.find_domain("fiscal_budget"), nullptr);
  EXPECT_EQ(set.find_domain("fiscal_budget")->name, "财政预决算");
  EXPECT_EQ(set.find_domain(""), nullptr);
}

std::vector<std::string> ids(const std::vector<const ItemStandard*>& standards) {
  std::vector<std::string> out;
  for (const auto* s : standards) out.push_back(s->id);
  return out;
}

TEST(DefinitionSet, StandardsForUnitFollowTheGroupAndTheProvincesOwnDomains) {
  const DefinitionSet set = load_ok(kValid);
  EXPECT_EQ(
      ids(set.standards_for_unit(*set.find_unit("beijing.dongcheng"))),
      (std::vector<std::string>{"fiscal_budget.government_budget", "urban_planning.draft_plan"}));
  // Group 2 plus Shanghai's extra domain.
  EXPECT_EQ(ids(set.standards_for_unit(*set.find_unit("shanghai.pudong"))),
            (std::vector<std::string>{"social_assistance.dibao_recipients",
                                      "elderly_care.subsidy_rules"}));
  Unit stranger;
  stranger.id = "tianjin.heping";
  stranger.province = "tianjin";
  EXPECT_TRUE(set.standards_for_unit(stranger).empty());
}

TEST(DefinitionLoader, EnumsSpellAsInTheFiles) {
  EXPECT_STREQ(to_string(DisclosureKind::decision), "decision");
  EXPECT_STREQ(to_string(DisclosureKind::execution), "execution");
  EXPECT_STREQ(to_string(DisclosureKind::management), "management");
  EXPECT_STREQ(to_string(DisclosureKind::service), "service");
  EXPECT_STREQ(to_string(DisclosureKind::result), "result");
  EXPECT_STREQ(to_string(TimeUnit::working_days), "working_days");
  EXPECT_STREQ(to_string(TimeUnit::calendar_days), "calendar_days");
  EXPECT_STREQ(to_string(TimeUnit::hours), "hours");
  EXPECT_EQ(definition_json::disclosure_kind_from_string("service"), DisclosureKind::service);
  EXPECT_EQ(definition_json::disclosure_kind_from_string("Service"), std::nullopt);
  EXPECT_EQ(definition_json::time_unit_from_string("hours"), TimeUnit::hours);
  EXPECT_EQ(definition_json::time_unit_from_string("days"), std::nullopt);
}

TEST(DefinitionLoader, IgnoresCalendarsAndOtherFilesBesideTheRequiredOnes) {
  ValidCopy copy;
  const std::string before = load_ok(copy.path()).digest;
  testing::write_file(copy.file("calendars/cn.json"), "not json, and not ours");
  testing::write_file(copy.file("README.md"), "# notes");
  testing::write_file(copy.file("schemas/standard.schema.json"), "{");
  EXPECT_EQ(load_ok(copy.path()).digest, before);
}

TEST(DefinitionLoader, AnEmptyCatalogueLoads) {
  ValidCopy copy;
  fs::remove_all(copy.file("catalogue"));
  fs::create_directory(copy.file("catalogue"));
  const DefinitionSet set = load_ok(copy.path());
  EXPECT_TRUE(set.standards.empty());
  EXPECT_EQ(set.units.size(), 3u);
}

// ---- the invalid cases -------------------------------------------------------------------------

std::vector<std::string> invalid_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kInvalid)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class InvalidDefinitions : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidDefinitions, FailsWithItsOwnErrorIdFileAndPointer) {
  const std::string dir = kInvalid + "/" + GetParam();
  const std::string expected = testing::read_file(dir + "/expected.txt");
  const auto newline = expected.find('\n');
  ASSERT_NE(newline, std::string::npos) << "expected.txt needs two lines";
  const std::string id = expected.substr(0, newline);
  std::string text = expected.substr(newline + 1);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  ASSERT_TRUE(errc_from_id(id).has_value()) << id;

  const auto loaded = load_definitions(dir);
  ASSERT_FALSE(loaded.ok());
  const Status first = loaded.status();
  EXPECT_EQ(first.id(), id) << first.to_string();
  EXPECT_THAT(first.message(), HasSubstr(text));
  EXPECT_EQ(first.exit_code(), 2);

  const auto errors = validate_definitions(dir);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().to_string(), first.to_string());
  EXPECT_TRUE(has_error(errors, first.code(), text)) << all_messages(errors);
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidDefinitions, ::testing::ValuesIn(invalid_cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(InvalidDefinitionsFolder, CoversTheRequiredCases) {
  const auto cases = invalid_cases();
  for (const char* required :
       {"malformed_json", "missing_field", "wrong_type", "bad_enum", "unknown_field",
        "duplicate_id", "unknown_domain", "unknown_channel", "missing_website",
        "interpretation_without_deadline", "invalid_utf8", "missing_file"}) {
    EXPECT_NE(std::find(cases.begin(), cases.end(), required), cases.end()) << required;
  }
}

TEST(DefinitionLoader, AMissingFolderIsAnIoError) {
  TempDir dir;
  const auto r = load_definitions(dir.file("nowhere"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_io_error);
  EXPECT_THAT(r.status().message(), HasSubstr("nowhere"));
  const auto errors = validate_definitions(dir.file("nowhere"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), Errc::definition_io_error);
}

TEST(DefinitionLoader, ValidateReportsEveryErrorAndLoadTheFirst) {
  ValidCopy copy;
  json domains = copy.read("domains.json");
  domains["domains"][1]["label"] = "x";
  copy.write("domains.json", domains);
  json budget = copy.read("catalogue/fiscal_budget.json");
  budget["standards"][0]["kind"] = "resul";
  budget["standards"][0]["levels"] = json::array({"县级", "省级"});
  copy.write("catalogue/fiscal_budget.json", budget);
  json plans = copy.read("catalogue/urban_planning.json");
  plans["standards"][0]["channels"] = json::array({"website", "wechat"});
  plans["standards"][2]["response_window"]["unit"] = "weeks";  // a later standard, same file
  copy.write("catalogue/urban_planning.json", plans);

  const auto errors = validate_definitions(copy.path());
  EXPECT_EQ(errors.size(), 5u) << all_messages(errors);
  EXPECT_TRUE(has_error(errors, Errc::definition_unknown_field, "domains.json: /domains/1/label"));
  EXPECT_TRUE(has_error(errors, Errc::definition_invalid_value,
                        "catalogue/fiscal_budget.json: /standards/0/kind: \"resul\""));
  EXPECT_TRUE(has_error(errors, Errc::definition_invalid_value,
                        "catalogue/fiscal_budget.json: /standards/0/levels/1: \"省级\" is not one "
                        "of 县级, 乡级, 村级"));
  EXPECT_TRUE(has_error(errors, Errc::definition_unknown_reference,
                        "catalogue/urban_planning.json: /standards/0/channels/1"));
  EXPECT_TRUE(has_error(errors, Errc::definition_invalid_value,
                        "catalogue/urban_planning.json: /standards/2/response_window/unit"));

  const auto loaded = load_definitions(copy.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().to_string(), errors.front().to_string());
  EXPECT_THAT(loaded.status().message(), HasSubstr("domains.json: /domains/1/label"));
}

TEST(DefinitionLoader, AnUnreadableDomainsFileDoesNotCascadeIntoReferenceErrors) {
  ValidCopy copy;
  testing::write_file(copy.file("domains.json"), "{");
  const auto errors = validate_definitions(copy.path());
  ASSERT_EQ(errors.size(), 1u) << all_messages(errors);
  EXPECT_EQ(errors[0].code(), Errc::definition_parse_error);
}

TEST(DefinitionLoader, ParseErrorsCarryLineAndColumn) {
  ValidCopy copy;
  testing::write_file(copy.file("channels.json"), "{\n  \"channels\": [\n    {\"id\": }\n  ]\n}\n");
  const auto r = load_definitions(copy.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_parse_error);
  EXPECT_THAT(r.status().message(), HasSubstr("channels.json: parse error at line 3, column"));
}

// ---- digest and canonical form -----------------------------------------------------------------

TEST(DefinitionDigest, IsTheSha256OfTheCanonicalJson) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const DefinitionSet set = load_ok(kValid);
  EXPECT_EQ(set.digest, sha256_hex(set.canonical_json));
  EXPECT_EQ(set.canonical_json, definition_json::to_canonical(set).dump());
  const json canonical = json::parse(set.canonical_json);
  EXPECT_EQ(canonical["canonical_format"], definition_json::kCanonicalFormat);
  // Defaults are written out.
  EXPECT_EQ(canonical["default_escalation"][1]["before"], false);
  EXPECT_EQ(canonical["provinces"][0]["calendar"], "cn");
  EXPECT_EQ(canonical["units"][0]["calendar"], "cn");
  // Standards sorted by id.
  EXPECT_EQ(canonical["standards"][0]["id"], "elderly_care.subsidy_rules");
}

TEST(DefinitionDigest, IsStableAcrossLoads) {
  EXPECT_EQ(load_ok(kValid).digest, load_ok(kValid).digest);
}

TEST(DefinitionDigest, DoesNotDependOnTheFileLayout) {
  const std::string original = load_ok(kValid).digest;
  ValidCopy copy;
  // Move the budget standard into another file and delete its own.
  json budget = copy.read("catalogue/fiscal_budget.json");
  json plans = copy.read("catalogue/urban_planning.json");
  plans["standards"].push_back(budget["standards"][0]);
  fs::remove(copy.file("catalogue/fiscal_budget.json"));
  copy.write("catalogue/urban_planning.json", plans);
  EXPECT_EQ(load_ok(copy.path()).digest, original);

  // Split a file in two, in reverse order, with other indentation and sorted keys.
  json first = {{"standards", json::array()}};
  json second = {{"standards", json::array()}};
  const json& all = plans["standards"];
  for (std::size_t i = all.size(); i-- > 0;) {
    (i % 2 == 0 ? first : second)["standards"].push_back(all[i]);
  }
  fs::remove(copy.file("catalogue/urban_planning.json"));
  copy.write("catalogue/b.json", first, 8);
  copy.write("catalogue/a.json", second, -1);
  const DefinitionSet split = load_ok(copy.path());
  EXPECT_EQ(split.digest, original);

  // Spelling defaults out changes nothing either.
  json escalation = copy.read("escalation.json");
  for (auto& step : escalation["default_escalation"]) {
    if (!step.contains("before")) step["before"] = false;
  }
  copy.write("escalation.json", escalation);
  json units = copy.read("units.json");
  units["provinces"][0]["calendar"] = "cn";
  units["units"][2]["calendar"] = "cn-shanghai";
  copy.write("units.json", units);
  EXPECT_EQ(load_ok(copy.path()).digest, original);
}

TEST(DefinitionDigest, ChangesWithTheContent) {
  const std::string original = load_ok(kValid).digest;
  ValidCopy copy;
  json budget = copy.read("catalogue/fiscal_budget.json");
  budget["standards"][0]["deadlines"][0]["limit"]["amount"] = 21;
  copy.write("catalogue/fiscal_budget.json", budget);
  const std::string changed = load_ok(copy.path()).digest;
  EXPECT_NE(changed, original);

  json units = copy.read("units.json");
  units["units"][0]["calendar"] = "cn-test";
  copy.write("units.json", units);
  EXPECT_NE(load_ok(copy.path()).digest, changed);
}

TEST(DefinitionCanonical, RoundTripsToAnEqualSet) {
  const DefinitionSet set = load_ok(kValid);
  const auto again = definitions_from_canonical_json(set.canonical_json);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  ExpectSetsEqual(set, *again);
  // Read back from its own canonical form, the set is identical, order included.
  const auto third = definitions_from_canonical_json(again->canonical_json);
  ASSERT_TRUE(third.ok()) << third.status().to_string();
  ASSERT_EQ(third->standards.size(), again->standards.size());
  for (std::size_t i = 0; i < third->standards.size(); ++i) {
    EXPECT_EQ(third->standards[i].id, again->standards[i].id);
  }
  EXPECT_EQ(third->canonical_json, set.canonical_json);
}

TEST(DefinitionCanonical, IsValidatedAgain) {
  auto r = definitions_from_canonical_json("{\"domains\": [");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_parse_error);
  EXPECT_THAT(r.status().message(), HasSubstr("canonical_json: parse error at line 1"));

  const DefinitionSet set = load_ok(kValid);
  json j = json::parse(set.canonical_json);
  j["canonical_format"] = 2;
  r = definitions_from_canonical_json(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_invalid_value);
  EXPECT_THAT(r.status().message(), HasSubstr("canonical_json: /canonical_format"));

  j = json::parse(set.canonical_json);
  j["standards"][1]["domain"] = "taxes";
  r = definitions_from_canonical_json(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_unknown_reference);
  EXPECT_THAT(r.status().message(), HasSubstr("canonical_json: /standards/1/domain"));

  j = json::parse(set.canonical_json);
  j.erase("units");
  r = definitions_from_canonical_json(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_missing_field);
  EXPECT_THAT(r.status().message(), HasSubstr("canonical_json: /units"));

  r = definitions_from_canonical_json("[]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::definition_wrong_type);
}

}  // namespace
}  // namespace gongkai
