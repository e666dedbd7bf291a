#include "gongkai/confidentiality_scan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace gongkai {
namespace {

// --- independent reference computations (not the code under test) -----------------------------

// ISO 7064 MOD 11-2 over the first 17 digits, written out from GB 11643-1999.
char IdCheck(const std::string& first17) {
  const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * weights[i];
  return "10X98765432"[sum % 11];
}

// `n` (0..999) as three digits.
std::string Seq3(int n) {
  return {static_cast<char>('0' + n / 100), static_cast<char>('0' + n / 10 % 10),
          static_cast<char>('0' + n % 10)};
}

// `first17` completed with its correct check character.
std::string Id(const std::string& first17) {
  return first17 + IdCheck(first17);
}

// `first17` completed with a wrong check character (the next one in "0123456789X").
std::string IdWrong(const std::string& first17) {
  const std::string all = "0123456789X";
  const char good = IdCheck(first17);
  return first17 + all[(all.find(good) + 1) % all.size()];
}

bool Luhn(const std::string& digits) {
  int sum = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    int v = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return sum % 10 == 0;
}

// `body` completed with the Luhn check digit.
std::string Card(const std::string& body) {
  for (char d = '0'; d <= '9'; ++d) {
    if (Luhn(body + d)) return body + d;
  }
  return {};
}

// `body` completed with a digit that fails Luhn.
std::string CardWrong(const std::string& body) {
  const std::string good = Card(body);
  return body + static_cast<char>(good.back() == '9' ? '0' : good.back() + 1);
}

// ASCII digits as full-width digits (U+FF10..U+FF19).
std::string FullWidth(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    if (c >= '0' && c <= '9') {
      out += "\xEF\xBC";
      out += static_cast<char>(0x90 + (c - '0'));
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> Kinds(const std::vector<ScanFinding>& fs) {
  std::vector<std::string> kinds;
  for (const auto& f : fs) kinds.push_back(f.kind);
  return kinds;
}

bool HasKind(const std::vector<ScanFinding>& fs, std::string_view kind) {
  for (const auto& f : fs) {
    if (f.kind == kind) return true;
  }
  return false;
}

// The text of a finding.
std::string Text(std::string_view text, const ScanFinding& f) {
  return std::string(text.substr(f.offset, f.length));
}

// Expects exactly one finding, of `kind`, covering `expected` inside `text`.
void ExpectOne(const std::string& text, std::string_view kind, const std::string& expected,
               const std::string& masked) {
  SCOPED_TRACE("text: " + text);
  const auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u) << ::testing::PrintToString(Kinds(fs));
  EXPECT_EQ(fs[0].kind, kind);
  EXPECT_EQ(Text(text, fs[0]), expected);
  EXPECT_EQ(fs[0].offset, text.find(expected));
  EXPECT_EQ(fs[0].masked, masked);
}

void ExpectNone(const std::string& text) {
  const auto fs = scan_personal_data(text);
  EXPECT_TRUE(fs.empty()) << "text: " << text << " kinds: " << ::testing::PrintToString(Kinds(fs));
}

// --- the helpers in the header ----------------------------------------------------------------

TEST(ConfidentialityScanHelpers, CheckCharMatchesGbSampleAndReference) {
  EXPECT_EQ(resident_id_check_char("11010519491231002"), 'X');  // GB 11643-1999 sample
  EXPECT_EQ(resident_id_check_char("44052418800101001"), '4');  // GB 11643-1999 sample
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string d;
    for (int k = 0; k < 17; ++k) d += static_cast<char>('0' + rng() % 10);
    ASSERT_EQ(resident_id_check_char(d), IdCheck(d)) << d;
  }
  EXPECT_EQ(resident_id_check_char(""), '\0');
  EXPECT_EQ(resident_id_check_char("1101051949123100"), '\0');
  EXPECT_EQ(resident_id_check_char("1101051949123100a"), '\0');
}

TEST(ConfidentialityScanHelpers, ValidResidentId) {
  EXPECT_TRUE(is_valid_resident_id("11010519491231002X"));
  EXPECT_TRUE(is_valid_resident_id("11010519491231002x"));
  EXPECT_FALSE(is_valid_resident_id("110105194912310021"));
  EXPECT_FALSE(is_valid_resident_id("440524188001010014"));  // valid check digit, born 1880
  EXPECT_FALSE(is_valid_resident_id("11010519491231002"));
  EXPECT_FALSE(is_valid_resident_id("11010519491231002X1"));
  EXPECT_FALSE(is_valid_resident_id(""));
  EXPECT_FALSE(is_valid_resident_id("1101051949123100-X"));
}

TEST(ConfidentialityScanHelpers, Luhn) {
  EXPECT_TRUE(passes_luhn("4111111111111111"));
  EXPECT_TRUE(passes_luhn("6222021234567890128"));
  EXPECT_FALSE(passes_luhn("6222021234567890123"));
  EXPECT_TRUE(passes_luhn("0"));
  EXPECT_FALSE(passes_luhn(""));
  EXPECT_FALSE(passes_luhn("4111 1111 1111 1111"));
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string d;
    const int n = 1 + static_cast<int>(rng() % 25);
    for (int k = 0; k < n; ++k) d += static_cast<char>('0' + rng() % 10);
    ASSERT_EQ(passes_luhn(d), Luhn(d)) << d;
  }
}

// --- resident identity numbers ----------------------------------------------------------------

TEST(ConfidentialityScanResidentId, GbSampleWithXCheckDigit) {
  ExpectOne("11010519491231002X", kFindingResidentId, "11010519491231002X", "110105********002X");
  ExpectOne("11010519491231002x", kFindingResidentId, "11010519491231002x", "110105********002X");
  ExpectOne("11010519491231002\xEF\xBC\xB8", kFindingResidentId, "11010519491231002\xEF\xBC\xB8",
            "110105********002X");  // full-width Ｘ
  ExpectOne("11010519491231002\xEF\xBD\x98", kFindingResidentId, "11010519491231002\xEF\xBD\x98",
            "110105********002X");  // full-width ｘ
}

TEST(ConfidentialityScanResidentId, ComputedCheckDigitsAllValues) {
  // Vary the sequence number until every check character 0-9 and X has been seen.
  std::string seen;
  for (int seq = 0; seq < 1000 && seen.size() < 11; ++seq) {
    const std::string buf = Seq3(seq);
    const std::string first17 = std::string("32031119700101") + buf;
    const std::string id = Id(first17);
    if (seen.find(id.back()) != std::string::npos) continue;
    seen += id.back();
    ExpectOne("号码" + id + "。", kFindingResidentId, id,
              id.substr(0, 6) + "********" + id.substr(14));
    // Every wrong check character: never a resident id (a Luhn-valid one is a bank card).
    for (char wrong : std::string("0123456789X")) {
      if (wrong == id.back()) continue;
      const std::string bad = first17 + wrong;
      const auto fs = scan_personal_data(bad);
      EXPECT_FALSE(HasKind(fs, kFindingResidentId)) << bad;
      const bool card = wrong != 'X' && Luhn(bad);  // 17 digits + X is never a card
      EXPECT_EQ(fs.size(), card ? 1u : 0u) << bad;
    }
  }
  EXPECT_EQ(seen.size(), 11u);
}

TEST(ConfidentialityScanResidentId, WrongCheckDigitIsNotAFinding) {
  ExpectNone("110105194912310021");  // the GB sample with 1 instead of X; fails Luhn too
  const std::string bad = IdWrong("11010519900307123");
  EXPECT_FALSE(HasKind(scan_personal_data(bad), kFindingResidentId));
}

TEST(ConfidentialityScanResidentId, BirthDateMustBeARealDay) {
  const auto found = [](const std::string& region, const std::string& date) {
    return HasKind(scan_personal_data(Id(region + date + "123")), kFindingResidentId);
  };
  EXPECT_TRUE(found("110105", "19900307"));
  EXPECT_TRUE(found("110105", "20000229"));  // 2000 is a leap year
  EXPECT_TRUE(found("110105", "19960229"));
  EXPECT_TRUE(found("110105", "19000101"));   // lower bound
  EXPECT_TRUE(found("110105", "21001231"));   // upper bound
  EXPECT_FALSE(found("110105", "19000229"));  // 1900 is not a leap year
  EXPECT_FALSE(found("110105", "19970229"));
  EXPECT_FALSE(found("110105", "19900230"));
  EXPECT_FALSE(found("110105", "19900431"));
  EXPECT_FALSE(found("110105", "19901301"));
  EXPECT_FALSE(found("110105", "19900001"));
  EXPECT_FALSE(found("110105", "19900100"));
  EXPECT_FALSE(found("110105", "19900132"));
  EXPECT_FALSE(found("110105", "18991231"));
  EXPECT_FALSE(found("110105", "21010101"));
  EXPECT_FALSE(found("440524", "18800101"));  // the second GB sample: valid check, born 1880
}

TEST(ConfidentialityScanResidentId, RegionMustStartWith1To8) {
  for (char first = '0'; first <= '9'; ++first) {
    const std::string id = Id(std::string(1, first) + "10105" + "19900307" + "123");
    EXPECT_EQ(HasKind(scan_personal_data(id), kFindingResidentId), first >= '1' && first <= '8')
        << id;
  }
}

TEST(ConfidentialityScanResidentId, IdThatAlsoPassesLuhnIsReportedOnceAsId) {
  std::string id;
  for (int seq = 0; seq < 1000 && id.empty(); ++seq) {
    const std::string buf = Seq3(seq);
    const std::string candidate = Id(std::string("11010519900307") + buf);
    if (candidate.back() != 'X' && Luhn(candidate)) id = candidate;
  }
  ASSERT_FALSE(id.empty());
  ExpectOne(id, kFindingResidentId, id, id.substr(0, 6) + "********" + id.substr(14));
}

TEST(ConfidentialityScanResidentId, MobileLookingDigitsInsideAnIdAreNotReported) {
  const std::string id = Id("13812319900101123");  // starts like the mobile 13812319900
  ExpectOne("身份证" + id, kFindingResidentId, id, "138123********123" + id.substr(17));
}

TEST(ConfidentialityScanResidentId, XMustEndTheNumber) {
  ExpectNone("11010519491231002X5");
  // 18 digits then X: not an id; and although those 18 digits pass Luhn, digits followed by X
  // are shaped like an id and are never a card.
  ASSERT_TRUE(Luhn("911010519491231002"));
  ExpectNone("911010519491231002X");
  ExpectOne("911010519491231002", kFindingBankCard, "911010519491231002", "9110**********1002");
  // A letter after X does not matter.
  ExpectOne("11010519491231002Xabc", kFindingResidentId, "11010519491231002X",
            "110105********002X");
}

// --- mobile numbers ---------------------------------------------------------------------------

TEST(ConfidentialityScanMobile, WrittenForms) {
  const std::string nbsp = "\xC2\xA0";  // U+00A0, invisible in source
  const std::vector<std::string> forms = {
      "13812345678",        "138-1234-5678",
      "138 1234 5678",      "+8613812345678",
      "8613812345678",      "008613812345678",
      "+86 13812345678",    "+86-13812345678",
      "86 13812345678",     "0086 13812345678",
      "0086-138-1234-5678", "+86 138 1234 5678",
      "+86 138-1234-5678",  "138　1234　5678",
      "138－1234－5678",    "138" + nbsp + "1234" + nbsp + "5678",
  };
  for (const std::string& form : forms) {
    ExpectOne("联系电话：" + form + "（工作日）", kFindingMobile, form, "138****5678");
  }
}

TEST(ConfidentialityScanMobile, AllSecondDigits) {
  for (char second = '0'; second <= '9'; ++second) {
    const std::string number = std::string("1") + second + "912345678";
    const auto fs = scan_personal_data("电话" + number);
    EXPECT_EQ(fs.size(), second >= '3' ? 1u : 0u) << number;
  }
}

TEST(ConfidentialityScanMobile, NotMobiles) {
  ExpectNone("12345678901");         // second digit 2
  ExpectNone("10012345678");         // second digit 0
  ExpectNone("23812345678");         // first digit 2
  ExpectNone("1381234567");          // 10 digits
  ExpectNone("138123456789");        // 12 digits
  ExpectNone("913812345678");        // inside a longer run
  ExpectNone("138-1234-56789");      // last group too long
  ExpectNone("1381-234-5678");       // not 3-4-4
  ExpectNone("138 1234 5678 9");     // the group goes on
  ExpectNone("138-1234-5678-9");     // the group goes on
  ExpectNone("138-1234 5678");       // separators differ
  ExpectNone("138  1234  5678");     // double spaces
  ExpectNone("138--1234--5678");     // double dashes
  ExpectNone("138.1234.5678");       // dots are not separators
  ExpectNone("2023 138 1234 5678");  // grouped, continuing leftwards (documented)
}

TEST(ConfidentialityScanMobile, NotAPrefixStillFindsTheNumber) {
  // "87" is no country prefix: the mobile alone is found.
  ExpectOne("87 13812345678", kFindingMobile, "13812345678", "138****5678");
  ExpectOne("2023 13812345678", kFindingMobile, "13812345678", "138****5678");
  // Different separator on the left: the grouped form stands on its own.
  ExpectOne("2023-138 1234 5678", kFindingMobile, "138 1234 5678", "138****5678");
  // "+" before something that is not 86 is not part of the finding.
  ExpectOne("+13812345678", kFindingMobile, "13812345678", "138****5678");
}

TEST(ConfidentialityScanMobile, FullWidthDigits) {
  const std::string fw = FullWidth("13812345678");
  const std::string text = "电话" + fw + "。";
  const auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].kind, kFindingMobile);
  EXPECT_EQ(fs[0].offset, 6u);
  EXPECT_EQ(fs[0].length, 33u);
  EXPECT_EQ(fs[0].char_offset, 2u);
  EXPECT_EQ(fs[0].char_length, 11u);
  EXPECT_EQ(fs[0].masked, "138****5678");
  ExpectOne("电话" + FullWidth("138-1234-5678"), kFindingMobile, FullWidth("138-1234-5678"),
            "138****5678");
  // Mixed ASCII and full-width digits form one run.
  ExpectOne("电话138" + FullWidth("12345678"), kFindingMobile, "138" + FullWidth("12345678"),
            "138****5678");
  ExpectNone("电话1" + FullWidth("13812345678"));  // 12 digits
}

TEST(ConfidentialityScanMobile, SeveralInARow) {
  const std::string text = "13812345678 13912345678,15012345678;+86 177-0000-1111";
  const auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 4u);
  EXPECT_EQ(Text(text, fs[0]), "13812345678");
  EXPECT_EQ(Text(text, fs[1]), "13912345678");
  EXPECT_EQ(Text(text, fs[2]), "15012345678");
  EXPECT_EQ(Text(text, fs[3]), "+86 177-0000-1111");
  EXPECT_EQ(fs[3].masked, "177****1111");
}

// --- bank cards -------------------------------------------------------------------------------

TEST(ConfidentialityScanBankCard, LuhnValidAndInvalid) {
  ExpectOne("卡号6222021234567890128", kFindingBankCard, "6222021234567890128",
            "6222***********0128");
  ExpectNone("卡号6222021234567890123");
  ExpectOne("4111111111111111", kFindingBankCard, "4111111111111111", "4111********1111");
  for (int n = 16; n <= 19; ++n) {
    const std::string body = std::string("62") + std::string(static_cast<std::size_t>(n - 3), '7');
    ExpectOne("账号：" + Card(body) + "。", kFindingBankCard, Card(body),
              Card(body).substr(0, 4) + std::string(static_cast<std::size_t>(n - 8), '*') +
                  Card(body).substr(static_cast<std::size_t>(n - 4)));
    ExpectNone("账号：" + CardWrong(body) + "。");
  }
  // 15 and 20 digits are never cards, even when Luhn-valid.
  ExpectNone(Card("62222222222222"));
  ExpectNone(Card("6222222222222222222"));
}

TEST(ConfidentialityScanBankCard, Grouped) {
  ExpectOne("6222 0212 3456 7890 128", kFindingBankCard, "6222 0212 3456 7890 128",
            "6222***********0128");
  ExpectOne("转入 4111-1111-1111-1111 账户", kFindingBankCard, "4111-1111-1111-1111",
            "4111********1111");
  const std::string c17 = Card("4111111111111111");
  const std::string g17 = "4111 1111 1111 1111 " + c17.substr(16);
  ExpectOne(g17, kFindingBankCard, g17, "4111*********" + c17.substr(13));
  ExpectNone("6222 0212 3456 7890 123");        // Luhn fails
  ExpectNone("6222 0212 3456 7890 1288");       // 5th group of 4: 20 digits
  ExpectNone("1234 5678 9012 3456 7890 1234");  // a longer grouped number
  ExpectNone("9 4111 1111 1111 1111");          // continues leftwards
  ExpectNone("4111 1111 1111 1111 128 9");      // continues rightwards
  ExpectNone("4111-1111 1111-1111");            // separators differ
  ExpectNone("41111 1111 1111 111");            // not groups of 4
  ExpectOne("9-4111 1111 1111 1111", kFindingBankCard, "4111 1111 1111 1111",
            "4111********1111");  // a different separator on the left does not join
}

TEST(ConfidentialityScanBankCard, EighteenDigitsNotAnIdMayBeACard) {
  std::string card;
  for (char d : std::string("0123456789")) {
    const std::string candidate = std::string("11010519900307123") + d;
    if (d != IdCheck("11010519900307123") && Luhn(candidate)) card = candidate;
  }
  ASSERT_FALSE(card.empty());
  ExpectOne(card, kFindingBankCard, card, "1101**********" + card.substr(14));
}

// --- boundaries, text, offsets ----------------------------------------------------------------

TEST(ConfidentialityScanBoundaries, EmbeddedInLongerDigitRuns) {
  const std::string id = "11010519491231002X";
  ExpectNone("1" + id);
  ExpectNone("0" + std::string("13812345678"));
  ExpectNone("13812345678" + std::string("0"));
  ExpectNone("9" + std::string("6222021234567890128"));  // 20 digits: never a card
  ExpectNone(std::string(100, '1'));
  // Letters and punctuation are boundaries.
  ExpectOne("abc13812345678def", kFindingMobile, "13812345678", "138****5678");
  ExpectOne("（13812345678）", kFindingMobile, "13812345678", "138****5678");
  ExpectOne("【" + id + "】", kFindingResidentId, id, "110105********002X");
  ExpectOne("：" + FullWidth("13812345678") + "，", kFindingMobile, FullWidth("13812345678"),
            "138****5678");
  // A decimal point is a boundary too: this is reported (documented false positive).
  ExpectOne("3.13812345678", kFindingMobile, "13812345678", "138****5678");
}

TEST(ConfidentialityScanBoundaries, OffsetsInBytesAndCharactersInChineseText) {
  const std::string id = "11010519491231002X";
  const std::string text =
      "申请人张三，身份证号" + id + "，手机：138-1234-5678。卡号6222021234567890128";
  const auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0].kind, kFindingResidentId);
  EXPECT_EQ(fs[0].offset, 30u);  // 10 characters of 3 bytes
  EXPECT_EQ(fs[0].length, 18u);
  EXPECT_EQ(fs[0].char_offset, 10u);
  EXPECT_EQ(fs[0].char_length, 18u);
  EXPECT_EQ(fs[1].kind, kFindingMobile);
  EXPECT_EQ(fs[1].offset, 30u + 18u + 12u);
  EXPECT_EQ(fs[1].length, 13u);
  EXPECT_EQ(fs[1].char_offset, 10u + 18u + 4u);
  EXPECT_EQ(fs[1].char_length, 13u);
  EXPECT_EQ(fs[2].kind, kFindingBankCard);
  EXPECT_EQ(fs[2].offset, 60u + 13u + 9u);
  EXPECT_EQ(fs[2].char_offset, 32u + 13u + 3u);
  EXPECT_EQ(fs[2].length, 19u);
  for (const auto& f : fs) EXPECT_LE(f.offset + f.length, text.size());
  EXPECT_EQ(Text(text, fs[2]), "6222021234567890128");
}

TEST(ConfidentialityScanBoundaries, PlusIsPartOfThePrefixedFinding) {
  const std::string text = "电话+86 138 1234 5678";
  const auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].offset, 6u);
  EXPECT_EQ(fs[0].char_offset, 2u);
  EXPECT_EQ(fs[0].char_length, 17u);
  EXPECT_EQ(Text(text, fs[0]), "+86 138 1234 5678");
}

// --- robustness -------------------------------------------------------------------------------

TEST(ConfidentialityScanRobustness, EmptyAndTiny) {
  EXPECT_TRUE(scan_personal_data("").empty());
  EXPECT_TRUE(scan_personal_data(std::string_view()).empty());
  EXPECT_TRUE(scan_personal_data("1").empty());
  EXPECT_TRUE(scan_personal_data("+").empty());
  EXPECT_TRUE(scan_personal_data("86 ").empty());
  EXPECT_TRUE(scan_personal_data("138 1234 ").empty());
  EXPECT_TRUE(scan_personal_data("1101051949123100").empty());
  EXPECT_TRUE(scan_personal_data("\xEF\xBC").empty());
}

TEST(ConfidentialityScanRobustness, InvalidUtf8) {
  // Each byte not in well-formed UTF-8 counts as one character.
  std::string text =
      "\xFF\xFE"
      "13812345678\xC3";
  auto fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].offset, 2u);
  EXPECT_EQ(fs[0].char_offset, 2u);
  // A truncated full-width digit is no digit: two invalid bytes, then the number.
  text =
      "\xEF\xBC"
      "13812345678";
  fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].offset, 2u);
  EXPECT_EQ(fs[0].char_offset, 2u);
  // An overlong encoding of '1' (C0 B1) is not a digit and is a boundary.
  text =
      "\xC0\xB1"
      "13812345678";
  fs = scan_personal_data(text);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].offset, 2u);
  // Invalid bytes between the groups break the grouping.
  ExpectNone(
      "138\xFF"
      "1234\xFF"
      "5678");
  // A lone continuation byte inside a run ends it.
  ExpectNone(
      "1381234\x80"
      "5678");
  // A truncated sequence at the very end.
  ExpectOne("13812345678\xE5\x8F", kFindingMobile, "13812345678", "138****5678");
}

TEST(ConfidentialityScanRobustness, AllByteValuesAndRandomInputDoNotCrash) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_NO_THROW(scan_personal_data(all));

  const std::vector<std::string> pieces = {"0",
                                           "1",
                                           "3",
                                           "8",
                                           "6",
                                           "4",
                                           "X",
                                           "x",
                                           " ",
                                           "-",
                                           "+",
                                           "86",
                                           "0086",
                                           "\xEF\xBC\x91",
                                           "\xEF\xBC\x8D",
                                           "\xE3\x80\x80",
                                           "\xC2\xA0",
                                           "\xEF\xBC\xB8",
                                           "，",
                                           "。",
                                           "号",
                                           "a",
                                           "13812345678",
                                           "11010519491231002X",
                                           "4111111111111111",
                                           "138 ",
                                           "1234 ",
                                           "1234-",
                                           "5678"};
  std::mt19937 rng(2024);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    const auto fs = scan_personal_data(text);
    std::size_t last_end = 0;
    for (const auto& f : fs) {
      SCOPED_TRACE("text: " + text);
      ASSERT_GE(f.offset, last_end);
      ASSERT_GT(f.length, 0u);
      ASSERT_LE(f.offset + f.length, text.size());
      last_end = f.offset + f.length;
      // The input is valid UTF-8: characters are the bytes that are not continuation bytes.
      std::size_t chars = 0;
      for (std::size_t i = 0; i < f.offset; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
      }
      ASSERT_EQ(f.char_offset, chars);
      // The finding's own text, scanned alone, is the same single finding.
      const std::string alone = Text(text, f);
      const auto again = scan_personal_data(alone);
      ASSERT_EQ(again.size(), 1u) << alone;
      EXPECT_EQ(again[0].kind, f.kind);
      EXPECT_EQ(again[0].length, alone.size());
      EXPECT_EQ(again[0].masked, f.masked);
    }
    // Random bytes too.
    std::string bytes;
    for (int i = 0; i < n; ++i) bytes += static_cast<char>(rng() % 256);
    for (const auto& f : scan_personal_data(bytes)) ASSERT_LE(f.offset + f.length, bytes.size());
  }
}

TEST(ConfidentialityScanRobustness, OneMegabyteOfDigits) {
  const std::string digits(1 << 20, '7');
  EXPECT_TRUE(scan_personal_data(digits).empty());

  std::string grouped;  // "1234 1234 1234 ..." — one endless grouped number
  while (grouped.size() < (1u << 20)) grouped += "1234 ";
  EXPECT_TRUE(scan_personal_data(grouped).empty());

  std::string many;  // 1 MB of mobiles separated by spaces: every one is found
  std::size_t count = 0;
  while (many.size() < (1u << 20)) {
    many += "13812345678 ";
    ++count;
  }
  const auto fs = scan_personal_data(many);
  ASSERT_EQ(fs.size(), count);
  EXPECT_EQ(fs.back().offset, (count - 1) * 12);
}

TEST(ConfidentialityScanRobustness, ConcurrentCallsAgree) {
  const std::string text = "身份证11010519491231002X，电话+86 138-1234-5678，卡6222021234567890128";
  const auto expected = scan_personal_data(text);
  ASSERT_EQ(expected.size(), 3u);
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (std::size_t t = 0; t < ok.size(); ++t) {
    threads.emplace_back([&, t] {
      bool all = true;
      for (int i = 0; i < 500; ++i) {
        const auto fs = scan_personal_data(text);
        all = all && fs.size() == expected.size() && fs[2].offset == expected[2].offset;
      }
      ok[t] = all ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace gongkai
