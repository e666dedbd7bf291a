// gongkai — loading, validating and canonicalising a definitions folder (docs/definitions.md).
//
// One Loader reads every file in a fixed order (domains, channels, units, escalation, catalogue/
// sorted by name), checks each value where it stands and each reference against what the earlier
// files defined, and collects every error it finds. load_definitions returns the first of them,
// validate_definitions all. Nothing of nlohmann's (exceptions included) leaves this file.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/definition_json.h"
#include "engine/sha256.h"
#include "engine/strict_json.h"
#include "engine/utf8.h"
#include "gongkai/definitions.h"

namespace gongkai {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// clang-format off
constexpr std::pair<DisclosureKind, const char*> kKinds[] = {
  {DisclosureKind::decision,   "decision"},
  {DisclosureKind::execution,  "execution"},
  {DisclosureKind::management, "management"},
  {DisclosureKind::service,    "service"},
  {DisclosureKind::result,     "result"},
};
constexpr std::pair<TimeUnit, const char*> kUnits[] = {
  {TimeUnit::working_days,  "working_days"},
  {TimeUnit::calendar_days, "calendar_days"},
  {TimeUnit::hours,         "hours"},
};
// clang-format on

constexpr const char* kAudiences[] = {"全社会", "特定群体"};
constexpr const char* kModes[] = {"主动", "依申请"};
constexpr const char* kLevels[] = {"县级", "乡级", "村级"};
constexpr const char* kNotify[] = {"responsible_body", "supervisor"};

// The required files, in load order.
constexpr const char* kDomainsFile = "domains.json";
constexpr const char* kChannelsFile = "channels.json";
constexpr const char* kUnitsFile = "units.json";
constexpr const char* kEscalationFile = "escalation.json";
constexpr const char* kCatalogueDir = "catalogue";
constexpr const char* kCanonicalLabel = "canonical_json";
constexpr const char* kWebsite = "website";
constexpr const char* kDefaultCalendar = "cn";

// A definitions file larger than this is refused (the shipped catalogue is a few hundred KiB).
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{64} << 20;

// ---- small text helpers -------------------------------------------------------------------------

using strict_json::child;

// `text` as a JSON string literal for a message, cut after 60 code points.
std::string quote(const std::string& text) {
  constexpr std::size_t kMaxCodePoints = 60;
  std::size_t code_points = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (code_points == kMaxCodePoints) break;
      ++code_points;
    }
  }
  const bool cut = i < text.size();
  std::string quoted = json(text.substr(0, i)).dump(-1, ' ', false, json::error_handler_t::replace);
  if (cut) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

// "an object", "a string", ... for `v`'s JSON type.
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
      return "a number with a fraction or exponent";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    default:
      return "an unsupported value";
  }
}

template <typename Range>
std::string join(const Range& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

bool is_lower_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// snake_case: [a-z][a-z0-9_]*
bool is_snake(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_lower_or_digit(c) || c == '_'; });
}

// [a-z0-9_.-]+ (standard and calendar ids)
bool is_dotted_id(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_lower_or_digit(c) || c == '_' || c == '.' || c == '-';
  });
}

// [a-z0-9_]+ (the part of a unit id after "<province>.")
bool is_unit_suffix(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_lower_or_digit(c) || c == '_'; });
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// ---- the loader -------------------------------------------------------------------------------

// How small a duration's amount may be.
enum class AmountRule {
  zero_ok,         // >= 0 in every unit (offsets, response windows)
  hours_positive,  // >= 0, but > 0 in hours (deadline limits)
  positive,        // > 0 in every unit (extensions, notice periods)
};

class Loader {
 public:
  std::vector<Status> errors;
  DefinitionSet set;

  // Loads a definitions folder.
  void load_folder(const std::string& directory) {
    std::error_code ec;
    const fs::path root(directory);
    const auto status = fs::status(root, ec);
    if (!fs::exists(status)) {
      file_ = directory;
      error(Errc::definition_io_error, "",
            status.type() == fs::file_type::not_found
                ? std::string("the definitions folder does not exist")
                : "the definitions folder cannot be read: " + ec.message());
      return;
    }
    if (!fs::is_directory(status)) {
      file_ = directory;
      error(Errc::definition_io_error, "", "is not a folder");
      return;
    }

    if (const json* doc = read_document(root, kDomainsFile)) {
      if (root_object(*doc, {"domains"})) {
        if (const json* v = field(*doc, "", "domains")) domains(*v, "/domains");
      }
    }
    domains_known_ = !domain_at_.empty();

    if (const json* doc = read_document(root, kChannelsFile)) {
      if (root_object(*doc, {"channels"})) {
        if (const json* v = field(*doc, "", "channels")) channels(*v, "/channels");
      }
    }
    channels_known_ = !channel_at_.empty();

    if (const json* doc = read_document(root, kUnitsFile)) {
      if (root_object(*doc, {"groups", "provinces", "units"})) units_sections(*doc, "");
    }

    if (const json* doc = read_document(root, kEscalationFile)) {
      if (root_object(*doc, {"default_escalation"})) {
        if (const json* v = field(*doc, "", "default_escalation")) {
          ladder(*v, "/default_escalation", set.default_escalation);
        }
      }
    }

    const fs::path catalogue = root / kCatalogueDir;
    const auto cat_status = fs::status(catalogue, ec);
    if (!fs::is_directory(cat_status)) {
      file_ = std::string(kCatalogueDir) + "/";
      error(Errc::definition_io_error, "",
            fs::exists(cat_status) ? "is not a folder" : "the catalogue folder is missing");
      return;
    }
    std::vector<std::string> names;
    for (fs::directory_iterator it(catalogue, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) {
      file_ = std::string(kCatalogueDir) + "/";
      error(Errc::definition_io_error, "", "cannot be listed: " + ec.message());
      return;
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string relative = std::string(kCatalogueDir) + "/" + name;
      const bool json_name = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
      if (!json_name || !fs::is_regular_file(catalogue / name, ec)) {
        file_ = relative;
        error(Errc::definition_unknown_field, "",
              "unexpected entry (catalogue/ holds only *.json files)");
        continue;
      }
      if (const json* doc = read_document(root, relative)) {
        if (root_object(*doc, {"standards"})) {
          if (const json* v = field(*doc, "", "standards")) standards(*v, "/standards");
        }
      }
    }
  }

  // Loads the canonical form of a set.
  void load_canonical(const std::string& text) {
    file_ = kCanonicalLabel;
    std::optional<json> doc = parse(text);
    if (!doc) return;
    if (!root_object(*doc, {"canonical_format", "channels", "default_escalation", "domains",
                            "groups", "provinces", "standards", "units"})) {
      return;
    }
    std::int64_t format = 0;
    if (const json* v = field(*doc, "", "canonical_format")) {
      if (integer(*v, "/canonical_format", 0, INT64_MAX, format) &&
          format != definition_json::kCanonicalFormat) {
        error(Errc::definition_invalid_value, "/canonical_format",
              std::to_string(format) + " is not a canonical format this gongkai reads (" +
                  std::to_string(definition_json::kCanonicalFormat) + ")");
        return;
      }
    }
    if (const json* v = field(*doc, "", "domains")) domains(*v, "/domains");
    domains_known_ = !domain_at_.empty();
    if (const json* v = field(*doc, "", "channels")) channels(*v, "/channels");
    channels_known_ = !channel_at_.empty();
    units_sections(*doc, "");
    if (const json* v = field(*doc, "", "default_escalation")) {
      ladder(*v, "/default_escalation", set.default_escalation);
    }
    if (const json* v = field(*doc, "", "standards")) standards(*v, "/standards");
  }

  // Fills in the digest and the canonical text. Call only when there are no errors.
  Status finish() {
    try {
      set.canonical_json = definition_json::to_canonical(set).dump();
    } catch (const std::exception& ex) {
      return Status(Errc::internal, std::string("cannot serialise the definitions: ") + ex.what());
    }
    set.digest = gongkai::sha256_hex(set.canonical_json);
    if (set.digest.empty()) return Status(Errc::internal, "SHA-256 is not available from OpenSSL");
    return Status::Ok();
  }

 private:
  // ---- errors

  void error(Errc code, const std::string& ptr, const std::string& what) {
    std::string message = file_;
    message += ": ";
    if (!ptr.empty()) {
      message += ptr;
      message += ": ";
    }
    message += what;
    errors.emplace_back(code, std::move(message));
  }

  void wrong_type(const json& v, const std::string& ptr, const std::string& expected) {
    error(Errc::definition_wrong_type, ptr, "expected " + expected + ", found " + type_phrase(v));
  }

  std::string here(const std::string& ptr) const { return file_ + ": " + ptr; }

  // ---- files

  // Reads and parses `relative` under `root`; nullptr (with an error) when it cannot. The document
  // lives until the next call.
  const json* read_document(const fs::path& root, const std::string& relative) {
    file_ = relative;
    const fs::path path = root / relative;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) {
      error(Errc::definition_io_error, "",
            status.type() == fs::file_type::not_found ? std::string("the file is missing")
                                                      : "cannot be read: " + ec.message());
      return nullptr;
    }
    if (!fs::is_regular_file(status)) {
      error(Errc::definition_io_error, "", "is not a regular file");
      return nullptr;
    }
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxFileBytes) {
      error(Errc::definition_io_error, "",
            "the file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
      return nullptr;
    }
    std::string text;
    std::FILE* f = std::fopen(path.string().c_str(), "rb");
    if (f == nullptr) {
      error(Errc::definition_io_error, "", std::string("cannot be read: ") + std::strerror(errno));
      return nullptr;
    }
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
      text.append(buffer, n);
      if (text.size() > kMaxFileBytes) break;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) {
      error(Errc::definition_io_error, "", "cannot be read");
      return nullptr;
    }
    if (text.size() > kMaxFileBytes) {
      error(Errc::definition_io_error, "",
            "the file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
      return nullptr;
    }
    document_ = parse(text);
    return document_ ? &*document_ : nullptr;
  }

  // Parses `text` strictly: well-formed UTF-8, valid JSON, no repeated keys in an object.
  std::optional<json> parse(const std::string& text) {
    const std::size_t bad = first_invalid_utf8(text);
    if (bad != std::string::npos) {
      std::size_t line = 1;
      std::size_t line_start = 0;
      for (std::size_t i = 0; i < bad; ++i) {
        if (text[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
      }
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
      error(Errc::definition_parse_error, "",
            "invalid UTF-8 at line " + std::to_string(line) + ", column " +
                std::to_string(bad - line_start + 1) + " (byte " + byte + ")");
      return std::nullopt;
    }
    strict_json::ParseResult parsed = strict_json::parse(text);
    if (parsed.ok()) return std::move(parsed.document);
    if (parsed.error.kind == strict_json::ParseError::Kind::repeated_key) {
      error(Errc::definition_parse_error, parsed.error.pointer,
            "the key " + quote(parsed.error.key) + " appears twice in one object");
    } else {
      error(Errc::definition_parse_error, "", parsed.error.reason());
    }
    return std::nullopt;
  }

  // ---- generic field access

  // Checks that `v` is an object with only `known` keys; reports unknown ones. False when `v` is
  // not an object.
  bool object(const json& v, const std::string& ptr, std::initializer_list<const char*> known,
              const char* what) {
    if (!v.is_object()) {
      wrong_type(v, ptr, "an object");
      return false;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      const bool is_known =
          std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
      if (!is_known) {
        error(Errc::definition_unknown_field, child(ptr, it.key()),
              "unknown field " + quote(it.key()) + " (" + what + " has " + join(known) + ")");
      }
    }
    return true;
  }

  bool root_object(const json& doc, std::initializer_list<const char*> known) {
    return object(doc, "", known, "the file");
  }

  // The member `key` of object `obj` at `ptr`; nullptr when absent (an error when `required`).
  const json* field(const json& obj, const std::string& ptr, const char* key,
                    bool required = true) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (required)
        error(Errc::definition_missing_field, child(ptr, key), "missing required field");
      return nullptr;
    }
    return &*it;
  }

  // A non-empty string without surrounding whitespace.
  bool text(const json& v, const std::string& ptr, std::string& out) {
    if (!v.is_string()) {
      wrong_type(v, ptr, "a string");
      return false;
    }
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) {
      error(Errc::definition_invalid_value, ptr, "must not be empty");
      return false;
    }
    if (is_ascii_space(s.front()) || is_ascii_space(s.back())) {
      error(Errc::definition_invalid_value, ptr, quote(s) + " has leading or trailing whitespace");
      return false;
    }
    out = s;
    return true;
  }

  bool text_field(const json& obj, const std::string& ptr, const char* key, std::string& out) {
    const json* v = field(obj, ptr, key);
    return v != nullptr && text(*v, child(ptr, key), out);
  }

  // A text that must match `valid` (described by `shape`).
  bool id_text(const json& v, const std::string& ptr, bool (*valid)(const std::string&),
               const char* shape, std::string& out) {
    if (!text(v, ptr, out)) return false;
    if (!valid(out)) {
      error(Errc::definition_invalid_value, ptr, quote(out) + " is not " + shape);
      return false;
    }
    return true;
  }

  bool id_field(const json& obj, const std::string& ptr, const char* key,
                bool (*valid)(const std::string&), const char* shape, std::string& out) {
    const json* v = field(obj, ptr, key);
    return v != nullptr && id_text(*v, child(ptr, key), valid, shape, out);
  }

  // A text that must be one of `choices`.
  template <std::size_t N>
  bool enum_text(const json& v, const std::string& ptr, const char* const (&choices)[N],
                 std::string& out) {
    if (!text(v, ptr, out)) return false;
    if (std::find_if(std::begin(choices), std::end(choices),
                     [&](const char* c) { return out == c; }) == std::end(choices)) {
      error(Errc::definition_invalid_value, ptr, quote(out) + " is not one of " + join(choices));
      return false;
    }
    return true;
  }

  bool integer(const json& v, const std::string& ptr, std::int64_t min, std::int64_t max,
               std::int64_t& out) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(max)) {
        error(Errc::definition_invalid_value, ptr,
              std::to_string(u) + " is more than " + std::to_string(max));
        return false;
      }
      out = static_cast<std::int64_t>(u);
    } else if (v.is_number_integer()) {
      out = v.get<std::int64_t>();
      if (out > max) {
        error(Errc::definition_invalid_value, ptr,
              std::to_string(out) + " is more than " + std::to_string(max));
        return false;
      }
    } else {
      wrong_type(v, ptr, "an integer");
      return false;
    }
    if (out < min) {
      error(Errc::definition_invalid_value, ptr,
            std::to_string(out) + " is less than " + std::to_string(min));
      return false;
    }
    return true;
  }

  bool boolean(const json& v, const std::string& ptr, bool& out) {
    if (!v.is_boolean()) {
      wrong_type(v, ptr, "true or false");
      return false;
    }
    out = v.get<bool>();
    return true;
  }

  // An array; false (with an error) when `v` is not one, or is empty and `non_empty`.
  bool array(const json& v, const std::string& ptr, bool non_empty) {
    if (!v.is_array()) {
      wrong_type(v, ptr, "an array");
      return false;
    }
    if (non_empty && v.empty()) {
      error(Errc::definition_invalid_value, ptr, "must not be empty");
      return false;
    }
    return true;
  }

  // A non-empty array of texts, none repeated.
  bool text_list(const json& v, const std::string& ptr, std::vector<std::string>& out) {
    if (!array(v, ptr, true)) return false;
    bool ok = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string s;
      if (!text(v[i], child(ptr, i), s)) {
        ok = false;
        continue;
      }
      if (std::find(out.begin(), out.end(), s) != out.end()) {
        error(Errc::definition_duplicate_id, child(ptr, i), quote(s) + " is listed twice");
        ok = false;
        continue;
      }
      out.push_back(std::move(s));
    }
    return ok;
  }

  // Records `id` as defined at `ptr`; reports it when it was defined before.
  bool define(std::map<std::string, std::string>& index, const std::string& id,
              const std::string& ptr, const char* what) {
    const auto [it, inserted] = index.emplace(id, here(ptr));
    if (!inserted) {
      error(Errc::definition_duplicate_id, ptr,
            std::string(what) + " " + quote(id) + " is already defined at " + it->second);
    }
    return inserted;
  }

  // Checks that `id` is in `index` (unless the file defining it could not be read at all).
  bool refer(const std::map<std::string, std::string>& index, bool known, const std::string& id,
             const std::string& ptr, const char* what) {
    if (!known || index.count(id) != 0) return true;
    error(Errc::definition_unknown_reference, ptr, quote(id) + " is not " + what);
    return false;
  }

  // ---- durations and escalation

  bool duration(const json& v, const std::string& ptr, AmountRule rule, Duration& out) {
    if (!object(v, ptr, {"amount", "unit"}, "a duration")) return false;
    bool ok = true;
    std::string unit_text;
    std::optional<TimeUnit> unit;
    if (const json* u = field(v, ptr, "unit")) {
      std::string s;
      if (text(*u, child(ptr, "unit"), s)) {
        unit = definition_json::time_unit_from_string(s);
        if (!unit) {
          std::vector<std::string> names;
          for (const auto& [value, name] : kUnits) names.emplace_back(name);
          error(Errc::definition_invalid_value, child(ptr, "unit"),
                quote(s) + " is not one of " + join(names));
        }
      }
      if (!unit) ok = false;
    } else {
      ok = false;
    }
    std::int64_t amount = 0;
    if (const json* a = field(v, ptr, "amount")) {
      const std::int64_t min = rule == AmountRule::positive ? 1 : 0;
      if (!integer(*a, child(ptr, "amount"), min, definition_json::kMaxAmount, amount)) {
        ok = false;
      } else if (rule == AmountRule::hours_positive && unit == TimeUnit::hours && amount == 0) {
        error(Errc::definition_invalid_value, child(ptr, "amount"),
              "a limit in hours must be more than 0");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (ok) out = Duration{amount, *unit};
    return ok;
  }

  bool duration_field(const json& obj, const std::string& ptr, const char* key, AmountRule rule,
                      Duration& out) {
    const json* v = field(obj, ptr, key);
    return v != nullptr && duration(*v, child(ptr, key), rule, out);
  }

  // A duration in nominal hours (a day, working or not, counts 24), for ordering only.
  static std::int64_t nominal_hours(const Duration& d) {
    return d.unit == TimeUnit::hours ? d.amount : d.amount * 24;
  }

  static std::string describe(const Duration& d) {
    return std::to_string(d.amount) + " " + to_string(d.unit);
  }

  // An escalation ladder: a non-empty array of steps in time order.
  void ladder(const json& v, const std::string& ptr, std::vector<EscalationStep>& out) {
    if (!array(v, ptr, true)) return;
    std::map<std::string, std::string> names;
    bool all_ok = true;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"step", "offset", "before", "notify"}, "an escalation step")) {
        all_ok = false;
        continue;
      }
      const std::size_t before_errors = errors.size();
      EscalationStep step;
      if (id_field(v[i], p, "step", is_snake, "a snake_case name", step.step)) {
        define(names, step.step, child(p, "step"), "the step");
      }
      duration_field(v[i], p, "offset", AmountRule::zero_ok, step.offset);
      if (const json* b = field(v[i], p, "before", false))
        boolean(*b, child(p, "before"), step.before);
      if (const json* n = field(v[i], p, "notify")) {
        enum_text(*n, child(p, "notify"), kNotify, step.notify);
      }
      if (errors.size() != before_errors) all_ok = false;
      out.push_back(std::move(step));
    }
    if (!all_ok) return;
    for (std::size_t i = 1; i < out.size(); ++i) {
      const auto signed_hours = [](const EscalationStep& s) {
        return s.before ? -nominal_hours(s.offset) : nominal_hours(s.offset);
      };
      if (signed_hours(out[i]) < signed_hours(out[i - 1])) {
        const auto when = [](const EscalationStep& s) {
          return describe(s.offset) + (s.before ? " before" : " after");
        };
        error(Errc::definition_invalid_value, child(child(ptr, i), "offset"),
              "step " + quote(out[i].step) + " (" + when(out[i]) + ") comes before step " +
                  quote(out[i - 1].step) + " (" + when(out[i - 1]) +
                  "); steps must be in time order");
      }
    }
  }

  // ---- domains.json, channels.json

  void domains(const json& v, const std::string& ptr) {
    if (!array(v, ptr, true)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"id", "name"}, "a domain")) continue;
      Domain d;
      if (id_field(v[i], p, "id", is_snake, "a snake_case id", d.id)) {
        define(domain_at_, d.id, child(p, "id"), "the domain");
      }
      text_field(v[i], p, "name", d.name);
      set.domains.push_back(std::move(d));
    }
  }

  void channels(const json& v, const std::string& ptr) {
    if (!array(v, ptr, true)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"id", "name"}, "a channel")) continue;
      ChannelDefinition c;
      if (id_field(v[i], p, "id", is_snake, "a snake_case id", c.id)) {
        define(channel_at_, c.id, child(p, "id"), "the channel");
      }
      text_field(v[i], p, "name", c.name);
      set.channels.push_back(std::move(c));
    }
    if (!channel_at_.empty() && channel_at_.count(kWebsite) == 0) {
      error(Errc::definition_missing_field, ptr,
            "no channel has the id \"website\" (the government website, 第一平台, which every "
            "standard uses)");
    }
  }

  // ---- units.json: groups, provinces, units

  void units_sections(const json& doc, const std::string& ptr) {
    if (const json* v = field(doc, ptr, "groups")) groups(*v, child(ptr, "groups"));
    groups_known_ = !group_at_.empty();
    if (const json* v = field(doc, ptr, "provinces")) provinces(*v, child(ptr, "provinces"));
    provinces_known_ = !province_at_.empty();
    if (const json* v = field(doc, ptr, "units")) units(*v, child(ptr, "units"));
  }

  void groups(const json& v, const std::string& ptr) {
    if (!array(v, ptr, true)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"id", "domains"}, "a group")) continue;
      DomainGroup g;
      if (const json* id = field(v[i], p, "id")) {
        std::int64_t n = 0;
        if (integer(*id, child(p, "id"), 1, 1000000, n)) {
          g.id = static_cast<int>(n);
          define(group_at_, std::to_string(n), child(p, "id"), "the group");
        }
      }
      if (const json* d = field(v[i], p, "domains")) {
        const std::string dp = child(p, "domains");
        if (text_list(*d, dp, g.domains)) {
          for (std::size_t k = 0; k < g.domains.size(); ++k) {
            refer(domain_at_, domains_known_, g.domains[k], child(dp, k), "a domain id");
          }
        }
      }
      set.groups.push_back(std::move(g));
    }
  }

  void provinces(const json& v, const std::string& ptr) {
    if (!array(v, ptr, true)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"id", "name", "group", "extra_domains", "calendar"}, "a province")) {
        continue;
      }
      Province pr;
      if (id_field(v[i], p, "id", is_snake, "a snake_case id", pr.id)) {
        define(province_at_, pr.id, child(p, "id"), "the province");
      }
      text_field(v[i], p, "name", pr.name);
      const DomainGroup* group = nullptr;
      if (const json* g = field(v[i], p, "group")) {
        std::int64_t n = 0;
        if (integer(*g, child(p, "group"), 1, 1000000, n)) {
          pr.group = static_cast<int>(n);
          if (refer(group_at_, groups_known_, std::to_string(n), child(p, "group"),
                    "a group id of units.json /groups")) {
            for (const auto& candidate : set.groups) {
              if (candidate.id == pr.group) group = &candidate;
            }
          }
        }
      }
      if (const json* e = field(v[i], p, "extra_domains")) {
        const std::string ep = child(p, "extra_domains");
        if (array(*e, ep, false)) {
          for (std::size_t k = 0; k < e->size(); ++k) {
            std::string d;
            if (!id_text((*e)[k], child(ep, k), is_snake, "a snake_case id", d)) continue;
            if (!refer(domain_at_, domains_known_, d, child(ep, k), "a domain id")) continue;
            if (std::find(pr.extra_domains.begin(), pr.extra_domains.end(), d) !=
                pr.extra_domains.end()) {
              error(Errc::definition_duplicate_id, child(ep, k), quote(d) + " is listed twice");
              continue;
            }
            if (group != nullptr && std::find(group->domains.begin(), group->domains.end(), d) !=
                                        group->domains.end()) {
              error(Errc::definition_duplicate_id, child(ep, k),
                    quote(d) + " is already a domain of group " + std::to_string(group->id));
              continue;
            }
            pr.extra_domains.push_back(std::move(d));
          }
        }
      }
      pr.calendar = kDefaultCalendar;
      if (const json* c = field(v[i], p, "calendar", false)) {
        id_text(*c, child(p, "calendar"), is_dotted_id, "a calendar id ([a-z0-9_.-]+)",
                pr.calendar);
      }
      set.provinces.push_back(std::move(pr));
    }
  }

  void units(const json& v, const std::string& ptr) {
    if (!array(v, ptr, true)) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p, {"id", "name", "province", "calendar"}, "a unit")) continue;
      Unit u;
      const bool id_ok = text_field(v[i], p, "id", u.id);
      text_field(v[i], p, "name", u.name);
      const Province* province = nullptr;
      if (id_field(v[i], p, "province", is_snake, "a snake_case id", u.province) &&
          refer(province_at_, provinces_known_, u.province, child(p, "province"),
                "a province id of units.json /provinces")) {
        for (const auto& candidate : set.provinces) {
          if (candidate.id == u.province) province = &candidate;
        }
      }
      if (id_ok) {
        const auto dot = u.id.find('.');
        const std::string prefix = dot == std::string::npos ? std::string() : u.id.substr(0, dot);
        const std::string suffix = dot == std::string::npos ? std::string() : u.id.substr(dot + 1);
        if (!is_snake(prefix) || !is_unit_suffix(suffix)) {
          error(Errc::definition_invalid_value, child(p, "id"),
                quote(u.id) + " is not <province>.<name> in lowercase ascii ([a-z0-9_])");
        } else if (!u.province.empty() && prefix != u.province) {
          error(Errc::definition_invalid_value, child(p, "id"),
                quote(u.id) + " does not start with its province " + quote(u.province + "."));
        } else {
          define(unit_at_, u.id, child(p, "id"), "the unit");
        }
      }
      u.calendar = province != nullptr ? province->calendar : std::string(kDefaultCalendar);
      if (const json* c = field(v[i], p, "calendar", false)) {
        id_text(*c, child(p, "calendar"), is_dotted_id, "a calendar id ([a-z0-9_.-]+)", u.calendar);
      }
      set.units.push_back(std::move(u));
    }
  }

  // ---- catalogue

  void standards(const json& v, const std::string& ptr) {
    if (!array(v, ptr, false)) return;
    for (std::size_t i = 0; i < v.size(); ++i) standard(v[i], child(ptr, i));
  }

  void standard(const json& v, const std::string& p) {
    if (!object(v, p,
                {"id", "name", "kind", "domain", "legal_basis", "content", "responsible_body",
                 "supervisor", "time_limit", "deadlines", "channels", "audience", "mode", "levels",
                 "interpretation_required", "response_window", "notice_period"},
                "a standard")) {
      return;
    }
    ItemStandard s;
    if (id_field(v, p, "id", is_dotted_id, "a standard id ([a-z0-9_.-]+)", s.id)) {
      define(standard_at_, s.id, child(p, "id"), "the standard");
    }
    if (const json* n = field(v, p, "name")) {
      const std::string np = child(p, "name");
      if (object(*n, np, {"level1", "level2"}, "a name")) {
        text_field(*n, np, "level1", s.name_level1);
        text_field(*n, np, "level2", s.name_level2);
      }
    }
    if (const json* k = field(v, p, "kind")) {
      std::string kind;
      if (text(*k, child(p, "kind"), kind)) {
        if (const auto parsed = definition_json::disclosure_kind_from_string(kind)) {
          s.kind = *parsed;
        } else {
          std::vector<std::string> names;
          for (const auto& [value, name] : kKinds) names.emplace_back(name);
          error(Errc::definition_invalid_value, child(p, "kind"),
                quote(kind) + " is not one of " + join(names));
        }
      }
    }
    if (id_field(v, p, "domain", is_snake, "a snake_case id", s.domain)) {
      refer(domain_at_, domains_known_, s.domain, child(p, "domain"),
            "a domain id of domains.json");
    }
    if (const json* l = field(v, p, "legal_basis"))
      text_list(*l, child(p, "legal_basis"), s.legal_basis);
    if (const json* c = field(v, p, "content")) {
      text_list(*c, child(p, "content"), s.content_elements);
    }
    text_field(v, p, "responsible_body", s.responsible_body);
    text_field(v, p, "supervisor", s.supervisor);
    text_field(v, p, "time_limit", s.time_limit_text);

    bool interpretation_known = false;
    if (const json* b = field(v, p, "interpretation_required")) {
      interpretation_known =
          boolean(*b, child(p, "interpretation_required"), s.interpretation_required);
    }
    if (const json* d = field(v, p, "deadlines")) {
      deadlines(*d, child(p, "deadlines"), interpretation_known, s);
    }

    if (const json* c = field(v, p, "channels")) {
      const std::string cp = child(p, "channels");
      if (text_list(*c, cp, s.channels)) {
        bool refs_ok = true;
        for (std::size_t k = 0; k < s.channels.size(); ++k) {
          refs_ok &= refer(channel_at_, channels_known_, s.channels[k], child(cp, k),
                           "a channel id of channels.json");
        }
        if (refs_ok &&
            std::find(s.channels.begin(), s.channels.end(), kWebsite) == s.channels.end()) {
          error(Errc::definition_invalid_value, cp,
                "must include \"website\" (the government website is the first platform, "
                "第一平台)");
        }
      }
    }
    if (const json* a = field(v, p, "audience"))
      enum_text(*a, child(p, "audience"), kAudiences, s.audience);
    if (const json* m = field(v, p, "mode")) enum_text(*m, child(p, "mode"), kModes, s.mode);
    if (const json* l = field(v, p, "levels")) {
      const std::string lp = child(p, "levels");
      if (array(*l, lp, true)) {
        for (std::size_t k = 0; k < l->size(); ++k) {
          std::string level;
          if (!enum_text((*l)[k], child(lp, k), kLevels, level)) continue;
          if (std::find(s.levels.begin(), s.levels.end(), level) != s.levels.end()) {
            error(Errc::definition_duplicate_id, child(lp, k), quote(level) + " is listed twice");
            continue;
          }
          s.levels.push_back(std::move(level));
        }
      }
    }
    duration_field(v, p, "response_window", AmountRule::zero_ok, s.response_window);
    if (const json* n = field(v, p, "notice_period", false)) {
      Duration d;
      if (duration(*n, child(p, "notice_period"), AmountRule::positive, d)) s.notice_period = d;
    }
    set.standards.push_back(std::move(s));
  }

  void deadlines(const json& v, const std::string& ptr, bool interpretation_known,
                 ItemStandard& s) {
    if (!array(v, ptr, true)) return;
    bool kinds_complete = true;
    std::map<std::string, std::string> kinds;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = child(ptr, i);
      if (!object(v[i], p,
                  {"kind", "trigger", "limit", "major_limit", "max_extension", "time_limit",
                   "basis", "escalation"},
                  "a deadline")) {
        kinds_complete = false;
        continue;
      }
      DeadlineRule r;
      if (id_field(v[i], p, "kind", is_snake, "a snake_case name", r.kind)) {
        define(kinds, r.kind, child(p, "kind"), "a deadline of kind");
      } else {
        kinds_complete = false;
      }
      id_field(v[i], p, "trigger", is_snake, "a snake_case name", r.trigger);
      const bool limit_ok = duration_field(v[i], p, "limit", AmountRule::hours_positive, r.limit);
      if (const json* m = field(v[i], p, "major_limit", false)) {
        const std::string mp = child(p, "major_limit");
        Duration d;
        if (duration(*m, mp, AmountRule::hours_positive, d)) {
          if (!r.kind.empty() && r.kind != "concern_response") {
            error(Errc::definition_invalid_value, mp,
                  "only a concern_response deadline has a major_limit");
          } else if (limit_ok && nominal_hours(d) > nominal_hours(r.limit)) {
            error(Errc::definition_invalid_value, mp,
                  "the limit for a major concern (" + describe(d) +
                      ") is longer than the ordinary limit (" + describe(r.limit) + ")");
          } else {
            r.major_limit = d;
          }
        }
      } else if (r.kind == "concern_response") {
        error(Errc::definition_missing_field, child(p, "major_limit"),
              "missing required field (a concern_response deadline needs the limit for major "
              "concerns, e.g. 5 hours)");
      }
      if (const json* x = field(v[i], p, "max_extension", false)) {
        Duration d;
        const std::string xp = child(p, "max_extension");
        if (duration(*x, xp, AmountRule::positive, d)) {
          // An extension adds to the deadline in its own unit: a cap in another unit could never
          // be used (legal_time.md: "in the same unit").
          if (limit_ok && d.unit != r.limit.unit) {
            error(Errc::definition_invalid_value, child(xp, "unit"),
                  std::string("the extension cap is in ") + to_string(d.unit) +
                      " but the limit is in " + to_string(r.limit.unit) +
                      "; an extension is counted in the limit's unit");
          } else {
            r.max_extension = d;
          }
        }
      }
      // The rule's own wording and legal basis, for `item explain`.
      if (field(v[i], p, "time_limit", false)) text_field(v[i], p, "time_limit", r.time_limit_text);
      if (field(v[i], p, "basis", false)) text_field(v[i], p, "basis", r.legal_basis);
      if (const json* e = field(v[i], p, "escalation", false)) {
        ladder(*e, child(p, "escalation"), r.escalation);
      }
      if (r.kind == "interpretation" && interpretation_known && !s.interpretation_required) {
        error(Errc::definition_invalid_value, child(p, "kind"),
              "an interpretation deadline on a standard whose interpretation_required is false");
      }
      s.deadlines.push_back(std::move(r));
    }
    if (!kinds_complete) return;
    for (const char* required : {"publication", "concern_response"}) {
      if (kinds.count(required) == 0) {
        error(Errc::definition_missing_field, ptr,
              std::string("no \"") + required + "\" deadline (every standard has one)");
      }
    }
    if (interpretation_known && s.interpretation_required && kinds.count("interpretation") == 0) {
      error(Errc::definition_missing_field, ptr,
            "interpretation_required is true but there is no \"interpretation\" deadline");
    }
  }

  // ---- state

  std::string file_;  // the file being read, relative to the folder (or "canonical_json")
  std::optional<json> document_;
  std::map<std::string, std::string> domain_at_, channel_at_, group_at_, province_at_, unit_at_,
      standard_at_;
  bool domains_known_ = true;
  bool channels_known_ = true;
  bool groups_known_ = true;
  bool provinces_known_ = true;
};

}  // namespace

// ---- public: enum spellings --------------------------------------------------------------------

const char* to_string(DisclosureKind kind) noexcept {
  for (const auto& [value, name] : kKinds) {
    if (value == kind) return name;
  }
  return "unknown";
}

const char* to_string(TimeUnit unit) noexcept {
  for (const auto& [value, name] : kUnits) {
    if (value == unit) return name;
  }
  return "unknown";
}

// ---- public: loading ---------------------------------------------------------------------------

Result<DefinitionSet> load_definitions(const std::string& directory) {
  try {
    Loader loader;
    loader.load_folder(directory);
    if (!loader.errors.empty()) return loader.errors.front();
    Status finished = loader.finish();
    if (!finished.ok()) return finished;
    return std::move(loader.set);
  } catch (const std::exception& ex) {
    return Status(Errc::internal, std::string("loading definitions failed: ") + ex.what());
  }
}

std::vector<Status> validate_definitions(const std::string& directory) {
  try {
    Loader loader;
    loader.load_folder(directory);
    return std::move(loader.errors);
  } catch (const std::exception& ex) {
    return {Status(Errc::internal, std::string("validating definitions failed: ") + ex.what())};
  }
}

Result<DefinitionSet> definitions_from_canonical_json(const std::string& canonical_json) {
  try {
    Loader loader;
    loader.load_canonical(canonical_json);
    if (!loader.errors.empty()) return loader.errors.front();
    Status finished = loader.finish();
    if (!finished.ok()) return finished;
    return std::move(loader.set);
  } catch (const std::exception& ex) {
    return Status(Errc::internal,
                  std::string("reading canonical definitions failed: ") + ex.what());
  }
}

// ---- definition_json ---------------------------------------------------------------------------

namespace definition_json {

std::optional<DisclosureKind> disclosure_kind_from_string(std::string_view text) noexcept {
  for (const auto& [value, name] : kKinds) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::optional<TimeUnit> time_unit_from_string(std::string_view text) noexcept {
  for (const auto& [value, name] : kUnits) {
    if (text == name) return value;
  }
  return std::nullopt;
}

json to_json(const Duration& d) {
  return json{{"amount", d.amount}, {"unit", to_string(d.unit)}};
}

json to_json(const EscalationStep& s) {
  return json{
      {"step", s.step}, {"offset", to_json(s.offset)}, {"before", s.before}, {"notify", s.notify}};
}

json to_json(const DeadlineRule& r) {
  json j{{"kind", r.kind}, {"trigger", r.trigger}, {"limit", to_json(r.limit)}};
  if (r.major_limit) j["major_limit"] = to_json(*r.major_limit);
  if (r.max_extension) j["max_extension"] = to_json(*r.max_extension);
  if (!r.time_limit_text.empty()) j["time_limit"] = r.time_limit_text;
  if (!r.legal_basis.empty()) j["basis"] = r.legal_basis;
  if (!r.escalation.empty()) {
    json steps = json::array();
    for (const auto& step : r.escalation) steps.push_back(to_json(step));
    j["escalation"] = std::move(steps);
  }
  return j;
}

json to_json(const ItemStandard& s) {
  json deadlines = json::array();
  for (const auto& r : s.deadlines) deadlines.push_back(to_json(r));
  json j{{"id", s.id},
         {"name", {{"level1", s.name_level1}, {"level2", s.name_level2}}},
         {"kind", to_string(s.kind)},
         {"domain", s.domain},
         {"legal_basis", s.legal_basis},
         {"content", s.content_elements},
         {"responsible_body", s.responsible_body},
         {"supervisor", s.supervisor},
         {"time_limit", s.time_limit_text},
         {"deadlines", std::move(deadlines)},
         {"channels", s.channels},
         {"audience", s.audience},
         {"mode", s.mode},
         {"levels", s.levels},
         {"interpretation_required", s.interpretation_required},
         {"response_window", to_json(s.response_window)}};
  if (s.notice_period) j["notice_period"] = to_json(*s.notice_period);
  return j;
}

json to_canonical(const DefinitionSet& set) {
  json domains = json::array();
  for (const auto& d : set.domains) domains.push_back(json{{"id", d.id}, {"name", d.name}});
  json channels = json::array();
  for (const auto& c : set.channels) channels.push_back(json{{"id", c.id}, {"name", c.name}});
  json groups = json::array();
  for (const auto& g : set.groups) groups.push_back(json{{"id", g.id}, {"domains", g.domains}});
  json provinces = json::array();
  for (const auto& p : set.provinces) {
    provinces.push_back(json{{"id", p.id},
                             {"name", p.name},
                             {"group", p.group},
                             {"extra_domains", p.extra_domains},
                             {"calendar", p.calendar.empty() ? kDefaultCalendar : p.calendar}});
  }
  json units = json::array();
  for (const auto& u : set.units) {
    std::string calendar = u.calendar;
    if (calendar.empty()) {
      const Province* p = set.find_province(u.province);
      calendar = p != nullptr && !p->calendar.empty() ? p->calendar : kDefaultCalendar;
    }
    units.push_back(
        json{{"id", u.id}, {"name", u.name}, {"province", u.province}, {"calendar", calendar}});
  }
  json ladder = json::array();
  for (const auto& step : set.default_escalation) ladder.push_back(to_json(step));
  std::vector<const ItemStandard*> sorted;
  sorted.reserve(set.standards.size());
  for (const auto& s : set.standards) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(),
            [](const ItemStandard* a, const ItemStandard* b) { return a->id < b->id; });
  json standards = json::array();
  for (const ItemStandard* s : sorted) standards.push_back(to_json(*s));
  return json{{"canonical_format", kCanonicalFormat},    {"domains", std::move(domains)},
              {"channels", std::move(channels)},         {"groups", std::move(groups)},
              {"provinces", std::move(provinces)},       {"units", std::move(units)},
              {"default_escalation", std::move(ladder)}, {"standards", std::move(standards)}};
}

}  // namespace definition_json
}  // namespace gongkai
