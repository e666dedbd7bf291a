#include "adapters/channels/province_topic.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "adapters/channels/file_ops.h"
#include "adapters/channels/public_document.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kStyle =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",sans-serif;"
    "max-width:72em;margin:0 auto;padding:1em;line-height:1.7;color:#222}"
    "header{border-bottom:3px solid #b00;margin-bottom:1em}h1{color:#b00}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #ccc;"
    "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f5f5f5;white-space:nowrap}"
    "section.unit{border-top:1px solid #ddd;margin-top:1.5em}nav "
    "li{display:inline;margin-right:1em}"
    ".correcting{color:#a60}summary{cursor:pointer;font-weight:bold}"
    "footer{margin-top:2em;border-top:1px solid #ccc;font-size:.9em;color:#666}";

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string domain_name(const DefinitionSet& defs, const std::string& id) {
  const Domain* d = defs.find_domain(id);
  return d ? d->name : id;
}

std::string channel_names(const DefinitionSet& defs, const ItemStandard& s) {
  std::vector<std::string> names;
  for (const auto& id : s.channels) {
    std::string name = id;
    for (const auto& c : defs.channels) {
      if (c.id == id) name = c.name;
    }
    names.push_back(html_escape(name));
  }
  return join(names, "、");
}

// Newest first publication first, then the item id (as the unit's own index page).
bool newest_first(const TopicRelease& a, const TopicRelease& b) {
  if (a.first_published_at != b.first_published_at) {
    return a.first_published_at > b.first_published_at;
  }
  return a.item_id > b.item_id;
}

std::string releases_table(const std::string& unit_id, std::vector<TopicRelease> list,
                           std::size_t limit, std::size_t& shown) {
  std::sort(list.begin(), list.end(), newest_first);
  if (list.size() > limit) list.resize(limit);
  shown = list.size();
  if (list.empty()) return "<p class=\"no-releases\">暂无发布。</p>\n";
  std::string out =
      "<table class=\"releases\">\n<tr><th>标题</th><th>公开事项</th><th>发布日期</th></tr>\n";
  for (const TopicRelease& r : list) {
    out += "<tr><td><a href=\"../../" + unit_id + "/items/" + r.item_id + "/index.html\">" +
           html_escape(r.title) + "</a>";
    if (r.status == "correcting") out += " <span class=\"correcting\">（更正中）</span>";
    out += "</td><td>" + html_escape(r.subject) + "</td><td>" +
           html_escape(chinese_date(r.published_at)) + "</td></tr>\n";
  }
  out += "</table>\n";
  return out;
}

std::string catalogue_table(const DefinitionSet& defs,
                            const std::vector<const ItemStandard*>& standards) {
  std::string out = "<details class=\"catalogue\">\n<summary>公开事项标准目录（" +
                    std::to_string(standards.size()) + "项）</summary>\n";
  out +=
      "<table>\n<tr><th>领域</th><th>公开事项</th><th>公开依据</th><th>公开时限</th>"
      "<th>公示期</th><th>公开渠道</th></tr>\n";
  for (const ItemStandard* s : standards) {
    std::vector<std::string> basis;
    for (const auto& b : s->legal_basis) basis.push_back(html_escape(b));
    out += "<tr><td>" + html_escape(domain_name(defs, s->domain)) + "</td><td>" +
           html_escape(s->name_level2.empty() ? s->name_level1
                                              : s->name_level1 + " / " + s->name_level2) +
           "</td><td>" + join(basis, "；") + "</td><td>" + html_escape(s->time_limit_text) +
           "</td><td>" +
           (s->notice_period ? "不少于" + duration_label(s->notice_period->amount,
                                                         to_string(s->notice_period->unit))
                             : std::string()) +
           "</td><td>" + channel_names(defs, *s) + "</td></tr>\n";
  }
  out += "</table>\n</details>\n";
  return out;
}

}  // namespace

std::string render_province_topic(const DefinitionSet& definitions, const Province& province,
                                  const std::map<std::string, std::vector<TopicRelease>>& releases,
                                  std::size_t releases_per_unit) {
  std::vector<const Unit*> units;
  for (const Unit& u : definitions.units) {
    if (u.province == province.id) units.push_back(&u);
  }
  std::vector<std::string> group_domains;
  for (const DomainGroup& g : definitions.groups) {
    if (g.id != province.group) continue;
    for (const auto& d : g.domains)
      group_domains.push_back(html_escape(domain_name(definitions, d)));
  }
  std::vector<std::string> extra_domains;
  for (const auto& d : province.extra_domains) {
    extra_domains.push_back(html_escape(domain_name(definitions, d)));
  }
  const std::string title = province.name + "基层政务公开标准化规范化试点工作专题";

  std::string body = "<h1>" + html_escape(title) + "</h1>\n";
  body += "<section id=\"overview\">\n<p>组织实施省份：" + html_escape(province.name) +
          " · 试点单位" + std::to_string(units.size()) + "个</p>\n";
  body += "<p>试点领域（第" + std::to_string(province.group) + "组）：" +
          join(group_domains, "、") + "</p>\n";
  if (!extra_domains.empty()) {
    body += "<p>本省增加的试点内容：" + join(extra_domains, "、") + "</p>\n";
  }
  body += "<nav><ul>\n";
  for (const Unit* u : units) {
    body +=
        "<li><a href=\"#unit-" + html_escape(u->id) + "\">" + html_escape(u->name) + "</a></li>\n";
  }
  body += "</ul></nav>\n</section>\n";

  std::size_t total = 0;
  for (const Unit* u : units) {
    body += "<section class=\"unit\" id=\"unit-" + html_escape(u->id) + "\">\n<h2>" +
            html_escape(u->name) + "</h2>\n";
    auto it = releases.find(u->id);
    if (it != releases.end()) {
      body += "<p><a class=\"site\" href=\"../../" + html_escape(u->id) + "/index.html\">" +
              html_escape(u->name) + "政务公开</a></p>\n";
    }
    body += "<h3>最新发布</h3>\n";
    std::size_t shown = 0;
    body += releases_table(html_escape(u->id),
                           it == releases.end() ? std::vector<TopicRelease>() : it->second,
                           releases_per_unit, shown);
    total += shown;
    body += catalogue_table(definitions, definitions.standards_for_unit(*u));
    body += "</section>\n";
  }

  std::string out;
  out.reserve(body.size() + 2048);
  out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(title) + "</title>\n";
  out += std::string("<style>") + kStyle + "</style>\n</head>\n<body>\n";
  out += "<header><p>" + html_escape(province.name) + "人民政府 · 政务公开</p></header>\n<main>\n";
  out += body;
  out += "</main>\n<footer><p>试点单位" + std::to_string(units.size()) + "个 · 列出最新发布" +
         std::to_string(total) + "条 · 每个试点单位最多" + std::to_string(releases_per_unit) +
         "条</p></footer>\n</body>\n</html>\n";
  return out;
}

Result<std::optional<std::vector<TopicRelease>>> read_unit_releases(const fs::path& web_root,
                                                                    const std::string& unit_id) {
  std::vector<TopicRelease> out;
  const auto text = read_whole_file(web_root / unit_id / ".gongkai" / "site.json");
  if (!text) return std::optional<std::vector<TopicRelease>>();
  try {
    const json site = json::parse(*text);
    for (const auto& s : site.at("latest")) {
      if (!s.value("listed", false) || s.value("status", "") == "withdrawn") continue;
      TopicRelease r;
      r.item_id = s.at("id").get<std::string>();
      if (!safe_file_name(r.item_id)) continue;
      r.title = s.value("title", "");
      r.subject = s.value("subject", "");
      r.status = s.value("status", "");
      r.published_at = s.value("published_at", "");
      r.first_published_at = s.value("first_published_at", "");
      out.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return Status(Errc::invalid_json, "the site state of unit " + unit_id + " under " +
                                          web_root.string() + " does not read: " + e.what());
  }
  return std::optional<std::vector<TopicRelease>>(std::move(out));
}

Result<TopicWrite> write_province_topic(const fs::path& web_root, const DefinitionSet& definitions,
                                        const std::string& province_id,
                                        std::size_t releases_per_unit) {
  const Province* province = definitions.find_province(province_id);
  if (!province || !safe_file_name(province_id)) {
    return Status(Errc::unit_not_found, "no pilot province '" + province_id + "'");
  }
  const fs::path dir = web_root / province_id / "pilot";
  FileLock lock(dir / ".gongkai" / "lock");
  if (!lock.error().empty()) return Status(Errc::storage_error, lock.error());
  std::map<std::string, std::vector<TopicRelease>> releases;
  TopicWrite result;
  result.path = dir / "index.html";
  for (const Unit& u : definitions.units) {
    if (u.province != province_id) continue;
    ++result.units;
    if (!safe_file_name(u.id)) continue;
    auto list = read_unit_releases(web_root, u.id);
    if (!list.ok()) return list.status();
    if (!*list) continue;
    result.releases += std::min((*list)->size(), releases_per_unit);
    releases[u.id] = std::move(**list);
  }
  const std::string page =
      render_province_topic(definitions, *province, releases, releases_per_unit);
  if (read_whole_file(result.path) == page) return result;
  if (std::string error = write_file_atomically(result.path, page); !error.empty()) {
    return Status(Errc::storage_error, error);
  }
  if (std::string error = sync_directory(dir); !error.empty()) {
    return Status(Errc::storage_error, error);
  }
  result.changed = true;
  return result;
}

}  // namespace gongkai::channels
