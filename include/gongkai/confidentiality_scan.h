// gongkai — the confidentiality scan (保密审查 aid): finds personal data in a text before release.
//
// The scan looks for three kinds of personal data that must not be published by accident:
// 18-digit resident identity numbers (GB 11643-1999, check digit verified), mainland mobile numbers
// and bank card numbers (Luhn verified). It is an aid, not a proof: the exact rules, and what they
// miss or over-report, are in docs/confidentiality_scan.md. The engine refuses `approve` with
// error[confidentiality_findings] while the content has findings, unless the approver gives a
// reason that overrides them.
//
// All functions are pure and thread-safe: they keep no state and may be called concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gongkai {

// The stable ids of the kinds of finding (ScanFinding::kind). They never change meaning.
inline constexpr std::string_view kFindingResidentId = "resident_id";  // 居民身份证号码
inline constexpr std::string_view kFindingMobile = "mobile";           // 手机号码
inline constexpr std::string_view kFindingBankCard = "bank_card";      // 银行卡号

// One piece of personal data found in a text. A value type.
struct ScanFinding {
  // One of kFindingResidentId, kFindingMobile, kFindingBankCard.
  std::string kind;
  // Where the finding starts in the scanned text, in bytes of its UTF-8 encoding.
  std::size_t offset = 0;
  // The finding's extent in bytes: the number as written, with its separators and, for a mobile
  // number, its +86 / 86 / 0086 prefix. The text's bytes [offset, offset + length) are the finding.
  std::size_t length = 0;
  // The number with most digits hidden, safe to show, log and store: ASCII digits only, no
  // separators and no country prefix, whatever the text used (full-width digits, dashes, ...).
  // resident_id: first 6 and last 4 kept, e.g. "110105********002X" (check digit X upper-case);
  // mobile: first 3 and last 4, e.g. "138****5678"; bank_card: first 4 and last 4, same length
  // as the number, e.g. "6222***********0128".
  std::string masked;
  // Where the finding starts, in characters (Unicode code points) from the start of the text, for
  // people and editors. Each byte that is not part of well-formed UTF-8 counts as one character.
  std::size_t char_offset = 0;
  // The finding's extent in characters, counted as for char_offset.
  std::size_t char_length = 0;
};

// Scans `utf8_text` for personal data and returns the findings in text order; they never
// overlap. Returns an empty vector when nothing is found.
//
// Digits are ASCII 0-9 or full-width ０-９ (U+FF10..U+FF19), in any mix; a number is found only
// when it is not part of a longer run of digits. Invalid UTF-8 is accepted: bytes that are not
// well-formed UTF-8 are treated as ordinary non-digit characters. Never throws except
// std::bad_alloc; runs in time linear in the size of the text (one pass, bounded look-ahead) and
// keeps only the findings in memory.
//
// The string_view must stay valid during the call; the findings own their data.
std::vector<ScanFinding> scan_personal_data(std::string_view utf8_text);

// True if `digits` (exactly 18 ASCII characters) is a well-formed resident identity number: first
// digit 1-8, a real birth date YYYYMMDD in years 1900..2100, and the ISO 7064 MOD 11-2 check
// digit ('X' or 'x' for 10) in last place. False for any other input; never throws.
bool is_valid_resident_id(std::string_view digits) noexcept;

// The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits of `digits`, or
// '\0' when `digits` does not start with 17 ASCII digits. Never throws.
char resident_id_check_char(std::string_view digits) noexcept;

// True if `digits` is a non-empty string of ASCII digits whose Luhn checksum (ISO/IEC 7812-1) is
// valid. False for any other input; never throws.
bool passes_luhn(std::string_view digits) noexcept;

}  // namespace gongkai
