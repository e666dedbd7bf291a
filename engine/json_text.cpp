#include "engine/json_text.h"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace gongkai {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

// True when a byte of `v` is zero.
constexpr bool has_zero_byte(std::uint64_t v) {
  return ((v - kOnes) & ~v & kHighs) != 0;
}

// True when one of the eight bytes at `p` is a control character, '"' or '\\'.
bool needs_escape(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  const bool control = ((v - kOnes * 0x20) & ~v & kHighs) != 0;  // a byte below 0x20
  return control || has_zero_byte(v ^ (kOnes * '"')) || has_zero_byte(v ^ (kOnes * '\\'));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending unescaped run
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Eight bytes at a time while none needs escaping.
    while (i + 8 <= n && !needs_escape(text.data() + i)) i += 8;
    if (i >= n) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void append_json_integer(std::string& out, long long value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_json_utc(std::string& out, Instant t) {
  constexpr std::int64_t kDayMs = 86400000;
  const std::int64_t ms = t.time_since_epoch().count();
  std::int64_t days = ms / kDayMs;
  std::int64_t rem = ms % kDayMs;
  if (rem < 0) {
    rem += kDayMs;
    --days;
  }
  const Date d = Date::from_days(days);
  if (d.year < 0 || d.year > 9999) {
    append_json_string(out, format_utc(t));
    return;
  }
  char text[] = "\"0000-00-00T00:00:00.000Z\"";
  auto put = [&text](int at, std::int64_t value, int width) {
    for (int i = at + width - 1; i >= at; --i, value /= 10) {
      text[i] = static_cast<char>('0' + value % 10);
    }
  };
  put(1, d.year, 4);
  put(6, d.month, 2);
  put(9, d.day, 2);
  put(12, rem / 3600000, 2);
  put(15, rem / 60000 % 60, 2);
  put(18, rem / 1000 % 60, 2);
  put(21, rem % 1000, 3);
  out.append(text, sizeof text - 1);
}

}  // namespace gongkai
