// gongkai — look-ups in a loaded DefinitionSet. Linear scans: a set holds a few hundred entries,
// and the set stays a plain aggregate that is cheap to copy and compare.
#include <algorithm>
#include <string>
#include <vector>

#include "gongkai/definitions.h"

namespace gongkai {

namespace {

template <typename T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) noexcept {
  for (const auto& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace

const ItemStandard* DefinitionSet::find_standard(const std::string& id) const noexcept {
  return find_by_id(standards, id);
}

const Unit* DefinitionSet::find_unit(const std::string& id) const noexcept {
  return find_by_id(units, id);
}

const Province* DefinitionSet::find_province(const std::string& id) const noexcept {
  return find_by_id(provinces, id);
}

const Domain* DefinitionSet::find_domain(const std::string& id) const noexcept {
  return find_by_id(domains, id);
}

std::vector<const ItemStandard*> DefinitionSet::standards_for_unit(const Unit& unit) const {
  std::vector<const ItemStandard*> out;
  const Province* province = find_province(unit.province);
  if (province == nullptr) return out;
  std::vector<std::string> domain_ids = province->extra_domains;
  for (const auto& group : groups) {
    if (group.id == province->group) {
      domain_ids.insert(domain_ids.end(), group.domains.begin(), group.domains.end());
    }
  }
  for (const auto& standard : standards) {
    if (std::find(domain_ids.begin(), domain_ids.end(), standard.domain) != domain_ids.end()) {
      out.push_back(&standard);
    }
  }
  return out;
}

}  // namespace gongkai
