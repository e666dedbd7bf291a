// Internal: the route table's matcher. Patterns are paths whose segments are literals or
// `{name}` placeholders matching one non-empty segment ("/v1/items/{id}/events"). Segments are
// percent-decoded before they are matched and captured.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gongkai/status.h"

namespace gongkai::http {

class Router {
 public:
  // Adds a route; `id` is returned by match(). Patterns must start with '/'.
  void add(std::string method, std::string pattern, std::size_t id);

  struct Match {
    std::optional<std::size_t> id;              // the route, when method and path match
    std::string pattern;                        // the matched pattern (also on method mismatch)
    std::map<std::string, std::string> params;  // the placeholders' decoded values
    std::vector<std::string> allowed;           // path matched, method did not: the methods
  };

  // Finds the route for `method` and `path` (without the query). An undecodable path matches
  // nothing.
  Match match(std::string_view method, std::string_view path) const;

  // Every route as (method, pattern), in the order added.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    std::size_t id;
  };
  std::vector<Entry> entries_;
};

// Percent-decodes `text` (and '+' as a space when `plus_is_space`). std::nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string percent_encode(std::string_view text);

// Splits a target into its path and its query (without '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

// Parses "a=1&b=x%20y" into decoded pairs. Errors: invalid_argument (a bad escape, a name given
// twice, invalid UTF-8).
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

}  // namespace gongkai::http
