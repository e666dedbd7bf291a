#include "channels/channel_test_support.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <vector>

#include "engine/strict_json.h"

namespace gongkai::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string channel_test_definitions() {
  return std::string(GONGKAI_TEST_DATA) + "/engine_definitions";
}

nlohmann::json release_document_with_notice() {
  return {{"kind", "release"},
          {"at", "2026-03-02T10:05:00.000+08:00"},
          {"item_id", "gk-000001"},
          {"unit_id", "alpha.one"},
          {"version", 4},
          {"title", "规划草案"},
          {"content", "草案全文。"},
          {"published_at", "2026-03-02T10:05:00.000+08:00"},
          {"notice_period",
           {{"revision", 1},
            {"amount", 30},
            {"unit", "calendar_days"},
            {"starts_at", "2026-03-02T10:05:00.000+08:00"},
            {"ends_at", "2026-04-02T00:00:00.000+08:00"},
            {"last_day", "2026-04-01"},
            {"state", "running"},
            {"cut_short_at", nullptr},
            {"cut_short_by", nullptr}}}};
}

Delivery delivery_of(const nlohmann::json& document, const std::string& channel) {
  Delivery d;
  d.item_id = document.value("item_id", "");
  d.unit_id = document.value("unit_id", "");
  // The document may carry a version no int64 holds (the tests of its reader): then 4.
  auto version = document.find("version");
  d.item_version =
      version == document.end() ? 4 : strict_json::integer_as<std::int64_t>(*version).value_or(4);
  d.channel = channel;
  d.id = d.item_id + "-v" + std::to_string(d.item_version) + "-" + channel;
  d.kind = document.value("kind", "");
  d.document = document.dump();
  return d;
}

void DeliveryFixture::SetUp() {
  db_ = dir_.file("gongkai.db");
  auto engine = Engine::init(db_, channel_test_definitions(), /*simulation=*/true);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  engine_ = std::move(*engine);
  now_ = *parse_instant("2026-03-02T09:00:00+08:00");
}

Instant DeliveryFixture::later(std::chrono::milliseconds d) {
  return now_ += d;
}

Item DeliveryFixture::create(const std::string& standard, const std::string& title,
                             const std::string& content) {
  CreateItemRequest r;
  r.standard_id = standard;
  r.unit_id = standard == "test.planning" ? "beta.three" : "alpha.one";
  r.title = title;
  r.content = content;
  r.actor = "drafter";
  r.at = later(1min);
  auto item = engine_->create_item(r);
  EXPECT_TRUE(item.ok()) << item.status().to_string();
  return item.ok() ? *item : Item{};
}

Item DeliveryFixture::must(const std::string& id, EventType event,
                           std::function<void(FireRequest&)> set) {
  FireRequest r;
  r.item_id = id;
  r.event = event;
  r.actor = event == EventType::submit || event == EventType::correct ? "drafter" : "reviewer";
  if (event == EventType::reject || event == EventType::withdraw || event == EventType::correct) {
    r.reason = "理由";
  }
  if (event == EventType::interpret || event == EventType::raise_concern ||
      event == EventType::respond) {
    r.text = "文字";
  }
  if (set) set(r);
  if (!r.at) r.at = later(1min);
  auto item = engine_->fire(r);
  EXPECT_TRUE(item.ok()) << to_string(event) << ": " << item.status().to_string();
  return item.ok() ? *item : Item{};
}

Item DeliveryFixture::released(const std::string& standard, const std::string& title,
                               const std::string& content) {
  Item item = create(standard, title, content);
  must(item.id, EventType::submit);
  must(item.id, EventType::approve);
  return must(item.id, EventType::publish);
}

DeliveryReport DeliveryFixture::deliver(ChannelRegistry& registry, const DeliveryPolicy& policy,
                                        std::chrono::milliseconds step) {
  auto report = engine_->run_deliveries(registry, policy, later(step));
  EXPECT_TRUE(report.ok()) << report.status().to_string();
  return report.ok() ? *report : DeliveryReport{};
}

DeliveryReport DeliveryFixture::deliver_all(ChannelRegistry& registry, const DeliveryPolicy& policy,
                                            std::chrono::milliseconds step, int rounds) {
  DeliveryReport total;
  for (int i = 0; i < rounds; ++i) {
    const DeliveryReport r = deliver(registry, policy, step);
    total.delivered += r.delivered;
    total.retrying += r.retrying;
    total.failed += r.failed;
    DeliveryQuery pending;
    pending.state = "pending";
    DeliveryQuery retrying;
    retrying.state = "retrying";
    if (engine_->deliveries(pending)->empty() && engine_->deliveries(retrying)->empty()) break;
  }
  return total;
}

std::vector<Delivery> DeliveryFixture::rows(const std::string& item, const std::string& channel) {
  DeliveryQuery q;
  q.item_id = item;
  q.channel = channel;
  auto r = engine_->deliveries(q);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<Delivery>{};
}

Delivery DeliveryFixture::row(const std::string& item, const std::string& channel) {
  auto all = rows(item, channel);
  EXPECT_FALSE(all.empty()) << item << " " << channel;
  return all.empty() ? Delivery{} : all.back();
}

std::vector<Event> DeliveryFixture::delivery_events(const std::string& item) {
  auto history = engine_->history(item);
  EXPECT_TRUE(history.ok()) << history.status().to_string();
  std::vector<Event> out;
  if (!history.ok()) return out;
  for (const Event& e : *history) {
    if (e.type.rfind("delivery_", 0) == 0) out.push_back(e);
  }
  return out;
}

DeliveryPolicy DeliveryFixture::fast_policy(int attempts) {
  DeliveryPolicy p;
  p.max_attempts = attempts;
  p.first_backoff = 1s;
  p.max_backoff = 1min;
  p.batch = 64;
  return p;
}

// --- a small XML checker
// ---------------------------------------------------------------------------

namespace {

class XmlChecker {
 public:
  explicit XmlChecker(const std::string& text) : s_(text) {}

  std::string check() {
    if (s_.compare(0, 3, "\xEF\xBB\xBF") == 0) i_ = 3;
    if (s_.compare(i_, 5, "<?xml") == 0) {
      const std::size_t end = s_.find("?>", i_);
      if (end == std::string::npos) return at("unterminated XML declaration");
      i_ = end + 2;
    }
    misc();
    if (!error_.empty()) return error_;
    if (i_ >= s_.size() || s_[i_] != '<') return at("no root element");
    element();
    if (!error_.empty()) return error_;
    misc();
    if (!error_.empty()) return error_;
    if (i_ != s_.size()) return at("content after the root element");
    return {};
  }

 private:
  std::string at(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(i_);
    return error_;
  }
  void spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  void misc() {
    for (;;) {
      spaces();
      if (s_.compare(i_, 4, "<!--") == 0) {
        comment();
      } else if (s_.compare(i_, 2, "<?") == 0) {
        const std::size_t end = s_.find("?>", i_);
        if (end == std::string::npos) {
          at("unterminated processing instruction");
          return;
        }
        i_ = end + 2;
      } else {
        return;
      }
      if (!error_.empty()) return;
    }
  }
  void comment() {
    const std::size_t end = s_.find("-->", i_ + 4);
    if (end == std::string::npos) {
      at("unterminated comment");
      return;
    }
    i_ = end + 3;
  }
  static bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (static_cast<unsigned char>(c) >= 0x80);
  }
  static bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
  std::string name() {
    const std::size_t start = i_;
    if (i_ >= s_.size() || !name_start(s_[i_])) {
      at("expected a name");
      return {};
    }
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // Text or an attribute value up to `stop`; checks references and forbidden characters.
  void chars(char stop) {
    while (i_ < s_.size() && s_[i_] != stop) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '<') {
        at("'<' in an attribute value");  // (text stops at '<' before it gets here)
        return;
      }
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        at("a control character");
        return;
      }
      if (c == '&') {
        const std::size_t semi = s_.find(';', i_);
        if (semi == std::string::npos || semi - i_ > 10) {
          at("an unterminated reference");
          return;
        }
        const std::string ref = s_.substr(i_ + 1, semi - i_ - 1);
        static const std::vector<std::string> known = {"amp", "lt", "gt", "quot", "apos"};
        const bool numeric = std::regex_match(ref, std::regex("#[0-9]+|#x[0-9a-fA-F]+"));
        if (!numeric && std::find(known.begin(), known.end(), ref) == known.end()) {
          at("an unknown entity &" + ref + ";");
          return;
        }
        i_ = semi + 1;
        continue;
      }
      ++i_;
    }
  }
  void element() {
    ++i_;  // '<'
    const std::string tag = name();
    if (!error_.empty()) return;
    std::vector<std::string> attributes;
    for (;;) {
      spaces();
      if (i_ >= s_.size()) {
        at("unterminated start tag <" + tag + ">");
        return;
      }
      if (s_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const std::string attribute = name();
      if (!error_.empty()) return;
      if (std::find(attributes.begin(), attributes.end(), attribute) != attributes.end()) {
        at("a repeated attribute " + attribute);
        return;
      }
      attributes.push_back(attribute);
      spaces();
      if (i_ >= s_.size() || s_[i_] != '=') {
        at("expected '=' after " + attribute);
        return;
      }
      ++i_;
      spaces();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
        at("expected a quoted value");
        return;
      }
      const char quote = s_[i_++];
      chars(quote);
      if (!error_.empty()) return;
      if (i_ >= s_.size()) {
        at("unterminated attribute value");
        return;
      }
      ++i_;
    }
    // Content.
    for (;;) {
      const std::size_t lt = s_.find('<', i_);
      if (lt == std::string::npos) {
        at("unterminated element <" + tag + ">");
        return;
      }
      const std::string text = s_.substr(i_, lt - i_);
      if (text.find("]]>") != std::string::npos) {
        at("']]>' in text");
        return;
      }
      chars('<');  // references and control characters in the text, up to `lt`
      if (!error_.empty()) return;
      i_ = lt;
      if (s_.compare(i_, 2, "</") == 0) {
        i_ += 2;
        const std::string closing = name();
        if (!error_.empty()) return;
        if (closing != tag) {
          at("</" + closing + "> closes <" + tag + ">");
          return;
        }
        spaces();
        if (i_ >= s_.size() || s_[i_] != '>') {
          at("expected '>'");
          return;
        }
        ++i_;
        return;
      }
      if (s_.compare(i_, 4, "<!--") == 0) {
        comment();
      } else if (s_.compare(i_, 9, "<![CDATA[") == 0) {
        const std::size_t end = s_.find("]]>", i_);
        if (end == std::string::npos) {
          at("unterminated CDATA");
          return;
        }
        i_ = end + 3;
      } else if (s_.compare(i_, 2, "<?") == 0) {
        const std::size_t end = s_.find("?>", i_);
        if (end == std::string::npos) {
          at("unterminated processing instruction");
          return;
        }
        i_ = end + 2;
      } else {
        element();
      }
      if (!error_.empty()) return;
    }
  }
  const std::string& s_;
  std::size_t i_ = 0;
  std::string error_;
};

}  // namespace

std::string xml_problem(const std::string& text) {
  std::string problem = XmlChecker(text).check();
  if (!problem.empty()) return problem;
  if (::access("/usr/bin/xmllint", X_OK) == 0) {
    const fs::path file =
        fs::temp_directory_path() / ("gongkai-xml-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(std::hash<std::string>{}(text)) + ".xml");
    {
      std::ofstream out(file, std::ios::binary);
      out << text;
    }
    const std::string command = "/usr/bin/xmllint --noout '" + file.string() + "' 2>/dev/null";
    const int rc = std::system(command.c_str());
    fs::remove(file);
    if (rc != 0) return "xmllint rejects it";
  }
  return {};
}

std::map<std::string, std::string> snapshot(const fs::path& root, bool with_state) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string relative = fs::relative(it->path(), root).string();
    if (!with_state && (relative.rfind(".gongkai", 0) == 0)) continue;
    if (it->is_regular_file()) out[relative] = read_file(it->path());
  }
  return out;
}

std::map<std::string, std::uint64_t> inodes(const fs::path& root) {
  std::map<std::string, std::uint64_t> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (it->is_regular_file() && ::stat(it->path().c_str(), &st) == 0) {
      out[fs::relative(it->path(), root).string()] = st.st_ino;
    }
  }
  return out;
}

std::vector<std::string> hrefs(const std::string& html) {
  std::vector<std::string> out;
  static const std::regex href("href=\"([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), href), end; it != end; ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

}  // namespace gongkai::testing
