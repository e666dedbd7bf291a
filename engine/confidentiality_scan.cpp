// The confidentiality scan: one left-to-right pass over the text. At the start of every run of
// digits the matchers look ahead a bounded distance (at most a few groups of at most kMaxRun
// digits); digits inside a run are never a start, so the whole scan is linear in the text's size.
// Rules and their rationale: docs/confidentiality_scan.md.
#include "gongkai/confidentiality_scan.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace gongkai {
namespace {

// What a character is to the scanner.
enum class Cls : std::uint8_t {
  other,    // anything else, including bytes that are not well-formed UTF-8
  digit,    // 0-9, ０-９
  check_x,  // X x Ｘ ｘ: a resident id's check digit 10
  space,    // separator: U+0020, U+00A0 (no-break space), U+3000 (ideographic space)
  dash,     // separator: '-' U+002D, '－' U+FF0D
  plus,     // '+'
};

bool is_separator(Cls c) noexcept {
  return c == Cls::space || c == Cls::dash;
}

// One decoded character.
struct Unit {
  Cls cls = Cls::other;
  char digit = 0;        // '0'..'9' when cls == digit
  std::uint8_t len = 0;  // bytes; 0 only past the end of the text
};

unsigned char byte_at(std::string_view s, std::size_t pos) noexcept {
  return static_cast<unsigned char>(s[pos]);
}

// The length of the well-formed UTF-8 sequence starting at `pos`, or 0 if none starts there.
std::size_t utf8_length(std::string_view s, std::size_t pos) noexcept {
  const unsigned char b0 = byte_at(s, pos);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80;  // the allowed range of the second byte (excludes overlongs,
  unsigned char hi = 0xBF;  // surrogates and code points above U+10FFFF)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 == 0xE0) {
    n = 3, lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    n = 3;
  } else if (b0 == 0xED) {
    n = 3, hi = 0x9F;
  } else if (b0 == 0xF0) {
    n = 4, lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    n = 4;
  } else if (b0 == 0xF4) {
    n = 4, hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - pos < n) return 0;
  const unsigned char b1 = byte_at(s, pos + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    const unsigned char b = byte_at(s, pos + i);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

// The character at `pos`; an `other` of length 0 at or past the end. A byte that does not start a
// well-formed sequence is one `other` character of one byte.
Unit decode(std::string_view s, std::size_t pos) noexcept {
  if (pos >= s.size()) return Unit{};
  const unsigned char b0 = byte_at(s, pos);
  if (b0 < 0x80) {
    if (b0 >= '0' && b0 <= '9') return {Cls::digit, static_cast<char>(b0), 1};
    switch (b0) {
      case 'X':
      case 'x':
        return {Cls::check_x, 0, 1};
      case ' ':
        return {Cls::space, 0, 1};
      case '-':
        return {Cls::dash, 0, 1};
      case '+':
        return {Cls::plus, 0, 1};
      default:
        return {Cls::other, 0, 1};
    }
  }
  const std::size_t n = utf8_length(s, pos);
  if (n == 0) return {Cls::other, 0, 1};
  const auto len = static_cast<std::uint8_t>(n);
  const unsigned char b1 = byte_at(s, pos + 1);
  if (n == 2 && b0 == 0xC2 && b1 == 0xA0) return {Cls::space, 0, len};
  if (n == 3) {
    const unsigned char b2 = byte_at(s, pos + 2);
    if (b0 == 0xEF && b1 == 0xBC) {
      if (b2 >= 0x90 && b2 <= 0x99) return {Cls::digit, static_cast<char>('0' + (b2 - 0x90)), len};
      if (b2 == 0xB8) return {Cls::check_x, 0, len};  // Ｘ U+FF38
      if (b2 == 0x8D) return {Cls::dash, 0, len};     // － U+FF0D
    }
    if (b0 == 0xEF && b1 == 0xBD && b2 == 0x98) return {Cls::check_x, 0, len};  // ｘ U+FF58
    if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return {Cls::space, 0, len};    // U+3000
  }
  return {Cls::other, 0, len};
}

// A place in the text: bytes and characters from its start.
struct Cursor {
  std::size_t pos = 0;
  std::size_t chars = 0;
};

Cursor advance(Cursor c, const Unit& u) noexcept {
  return {c.pos + u.len, c.chars + 1};
}

// Runs longer than any finding (19 digits) are never read further than this.
constexpr int kMaxRun = 20;

// A run of digits read from its first digit. `count` is capped at kMaxRun: a count of kMaxRun
// means "kMaxRun or more", and then `end` is not the end of the run.
struct Run {
  int count = 0;
  std::array<char, kMaxRun> digits{};  // ASCII
  Cursor end;
};

Run read_run(std::string_view s, Cursor c) noexcept {
  Run r;
  for (;;) {
    const Unit u = decode(s, c.pos);
    if (u.cls != Cls::digit || r.count == kMaxRun) break;
    r.digits[static_cast<std::size_t>(r.count++)] = u.digit;
    c = advance(c, u);
  }
  r.end = c;
  return r;
}

// Up to kMaxGroups runs of digits joined by single separators of one class (the class of the
// first separator), read from the first digit of the first run.
constexpr int kMaxGroups = 5;
struct Chain {
  int groups = 0;
  std::array<int, kMaxGroups> size{};  // digits per group, capped as in Run
  Cls sep = Cls::other;                // the separator class; other for a single group
  bool more = false;  // after the last group read, the chain goes on: separator + digit
  int count = 0;      // all digits read
  std::array<char, kMaxGroups * kMaxRun> digits{};
  Cursor end;  // after the last group read
};

Chain read_chain(std::string_view s, Cursor c, int max_groups) noexcept {
  Chain ch;
  for (;;) {
    const Run r = read_run(s, c);
    for (int i = 0; i < r.count; ++i) {
      ch.digits[static_cast<std::size_t>(ch.count++)] = r.digits[static_cast<std::size_t>(i)];
    }
    ch.size[static_cast<std::size_t>(ch.groups++)] = r.count;
    ch.end = r.end;
    if (r.count == kMaxRun) {  // too long for any pattern; the caller's size check fails
      ch.more = true;
      break;
    }
    const Unit sep = decode(s, r.end.pos);
    if (!is_separator(sep.cls) || (ch.sep != Cls::other && sep.cls != ch.sep)) break;
    const Cursor next = advance(r.end, sep);
    if (decode(s, next.pos).cls != Cls::digit) break;
    if (ch.groups == max_groups) {
      ch.more = true;
      break;
    }
    ch.sep = sep.cls;
    c = next;
  }
  return ch;
}

bool chain_sizes_are(const Chain& ch, std::initializer_list<int> sizes) noexcept {
  if (ch.groups != static_cast<int>(sizes.size())) return false;
  std::size_t i = 0;
  for (int want : sizes) {
    if (ch.size[i++] != want) return false;
  }
  return true;
}

// "1[3-9]" followed by 9 more digits, given 11 ASCII digits.
bool looks_like_mobile(const char* d) noexcept {
  return d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

bool starts_with(const char* d, int count, std::string_view prefix) noexcept {
  return count >= static_cast<int>(prefix.size()) && std::string_view(d, prefix.size()) == prefix;
}

// A number found, before it becomes a ScanFinding.
struct Match {
  std::string_view kind;
  Cursor begin;
  Cursor end;
  std::string digits;  // the number itself, ASCII, without prefix and separators
  Cls last = Cls::digit;
};

// The characters just before a run's first digit.
struct Before {
  Unit prev1;  // the character just before (never a digit)
  Unit prev2;  // the one before that
};

// A grouped number must not continue leftwards with the same separator and a digit either.
bool continues_left(const Before& before, Cls sep) noexcept {
  return before.prev1.cls == sep && before.prev2.cls == Cls::digit;
}

// A mobile number's body at `at`: 11 digits, or 3-4-4 with one separator class. With
// `check_left`, a grouped body must not continue leftwards (see continues_left).
std::optional<Match> match_mobile_body(std::string_view s, Cursor at, const Before* check_left) {
  const Run run = read_run(s, at);
  if (run.count == 11) {
    if (!looks_like_mobile(run.digits.data())) return std::nullopt;
    return Match{kFindingMobile, at, run.end, std::string(run.digits.data(), 11)};
  }
  if (run.count != 3) return std::nullopt;
  const Cls sep = decode(s, run.end.pos).cls;
  if (!is_separator(sep) || (check_left != nullptr && continues_left(*check_left, sep))) {
    return std::nullopt;  // checked before reading on: keeps "1234 1234 1234 ..." cheap
  }
  const Chain ch = read_chain(s, at, 3);
  if (!chain_sizes_are(ch, {3, 4, 4}) || ch.more) return std::nullopt;
  if (!looks_like_mobile(ch.digits.data())) return std::nullopt;
  return Match{kFindingMobile, at, ch.end, std::string(ch.digits.data(), 11)};
}

// A mobile number with its country prefix: "86"/"0086" + separator + body, or a run of 13 or 15
// digits "86..."/"0086...". A '+' just before "86" belongs to the finding.
std::optional<Match> match_prefixed_mobile(std::string_view s, Cursor at, const Run& run,
                                           const Before& before) {
  const char* d = run.digits.data();
  const bool is86 = (run.count == 2 || run.count == 13) && starts_with(d, run.count, "86");
  const bool is0086 = (run.count == 4 || run.count == 15) && starts_with(d, run.count, "0086");
  if (!is86 && !is0086) return std::nullopt;
  std::optional<Match> m;
  if (run.count == 13 || run.count == 15) {
    const char* body = d + (run.count - 11);
    if (!looks_like_mobile(body)) return std::nullopt;
    m = Match{kFindingMobile, at, run.end, std::string(body, 11)};
  } else {
    const Unit sep = decode(s, run.end.pos);
    if (!is_separator(sep.cls)) return std::nullopt;
    const Cursor body = advance(run.end, sep);
    if (decode(s, body.pos).cls != Cls::digit) return std::nullopt;
    m = match_mobile_body(s, body, nullptr);
    if (!m) return std::nullopt;
  }
  m->begin = at;
  if (is86 && before.prev1.cls == Cls::plus) m->begin = {at.pos - 1, at.chars - 1};
  return m;
}

// A bank card written in groups of 4 (the last group may have 1-3 digits), 16-19 digits.
// `after_first` is the character after the first group.
std::optional<Match> match_grouped_card(std::string_view s, Cursor at, const Before& before,
                                        Cls after_first) {
  if (!is_separator(after_first) || continues_left(before, after_first)) {
    return std::nullopt;  // checked before reading on: keeps "1234 1234 1234 ..." cheap
  }
  const Chain ch = read_chain(s, at, 5);
  if (ch.more || ch.groups < 4) return std::nullopt;
  for (int i = 0; i < 4; ++i) {
    if (ch.size[static_cast<std::size_t>(i)] != 4) return std::nullopt;
  }
  if (ch.groups == 5 && (ch.size[4] < 1 || ch.size[4] > 3)) return std::nullopt;
  const std::string digits(ch.digits.data(), static_cast<std::size_t>(ch.count));
  if (!passes_luhn(digits)) return std::nullopt;
  return Match{kFindingBankCard, at, ch.end, digits};
}

// Every pattern tried at the first digit of a run, most specific first.
std::optional<Match> match_at(std::string_view s, Cursor at, const Before& before) {
  const Run run = read_run(s, at);
  if (auto m = match_prefixed_mobile(s, at, run, before)) return m;

  const std::string_view digits(run.digits.data(), static_cast<std::size_t>(run.count));
  const Unit after = decode(s, run.end.pos);
  if (run.count == 17 && after.cls == Cls::check_x) {
    const Cursor end = advance(run.end, after);
    std::string id(digits);
    id += 'X';
    if (decode(s, end.pos).cls != Cls::digit && is_valid_resident_id(id)) {
      return Match{kFindingResidentId, at, end, std::move(id), Cls::check_x};
    }
  }
  if (run.count == 18 && is_valid_resident_id(digits)) {
    return Match{kFindingResidentId, at, run.end, std::string(digits)};
  }
  if (run.count == 11 && looks_like_mobile(digits.data())) {
    return Match{kFindingMobile, at, run.end, std::string(digits)};
  }
  // Digits directly followed by X are shaped like a resident id, even when not a valid one.
  if (run.count >= 16 && run.count <= 19 && after.cls != Cls::check_x && passes_luhn(digits)) {
    return Match{kFindingBankCard, at, run.end, std::string(digits)};
  }
  if (run.count == 3) return match_mobile_body(s, at, &before);
  if (run.count == 4) return match_grouped_card(s, at, before, after.cls);
  return std::nullopt;
}

std::string mask(const Match& m) {
  const std::string& d = m.digits;
  std::size_t head = 4;
  if (m.kind == kFindingResidentId) head = 6;
  if (m.kind == kFindingMobile) head = 3;
  constexpr std::size_t tail = 4;
  std::string out = d;
  for (std::size_t i = head; i + tail < d.size(); ++i) out[i] = '*';
  return out;
}

bool is_leap(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int number(std::string_view d, std::size_t from, std::size_t len) noexcept {
  int n = 0;
  for (std::size_t i = from; i < from + len; ++i) n = n * 10 + (d[i] - '0');
  return n;
}

bool all_ascii_digits(std::string_view s) noexcept {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

char resident_id_check_char(std::string_view digits) noexcept {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[12] = "10X98765432";
  if (digits.size() < 17 || !all_ascii_digits(digits.substr(0, 17))) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (digits[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

bool is_valid_resident_id(std::string_view digits) noexcept {
  if (digits.size() != 18) return false;
  const char check = resident_id_check_char(digits);
  if (check == '\0') return false;
  if (digits[0] < '1' || digits[0] > '8') return false;
  const int year = number(digits, 6, 4);
  const int month = number(digits, 10, 2);
  const int day = number(digits, 12, 2);
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  const int days_in_month = kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
  if (day > days_in_month) return false;
  const char last = digits[17] == 'x' ? 'X' : digits[17];
  return last == check;
}

bool passes_luhn(std::string_view digits) noexcept {
  if (digits.empty() || !all_ascii_digits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int v = *it - '0';
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::vector<ScanFinding> scan_personal_data(std::string_view utf8_text) {
  std::vector<ScanFinding> findings;
  const std::string_view s = utf8_text;
  Cursor c;
  Before before;  // prev1/prev2 start as `other`: the text's start is a boundary
  while (c.pos < s.size()) {
    const Unit u = decode(s, c.pos);
    if (u.cls == Cls::digit && before.prev1.cls != Cls::digit) {
      if (std::optional<Match> m = match_at(s, c, before)) {
        ScanFinding f;
        f.kind = std::string(m->kind);
        f.offset = m->begin.pos;
        f.length = m->end.pos - m->begin.pos;
        f.masked = mask(*m);
        f.char_offset = m->begin.chars;
        f.char_length = m->end.chars - m->begin.chars;
        findings.push_back(std::move(f));
        c = m->end;
        before.prev2 = Unit{Cls::digit, '0', 1};  // every match ends in a digit or X
        before.prev1 = Unit{m->last, '0', 1};
        continue;
      }
    }
    before.prev2 = before.prev1;
    before.prev1 = u;
    c = advance(c, u);
  }
  return findings;
}

}  // namespace gongkai
