#include "adapters/channels/website_channel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <vector>

#include "adapters/channels/file_ops.h"
#include "adapters/channels/province_topic.h"
#include "adapters/channels/public_document.h"
#include "engine/json_text.h"
#include "engine/strict_json.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kStateFormat = 1;

// One item as the unit's index, archives and feeds show it.
struct Summary {
  std::string id, title, status, kind, subject;
  std::int64_t version = 0;
  int revision = 1;
  std::string published_at, first_published_at, updated_at, month, excerpt;
  bool listed = false;  // false: never published (a withdrawal before release) — no pages
  bool interpretation = false;
  int responses = 0;
};

// Appends a summary as stored, keys in json::dump's (sorted) order; month shards leave the
// excerpt out (only the feeds show it, and they take it from the site state). Written directly:
// building a json value of every summary at every delivery was a tenth of a simulated year
// (perf, docs/simulation.md).
void append_summary(std::string& out, const Summary& s, bool with_excerpt = true) {
  auto key = [&](const char* k) {
    out += '"';
    out += k;
    out += "\":";
  };
  out += '{';
  if (with_excerpt) {
    key("excerpt");
    append_json_string(out, s.excerpt);
    out += ',';
  }
  key("first_published_at");
  append_json_string(out, s.first_published_at);
  out += ',';
  key("id");
  append_json_string(out, s.id);
  out += ',';
  key("interpretation");
  out += s.interpretation ? "true," : "false,";
  key("kind");
  append_json_string(out, s.kind);
  out += ',';
  key("listed");
  out += s.listed ? "true," : "false,";
  key("month");
  append_json_string(out, s.month);
  out += ',';
  key("published_at");
  append_json_string(out, s.published_at);
  out += ',';
  key("responses");
  append_json_integer(out, s.responses);
  out += ',';
  key("revision");
  append_json_integer(out, s.revision);
  out += ',';
  key("status");
  append_json_string(out, s.status);
  out += ',';
  key("subject");
  append_json_string(out, s.subject);
  out += ',';
  key("title");
  append_json_string(out, s.title);
  out += ',';
  key("updated_at");
  append_json_string(out, s.updated_at);
  out += ',';
  key("version");
  append_json_integer(out, s.version);
  out += '}';
}

Summary summary_from(const json& j) {
  Summary s;
  s.id = j.at("id").get<std::string>();
  s.title = j.value("title", "");
  s.status = j.value("status", "");
  s.kind = j.value("kind", "");
  s.subject = j.value("subject", "");
  s.version = strict_json::integer_or<std::int64_t>(j, "version", 0);
  s.revision = strict_json::integer_or<int>(j, "revision", 1);
  s.published_at = j.value("published_at", "");
  s.first_published_at = j.value("first_published_at", "");
  s.updated_at = j.value("updated_at", "");
  s.month = j.value("month", "");
  s.listed = j.value("listed", false);
  s.excerpt = j.value("excerpt", "");
  s.interpretation = j.value("interpretation", false);
  s.responses = strict_json::integer_or<int>(j, "responses", 0);
  return s;
}

// Newest first publication first (the index page and the month archives).
bool by_first_publication(const Summary& a, const Summary& b) {
  if (a.first_published_at != b.first_published_at) {
    return a.first_published_at > b.first_published_at;
  }
  return a.id > b.id;
}

// Latest change first (the feeds).
bool by_update(const Summary& a, const Summary& b) {
  if (a.updated_at != b.updated_at) return a.updated_at > b.updated_at;
  return a.id > b.id;
}

// What the site keeps of a unit (.gongkai/site.json): its names, the number of items first
// published each month, and the summaries the index page and the feeds show. Small whatever the
// number of items: the other summaries live in the month shards (.gongkai/months/YYYY-MM.json),
// of which a delivery reads and writes one.
struct SiteState {
  std::string unit_id, unit_name, province_name;
  std::map<std::string, std::int64_t> months;
  std::vector<Summary> latest;  // by_first_publication, at most index_items
  std::vector<Summary> recent;  // by_update, at most feed_items
};

// A month's summaries, by item id.
using MonthShard = std::map<std::string, Summary>;

void append_summaries(std::string& out, const std::vector<Summary>& list) {
  out += '[';
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ',';
    append_summary(out, list[i]);
  }
  out += ']';
}

std::vector<Summary> summaries_from(const json& j) {
  std::vector<Summary> out;
  for (const auto& s : j) out.push_back(summary_from(s));
  return out;
}

// site.json's text (as json::dump would write it, keys sorted).
std::string site_text(const SiteState& site) {
  std::string out;
  out.reserve(16384);
  out += "{\"format\":" + std::to_string(kStateFormat) + ",\"latest\":";
  append_summaries(out, site.latest);
  out += ",\"months\":{";
  bool first = true;
  for (const auto& [month, count] : site.months) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, month);
    out += ':' + std::to_string(count);
  }
  out += "},\"province_name\":";
  append_json_string(out, site.province_name);
  out += ",\"recent\":";
  append_summaries(out, site.recent);
  out += ",\"unit_id\":";
  append_json_string(out, site.unit_id);
  out += ",\"unit_name\":";
  append_json_string(out, site.unit_name);
  out += "}\n";
  return out;
}

SiteState site_from(const json& j) {
  if (strict_json::integer_or<int>(j, "format", 0) != kStateFormat)
    throw std::runtime_error("unknown site state format");
  SiteState site;
  site.unit_id = j.value("unit_id", "");
  site.unit_name = j.value("unit_name", "");
  site.province_name = j.value("province_name", "");
  if (!j.at("months").is_object())
    throw std::runtime_error("the site state's months are not an object");
  for (const auto& [month, count] : j.at("months").items()) {
    auto n = strict_json::integer_as<std::int64_t>(count);
    if (!n) throw std::runtime_error("a month's count in the site state is not an integer");
    site.months[month] = *n;
  }
  site.latest = summaries_from(j.at("latest"));
  site.recent = summaries_from(j.at("recent"));
  return site;
}

// A month shard's text (as json::dump would write it).
std::string shard_text(const MonthShard& shard) {
  std::string out;
  out.reserve(256 * shard.size() + 32);
  out += "{\"format\":" + std::to_string(kStateFormat) + ",\"items\":[";
  bool first = true;
  for (const auto& [id, s] : shard) {
    if (!first) out += ',';
    first = false;
    append_summary(out, s, /*with_excerpt=*/false);
  }
  out += "]}\n";
  return out;
}

MonthShard shard_from(const json& j) {
  MonthShard shard;
  for (const auto& item : j.at("items")) {
    Summary s = summary_from(item);
    shard.emplace(s.id, std::move(s));
  }
  return shard;
}

// Puts `s` into a list kept sorted by `less` and at most `limit` long (replacing the item's
// earlier summary). An item that falls off the end comes back only when it sorts higher again,
// which is exactly when it would have stayed had the list been longer.
void upsert(std::vector<Summary>& list, const Summary& s,
            bool (*less)(const Summary&, const Summary&), std::size_t limit) {
  list.erase(
      std::remove_if(list.begin(), list.end(), [&](const Summary& x) { return x.id == s.id; }),
      list.end());
  list.insert(std::upper_bound(list.begin(), list.end(), s, less), s);
  if (list.size() > limit) list.resize(limit);
}

// One line of an item's public history.
struct HistoryEntry {
  std::int64_t version = 0;
  std::string kind, at;
  int revision = 1;
};

// The adapter's record of one item: its latest document, the latest released one (shown while a
// correction is under review) and the public history.
struct ItemRecord {
  std::int64_t version = 0;
  json document;  // null when none
  json released;  // null when none
  std::vector<HistoryEntry> history;
};

json record_json(const ItemRecord& r) {
  json history = json::array();
  for (const auto& h : r.history) {
    history.push_back(
        {{"version", h.version}, {"kind", h.kind}, {"at", h.at}, {"revision", h.revision}});
  }
  return json{{"format", kStateFormat},
              {"version", r.version},
              {"document", r.document},
              {"released", r.released},
              {"history", std::move(history)}};
}

ItemRecord record_from(const json& j) {
  ItemRecord r;
  r.version = strict_json::integer_or<std::int64_t>(j, "version", 0);
  r.document = j.value("document", json());
  r.released = j.value("released", json());
  for (const auto& h : j.at("history")) {
    r.history.push_back({strict_json::integer_or<std::int64_t>(h, "version", 0),
                         h.value("kind", ""), h.value("at", ""),
                         strict_json::integer_or<int>(h, "revision", 1)});
  }
  return r;
}

// A string field of a JSON object ("" when absent, null, or not an object).
std::string string_in(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A stored document read back.
Result<PublicDocument> document_of(const json& document, const std::string& item,
                                   const std::string& unit) {
  Delivery d;
  d.item_id = item;
  d.unit_id = unit;
  d.document = document.dump();
  return parse_public_document(d);
}

std::string status_of(const PublicDocument& doc) {
  if (doc.withdrawn) return "withdrawn";
  if (doc.kind == "correction") return "correcting";
  return "released";
}

std::string status_label(const std::string& status) {
  if (status == "withdrawn") return "已撤回";
  if (status == "correcting") return "更正中";
  return "已发布";
}

std::string revision_label(int revision) {
  return "第" + std::to_string(revision) + "版";
}

const char* const kStyle =
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",sans-serif;"
    "max-width:60em;margin:0 auto;padding:1em;line-height:1.7;color:#222}"
    "header{border-bottom:3px solid #b00;margin-bottom:1em}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}th{background:#f5f5f5;white-space:nowrap}"
    ".status{font-weight:bold}.withdrawn{color:#b00}.correcting{color:#a60}"
    ".notice{border:1px solid #a60;background:#fff8e5;padding:.5em 1em}"
    "footer{margin-top:2em;border-top:1px solid #ccc;font-size:.9em;color:#666}";

// Paths of a unit's site, relative to the unit folder.
std::string item_dir(const std::string& item) {
  return "items/" + item + "/";
}

struct PageContext {
  std::string unit_name, province_name;
  std::string to_unit;  // relative path from the page to the unit folder ("", "../../")
};

std::string page(const PageContext& ctx, const std::string& title, const std::string& body) {
  const std::string site = ctx.province_name + ctx.unit_name + "政务公开";
  std::string out;
  out.reserve(body.size() + 2048);
  out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + html_escape(title) + " - " + html_escape(site) + "</title>\n";
  out += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + html_escape(site) +
         "\" href=\"" + ctx.to_unit + "feed.xml\">\n";
  out += "<link rel=\"alternate\" type=\"application/feed+json\" title=\"" + html_escape(site) +
         "\" href=\"" + ctx.to_unit + "feed.json\">\n";
  out += std::string("<style>") + kStyle + "</style>\n</head>\n<body>\n";
  out += "<header><p><a href=\"" + ctx.to_unit + "index.html\">" + html_escape(site) +
         "</a></p></header>\n<main>\n";
  out += body;
  out += "</main>\n<footer><p>发布、解读、回应有序衔接 · <a href=\"" + ctx.to_unit +
         "feed.xml\">Atom</a> · <a href=\"" + ctx.to_unit +
         "feed.json\">JSON Feed</a></p></footer>\n</body>\n</html>\n";
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// The standard's columns of the catalogue (公开事项标准), as a table.
std::string standard_table(const PublicDocument& doc) {
  std::string out = "<table class=\"standard\">\n";
  auto row = [&](const char* head, const std::string& value) {
    if (value.empty()) return;
    out += std::string("<tr><th>") + head + "</th><td>" + html_escape(value) + "</td></tr>\n";
  };
  row("公开事项",
      doc.name_level2.empty() ? doc.name_level1 : doc.name_level1 + " / " + doc.name_level2);
  row("公开类别", disclosure_kind_label(doc.disclosure_kind));
  row("公开内容", join(doc.content_elements, "、"));
  row("公开依据", join(doc.legal_basis, "；"));
  row("公开主体", doc.responsible_body);
  row("公开时限", doc.time_limit);
  row("公开渠道", join(doc.channel_names, "、"));
  out += "</table>\n";
  return out;
}

std::string history_list(const std::vector<HistoryEntry>& history) {
  std::string out = "<section id=\"history\">\n<h2>公开记录</h2>\n<ol>\n";
  for (const auto& h : history) {
    out += "<li>" + html_escape(chinese_date_time(h.at)) + " " + html_escape(kind_label(h.kind));
    if (h.kind == "release" || h.kind == "correction" || h.kind == "notice_served")
      out += "（" + revision_label(h.revision) + "）";
    out += "</li>\n";
  }
  out += "</ol>\n</section>\n";
  return out;
}

std::string release_page(const PageContext& ctx, const PublicDocument& doc,
                         const PublicDocument* released, const std::vector<HistoryEntry>& history) {
  std::string body = "<article id=\"release\" class=\"" + status_of(doc) + "\">\n";
  body += "<h1>" + html_escape(doc.title) + "</h1>\n";
  const std::string status = status_of(doc);
  body += "<p class=\"status " + status + "\">" + status_label(status);
  if (status == "released") body += " · " + revision_label(doc.revision);
  body += "</p>\n";
  if (doc.withdrawn) {
    body += "<p class=\"notice\">本信息已撤回。";
    if (!doc.at.empty()) body += "撤回时间：" + html_escape(chinese_date_time(doc.at)) + "。";
    if (!doc.withdrawn_reason.empty()) {
      body += "撤回原因：" + html_escape(doc.withdrawn_reason);
    }
    body += "</p>\n";
    body += standard_table(doc);
    body += notice_period_section(doc);
    body += history_list(history);
    body += "</article>\n";
    return page(ctx, "已撤回：" + doc.title, body);
  }
  // While a correction is under review the last released revision stays up, with a notice.
  const PublicDocument& shown = status == "correcting" && released ? *released : doc;
  if (status == "correcting") {
    body += "<p class=\"notice\">本信息正在更正，" + revision_label(doc.revision) +
            "经审核后重新发布。";
    if (released) body += "以下为" + revision_label(released->revision) + "。";
    body += "</p>\n";
  }
  body += standard_table(shown);
  if (!shown.published_at.empty()) {
    body += "<p class=\"published\">发布时间：<time datetime=\"" + html_escape(shown.published_at) +
            "\">" + html_escape(chinese_date_time(shown.published_at)) + "</time></p>\n";
  }
  body += notice_period_section(doc);  // the latest document's: the state as of its instant
  if (status == "released" || released) {
    body += "<section id=\"content\" class=\"content\">\n" + html_paragraphs(shown.content) +
            "</section>\n";
  }
  if (!shown.interpretation.empty()) {
    body += "<section id=\"interpretation\">\n<h2>政策解读</h2>\n<p>" +
            html_escape(excerpt(shown.interpretation, 120)) +
            "</p>\n<p><a class=\"interpretation\" href=\"interpretation.html\">阅读政策解读全文</a>"
            "</p>\n</section>\n";
  }
  if (!shown.responses.empty()) {
    body += "<section id=\"responses\">\n<h2>回应关切</h2>\n<ol>\n";
    for (const auto& r : shown.responses) {
      const std::string n = std::to_string(r.number);
      body +=
          "<li id=\"response-" + n + "\"><p>关切：" + html_escape(excerpt(r.concern, 80)) +
          "</p><p>回应：" + html_escape(excerpt(r.answer, 120)) +
          "</p><p><a class=\"response\" href=\"response-" + n + ".html\">阅读回应全文</a>" +
          (r.answered_at.empty() ? ""
                                 : "（" + html_escape(chinese_date_time(r.answered_at)) + "）") +
          "</p></li>\n";
    }
    body += "</ol>\n</section>\n";
  }
  body += history_list(history);
  body += "</article>\n";
  return page(ctx, doc.title, body);
}

std::string withdrawn_stub(const PageContext& ctx, const PublicDocument& doc,
                           const std::string& what) {
  std::string body = "<article class=\"withdrawn\">\n<h1>" + html_escape(what) + "</h1>\n";
  body += "<p class=\"status withdrawn\">已撤回</p>\n";
  body += "<p class=\"notice\">《" + html_escape(doc.title) + "》已撤回，本页内容不再公开。</p>\n";
  body += "<p><a class=\"release\" href=\"index.html\">返回发布页</a></p>\n</article>\n";
  return page(ctx, "已撤回：" + what, body);
}

std::string interpretation_page(const PageContext& ctx, const PublicDocument& doc) {
  std::string body = "<article id=\"interpretation\">\n";
  body += "<h1>《" + html_escape(doc.title) + "》政策解读</h1>\n";
  body +=
      "<p>相关发布：<a class=\"release\" href=\"index.html\">" + html_escape(doc.title) + "</a>";
  if (!doc.published_at.empty())
    body += "（" + html_escape(chinese_date(doc.published_at)) + "发布）";
  body +=
      "</p>\n<section class=\"content\">\n" + html_paragraphs(doc.interpretation) + "</section>\n";
  if (!doc.responses.empty()) {
    body += "<p>回应关切：";
    for (const auto& r : doc.responses) {
      const std::string n = std::to_string(r.number);
      body += "<a class=\"response\" href=\"response-" + n + ".html\">回应" + n + "</a> ";
    }
    body += "</p>\n";
  }
  body += "</article>\n";
  return page(ctx, "政策解读：" + doc.title, body);
}

std::string response_page(const PageContext& ctx, const PublicDocument& doc,
                          const PublicResponse& r) {
  std::string body = "<article id=\"response\">\n";
  body += "<h1>关于《" + html_escape(doc.title) + "》的回应</h1>\n";
  body +=
      "<p>相关发布：<a class=\"release\" href=\"index.html\">" + html_escape(doc.title) + "</a>";
  if (!doc.interpretation.empty()) {
    body += " · <a class=\"interpretation\" href=\"interpretation.html\">政策解读</a>";
  }
  body += "</p>\n<section class=\"concern\">\n<h2>公众关切" +
          std::string(r.major ? "（重大舆情）" : "") + "</h2>\n" + html_paragraphs(r.concern) +
          "</section>\n<section class=\"answer\">\n<h2>回应</h2>\n" + html_paragraphs(r.answer);
  if (!r.answered_at.empty()) {
    body += "<p class=\"published\">回应时间：" + html_escape(chinese_date_time(r.answered_at)) +
            "</p>\n";
  }
  body += "</section>\n</article>\n";
  return page(ctx, "回应：" + doc.title, body);
}

std::string item_rows(const std::vector<const Summary*>& items, const std::string& to_unit) {
  std::string out =
      "<table class=\"items\">\n<tr><th>标题</th><th>公开事项</th><th>发布日期</th><th>状态</th>"
      "<th>解读</th><th>回应</th></tr>\n";
  for (const Summary* item : items) {
    const Summary& s = *item;
    const std::string dir = to_unit + item_dir(s.id);
    out += "<tr><td><a href=\"" + dir + "index.html\">" + html_escape(s.title) + "</a></td><td>" +
           html_escape(s.subject) + "</td><td>" + html_escape(chinese_date(s.published_at)) +
           "</td><td class=\"" + s.status + "\">" + status_label(s.status) + "</td><td>";
    if (s.interpretation && s.status != "withdrawn") {
      out += "<a href=\"" + dir + "interpretation.html\">解读</a>";
    }
    out += "</td><td>" +
           (s.responses > 0 && s.status != "withdrawn" ? std::to_string(s.responses) : "") +
           "</td></tr>\n";
  }
  out += "</table>\n";
  return out;
}

std::string month_label(const std::string& month) {
  return month.substr(0, 4) + "年" + std::to_string(std::stoi(month.substr(5, 2))) + "月";
}

std::string index_page(const SiteState& site) {
  PageContext ctx{site.unit_name, site.province_name, ""};
  std::int64_t total = 0;
  for (const auto& [month, count] : site.months) total += count;
  std::vector<const Summary*> items;
  for (const Summary& s : site.latest) items.push_back(&s);
  std::string body = "<h1>" + html_escape(site.province_name + site.unit_name) + "政务公开</h1>\n";
  body += "<p>共" + std::to_string(total) + "条";
  if (static_cast<std::int64_t>(items.size()) < total) {
    body += "，以下为最新" + std::to_string(items.size()) + "条，其余见按月归档";
  }
  body += "。</p>\n" + item_rows(items, "");
  body += "<section id=\"archive\">\n<h2>按月归档</h2>\n<ul>\n";
  for (auto it = site.months.rbegin(); it != site.months.rend(); ++it) {
    body += "<li><a href=\"archive/" + it->first + ".html\">" + month_label(it->first) + "</a>（" +
            std::to_string(it->second) + "条）</li>\n";
  }
  body += "</ul>\n</section>\n";
  return page(ctx, "首页", body);
}

std::string archive_page(const SiteState& site, const std::string& month, const MonthShard& shard) {
  PageContext ctx{site.unit_name, site.province_name, "../"};
  std::vector<const Summary*> items;
  for (const auto& [id, s] : shard) items.push_back(&s);
  std::sort(items.begin(), items.end(),
            [](const Summary* a, const Summary* b) { return by_first_publication(*a, *b); });
  std::string body = "<h1>" + html_escape(month_label(month)) + "发布</h1>\n<p>共" +
                     std::to_string(items.size()) + "条。</p>\n" + item_rows(items, "../") +
                     "<p><a href=\"../index.html\">返回首页</a></p>\n";
  return page(ctx, month_label(month), body);
}

std::string entry_title(const Summary& s) {
  if (s.status == "withdrawn") return "【已撤回】" + s.title;
  if (s.status == "correcting") return "【更正中】" + s.title;
  if (s.kind == "notice_served") return "【公示期满】" + s.title;  // the change is the period's end
  return s.title;
}

std::string entry_summary(const Summary& s) {
  if (s.status == "withdrawn") return "本信息已撤回。";
  if (s.status == "correcting") {
    return "本信息正在更正，" + revision_label(s.revision) + "经审核后重新发布。";
  }
  return s.excerpt;
}

struct FeedLinks {
  std::string base;  // "<base_url>/<unit>/" or ""
  std::string url(const std::string& relative) const { return base + relative; }
};

std::string entry_id(const SiteState& site, const Summary& s, const FeedLinks& links) {
  return links.base.empty() ? "tag:gongkai,2017:" + site.unit_id + "/" + s.id
                            : links.url(item_dir(s.id) + "index.html");
}

std::string atom_feed(const SiteState& site, const FeedLinks& links) {
  const std::string title = site.province_name + site.unit_name + "政务公开";
  const std::string updated =
      site.recent.empty() ? std::string("1970-01-01T00:00:00Z") : site.recent.front().updated_at;
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n";
  out += "<id>" +
         xml_escape(links.base.empty() ? "tag:gongkai,2017:" + site.unit_id : links.url("")) +
         "</id>\n";
  out += "<title>" + xml_escape(title) + "</title>\n";
  out += "<updated>" + xml_escape(updated) + "</updated>\n";
  out += "<author><name>" + xml_escape(site.unit_name.empty() ? site.unit_id : site.unit_name) +
         "</name></author>\n";
  out += "<link rel=\"self\" type=\"application/atom+xml\" href=\"" +
         xml_escape(links.url("feed.xml")) + "\"/>\n";
  out += "<link rel=\"alternate\" type=\"text/html\" href=\"" +
         xml_escape(links.url("index.html")) + "\"/>\n";
  for (const Summary& s : site.recent) {
    const std::string href = links.url(item_dir(s.id) + "index.html");
    out += "<entry>\n";
    out += "<id>" + xml_escape(entry_id(site, s, links)) + "</id>\n";
    out += "<title>" + xml_escape(entry_title(s)) + "</title>\n";
    out += "<updated>" + xml_escape(s.updated_at) + "</updated>\n";
    if (!s.first_published_at.empty()) {
      out += "<published>" + xml_escape(s.first_published_at) + "</published>\n";
    }
    out += "<link rel=\"alternate\" type=\"text/html\" href=\"" + xml_escape(href) + "\"/>\n";
    out += "<category term=\"" + xml_escape(s.status) + "\" label=\"" +
           xml_escape(status_label(s.status)) + "\"/>\n";
    out += "<summary type=\"text\">" + xml_escape(entry_summary(s)) + "</summary>\n";
    out += "</entry>\n";
  }
  out += "</feed>\n";
  return out;
}

// JSON Feed 1.1 of the latest changes, written directly in json::dump(1)'s layout (keys sorted,
// one space per level): building it as a json value at every delivery cost more than the rest of
// the feed (perf, docs/simulation.md). Every string comes from parsed JSON, so it is UTF-8.
std::string json_feed(const SiteState& site, const FeedLinks& links) {
  std::string out;
  out.reserve(1024 + 768 * site.recent.size());
  auto field = [&](int depth, const char* key, const std::string& value, bool last = false) {
    out.append(static_cast<std::size_t>(depth), ' ');
    out += '"';
    out += key;
    out += "\": ";
    append_json_string(out, value);
    out += last ? "\n" : ",\n";
  };
  out += "{\n \"authors\": [\n  {\n";
  field(3, "name", site.unit_name.empty() ? site.unit_id : site.unit_name, true);
  out += "  }\n ],\n";
  if (!links.base.empty()) {
    field(1, "feed_url", links.url("feed.json"));
    field(1, "home_page_url", links.url("index.html"));
  }
  if (site.recent.empty()) {
    out += " \"items\": [],\n";
  } else {
    out += " \"items\": [\n";
    for (std::size_t i = 0; i < site.recent.size(); ++i) {
      const Summary& s = site.recent[i];
      out += "  {\n   \"_gongkai\": {\n";
      field(4, "item_id", s.id);
      out += "    \"revision\": " + std::to_string(s.revision) + ",\n";
      field(4, "status", s.status, true);
      out += "   },\n";
      field(3, "content_text", entry_summary(s));
      field(3, "date_modified", s.updated_at);
      if (!s.first_published_at.empty()) field(3, "date_published", s.first_published_at);
      field(3, "id", entry_id(site, s, links));
      out += "   \"tags\": [\n    ";
      append_json_string(out, status_label(s.status));
      out += "\n   ],\n";
      field(3, "title", entry_title(s));
      field(3, "url", links.url(item_dir(s.id) + "index.html"), true);
      out += i + 1 < site.recent.size() ? "  },\n" : "  }\n";
    }
    out += " ],\n";
  }
  field(1, "language", "zh-CN");
  field(1, "title", site.province_name + site.unit_name + "政务公开");
  field(1, "version", "https://jsonfeed.org/version/1.1", true);
  out += "}\n";
  return out;
}

// The files of one delivery: each written to a temporary file beside its target, then all made
// durable at once (syncfs: one journal commit, not an fsync per file), renamed in the order they
// were staged (the state last), and the renames made durable. A reader sees each file whole, old
// or new; a crash leaves at most unrenamed temporary files (removed on the next delivery's
// failure path or ignored: they start with '.').
class Writer {
 public:
  // `durable` false (a simulation's site) writes each file in place at commit, without syncs or
  // temporary files: replacing thousands of files by rename churns ext4's inodes (measured in
  // docs/simulation.md), and a simulation needs neither atomic nor durable pages.
  Writer(fs::path unit_dir, bool durable) : unit_dir_(std::move(unit_dir)), durable_(durable) {}
  ~Writer() {
    for (const auto& s : staged_) {
      std::error_code ec;
      fs::remove(s.temp, ec);
    }
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  bool stage(const std::string& relative, const std::string& content) {
    Staged s;
    s.target = unit_dir_ / relative;
    if (!durable_) {
      s.content = content;
      staged_.push_back(std::move(s));
      return true;
    }
    error_ = write_temporary(s.target, content, s.temp);
    if (!error_.empty()) return false;
    staged_.push_back(std::move(s));
    return true;
  }

  bool commit() {
    if (staged_.empty()) return true;
    if (!durable_) return commit_in_place();
    error_ = sync_filesystem(unit_dir_);
    if (!error_.empty()) return false;
    for (std::size_t i = 0; i < staged_.size(); ++i) {
      std::error_code ec;
      fs::rename(staged_[i].temp, staged_[i].target, ec);
      if (ec) {
        error_ = "cannot rename onto " + staged_[i].target.string() + ": " + ec.message();
        staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(i));
        return false;
      }
    }
    files_ = static_cast<std::int64_t>(staged_.size());
    staged_.clear();
    error_ = sync_filesystem(unit_dir_);
    return error_.empty();
  }

  const std::string& error() const { return error_; }
  std::int64_t files() const { return files_; }

 private:
  struct Staged {
    fs::path target, temp;
    std::string content;  // in place: written at commit
  };

  bool commit_in_place() {
    for (const Staged& s : staged_) {
      // Overwritten and then cut to length, never truncated to zero first: ext4 flushes a file
      // truncated to zero and rewritten when it is closed (auto_da_alloc), which made every page
      // of a simulated site wait for the disk. The folder is created only when missing, and the
      // file cut only when it was longer: no syscall a page does not need.
      int fd = ::open(s.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0 && errno == ENOENT) {
        std::error_code ec;
        fs::create_directories(s.target.parent_path(), ec);
        fd = ::open(s.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      }
      bool ok = fd >= 0;
      struct stat before {};
      ok = ok && ::fstat(fd, &before) == 0;
      for (std::size_t done = 0; ok && done < s.content.size();) {
        const ssize_t n = ::write(fd, s.content.data() + done, s.content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
      }
      if (ok && before.st_size > static_cast<off_t>(s.content.size())) {
        ok = ::ftruncate(fd, static_cast<off_t>(s.content.size())) == 0;
      }
      if (fd >= 0 && ::close(fd) != 0) ok = false;
      if (!ok) {
        error_ = "cannot write " + s.target.string() + ": " + std::strerror(errno);
        staged_.clear();
        return false;
      }
    }
    files_ = static_cast<std::int64_t>(staged_.size());
    staged_.clear();
    return true;
  }

  fs::path unit_dir_;
  bool durable_ = true;
  std::vector<Staged> staged_;
  std::string error_;
  std::int64_t files_ = 0;
};

std::string random_token() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mutex);
  return std::to_string(rng());
}

const char* const kSiteFile = ".gongkai/site.json";
const char* const kGenerationFile = ".gongkai/generation";

std::string shard_file(const std::string& month) {
  return ".gongkai/months/" + month + ".json";
}
std::string record_file(const std::string& item) {
  return ".gongkai/items/" + item + ".json";
}

}  // namespace

struct WebsiteChannel::Impl {
  WebsiteOptions options;
  TopicPages topic;
  std::atomic<std::int64_t> files_written{0};

  // What this process last read or wrote of a unit's state, valid while the unit's generation
  // file still holds `generation` (every writer replaces the generation with its state, under
  // the unit's lock; a crashed writer leaves a generation nobody caches).
  struct Cached {
    std::string generation;
    SiteState site;
    std::map<std::string, MonthShard> shards;
  };
  std::mutex cache_mutex;
  std::map<std::string, Cached> cache;

  fs::path unit_dir(const std::string& unit) const { return options.web_root / unit; }

  static void fill_summary(Summary& s, const PublicDocument& doc, const ItemRecord& record) {
    s.id = doc.item_id;
    s.title = doc.title;
    s.status = status_of(doc);
    s.kind = doc.kind;
    s.subject = doc.name_level2.empty() ? doc.name_level1 : doc.name_level2;
    s.version = record.version;
    s.revision = doc.revision;
    s.updated_at = doc.at;
    // While corrected, the released revision's publication is shown.
    s.published_at =
        doc.published_at.empty() ? string_in(record.released, "published_at") : doc.published_at;
    s.first_published_at.clear();
    for (const auto& h : record.history) {
      if (h.kind == "release") {
        s.first_published_at = h.at;
        break;
      }
    }
    if (s.first_published_at.empty()) s.first_published_at = s.published_at;
    s.listed = !s.first_published_at.empty();
    s.month = s.listed ? local_month(s.first_published_at) : "";
    if (doc.withdrawn) {
      s.excerpt.clear();
    } else if (doc.kind == "correction") {
      s.excerpt = excerpt(string_in(record.released, "content"), 200);
    } else {
      s.excerpt = excerpt(doc.content, 200);
    }
    s.interpretation = !doc.withdrawn && !doc.interpretation.empty();
    s.responses = doc.withdrawn ? 0 : static_cast<int>(doc.responses.size());
  }

  // Rebuilds a unit's state from its item records (the state was lost or is unreadable): every
  // shard is to be written again.
  void rebuild(const std::string& unit, Cached& state, std::set<std::string>& dirty) const {
    state.site = SiteState{};
    state.site.unit_id = unit;
    state.shards.clear();
    std::error_code ec;
    for (fs::directory_iterator it(unit_dir(unit) / ".gongkai" / "items", ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".json") continue;
      auto text = read_whole_file(it->path());
      if (!text) continue;
      try {
        const ItemRecord record = record_from(json::parse(*text));
        if (record.document.is_null()) continue;
        auto doc = document_of(record.document, it->path().stem().string(), unit);
        if (!doc.ok()) continue;
        state.site.unit_name = doc->unit_name;
        state.site.province_name = doc->province_name;
        Summary s;
        fill_summary(s, *doc, record);
        if (!s.listed) continue;
        state.shards[s.month][s.id] = s;
        ++state.site.months[s.month];
        upsert(state.site.latest, s, by_first_publication, options.index_items);
        upsert(state.site.recent, s, by_update, options.feed_items);
        dirty.insert(s.month);
      } catch (const std::exception&) {
        continue;
      }
    }
  }

  // The unit's state, from the cache when no other writer changed it since this process wrote
  // it; otherwise read from site.json (shards are read when needed), or rebuilt from the item
  // records. Under the unit's lock, which also keeps other threads off this cache entry.
  Cached& load(const std::string& unit, std::set<std::string>& dirty, bool& rebuilt) {
    const fs::path dir = unit_dir(unit);
    const std::string generation = read_whole_file(dir / kGenerationFile).value_or("");
    Cached* state = nullptr;
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      state = &cache[unit];  // std::map: the reference stays valid as other units are added
    }
    if (!generation.empty() && state->generation == generation) return *state;
    state->generation.clear();
    state->shards.clear();
    if (auto text = read_whole_file(dir / kSiteFile)) {
      try {
        state->site = site_from(json::parse(*text));
        return *state;
      } catch (const std::exception&) {
        // rebuilt below
      }
    }
    rebuild(unit, *state, dirty);
    rebuilt = true;
    return *state;
  }

  // A month's shard: from the state when loaded, else from its file (empty when none).
  MonthShard& shard(Cached& state, const std::string& unit, const std::string& month) {
    auto it = state.shards.find(month);
    if (it != state.shards.end()) return it->second;
    MonthShard loaded;
    if (auto text = read_whole_file(unit_dir(unit) / shard_file(month))) {
      try {
        loaded = shard_from(json::parse(*text));
      } catch (const std::exception&) {
        loaded.clear();  // an unreadable shard: rebuilt from what is delivered from now on
      }
    }
    return state.shards.emplace(month, std::move(loaded)).first->second;
  }

  DeliveryOutcome deliver(const Delivery& delivery) {
    auto parsed = parse_public_document(delivery);
    if (!parsed.ok()) return DeliveryOutcome::permanent(parsed.status().message());
    const PublicDocument& doc = *parsed;
    const std::string& unit = doc.unit_id;
    const fs::path dir = unit_dir(unit);
    FileLock lock(dir / ".gongkai" / "lock");
    if (!lock.error().empty()) return DeliveryOutcome::transient("website: " + lock.error());

    ItemRecord record;
    if (auto text = read_whole_file(dir / record_file(doc.item_id))) {
      try {
        record = record_from(json::parse(*text));
      } catch (const std::exception&) {
        record = ItemRecord{};
      }
    }
    // The site already shows a later state of the item (e.g. a release retried after the
    // withdrawal was delivered): nothing to do.
    if (record.version > doc.version) return DeliveryOutcome::ok();

    std::set<std::string> dirty;  // shards to write
    bool rebuilt = false;
    Cached& state = load(unit, dirty, rebuilt);
    // Until the files are committed the cached state is ahead of them: forget it on any failure.
    struct Invalidate {
      Cached& state;
      bool committed = false;
      ~Invalidate() {
        if (!committed) {
          state.generation.clear();
          state.shards.clear();
        }
      }
    } invalidate{state};
    SiteState& site = state.site;
    site.unit_id = unit;
    if (!doc.unit_name.empty()) site.unit_name = doc.unit_name;
    if (!doc.province_name.empty()) site.province_name = doc.province_name;

    // The record keeps nothing the site does not show: not the text of a correction under
    // review, nothing of a withdrawn item's released revision.
    json document = json::parse(delivery.document);
    if (doc.kind == "correction") document["content"] = nullptr;
    record.version = doc.version;
    record.document = document;
    bool released_now = false;  // record.released is `document`, i.e. `doc`
    if (doc.withdrawn) {
      record.released = nullptr;
    } else if (doc.kind == "release" || doc.kind == "interpretation" || doc.kind == "response" ||
               doc.kind == "notice_served") {  // the released revision, its notice period ended
      record.released = document;
      released_now = true;
    }
    if (std::none_of(record.history.begin(), record.history.end(),
                     [&](const HistoryEntry& h) { return h.version == doc.version; })) {
      record.history.push_back({doc.version, doc.kind, doc.at, doc.revision});
      std::sort(record.history.begin(), record.history.end(),
                [](const HistoryEntry& a, const HistoryEntry& b) { return a.version < b.version; });
    }
    Summary summary;
    fill_summary(summary, doc, record);

    Writer writer(dir, options.durable);
    auto fail = [&]() { return DeliveryOutcome::transient("website: " + writer.error()); };
    if (!writer.stage(record_file(doc.item_id), record_json(record).dump() + "\n")) return fail();
    if (summary.listed) {
      MonthShard& month = shard(state, unit, summary.month);
      if (!month.count(summary.id)) ++site.months[summary.month];
      month[summary.id] = summary;
      dirty.insert(summary.month);
      upsert(site.latest, summary, by_first_publication, options.index_items);
      upsert(site.recent, summary, by_update, options.feed_items);

      PageContext ctx{site.unit_name, site.province_name, "../../"};
      const std::string idir = item_dir(doc.item_id);
      std::optional<PublicDocument> released;
      if (released_now) {
        released = doc;  // the document just delivered: no need to read it back
      } else if (!record.released.is_null()) {
        auto r = document_of(record.released, doc.item_id, unit);
        if (r.ok()) released = std::move(*r);
      }
      if (!writer.stage(idir + "index.html",
                        release_page(ctx, doc, released ? &*released : nullptr, record.history))) {
        return fail();
      }
      if (doc.withdrawn) {
        // Pages of the interpretation and the responses stay reachable, without their content.
        std::error_code ec;
        for (fs::directory_iterator it(dir / idir, ec), end; !ec && it != end; it.increment(ec)) {
          const std::string name = it->path().filename().string();
          if (name == "interpretation.html") {
            if (!writer.stage(idir + name, withdrawn_stub(ctx, doc, "政策解读"))) return fail();
          } else if (name.rfind("response-", 0) == 0 && it->path().extension() == ".html") {
            if (!writer.stage(idir + name, withdrawn_stub(ctx, doc, "回应关切"))) return fail();
          }
        }
      } else {
        const PublicDocument& shown = doc.kind == "correction" && released ? *released : doc;
        if (!shown.interpretation.empty() &&
            !writer.stage(idir + "interpretation.html", interpretation_page(ctx, shown))) {
          return fail();
        }
        for (const auto& r : shown.responses) {
          if (!writer.stage(idir + "response-" + std::to_string(r.number) + ".html",
                            response_page(ctx, shown, r))) {
            return fail();
          }
        }
      }
    }
    if (summary.listed || rebuilt) {
      const FeedLinks links{options.base_url.empty() ? "" : options.base_url + "/" + unit + "/"};
      if (!writer.stage("index.html", index_page(site))) return fail();
      for (const std::string& month : dirty) {
        if (!writer.stage("archive/" + month + ".html",
                          archive_page(site, month, shard(state, unit, month)))) {
          return fail();
        }
      }
      if (!writer.stage("feed.xml", atom_feed(site, links))) return fail();
      if (!writer.stage("feed.json", json_feed(site, links))) return fail();
    }
    // The state last: the shards, a new generation, the site.
    for (const std::string& month : dirty) {
      if (!writer.stage(shard_file(month), shard_text(shard(state, unit, month)))) {
        return fail();
      }
    }
    const std::string generation = random_token();
    if (!writer.stage(kGenerationFile, generation)) return fail();
    if (!writer.stage(kSiteFile, site_text(site))) return fail();
    if (!writer.commit()) return fail();
    files_written += writer.files();
    state.generation = generation;
    invalidate.committed = true;
    return DeliveryOutcome::ok();
  }
};

WebsiteChannel::WebsiteChannel(WebsiteOptions options, TopicPages topic)
    : impl_(std::make_unique<Impl>()) {
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  impl_->options = std::move(options);
  impl_->topic = std::move(topic);
}

WebsiteChannel::~WebsiteChannel() = default;

std::string WebsiteChannel::id() const {
  return impl_->options.channel;
}

DeliveryOutcome WebsiteChannel::deliver(const Delivery& delivery) {
  try {
    DeliveryOutcome outcome = impl_->deliver(delivery);
    if (outcome.kind != DeliveryOutcome::Kind::delivered || !impl_->topic.definitions) {
      return outcome;
    }
    // The province's special-topic page, after the unit's files are committed and its lock is
    // released (the page's own lock orders its writers; each reads the committed unit states).
    const auto definitions = impl_->topic.definitions();
    const Unit* unit = definitions ? definitions->find_unit(delivery.unit_id) : nullptr;
    if (!unit) return outcome;
    auto topic = write_province_topic(impl_->options.web_root, *definitions, unit->province,
                                      impl_->topic.releases);
    if (!topic.ok()) {
      return DeliveryOutcome::transient("website: province topic page: " +
                                        topic.status().message());
    }
    if (topic->changed) ++impl_->files_written;
    return outcome;
  } catch (const std::exception& e) {
    return DeliveryOutcome::transient(std::string("website: ") + e.what());
  }
}

std::int64_t WebsiteChannel::files_written() const {
  return impl_->files_written.load();
}

}  // namespace gongkai::channels
