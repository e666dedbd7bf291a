// Loading calendar files: strict JSON, strict validation, versions folded into the holidays in
// force at each version, and the files checked together (ids, bases). Format: docs/calendar.md.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/strict_json.h"
#include "gongkai/calendar.h"

namespace gongkai {
namespace {

using json = nlohmann::json;

// Calendar files larger than this are refused (cn.json is about 20 KiB).
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{16} << 20;
// A holiday longer than this is taken for a typo.
constexpr std::int64_t kMaxHolidayDays = 60;
// Years a calendar may cover.
constexpr std::int64_t kMinYear = 1900;
constexpr std::int64_t kMaxYear = 9000;

// A validation failure, thrown inside this file only and turned into a Status at its edge.
struct Failure {
  Status status;
};

using strict_json::child;

std::string type_phrase(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_float:
      return "a fractional number";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    default:
      return "a binary value";
  }
}

std::string json_quoted(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool is_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string years_text(const std::set<int>& years) {
  if (years.empty()) return "none";
  std::string out;
  auto it = years.begin();
  while (it != years.end()) {
    const int first = *it;
    int last = first;
    ++it;
    while (it != years.end() && *it == last + 1) {
      last = *it;
      ++it;
    }
    if (!out.empty()) out += ", ";
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

// ---- one file -----------------------------------------------------------------------------------

class FileLoader {
 public:
  explicit FileLoader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(Errc code, const std::string& ptr, const std::string& what) const {
    std::string message = file_ + ": ";
    if (!ptr.empty()) message += ptr + ": ";
    message += what;
    const json details = {{"file", file_}, {"pointer", ptr}};
    throw Failure{Status(code, std::move(message), details.dump())};
  }

  CalendarDefinition load(const std::string& text, const std::string& expected_id) const {
    strict_json::ParseResult parsed = strict_json::parse(text);
    if (!parsed.ok()) {
      if (parsed.error.kind == strict_json::ParseError::Kind::repeated_key) {
        fail(Errc::definition_parse_error, parsed.error.pointer, "the key appears twice");
      }
      fail(Errc::definition_parse_error, "", "not valid JSON: " + parsed.error.reason());
    }
    return calendar(*parsed.document, expected_id);
  }

 private:
  // Checks that `v` is an object with every `required` key and no key outside required+optional.
  void object(const json& v, const std::string& ptr, std::initializer_list<const char*> required,
              std::initializer_list<const char*> optional, const char* what) const {
    if (!v.is_object()) {
      fail(Errc::definition_wrong_type, ptr,
           std::string("expected ") + what + " (an object), found " + type_phrase(v));
    }
    for (const auto& item : v.items()) {
      const bool known = std::any_of(required.begin(), required.end(),
                                     [&](const char* k) { return item.key() == k; }) ||
                         std::any_of(optional.begin(), optional.end(),
                                     [&](const char* k) { return item.key() == k; });
      if (!known) {
        std::string allowed;
        for (const char* k : required) allowed += std::string(allowed.empty() ? "" : ", ") + k;
        for (const char* k : optional) allowed += std::string(allowed.empty() ? "" : ", ") + k;
        fail(Errc::definition_unknown_field, child(ptr, item.key()),
             std::string("unknown field in ") + what + " (allowed: " + allowed + ")");
      }
    }
    for (const char* k : required) {
      if (!v.contains(k)) {
        fail(Errc::definition_missing_field, child(ptr, k),
             std::string(what) + " needs the field \"" + k + "\"");
      }
    }
  }

  std::string text(const json& v, const std::string& ptr) const {
    if (!v.is_string())
      fail(Errc::definition_wrong_type, ptr, "expected a string, found " + type_phrase(v));
    const std::string s = v.get<std::string>();
    if (s.empty()) fail(Errc::definition_invalid_value, ptr, "must not be empty");
    return s;
  }

  std::string optional_text(const json& obj, const std::string& ptr, const char* key) const {
    if (!obj.contains(key)) return std::string();
    const json& v = obj.at(key);
    if (!v.is_string()) {
      fail(Errc::definition_wrong_type, child(ptr, key),
           "expected a string, found " + type_phrase(v));
    }
    return v.get<std::string>();
  }

  std::int64_t integer(const json& v, const std::string& ptr, std::int64_t lo,
                       std::int64_t hi) const {
    if (!v.is_number_integer()) {
      fail(Errc::definition_wrong_type, ptr, "expected an integer, found " + type_phrase(v));
    }
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
      fail(Errc::definition_invalid_value, ptr,
           "must be " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    const std::int64_t n = v.get<std::int64_t>();
    if (n < lo || n > hi) {
      fail(Errc::definition_invalid_value, ptr,
           std::to_string(n) + " is not in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    return n;
  }

  Date date(const json& v, const std::string& ptr) const {
    if (!v.is_string()) {
      fail(Errc::definition_wrong_type, ptr,
           "expected a date string (YYYY-MM-DD), found " + type_phrase(v));
    }
    const std::string s = v.get<std::string>();
    Result<Date> d = parse_date(s);
    if (!d.ok() || s.size() != 10) {
      fail(Errc::definition_invalid_value, ptr, json_quoted(s) + " is not a date (YYYY-MM-DD)");
    }
    if (d->year < kMinYear || d->year > kMaxYear) {
      fail(Errc::definition_invalid_value, ptr, json_quoted(s) + " is outside the years 1900-9000");
    }
    return *d;
  }

  const json& array(const json& v, const std::string& ptr) const {
    if (!v.is_array())
      fail(Errc::definition_wrong_type, ptr, "expected an array, found " + type_phrase(v));
    return v;
  }

  CalendarDefinition calendar(const json& doc, const std::string& expected_id) const {
    object(doc, "", {"id", "name", "versions"}, {"description", "base", "base_version"},
           "a calendar");
    CalendarDefinition def;
    def.file = file_;
    def.id = text(doc.at("id"), "/id");
    if (!is_id(def.id)) {
      fail(Errc::definition_invalid_value, "/id",
           json_quoted(def.id) + " is not a calendar id ([a-z0-9_.-]+, at most 64 characters)");
    }
    if (!expected_id.empty() && def.id != expected_id) {
      fail(Errc::definition_invalid_value, "/id",
           json_quoted(def.id) + " does not match the file name (expected " +
               json_quoted(expected_id) + ")");
    }
    def.name = text(doc.at("name"), "/name");
    def.description = optional_text(doc, "", "description");
    if (doc.contains("base")) {
      def.base = text(doc.at("base"), "/base");
      if (!is_id(def.base)) {
        fail(Errc::definition_invalid_value, "/base",
             json_quoted(def.base) + " is not a calendar id");
      }
    }
    if (doc.contains("base_version")) {
      def.base_version =
          static_cast<int>(integer(doc.at("base_version"), "/base_version", 1, 1000000));
      if (def.base.empty()) {
        fail(Errc::definition_invalid_value, "/base_version", "is only allowed with \"base\"");
      }
    }
    const json& versions = array(doc.at("versions"), "/versions");
    if (versions.empty()) fail(Errc::definition_invalid_value, "/versions", "must not be empty");
    fold_versions(versions, def);
    return def;
  }

  // The state while the versions are folded.
  struct HolidayKey {
    std::string name;
    std::int64_t from;
    std::int64_t to;
    bool operator<(const HolidayKey& o) const {
      return std::tie(from, to, name) < std::tie(o.from, o.to, o.name);
    }
  };
  struct DayOwner {
    DayKind kind;
    HolidayKey holiday;
  };

  static std::string describe(const Holiday& h) {
    return h.name + " (" + h.from.to_string() + ".." + h.to.to_string() + ")";
  }

  void fold_versions(const json& versions, CalendarDefinition& def) const {
    std::map<HolidayKey, Holiday> in_force;
    std::map<std::int64_t, DayOwner> days;
    std::set<int> covered;
    Date last_published;
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const std::string vp = child("/versions", i);
      const json& v = versions[i];
      object(v, vp, {"version", "published", "source"},
             {"title", "note", "covers", "withdraws", "holidays"}, "a calendar version");
      CalendarVersion out;
      out.version = static_cast<int>(integer(v.at("version"), child(vp, "version"), 1, 1000000));
      if (out.version != static_cast<int>(i) + 1) {
        fail(Errc::definition_invalid_value, child(vp, "version"),
             "versions are numbered 1, 2, 3, ... in order: expected " + std::to_string(i + 1) +
                 ", found " + std::to_string(out.version));
      }
      out.published = date(v.at("published"), child(vp, "published"));
      if (i > 0 && out.published < last_published) {
        fail(Errc::definition_invalid_value, child(vp, "published"),
             out.published.to_string() + " is before the previous version's " +
                 last_published.to_string() + " (versions are in order of publication)");
      }
      last_published = out.published;
      out.source = text(v.at("source"), child(vp, "source"));
      out.title = optional_text(v, vp, "title");
      out.note = optional_text(v, vp, "note");
      if (!v.contains("covers") && !v.contains("withdraws") &&
          (!v.contains("holidays") || (v.at("holidays").is_array() && v.at("holidays").empty()))) {
        fail(Errc::definition_invalid_value, vp,
             "a version must cover years, withdraw holidays or add holidays");
      }
      if (v.contains("covers")) {
        const std::string cp = child(vp, "covers");
        object(v.at("covers"), cp, {"from_year", "to_year"}, {}, "a year range");
        const auto from =
            integer(v.at("covers").at("from_year"), child(cp, "from_year"), kMinYear, kMaxYear);
        const auto to =
            integer(v.at("covers").at("to_year"), child(cp, "to_year"), kMinYear, kMaxYear);
        if (to < from)
          fail(Errc::definition_invalid_value, child(cp, "to_year"), "is before from_year");
        for (auto y = from; y <= to; ++y) covered.insert(static_cast<int>(y));
      }
      if (v.contains("withdraws")) {
        const std::string wp = child(vp, "withdraws");
        const json& withdraws = array(v.at("withdraws"), wp);
        for (std::size_t j = 0; j < withdraws.size(); ++j) {
          const std::string p = child(wp, j);
          object(withdraws[j], p, {"name", "from", "to"}, {}, "a withdrawal");
          const HolidayKey key{text(withdraws[j].at("name"), child(p, "name")),
                               date(withdraws[j].at("from"), child(p, "from")).days_since_epoch(),
                               date(withdraws[j].at("to"), child(p, "to")).days_since_epoch()};
          auto it = in_force.find(key);
          if (it == in_force.end()) {
            fail(Errc::definition_unknown_reference, p,
                 "no holiday " + key.name + " (" + Date::from_days(key.from).to_string() + ".." +
                     Date::from_days(key.to).to_string() + ") is in force to be withdrawn");
          }
          for (auto d = key.from; d <= key.to; ++d) days.erase(d);
          for (const Date& m : it->second.makeup_workdays) days.erase(m.days_since_epoch());
          in_force.erase(it);
        }
      }
      if (v.contains("holidays")) {
        add_holidays(v.at("holidays"), child(vp, "holidays"), out, covered, in_force, days);
      }
      out.covered_years.assign(covered.begin(), covered.end());
      for (const auto& entry : in_force) out.holidays.push_back(entry.second);
      def.versions.push_back(std::move(out));
    }
  }

  void add_holidays(const json& list, const std::string& hp, const CalendarVersion& version,
                    const std::set<int>& covered, std::map<HolidayKey, Holiday>& in_force,
                    std::map<std::int64_t, DayOwner>& days) const {
    array(list, hp);
    auto check_year = [&](const Date& d, const std::string& ptr) {
      if (covered.count(d.year) == 0 && covered.count(d.year + 1) == 0) {
        fail(Errc::definition_invalid_value, ptr,
             d.to_string() + " lies outside the years the calendar covers at this version (" +
                 years_text(covered) + "; a date may lie in the year before a covered year)");
      }
    };
    std::vector<std::pair<HolidayKey, std::size_t>> added;  // each holiday and its index
    // The days first, so that a make-up day can be checked against every holiday of the version.
    for (std::size_t j = 0; j < list.size(); ++j) {
      const std::string p = child(hp, j);
      object(list[j], p, {"name", "from", "to"}, {"makeup_workdays", "note"}, "a holiday");
      Holiday h;
      h.name = text(list[j].at("name"), child(p, "name"));
      h.from = date(list[j].at("from"), child(p, "from"));
      h.to = date(list[j].at("to"), child(p, "to"));
      optional_text(list[j], p, "note");
      if (h.to < h.from) fail(Errc::definition_invalid_value, child(p, "to"), "is before from");
      if (h.to.days_since_epoch() - h.from.days_since_epoch() + 1 > kMaxHolidayDays) {
        fail(Errc::definition_invalid_value, child(p, "to"),
             "a holiday longer than " + std::to_string(kMaxHolidayDays) + " days");
      }
      check_year(h.from, child(p, "from"));
      check_year(h.to, child(p, "to"));
      h.introduced_in = version.version;
      h.source = version.source;
      const HolidayKey key{h.name, h.from.days_since_epoch(), h.to.days_since_epoch()};
      for (auto d = key.from; d <= key.to; ++d) {
        auto it = days.find(d);
        if (it != days.end()) {
          fail(Errc::definition_invalid_value, p,
               Date::from_days(d).to_string() + " is already " +
                   (it->second.kind == DayKind::holiday ? "a day of "
                                                        : "a make-up working day of ") +
                   describe(in_force.at(it->second.holiday)));
        }
        days[d] = DayOwner{DayKind::holiday, key};
      }
      in_force[key] = h;
      added.emplace_back(key, j);
    }
    for (const auto& [key, j] : added) {
      if (!list[j].contains("makeup_workdays")) continue;
      const std::string mp = child(child(hp, j), "makeup_workdays");
      const json& makeup = array(list[j].at("makeup_workdays"), mp);
      std::vector<Date> dates;
      for (std::size_t k = 0; k < makeup.size(); ++k) {
        const std::string dp = child(mp, k);
        const Date d = date(makeup[k], dp);
        check_year(d, dp);
        if (!d.is_weekend()) {
          fail(Errc::definition_invalid_value, dp,
               d.to_string() +
                   " is not a Saturday or Sunday: only a weekend day can be a make-up "
                   "working day");
        }
        auto it = days.find(d.days_since_epoch());
        if (it != days.end()) {
          fail(Errc::definition_invalid_value, dp,
               d.to_string() + " is already " +
                   (it->second.kind == DayKind::holiday ? "a day of "
                                                        : "a make-up working day of ") +
                   describe(in_force.at(it->second.holiday)));
        }
        days[d.days_since_epoch()] = DayOwner{DayKind::makeup_workday, key};
        dates.push_back(d);
      }
      std::sort(dates.begin(), dates.end());
      in_force[key].makeup_workdays = std::move(dates);
    }
  }

  std::string file_;
};

// ---- the files together -------------------------------------------------------------------------

[[noreturn]] void fail_at(const CalendarDefinition& def, Errc code, const std::string& ptr,
                          const std::string& what) {
  const json details = {{"file", def.file}, {"pointer", ptr}};
  throw Failure{Status(code, def.file + ": " + ptr + ": " + what, details.dump())};
}

void check_together(const std::vector<CalendarDefinition>& defs) {
  std::map<std::string, const CalendarDefinition*> by_id;
  for (const CalendarDefinition& def : defs) {
    auto [it, inserted] = by_id.emplace(def.id, &def);
    if (!inserted) {
      fail_at(def, Errc::definition_duplicate_id, "/id",
              json_quoted(def.id) + " is already the id of " + it->second->file);
    }
  }
  for (const CalendarDefinition& def : defs) {
    if (def.base.empty()) continue;
    auto it = by_id.find(def.base);
    if (it == by_id.end()) {
      fail_at(def, Errc::definition_unknown_reference, "/base",
              "no calendar with id " + json_quoted(def.base));
    }
    if (def.base_version > static_cast<int>(it->second->versions.size())) {
      fail_at(def, Errc::definition_unknown_reference, "/base_version",
              "calendar " + json_quoted(def.base) + " has no version " +
                  std::to_string(def.base_version) + " (it has 1.." +
                  std::to_string(it->second->versions.size()) + ")");
    }
    std::string chain = def.id;
    std::set<std::string> seen{def.id};
    for (const CalendarDefinition* cur = &def; !cur->base.empty();) {
      chain += " -> " + cur->base;
      if (!seen.insert(cur->base).second) {
        fail_at(def, Errc::definition_invalid_value, "/base", "the bases form a cycle: " + chain);
      }
      auto next = by_id.find(cur->base);
      if (next == by_id.end()) break;  // reported for that calendar
      cur = next->second;
    }
  }
}

std::string stem_of(const std::string& name) {
  const std::string base = std::filesystem::path(name).filename().string();
  const std::string ext = ".json";
  if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
    return base.substr(0, base.size() - ext.size());
  }
  return base;
}

}  // namespace

Result<CalendarSet> calendars_from_json(
    const std::vector<std::pair<std::string, std::string>>& files) {
  try {
    std::vector<std::pair<std::string, std::string>> sorted = files;
    std::sort(sorted.begin(), sorted.end());
    std::vector<CalendarDefinition> defs;
    for (const auto& [name, text] : sorted) {
      defs.push_back(FileLoader(name).load(text, stem_of(name)));
    }
    check_together(defs);
    return CalendarSet(std::move(defs));
  } catch (const Failure& f) {
    return f.status;
  } catch (const std::exception& ex) {
    return Status(Errc::internal, std::string("loading calendars failed: ") + ex.what());
  }
}

Result<CalendarSet> load_calendar_directory(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    const json details = {{"file", directory}, {"pointer", ""}};
    return Status(Errc::definition_io_error,
                  directory + ": " +
                      (fs::exists(directory, ec) ? "is not a folder" : "no such calendar folder"),
                  details.dump());
  }
  std::vector<std::string> paths;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code type_ec;
    if (p.extension() == ".json" && it->is_regular_file(type_ec)) paths.push_back(p.string());
  }
  if (ec) {
    return Status(Errc::definition_io_error, directory + ": cannot be listed: " + ec.message());
  }
  std::sort(paths.begin(), paths.end());
  try {
    std::vector<CalendarDefinition> defs;
    for (const std::string& path : paths) {
      std::error_code size_ec;
      const auto size = fs::file_size(path, size_ec);
      std::ifstream in(path, std::ios::binary);
      if (size_ec || !in) {
        return Status(Errc::definition_io_error, path + ": cannot be read",
                      json({{"file", path}, {"pointer", ""}}).dump());
      }
      if (size > kMaxFileBytes) {
        return Status(Errc::definition_io_error, path + ": larger than 16 MiB",
                      json({{"file", path}, {"pointer", ""}}).dump());
      }
      std::ostringstream text;
      text << in.rdbuf();
      defs.push_back(FileLoader(path).load(text.str(), stem_of(path)));
    }
    check_together(defs);
    return CalendarSet(std::move(defs));
  } catch (const Failure& f) {
    return f.status;
  } catch (const std::exception& ex) {
    return Status(Errc::internal, std::string("loading calendars failed: ") + ex.what());
  }
}

}  // namespace gongkai
