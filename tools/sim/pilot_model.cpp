#include "tools/sim/pilot_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "engine/sha256.h"
#include "engine/strict_json.h"

namespace gongkai::sim {
namespace {

using nlohmann::json;

// Reports the first error with the origin and the JSON pointer.
class Checker {
 public:
  explicit Checker(std::string origin) : origin_(std::move(origin)) {}

  Status error(Errc code, const std::string& pointer, const std::string& what) const {
    return Status(code, origin_ + ": " + (pointer.empty() ? "/" : pointer) + ": " + what);
  }

  // Every key of `object` must be one of `known`.
  Status only(const json& object, const std::string& pointer,
              std::initializer_list<const char*> known) const {
    for (const auto& entry : object.items()) {
      const std::string& key = entry.key();  // a structured binding cannot be captured (C++17)
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
        return error(Errc::definition_unknown_field, pointer + "/" + key,
                     "unknown field '" + key + "'");
      }
    }
    return Status::Ok();
  }

  Status object(const json& value, const std::string& pointer) const {
    if (!value.is_object()) return error(Errc::definition_wrong_type, pointer, "must be an object");
    return Status::Ok();
  }

  // A finite number >= 0 (and <= `upper` when given).
  Result<double> number(const json& value, const std::string& pointer, double upper) const {
    if (!value.is_number()) return error(Errc::definition_wrong_type, pointer, "must be a number");
    const double v = value.get<double>();
    if (!std::isfinite(v) || v < 0 || v > upper) {
      return error(Errc::definition_invalid_value, pointer,
                   "must be a number from 0 to " + format(upper) + ", not " + value.dump());
    }
    return v;
  }

  static std::string format(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  std::string origin_;
};

// The largest delay a model may name: two years of working days (or hours).
constexpr double kMaxDelay = 500;
// The largest rate: items per unit, standard and year.
constexpr double kMaxRate = 10000;
constexpr double kMaxConcerns = 100;

Status parse_delay(const Checker& c, const json& value, const std::string& pointer,
                   DelaySpec& out) {
  if (Status s = c.object(value, pointer); !s.ok()) return s;
  if (Status s = c.only(value, pointer,
                        {"unit", "dist", "value", "min", "max", "mean", "median", "sigma", "note"});
      !s.ok()) {
    return s;
  }
  DelaySpec d;
  for (const char* required : {"unit", "dist"}) {
    if (!value.contains(required)) {
      return c.error(Errc::definition_missing_field, pointer,
                     std::string("a delay needs '") + required + "'");
    }
  }
  if (!value.at("unit").is_string() || !value.at("dist").is_string()) {
    return c.error(Errc::definition_wrong_type, pointer, "'unit' and 'dist' must be strings");
  }
  const std::string unit = value.at("unit");
  if (unit == "working_days") {
    d.unit = DelayUnit::working_days;
  } else if (unit == "hours") {
    d.unit = DelayUnit::hours;
  } else {
    return c.error(Errc::definition_invalid_value, pointer + "/unit",
                   "must be \"working_days\" or \"hours\", not \"" + unit + "\"");
  }
  const std::string dist = value.at("dist");
  std::vector<const char*> needed;
  if (dist == "fixed") {
    d.shape = DelayShape::fixed;
    needed = {"value"};
  } else if (dist == "uniform") {
    d.shape = DelayShape::uniform;
    needed = {"min", "max"};
  } else if (dist == "exponential") {
    d.shape = DelayShape::exponential;
    needed = {"mean", "max"};
  } else if (dist == "lognormal") {
    d.shape = DelayShape::lognormal;
    needed = {"median", "sigma", "max"};
  } else {
    return c.error(Errc::definition_invalid_value, pointer + "/dist",
                   "must be fixed, uniform, exponential or lognormal, not \"" + dist + "\"");
  }
  std::map<std::string, double> numbers;
  for (const char* name : {"value", "min", "max", "mean", "median", "sigma"}) {
    if (!value.contains(name)) continue;
    if (std::find(needed.begin(), needed.end(), std::string_view(name)) == needed.end()) {
      return c.error(Errc::definition_unknown_field, pointer + "/" + name,
                     "'" + std::string(name) + "' is not a parameter of dist \"" + dist + "\"");
    }
    auto v = c.number(value.at(name), pointer + "/" + name,
                      name == std::string("sigma") ? 5 : kMaxDelay);
    if (!v.ok()) return v.status();
    numbers[name] = *v;
  }
  for (const char* name : needed) {
    if (!numbers.count(name)) {
      return c.error(Errc::definition_missing_field, pointer,
                     "dist \"" + dist + "\" needs '" + name + "'");
    }
  }
  d.value = numbers["value"];
  d.min = numbers["min"];
  d.mean = numbers["mean"];
  d.median = numbers["median"];
  d.sigma = numbers["sigma"];
  d.max = d.shape == DelayShape::fixed ? d.value : numbers["max"];
  const double location = d.shape == DelayShape::uniform       ? d.min
                          : d.shape == DelayShape::exponential ? d.mean
                          : d.shape == DelayShape::lognormal   ? d.median
                                                               : d.value;
  if (d.max < location) {
    return c.error(Errc::definition_invalid_value, pointer + "/max",
                   "max (" + Checker::format(d.max) + ") is below the distribution's " +
                       (d.shape == DelayShape::uniform ? "min" : "location") + " (" +
                       Checker::format(location) + ")");
  }
  out = d;
  return Status::Ok();
}

// Applies one layer ("defaults", a domain or a standard) onto `b`.
Status apply_layer(const Checker& c, const json& layer, const std::string& pointer, Behaviour& b) {
  if (Status s = c.object(layer, pointer); !s.ok()) return s;
  if (Status s = c.only(layer, pointer,
                        {"items_per_unit_year", "delays", "probabilities", "concerns", "note"});
      !s.ok()) {
    return s;
  }
  if (layer.contains("note") && !layer.at("note").is_string()) {
    return c.error(Errc::definition_wrong_type, pointer + "/note", "must be a string");
  }
  if (layer.contains("items_per_unit_year")) {
    auto v = c.number(layer.at("items_per_unit_year"), pointer + "/items_per_unit_year", kMaxRate);
    if (!v.ok()) return v.status();
    b.items_per_unit_year = *v;
  }
  if (layer.contains("delays")) {
    const json& delays = layer.at("delays");
    const std::string p = pointer + "/delays";
    if (Status s = c.object(delays, p); !s.ok()) return s;
    for (const auto& entry : delays.items()) {
      const std::string& name = entry.key();  // a structured binding cannot be captured (C++17)
      const json& spec = entry.value();
      if (std::none_of(std::begin(kDelayNames), std::end(kDelayNames),
                       [&](const char* n) { return name == n; })) {
        return c.error(Errc::definition_unknown_field, p + "/" + name,
                       "unknown delay '" + name + "'");
      }
      DelaySpec d;
      if (Status s = parse_delay(c, spec, p + "/" + name, d); !s.ok()) return s;
      const bool hours = name == "respond" || name == "respond_major";
      if (hours != (d.unit == DelayUnit::hours)) {
        return c.error(Errc::definition_invalid_value, p + "/" + name + "/unit",
                       hours ? "answers to concerns are counted in hours"
                             : "official steps are counted in working_days");
      }
      b.delays[name] = d;
    }
  }
  if (layer.contains("probabilities")) {
    const json& probabilities = layer.at("probabilities");
    const std::string p = pointer + "/probabilities";
    if (Status s = c.object(probabilities, p); !s.ok()) return s;
    if (Status s = c.only(probabilities, p, {"reject", "scheduled_release", "withdraw", "correct"});
        !s.ok()) {
      return s;
    }
    for (auto [name, field] : {std::pair{"reject", &b.reject},
                               {"scheduled_release", &b.scheduled_release},
                               {"withdraw", &b.withdraw},
                               {"correct", &b.correct}}) {
      if (!probabilities.contains(name)) continue;
      auto v = c.number(probabilities.at(name), p + "/" + name, 1);
      if (!v.ok()) return v.status();
      *field = *v;
    }
    if (b.withdraw + b.correct > 1) {
      return c.error(Errc::definition_invalid_value, p,
                     "withdraw + correct must not exceed 1 (an item is withdrawn or corrected, "
                     "not both)");
    }
  }
  if (layer.contains("concerns")) {
    const json& concerns = layer.at("concerns");
    const std::string p = pointer + "/concerns";
    if (Status s = c.object(concerns, p); !s.ok()) return s;
    if (Status s = c.only(concerns, p, {"per_item", "major_share"}); !s.ok()) return s;
    if (concerns.contains("per_item")) {
      auto v = c.number(concerns.at("per_item"), p + "/per_item", kMaxConcerns);
      if (!v.ok()) return v.status();
      b.concerns_per_item = *v;
    }
    if (concerns.contains("major_share")) {
      auto v = c.number(concerns.at("major_share"), p + "/major_share", 1);
      if (!v.ok()) return v.status();
      b.major_share = *v;
    }
  }
  return Status::Ok();
}

Result<int> parse_clock(const Checker& c, const json& value, const std::string& pointer) {
  if (!value.is_string()) return c.error(Errc::definition_wrong_type, pointer, "must be \"HH:MM\"");
  const std::string text = value;
  if (text.size() != 5 || text[2] != ':' || !std::isdigit(static_cast<unsigned char>(text[0])) ||
      !std::isdigit(static_cast<unsigned char>(text[1])) ||
      !std::isdigit(static_cast<unsigned char>(text[3])) ||
      !std::isdigit(static_cast<unsigned char>(text[4]))) {
    return c.error(Errc::definition_invalid_value, pointer,
                   "must be \"HH:MM\", not \"" + text + "\"");
  }
  const int h = std::stoi(text.substr(0, 2));
  const int m = std::stoi(text.substr(3, 2));
  if (h > 23 || m > 59) {
    return c.error(Errc::definition_invalid_value, pointer,
                   "\"" + text + "\" is not a time of day");
  }
  return h * 60 + m;
}

// Parses JSON text, refusing a key repeated in one object.
Result<json> parse_strict(const std::string& text, const Checker& c) {
  strict_json::ParseResult parsed = strict_json::parse(text);
  if (parsed.ok()) return std::move(*parsed.document);
  if (parsed.error.kind == strict_json::ParseError::Kind::repeated_key) {
    return c.error(Errc::definition_parse_error, "",
                   "the key '" + parsed.error.key + "' is repeated");
  }
  return c.error(Errc::definition_parse_error, "", "not valid JSON");
}

}  // namespace

double DelaySpec::draw(Rng& rng) const {
  double v = 0;
  switch (shape) {
    case DelayShape::fixed:
      v = value;
      break;
    case DelayShape::uniform:
      v = rng.uniform(min, max);
      break;
    case DelayShape::exponential:
      v = rng.exponential(mean);
      break;
    case DelayShape::lognormal:
      v = rng.lognormal(median, sigma);
      break;
  }
  v = std::clamp(v, 0.0, max);
  return unit == DelayUnit::working_days ? std::floor(v) : v;
}

const Behaviour& PilotModel::behaviour(const std::string& standard_id) const {
  auto it = by_standard.find(standard_id);
  return it == by_standard.end() ? defaults : it->second;
}

Result<PilotModel> parse_pilot_model(const std::string& text, const std::string& origin,
                                     const DefinitionSet& definitions) {
  const Checker c(origin);
  auto parsed = parse_strict(text, c);
  if (!parsed.ok()) return parsed.status();
  const json& doc = *parsed;
  if (Status s = c.object(doc, ""); !s.ok()) return s;
  if (Status s = c.only(
          doc, "",
          {"format", "about", "sources", "office_hours", "defaults", "domains", "standards"});
      !s.ok()) {
    return s;
  }
  for (const char* required : {"format", "office_hours", "defaults"}) {
    if (!doc.contains(required)) {
      return c.error(Errc::definition_missing_field, "",
                     std::string("'") + required + "' is required");
    }
  }
  if (!doc.at("format").is_number_integer()) {
    return c.error(Errc::definition_wrong_type, "/format", "must be an integer");
  }
  if (doc.at("format").get<std::int64_t>() != 1) {
    return c.error(Errc::definition_invalid_value, "/format",
                   "format " + doc.at("format").dump() + " is not known (this gongkai reads 1)");
  }
  for (const char* text_field : {"about"}) {
    if (doc.contains(text_field) && !doc.at(text_field).is_string()) {
      return c.error(Errc::definition_wrong_type, std::string("/") + text_field,
                     "must be a string");
    }
  }
  if (doc.contains("sources")) {
    if (!doc.at("sources").is_array()) {
      return c.error(Errc::definition_wrong_type, "/sources", "must be an array of strings");
    }
    for (const json& s : doc.at("sources")) {
      if (!s.is_string()) {
        return c.error(Errc::definition_wrong_type, "/sources", "must be an array of strings");
      }
    }
  }

  PilotModel model;
  model.source = origin;
  model.digest = sha256_hex(text);
  {
    const json& office = doc.at("office_hours");
    if (Status s = c.object(office, "/office_hours"); !s.ok()) return s;
    if (Status s = c.only(office, "/office_hours", {"start", "end"}); !s.ok()) return s;
    if (!office.contains("start") || !office.contains("end")) {
      return c.error(Errc::definition_missing_field, "/office_hours",
                     "needs 'start' and 'end' (\"HH:MM\")");
    }
    auto start = parse_clock(c, office.at("start"), "/office_hours/start");
    if (!start.ok()) return start.status();
    auto end = parse_clock(c, office.at("end"), "/office_hours/end");
    if (!end.ok()) return end.status();
    if (*end <= *start) {
      return c.error(Errc::definition_invalid_value, "/office_hours",
                     "the office must close after it opens");
    }
    model.office_start_min = *start;
    model.office_end_min = *end;
  }

  if (Status s = apply_layer(c, doc.at("defaults"), "/defaults", model.defaults); !s.ok()) {
    return s;
  }
  for (const char* name : kDelayNames) {
    if (!model.defaults.delays.count(name)) {
      return c.error(Errc::definition_missing_field, "/defaults/delays",
                     std::string("the default delay '") + name + "' is required");
    }
  }
  for (const char* section : {"domains", "standards"}) {
    if (doc.contains(section)) {
      if (Status s = c.object(doc.at(section), std::string("/") + section); !s.ok()) return s;
    }
  }
  const json domains = doc.value("domains", json::object());
  const json standards = doc.value("standards", json::object());
  for (const auto& [id, layer] : domains.items()) {
    (void)layer;
    if (!definitions.find_domain(id)) {
      return c.error(Errc::definition_unknown_reference, "/domains/" + id,
                     "no domain '" + id + "' in the definitions");
    }
  }
  for (const auto& [id, layer] : standards.items()) {
    (void)layer;
    if (!definitions.find_standard(id)) {
      return c.error(Errc::definition_unknown_reference, "/standards/" + id,
                     "no item standard '" + id + "' in the definitions");
    }
  }
  for (const ItemStandard& standard : definitions.standards) {
    Behaviour b = model.defaults;
    if (domains.contains(standard.domain)) {
      if (Status s = apply_layer(c, domains.at(standard.domain), "/domains/" + standard.domain, b);
          !s.ok()) {
        return s;
      }
    }
    if (standards.contains(standard.id)) {
      if (Status s = apply_layer(c, standards.at(standard.id), "/standards/" + standard.id, b);
          !s.ok()) {
        return s;
      }
    }
    if (b.withdraw + b.correct > 1) {
      return c.error(Errc::definition_invalid_value, "/standards/" + standard.id,
                     "withdraw + correct, after layering, exceed 1");
    }
    model.by_standard.emplace(standard.id, std::move(b));
  }
  return model;
}

Result<PilotModel> load_pilot_model(const std::string& path, const DefinitionSet& definitions) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::definition_io_error, "cannot read the pilot model '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pilot_model(text.str(), path, definitions);
}

std::string default_pilot_path(const std::string& definitions_dir) {
  return definitions_dir + "/pilot.json";
}

}  // namespace gongkai::sim
