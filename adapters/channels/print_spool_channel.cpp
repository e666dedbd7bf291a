#include "adapters/channels/print_spool_channel.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "adapters/channels/file_ops.h"
#include "adapters/channels/public_document.h"
#include "gongkai/time.h"

namespace gongkai::channels {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kPrintStyle =
    "@page { size: A4; margin: 20mm 18mm 22mm 18mm; }\n"
    "body { font-family: \"FangSong\", \"STFangsong\", \"Noto Serif CJK SC\", \"SimSun\", serif;"
    " font-size: 14pt; line-height: 1.8; color: #000; margin: 0; }\n"
    ".header { text-align: center; color: #b00; font-size: 16pt; border-bottom: 2px solid #b00;"
    " padding-bottom: 4pt; margin-bottom: 12pt; }\n"
    ".kind { text-align: center; font-size: 18pt; letter-spacing: 4pt; margin: 6pt 0; }\n"
    "h1 { text-align: center; font-family: \"SimHei\", \"Noto Sans CJK SC\", sans-serif;"
    " font-size: 20pt; margin: 6pt 0 14pt; }\n"
    "h2 { font-family: \"SimHei\", \"Noto Sans CJK SC\", sans-serif; font-size: 15pt; }\n"
    "p { text-indent: 2em; margin: 0 0 6pt; }\n"
    ".notice p, .meta p, .signature p, .reference p { text-indent: 0; }\n"
    "table.meta { border-collapse: collapse; width: 100%; font-size: 11pt; margin-top: 14pt;"
    " page-break-inside: avoid; }\n"
    "table.meta th, table.meta td { border: 1px solid #000; padding: 3pt 6pt; text-align: left;"
    " vertical-align: top; }\n"
    "table.meta th { width: 6em; white-space: nowrap; }\n"
    ".signature { text-align: right; margin-top: 18pt; page-break-inside: avoid; }\n"
    ".reference { font-size: 9pt; color: #444; margin-top: 12pt; }\n";

std::string notice_heading(const std::string& kind) {
  if (kind == "release") return "公　告";
  if (kind == "interpretation") return "政策解读";
  if (kind == "response") return "回应关切";
  if (kind == "withdrawal") return "撤回公告";
  if (kind == "correction") return "更正公告";
  if (kind == "notice_served") return "公示期满公告";
  return kind_label(kind);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// The answered concern this response delivery is about: the latest answered.
const PublicResponse* latest_response(const PublicDocument& doc) {
  const PublicResponse* latest = nullptr;
  for (const auto& r : doc.responses) {
    if (!latest || r.answered_at > latest->answered_at ||
        (r.answered_at == latest->answered_at && r.number > latest->number)) {
      latest = &r;
    }
  }
  return latest;
}

}  // namespace

Result<std::string> print_document(const Delivery& delivery, const std::string& channel_name) {
  auto parsed = parse_public_document(delivery);
  if (!parsed.ok()) return parsed.status();
  const PublicDocument& doc = *parsed;
  const std::string unit = doc.province_name + doc.unit_name;
  std::string body;
  body += "<div class=\"header\">" + html_escape(unit) + "政务公开" +
          (channel_name.empty() ? std::string() : " · " + html_escape(channel_name)) + "</div>\n";
  body += "<div class=\"kind\">" + html_escape(notice_heading(doc.kind)) + "</div>\n";
  if (doc.withdrawn || doc.kind == "withdrawal") {
    body += "<h1>关于撤回《" + html_escape(doc.title) + "》的公告</h1>\n";
    body += "<div class=\"notice\"><p>";
    if (!doc.published_at.empty()) {
      body += html_escape(chinese_date(doc.published_at)) + "公开的";
    }
    body += "《" + html_escape(doc.title) + "》已于" + html_escape(chinese_date(doc.at)) +
            "撤回，原公开内容不再有效，请予以撤除。</p>\n";
    if (!doc.withdrawn_reason.empty()) {
      body += "<p>撤回原因：" + html_escape(doc.withdrawn_reason) + "</p>\n";
    }
    body += "</div>\n";
  } else if (doc.kind == "correction") {
    body += "<h1>关于更正《" + html_escape(doc.title) + "》的公告</h1>\n";
    body += "<div class=\"notice\"><p>《" + html_escape(doc.title) + "》正在更正，更正后的第" +
            std::to_string(doc.revision) +
            "版经审核后重新公布。更正前的内容请勿再作依据。</p></div>\n";
  } else if (doc.kind == "notice_served") {
    // What a bulletin board puts up beside the 公示 when its period has ended: that it has, when.
    body += "<h1>关于《" + html_escape(doc.title) + "》公示期满的公告</h1>\n";
    body += "<div class=\"notice\"><p>《" + html_escape(doc.title) + "》";
    if (doc.notice) {
      body += "于" + html_escape(notice_period_time(*doc.notice)) + "公示，公示期不少于" +
              html_escape(duration_label(doc.notice->amount, doc.notice->unit)) + "，";
    }
    body += "现公示期已满。</p></div>\n";
  } else if (doc.kind == "interpretation") {
    body += "<h1>《" + html_escape(doc.title) + "》政策解读</h1>\n";
    body += "<div class=\"content\">\n" + html_paragraphs(doc.interpretation) + "</div>\n";
  } else if (doc.kind == "response") {
    body += "<h1>关于《" + html_escape(doc.title) + "》的回应</h1>\n";
    if (const PublicResponse* r = latest_response(doc)) {
      body += "<h2>公众关切" + std::string(r->major ? "（重大舆情）" : "") + "</h2>\n" +
              html_paragraphs(r->concern) + "<h2>回应</h2>\n" + html_paragraphs(r->answer);
    }
  } else {
    body += "<h1>" + html_escape(doc.title) + "</h1>\n";
    body += "<div class=\"content\">\n" + html_paragraphs(doc.content) + "</div>\n";
  }
  body += "<table class=\"meta\">\n";
  auto row = [&](const char* head, const std::string& value) {
    if (!value.empty()) {
      body += std::string("<tr><th>") + head + "</th><td>" + html_escape(value) + "</td></tr>\n";
    }
  };
  row("公开事项",
      doc.name_level2.empty() ? doc.name_level1 : doc.name_level1 + " / " + doc.name_level2);
  row("公开依据", join(doc.legal_basis, "；"));
  row("公开主体", doc.responsible_body);
  row("公开时限", doc.time_limit);
  // The paper put up is the 公示 itself, or the notice of its end.
  if ((doc.kind == "release" || doc.kind == "notice_served") && doc.notice) {
    row("公示期", "不少于" + duration_label(doc.notice->amount, doc.notice->unit) + "，" +
                      notice_period_time(*doc.notice));
  }
  if (doc.kind != "release" && !doc.published_at.empty()) {
    row("原发布日期", chinese_date(doc.published_at));
  }
  body += "</table>\n";
  body += "<div class=\"signature\"><p>" +
          html_escape(doc.responsible_body.empty() ? unit : doc.responsible_body) + "</p><p>" +
          html_escape(chinese_date(doc.at)) + "</p></div>\n";
  body += "<div class=\"reference\"><p>编号：" + html_escape(delivery.id) + "　第" +
          std::to_string(doc.revision) + "版</p></div>\n";

  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + html_escape(notice_heading(doc.kind) + "：" + doc.title) + "</title>\n";
  out += std::string("<style>\n") + kPrintStyle + "</style>\n</head>\n<body>\n" + body +
         "</body>\n</html>\n";
  return out;
}

PrintSpoolChannel::PrintSpoolChannel(PrintSpoolOptions options) : options_(std::move(options)) {}

PrintSpoolChannel::~PrintSpoolChannel() = default;

std::string PrintSpoolChannel::id() const {
  return options_.channel;
}

DeliveryOutcome PrintSpoolChannel::deliver(const Delivery& delivery) {
  try {
    if (!safe_file_name(delivery.id)) {
      return DeliveryOutcome::permanent("print spool: the delivery id cannot name a file: '" +
                                        delivery.id + "'");
    }
    auto html = print_document(delivery, options_.channel_name);
    if (!html.ok()) return DeliveryOutcome::permanent("print spool: " + html.status().message());
    auto parsed = parse_public_document(delivery);
    const fs::path& dir = options_.spool_dir;
    FileLock lock(dir / ".lock");
    if (!lock.error().empty()) return DeliveryOutcome::transient("print spool: " + lock.error());

    json manifest = {{"format", 1}, {"files", json::array()}};
    if (auto text = read_whole_file(dir / "manifest.json")) {
      try {
        manifest = json::parse(*text);
        if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_array()) {
          return DeliveryOutcome::transient("print spool: " + (dir / "manifest.json").string() +
                                            " is not a spool manifest");
        }
      } catch (const std::exception&) {
        return DeliveryOutcome::transient("print spool: " + (dir / "manifest.json").string() +
                                          " is not valid JSON");
      }
    }
    const std::string file = delivery.id + ".html";
    json& files = manifest["files"];
    const bool listed = std::any_of(files.begin(), files.end(), [&](const json& f) {
      return f.value("delivery", "") == delivery.id;
    });
    std::error_code ec;
    if (listed && fs::exists(dir / file, ec)) return DeliveryOutcome::ok();

    if (std::string error = write_file_atomically(dir / file, *html); !error.empty()) {
      return DeliveryOutcome::transient("print spool: " + error);
    }
    if (!listed) {
      files.push_back({{"file", file},
                       {"delivery", delivery.id},
                       {"item", delivery.item_id},
                       {"item_version", delivery.item_version},
                       {"unit", delivery.unit_id},
                       {"channel", delivery.channel},
                       {"kind", delivery.kind},
                       {"title", parsed.ok() ? parsed->title : std::string()},
                       {"created_at", format_local(delivery.created_at)},
                       {"spooled_at", format_local(system_now())}});
      if (std::string error = write_file_atomically(
              dir / "manifest.json",
              manifest.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
          !error.empty()) {
        return DeliveryOutcome::transient("print spool: " + error);
      }
    }
    if (std::string error = sync_directory(dir); !error.empty()) {
      return DeliveryOutcome::transient("print spool: " + error);
    }
    return DeliveryOutcome::ok();
  } catch (const std::exception& e) {
    return DeliveryOutcome::transient(std::string("print spool: ") + e.what());
  }
}

}  // namespace gongkai::channels
