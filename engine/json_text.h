// Internal: JSON text written directly, byte for byte as nlohmann's compact dump writes it.
#pragma once

#include <string>
#include <string_view>

#include "gongkai/time.h"

namespace gongkai {

// Appends `text` as a JSON string exactly as nlohmann's serializer writes well-formed UTF-8 with
// ensure_ascii off: the two-character escapes \" \\ \b \f \n \r \t, other control characters as
// lowercase \u00xx, every other byte as it is. `text` must be well-formed UTF-8 (is_valid_utf8):
// nlohmann treats other text differently (it refuses it or substitutes U+FFFD).
void append_json_string(std::string& out, std::string_view text);

// Appends `value` in decimal, as nlohmann writes an integer.
void append_json_integer(std::string& out, long long value);

// Appends format_utc(t) as a JSON string ("2026-11-27T08:14:42.123Z"), written in place (without
// the std::string format_utc returns) for the years 0-9999.
void append_json_utc(std::string& out, Instant t);

}  // namespace gongkai
