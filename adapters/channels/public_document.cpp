#include "adapters/channels/public_document.h"

#include <nlohmann/json.hpp>

#include "adapters/channels/file_ops.h"
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

}  // namespace

Result<PublicDocument> parse_public_document(const Delivery& delivery) {
  PublicDocument doc;
  try {
    const json j = json::parse(delivery.document);
    if (!j.is_object()) return Status(Errc::invalid_json, "the document is not a JSON object");
    doc.kind = text_field(j, "kind");
    doc.at = text_field(j, "at");
    doc.item_id = text_field(j, "item_id");
    doc.version = j.value("version", std::int64_t{0});
    doc.revision = j.value("revision", 1);
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
        response.number = r.value("number", 0);
        response.concern = text_field(r, "concern");
        response.answer = text_field(r, "answer");
        response.major = r.value("major", false);
        response.answered_at = text_field(r, "answered_at");
        doc.responses.push_back(std::move(response));
      }
    }
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

std::string kind_label(const std::string& kind) {
  if (kind == "release") return "发布";
  if (kind == "interpretation") return "解读";
  if (kind == "response") return "回应";
  if (kind == "withdrawal") return "撤回";
  if (kind == "correction") return "更正";
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
