#include "tools/cli/cli.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace gongkai::cli {

int fail(const Status& status) {
  std::cerr << status.to_string() << "\n";
  if (!status.details_json().empty()) std::cerr << status.details_json() << "\n";
  return status.exit_code();
}

void print_json(const nlohmann::json& document) {
  std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Result<std::optional<Instant>> now_option(const Globals& globals) {
  if (!globals.now_given && globals.now.empty()) return std::optional<Instant>();
  auto t = parse_instant(globals.now);
  if (!t.ok()) return t.status();
  return std::optional<Instant>(*t);
}

Result<std::unique_ptr<Engine>> open_engine(const Globals& globals, bool write) {
  auto now = now_option(globals);
  if (!now.ok()) return now.status();
  SqliteOptions options;
  options.read_only = !write;
  auto engine = Engine::open(globals.db, options);
  if (!engine.ok()) return engine;
  if (*now && !(*engine)->is_simulation()) {
    return Status(Errc::simulation_only,
                  "--now is accepted only on a simulation database (`gongkai init --simulation`); "
                  "'" +
                      globals.db + "' is a production database");
  }
  return engine;
}

CLI::Validator whole_number(std::int64_t min, std::int64_t max) {
  const std::string range =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        std::int64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        if (text.empty() || error != std::errc() || stop != end || value < min || value > max) {
          return "'" + text + "' is not " + range;
        }
        return {};
      },
      "INT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

Result<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status(Errc::invalid_argument,
                  "cannot read '" + path + "': " +
                      (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::invalid_argument, "cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace gongkai::cli
