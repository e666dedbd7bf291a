// Internal: JSON text written directly, byte for byte as nlohmann's compact dump writes it.
#pragma once

#include <string>
#include <string_view>

namespace gongkai {

// Appends `text` as a JSON string exactly as nlohmann's serializer writes well-formed UTF-8 with
// ensure_ascii off: the two-character escapes \" \\ \b \f \n \r \t, other control characters as
// lowercase \u00xx, every other byte as it is. `text` must be well-formed UTF-8 (is_valid_utf8):
// nlohmann treats other text differently (it refuses it or substitutes U+FFFD).
void append_json_string(std::string& out, std::string_view text);

// Appends `value` in decimal, as nlohmann writes an integer.
void append_json_integer(std::string& out, long long value);

}  // namespace gongkai
