#include "adapters/channels/public_document.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "adapters/channels/file_ops.h"
#include "engine/strict_json.h"
#include "gongkai/time.h"

namespace gongkai::channels {
namespace {

using nlohmann::json;

std::string text_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  return it->get<std::string>();
}

std::vector<std::string> strings_field(const json& j, const char* name) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return out;
  for (const auto& s : *it) out.push_back(s.get<std::string>());
  return out;
}

// The notice period of a document; std::nullopt when absent or null. Throws std::invalid_argument,
// naming notice_period, for a missing field, a wrong type or a value the engine never writes.
std::optional<PublicNotice> notice_field(const json& j) {
  auto it = j.find("notice_period");
  if (it == j.end() || it->is_null()) return std::nullopt;
  const json& n = *it;
  auto invalid = [](const std::string& what) {
    return std::invalid_argument("notice_period: " + what);
  };
  if (!n.is_object()) throw invalid("not an object");
  PublicNotice notice;
  try {
    notice.revision = strict_json::integer_or<int>(n, "revision", 1);
    notice.amount = strict_json::integer_at<std::int64_t>(n, "amount");
    notice.unit = n.at("unit").get<std::string>();
    notice.starts_at = n.at("starts_at").get<std::string>();
    notice.ends_at = n.at("ends_at").get<std::string>();
    notice.last_day = n.at("last_day").get<std::string>();
    notice.state = n.at("state").get<std::string>();
    notice.cut_short_at = text_field(n, "cut_short_at");
    notice.cut_short_by = text_field(n, "cut_short_by");
  } catch (const std::exception& e) {  // json::exception, or std::invalid_argument from integer_at
    throw invalid(e.what());
  }
  if (notice.amount <= 0)
    throw invalid("amount " + std::to_string(notice.amount) + " is not positive");
  if (notice.unit != "working_days" && notice.unit != "calendar_days" && notice.unit != "hours") {
    throw invalid("unit '" + notice.unit + "' is not working_days, calendar_days or hours");
  }
  if (!parse_instant(notice.starts_at).ok() || !parse_instant(notice.ends_at).ok()) {
    throw invalid("starts_at or ends_at is not an instant");
  }
  if (!parse_date(notice.last_day).ok()) throw invalid("last_day is not a date");
  if (notice.state == "cut_short") {
    if (!parse_instant(notice.cut_short_at).ok() ||
        (notice.cut_short_by != "withdraw" && notice.cut_short_by != "correct")) {
      throw invalid("cut_short without an instant and withdraw or correct");
    }
  } else if (notice.state != "running" && notice.state != "served") {
    throw invalid("state '" + notice.state + "' is not running, served or cut_short");
  }
  return notice;
}

}  // namespace

Result<PublicDocument> parse_public_document(const Delivery& delivery) {
  PublicDocument doc;
  try {
    const json j = json::parse(delivery.document);
    if (!j.is_object()) return Status(Errc::invalid_json, "the document is not a JSON object");
    doc.kind = text_field(j, "kind");
    doc.at = text_field(j, "at");
    doc.item_id = text_field(j, "item_id");
    doc.version = strict_json::integer_or<std::int64_t>(j, "version", 0);
    doc.revision = strict_json::integer_or<int>(j, "revision", 1);
    doc.unit_id = text_field(j, "unit_id");
    doc.unit_name = text_field(j, "unit_name");
    doc.province_name = text_field(j, "province_name");
    doc.title = text_field(j, "title");
    doc.content = text_field(j, "content");
    doc.withdrawn = j.value("withdrawn", false);
    doc.withdrawn_reason = text_field(j, "withdrawn_reason");
    doc.published_at = text_field(j, "published_at");
    doc.interpretation = text_field(j, "interpretation");
    if (auto it = j.find("responses"); it != j.end() && it->is_array()) {
      for (const auto& r : *it) {
        PublicResponse response;
        response.number = strict_json::integer_or<int>(r, "number", 0);
        response.concern = text_field(r, "concern");
        response.answer = text_field(r, "answer");
        response.major = r.value("major", false);
        response.answered_at = text_field(r, "answered_at");
        doc.responses.push_back(std::move(response));
      }
    }
    doc.notice = notice_field(j);
    if (auto it = j.find("standard"); it != j.end() && it->is_object()) {
      const json& s = *it;
      doc.standard_id = text_field(s, "id");
      doc.name_level1 = text_field(s, "name_level1");
      doc.name_level2 = text_field(s, "name_level2");
      doc.disclosure_kind = text_field(s, "kind");
      doc.legal_basis = strings_field(s, "legal_basis");
      doc.content_elements = strings_field(s, "content_elements");
      doc.responsible_body = text_field(s, "responsible_body");
      doc.time_limit = text_field(s, "time_limit");
      doc.channel_names = strings_field(s, "channels");
    }
  } catch (const std::exception& e) {
    return Status(Errc::invalid_json,
                  std::string("the delivery's document is not valid: ") + e.what());
  }
  if (doc.kind.empty()) doc.kind = delivery.kind;
  if (doc.item_id.empty()) doc.item_id = delivery.item_id;
  if (doc.unit_id.empty()) doc.unit_id = delivery.unit_id;
  if (doc.version == 0) doc.version = delivery.item_version;
  if (doc.item_id != delivery.item_id || doc.unit_id != delivery.unit_id) {
    return Status(Errc::invalid_argument, "the document names item " + doc.item_id + " of " +
                                              doc.unit_id + ", the delivery item " +
                                              delivery.item_id + " of " + delivery.unit_id);
  }
  if (!safe_file_name(doc.item_id) || !safe_file_name(doc.unit_id)) {
    return Status(Errc::invalid_argument, "the item or unit id cannot name a file: '" +
                                              doc.item_id + "', '" + doc.unit_id + "'");
  }
  return doc;
}

std::string html_paragraphs(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      out += "<p>" + html_escape(line) + "</p>\n";
    }
    start = end + 1;
  }
  return out;
}

std::string excerpt(std::string_view text, std::size_t chars) {
  std::string out;
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    if (count == chars) {
      out += "…";
      break;
    }
    std::string_view cp = text.substr(i, len);
    if (cp == "\n" || cp == "\r" || cp == "\t") {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += cp;
    }
    ++count;
    i += len;
  }
  return out;
}

std::string duration_label(std::int64_t amount, std::string_view unit) {
  const std::string n = std::to_string(amount);
  if (unit == "calendar_days") return n + "日";
  if (unit == "working_days") return n + "个工作日";
  if (unit == "hours") return n + "小时";
  return n + " " + std::string(unit);
}

std::string notice_period_time(const PublicNotice& n) {
  // Days end at 24:00 of the last day: the date says it; hours end at an instant.
  const std::string end =
      n.unit == "hours" ? chinese_date_time(n.ends_at) : chinese_date(n.last_day);
  return chinese_date_time(n.starts_at) + "起至" + end + "止";
}

std::string notice_period_section(const PublicDocument& doc) {
  if (!doc.notice) return {};
  const PublicNotice& n = *doc.notice;
  std::string state;
  std::string state_class = n.state;
  if (n.state == "cut_short") {
    state = std::string(n.cut_short_by == "withdraw" ? "因撤回" : "因更正") + "提前结束（" +
            chinese_date_time(n.cut_short_at) + "）";
  } else {
    const auto at = parse_instant(doc.at);
    const auto ends = parse_instant(n.ends_at);
    const bool reached = n.state == "served" || (at.ok() && ends.ok() && *at >= *ends);
    if (reached) {
      state = "公示期满";
      state_class = "served";
    } else {
      state = "公示中";
      if (at.ok()) state += "（截至" + chinese_date_time(doc.at) + "）";
    }
  }
  std::string out =
      "<section id=\"notice-period\">\n<h2>公示期</h2>\n<table class=\"notice-period\">\n";
  out += "<tr><th>公示期限</th><td>不少于" + html_escape(duration_label(n.amount, n.unit)) +
         "</td></tr>\n";
  out += "<tr><th>公示时间</th><td>" + html_escape(notice_period_time(n)) + "</td></tr>\n";
  out += "<tr><th>公示状态</th><td class=\"" + html_escape(state_class) + "\">" +
         html_escape(state) + "</td></tr>\n";
  out += "</table>\n</section>\n";
  return out;
}

std::string kind_label(const std::string& kind) {
  if (kind == "release") return "发布";
  if (kind == "interpretation") return "解读";
  if (kind == "response") return "回应";
  if (kind == "withdrawal") return "撤回";
  if (kind == "correction") return "更正";
  if (kind == "notice_served") return "公示期满";
  return kind;
}

std::string disclosure_kind_label(const std::string& kind) {
  if (kind == "decision") return "决策公开";
  if (kind == "execution") return "执行公开";
  if (kind == "management") return "管理公开";
  if (kind == "service") return "服务公开";
  if (kind == "result") return "结果公开";
  return kind;
}

std::string chinese_date(const std::string& rfc3339) {
  if (rfc3339.empty()) return {};
  auto t = parse_instant(rfc3339);
  if (!t.ok()) return {};
  const Date d = local_date(*t);
  return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" + std::to_string(d.day) +
         "日";
}

std::string chinese_date_time(const std::string& rfc3339) {
  if (rfc3339.empty()) return {};
  auto t = parse_instant(rfc3339);
  if (!t.ok()) return {};
  const std::string local = format_local(*t);  // 2026-03-02T10:05:00.000+08:00
  return chinese_date(rfc3339) + " " + local.substr(11, 5);
}

std::string local_month(const std::string& rfc3339) {
  auto t = parse_instant(rfc3339);
  if (!t.ok()) return {};
  return local_date(*t).to_string().substr(0, 7);
}

}  // namespace gongkai::channels
