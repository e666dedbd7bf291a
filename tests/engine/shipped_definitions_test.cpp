// Tests of the definitions shipped under definitions/: they load, and they say what the State
// Council General Office's pilot plan of 2017-05-09 (its attachment table) says: 15 provinces,
// 100 pilot units, three groups of domains, 25 domains.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gongkai/definitions.h"

namespace gongkai {

// Defined in definition_loader_test.cpp: every part equal, standards matched by id.
void ExpectSetsEqual(const DefinitionSet& a, const DefinitionSet& b);

namespace {

const std::string kShipped = std::string(GONGKAI_SOURCE_DIR) + "/definitions";

class ShippedDefinitions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = load_definitions(kShipped);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    set_ = new DefinitionSet(std::move(r).value());
  }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
  }
  static const DefinitionSet& set() { return *set_; }

 private:
  static DefinitionSet* set_;
};

DefinitionSet* ShippedDefinitions::set_ = nullptr;

TEST_F(ShippedDefinitions, ValidateFindsNothing) {
  const auto errors = validate_definitions(kShipped);
  std::string all;
  for (const auto& e : errors) all += e.to_string() + "\n";
  EXPECT_TRUE(errors.empty()) << all;
}

TEST_F(ShippedDefinitions, HasTheSeedsTwentyFiveDomains) {
  // In the order of the plan's section 二.
  const std::vector<std::string> names = {
      "城乡规划",     "重大建设项目", "公共资源交易", "财政预决算", "安全生产",
      "税收管理",     "征地补偿",     "拆迁安置",     "保障性住房", "农村危房改造",
      "环境保护",     "公共文化服务", "公共法律服务", "扶贫救灾",   "食品药品监管",
      "城市综合执法", "就业创业",     "社会保险",     "社会救助",   "养老服务",
      "户籍管理",     "涉农补贴",     "义务教育",     "医疗卫生",   "市政服务"};
  ASSERT_EQ(set().domains.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(set().domains[i].name, names[i]);
}

TEST_F(ShippedDefinitions, HasTheChannelChecklist) {
  const std::vector<std::string> ids = {"website",          "gazette",        "new_media",
                                        "press_conference", "broadcast_tv",   "newspaper",
                                        "reading_point",    "service_center", "service_station",
                                        "on_site",          "bulletin_board", "targeted_push",
                                        "hotline_12345",    "other"};
  ASSERT_EQ(set().channels.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(set().channels[i].id, ids[i]);
  EXPECT_EQ(set().channels[0].name, "政府网站");
}

TEST_F(ShippedDefinitions, HasTheHundredPilotUnitsOfTheFifteenProvinces) {
  // The attachment's table, row by row: province, group, number of pilot units.
  struct Row {
    const char* id;
    const char* name;
    int group;
    std::size_t units;
  };
  const std::vector<Row> rows = {
      {"beijing", "北京市", 1, 5},         {"neimenggu", "内蒙古自治区", 1, 7},
      {"jiangsu", "江苏省", 1, 7},         {"yunnan", "云南省", 1, 6},
      {"shaanxi", "陕西省", 1, 7},         {"shanghai", "上海市", 2, 5},
      {"henan", "河南省", 2, 8},           {"hunan", "湖南省", 2, 7},
      {"guangdong", "广东省", 2, 7},       {"guizhou", "贵州省", 2, 6},
      {"heilongjiang", "黑龙江省", 3, 7},  {"zhejiang", "浙江省", 3, 7},
      {"anhui", "安徽省", 3, 8},           {"sichuan", "四川省", 3, 8},
      {"ningxia", "宁夏回族自治区", 3, 5},
  };
  ASSERT_EQ(set().provinces.size(), 15u);
  ASSERT_EQ(set().units.size(), 100u);
  std::map<std::string, std::size_t> per_province;
  std::set<std::string> unit_ids;
  std::set<std::string> unit_names;
  for (const auto& u : set().units) {
    ++per_province[u.province];
    EXPECT_TRUE(unit_ids.insert(u.id).second) << u.id;
    EXPECT_TRUE(unit_names.insert(u.name).second) << u.name;
    EXPECT_EQ(u.id.rfind(u.province + ".", 0), 0u) << u.id;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Province& p = set().provinces[i];
    EXPECT_EQ(p.id, rows[i].id);
    EXPECT_EQ(p.name, rows[i].name);
    EXPECT_EQ(p.group, rows[i].group) << p.id;
    EXPECT_EQ(per_province[p.id], rows[i].units) << p.id;
  }
  // A few names exactly as the attachment writes them.
  ASSERT_NE(set().find_unit("neimenggu.xincheng"), nullptr);
  EXPECT_EQ(set().find_unit("neimenggu.xincheng")->name, "呼和浩特市新城区");
  ASSERT_NE(set().find_unit("beijing.dongcheng"), nullptr);
  EXPECT_EQ(set().find_unit("beijing.dongcheng")->name, "东城区");
  ASSERT_NE(set().find_unit("henan.changyuan"), nullptr);
  EXPECT_EQ(set().find_unit("henan.changyuan")->name, "长垣县");
  ASSERT_NE(set().find_unit("heilongjiang.duerbote"), nullptr);
  EXPECT_EQ(set().find_unit("heilongjiang.duerbote")->name, "大庆市杜尔伯特蒙古族自治县");
}

TEST_F(ShippedDefinitions, EveryUnitsProvinceIsInAGroupOfTheSeed) {
  ASSERT_EQ(set().groups.size(), 3u);
  const std::map<int, std::vector<std::string>> expected = {
      {1,
       {"城乡规划", "重大建设项目", "财政预决算", "税收管理", "环境保护", "食品药品监管",
        "安全生产", "公共文化服务", "公共法律服务"}},
      {2,
       {"就业创业", "社会救助", "社会保险", "户籍管理", "医疗卫生", "涉农补贴", "城市综合执法",
        "养老服务"}},
      {3,
       {"征地补偿", "拆迁安置", "保障性住房", "农村危房改造", "扶贫救灾", "市政服务",
        "公共资源交易", "义务教育"}},
  };
  for (const auto& g : set().groups) {
    std::vector<std::string> names;
    for (const auto& id : g.domains) {
      const Domain* d = set().find_domain(id);
      ASSERT_NE(d, nullptr) << id;
      names.push_back(d->name);
    }
    EXPECT_EQ(names, expected.at(g.id)) << "group " << g.id;
  }
  for (const auto& u : set().units) {
    const Province* p = set().find_province(u.province);
    ASSERT_NE(p, nullptr) << u.id;
    EXPECT_TRUE(expected.count(p->group) != 0) << u.id;
  }
}

TEST_F(ShippedDefinitions, EveryStandardUsesTheWebsiteFirstPlatform) {
  for (const auto& s : set().standards) {
    EXPECT_NE(std::find(s.channels.begin(), s.channels.end(), "website"), s.channels.end()) << s.id;
  }
}

TEST_F(ShippedDefinitions, EveryDomainHasAtLeastThreeStandards) {
  std::map<std::string, int> per_domain;
  for (const auto& s : set().standards) ++per_domain[s.domain];
  for (const auto& d : set().domains) EXPECT_GE(per_domain[d.id], 3) << d.id << " " << d.name;
}

TEST_F(ShippedDefinitions, EveryUnitHasStandards) {
  for (const auto& u : set().units) EXPECT_GE(set().standards_for_unit(u).size(), 24u) << u.id;
}

TEST_F(ShippedDefinitions, StandardsHaveEveryColumn) {
  std::set<std::string> ids;
  for (const auto& s : set().standards) {
    EXPECT_TRUE(ids.insert(s.id).second) << s.id;
    EXPECT_EQ(s.id.rfind(s.domain + ".", 0), 0u) << s.id;
    EXPECT_EQ(s.name_level1, set().find_domain(s.domain)->name) << s.id;
    EXPECT_FALSE(s.name_level2.empty()) << s.id;
    EXPECT_FALSE(s.content_elements.empty()) << s.id;
    EXPECT_FALSE(s.responsible_body.empty()) << s.id;
    EXPECT_FALSE(s.supervisor.empty()) << s.id;
    EXPECT_FALSE(s.levels.empty()) << s.id;
    for (const auto& basis : s.legal_basis) EXPECT_EQ(basis.rfind("《", 0), 0u) << s.id << basis;
  }
}

TEST_F(ShippedDefinitions, TheCatalogueCoversEveryKindAndBothVariants) {
  EXPECT_GE(set().standards.size(), 75u);
  std::set<DisclosureKind> kinds;
  bool with_interpretation = false;
  bool without_interpretation = false;
  for (const auto& s : set().standards) {
    kinds.insert(s.kind);
    (s.interpretation_required ? with_interpretation : without_interpretation) = true;
  }
  EXPECT_EQ(kinds.size(), 5u);
  EXPECT_TRUE(with_interpretation);
  EXPECT_TRUE(without_interpretation);
}

TEST_F(ShippedDefinitions, StandardsForAUnitStayInItsGroupsDomains) {
  for (const auto& u : set().units) {
    for (const auto* s : set().standards_for_unit(u)) {
      const Province* p = set().find_province(u.province);
      const auto& group = set().groups.at(static_cast<std::size_t>(p->group - 1));
      EXPECT_NE(std::find(group.domains.begin(), group.domains.end(), s->domain),
                group.domains.end())
          << u.id << " " << s->id;
    }
  }
}

const DeadlineRule* rule(const ItemStandard& s, const std::string& kind) {
  for (const auto& r : s.deadlines) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

TEST_F(ShippedDefinitions, KeepsTheLegalTimeLimits) {
  // 预算法 art. 14: within 20 (calendar) days of approval.
  const ItemStandard* budget = set().find_standard("fiscal_budget.government_budget");
  ASSERT_NE(budget, nullptr);
  ASSERT_NE(rule(*budget, "publication"), nullptr);
  EXPECT_EQ(rule(*budget, "publication")->trigger, "approved");
  EXPECT_EQ(rule(*budget, "publication")->limit.amount, 20);
  EXPECT_EQ(rule(*budget, "publication")->limit.unit, TimeUnit::calendar_days);

  // 城乡规划法 art. 26: drafts on public notice for at least 30 days.
  const ItemStandard* draft = set().find_standard("urban_planning.draft_plan_notice");
  ASSERT_NE(draft, nullptr);
  ASSERT_TRUE(draft->notice_period.has_value());
  EXPECT_EQ(draft->notice_period->amount, 30);
  EXPECT_EQ(draft->notice_period->unit, TimeUnit::calendar_days);

  // 招标投标法实施条例 art. 54: candidates within 3 days of the report, on notice for 3 days.
  const ItemStandard* bids = set().find_standard("public_resource_trading.winning_candidates");
  ASSERT_NE(bids, nullptr);
  EXPECT_EQ(rule(*bids, "publication")->limit.amount, 3);
  EXPECT_EQ(rule(*bids, "publication")->limit.unit, TimeUnit::calendar_days);
  ASSERT_TRUE(bids->notice_period.has_value());
  EXPECT_EQ(bids->notice_period->amount, 3);

  // 国有土地上房屋征收与补偿条例 art. 10: the compensation plan open for comment at least 30 days.
  const ItemStandard* plan =
      set().find_standard("demolition_resettlement.compensation_plan_consultation");
  ASSERT_NE(plan, nullptr);
  ASSERT_TRUE(plan->notice_period.has_value());
  EXPECT_EQ(plan->notice_period->amount, 30);

  // 土地管理法实施条例 art. 31: the expropriation notice within 15 working days of the approval.
  const ItemStandard* land =
      set().find_standard("land_expropriation_compensation.expropriation_notice");
  ASSERT_NE(land, nullptr);
  EXPECT_EQ(rule(*land, "publication")->limit.amount, 15);
  EXPECT_EQ(rule(*land, "publication")->limit.unit, TimeUnit::working_days);

  // 行政处罚法 arts. 48 and 85: a revoked decision withdrawn within 3 working days.
  const ItemStandard* penalty = set().find_standard("urban_law_enforcement.penalty_decisions");
  ASSERT_NE(penalty, nullptr);
  ASSERT_NE(rule(*penalty, "withdrawal"), nullptr);
  EXPECT_EQ(rule(*penalty, "withdrawal")->limit.amount, 3);
  EXPECT_EQ(rule(*penalty, "withdrawal")->limit.unit, TimeUnit::working_days);

  // Every standard: concern response 48 hours, 5 hours when major; interpretation the same day.
  for (const auto& s : set().standards) {
    const DeadlineRule* concern = rule(s, "concern_response");
    ASSERT_NE(concern, nullptr) << s.id;
    EXPECT_EQ(concern->limit.amount, 48) << s.id;
    EXPECT_EQ(concern->limit.unit, TimeUnit::hours) << s.id;
    ASSERT_TRUE(concern->major_limit.has_value()) << s.id;
    EXPECT_EQ(concern->major_limit->amount, 5) << s.id;
    if (s.interpretation_required) {
      ASSERT_NE(rule(s, "interpretation"), nullptr) << s.id;
      EXPECT_EQ(rule(s, "interpretation")->limit.amount, 0) << s.id;
    }
    EXPECT_FALSE(s.legal_basis.empty()) << s.id;
    EXPECT_FALSE(s.time_limit_text.empty()) << s.id;
  }
}

// Each deadline kind cites the instrument and article its limit comes from (DOMAIN.md, "Time
// limits"), never the publication's: 48 h / 5 h from 国办发〔2016〕61号, 同步 interpretation from
// 国办发〔2016〕80号, the 20 working days of proactive disclosure from 条例 art. 26 (art. 20 lists
// what is disclosed, not when).
TEST_F(ShippedDefinitions, EveryDeadlineCitesItsOwnLegalBasis) {
  const std::string tiaoli = "《中华人民共和国政府信息公开条例》";
  for (const ItemStandard& s : set().standards) {
    for (const DeadlineRule& r : s.deadlines) {
      const std::string where = s.id + " " + r.kind;
      EXPECT_FALSE(r.legal_basis.empty()) << where;
      EXPECT_THAT(r.legal_basis, ::testing::Not(::testing::HasSubstr(tiaoli + "第二十条")))
          << where;
      EXPECT_THAT(r.legal_basis, ::testing::Not(::testing::HasSubstr(tiaoli + "第二十一条")))
          << where;
      if (r.kind != "publication") {
        EXPECT_FALSE(r.time_limit_text.empty()) << where;
      }
      if (r.kind == "concern_response") {
        EXPECT_THAT(r.legal_basis, ::testing::HasSubstr("国办发〔2016〕61号")) << where;
        EXPECT_THAT(r.time_limit_text, ::testing::HasSubstr("48小时")) << where;
        EXPECT_THAT(r.time_limit_text, ::testing::HasSubstr("5小时")) << where;
      } else if (r.kind == "interpretation") {
        EXPECT_THAT(r.legal_basis, ::testing::HasSubstr("国办发〔2016〕80号")) << where;
        EXPECT_THAT(r.time_limit_text, ::testing::HasSubstr("同步")) << where;
      } else if (r.kind == "publication" && r.trigger == "formed" && r.limit.amount == 20 &&
                 r.limit.unit == TimeUnit::working_days) {
        EXPECT_EQ(r.legal_basis, tiaoli + "第二十六条") << where;
      } else if (r.kind == "publication" || r.kind == "consultation_feedback") {
        // Another law's own limit cites that law; the catalogue's default 20 working days the
        // 条例's article 26.
        if (r.limit.amount == 20 && r.limit.unit == TimeUnit::working_days &&
            s.id != "urban_planning.approved_plan") {
          EXPECT_EQ(r.legal_basis, tiaoli + "第二十六条") << where;
        } else {
          EXPECT_THAT(r.legal_basis, ::testing::Not(::testing::HasSubstr(tiaoli))) << where;
        }
      }
    }
  }
  // A law's own limit: 预算法 art. 14's 20 days, 居住证暂行条例 art. 9's 15 days.
  const DeadlineRule* budget = nullptr;
  for (const DeadlineRule& r : set().find_standard("fiscal_budget.government_budget")->deadlines) {
    if (r.kind == "publication") budget = &r;
  }
  ASSERT_NE(budget, nullptr);
  EXPECT_EQ(budget->legal_basis, "《中华人民共和国预算法》第十四条");
}

TEST_F(ShippedDefinitions, RoundTripsThroughTheCanonicalForm) {
  const auto again = definitions_from_canonical_json(set().canonical_json);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  ExpectSetsEqual(set(), *again);
}

}  // namespace
}  // namespace gongkai
