// Fuzz target: the definition loader. The input is the text of a definition set in its canonical
// form (what a database stores and definitions_from_canonical_json reads back), which runs the
// loader's every check — domains, channels, groups, provinces, units, the escalation ladder and
// the catalogue — on one document. Findings: crashes, sanitizer reports, an error that is not a
// definition_* error (an exception the loader let through is an `internal` error), and a set
// that loads but whose canonical text does not load back to the same digest.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gongkai/definitions.h"

namespace {

bool is_definition_error(gongkai::Errc code) {
  switch (code) {
    case gongkai::Errc::definition_parse_error:
    case gongkai::Errc::definition_missing_field:
    case gongkai::Errc::definition_wrong_type:
    case gongkai::Errc::definition_invalid_value:
    case gongkai::Errc::definition_unknown_field:
    case gongkai::Errc::definition_duplicate_id:
    case gongkai::Errc::definition_unknown_reference:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto set = gongkai::definitions_from_canonical_json(text);
  if (!set.ok()) {
    if (!is_definition_error(set.status().code())) {
      std::fprintf(stderr, "unexpected error: %s\n", set.status().to_string().c_str());
      std::abort();
    }
    return 0;
  }
  auto again = gongkai::definitions_from_canonical_json(set->canonical_json);
  if (!again.ok() || again->digest != set->digest || again->canonical_json != set->canonical_json) {
    std::fprintf(stderr, "a loaded set does not load back from its canonical text: %s\n",
                 again.ok() ? "different digest" : again.status().to_string().c_str());
    std::abort();
  }
  return 0;
}
