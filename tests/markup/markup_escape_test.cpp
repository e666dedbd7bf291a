// html_escape and xml_escape (adapters/markup/markup_escape.h): every special character, every
// character XML forbids, the ones it allows, and UTF-8 passed through untouched.
#include "adapters/markup/markup_escape.h"

#include <gtest/gtest.h>

#include <string>

namespace gongkai {
namespace {

using namespace std::string_literals;

TEST(HtmlEscape, ReplacesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape("a&b<c>d\"e'f 县"), "a&amp;b&lt;c&gt;d&quot;e&#39;f 县");
  EXPECT_EQ(html_escape("&"), "&amp;");
  EXPECT_EQ(html_escape("<"), "&lt;");
  EXPECT_EQ(html_escape(">"), "&gt;");
  EXPECT_EQ(html_escape("\""), "&quot;");
  EXPECT_EQ(html_escape("'"), "&#39;");
}

TEST(HtmlEscape, EmptyTextStaysEmpty) {
  EXPECT_EQ(html_escape(""), "");
}

TEST(HtmlEscape, EscapesAgainWhatIsAlreadyEscaped) {
  // No double-escape detection: an entity in the text is text, shown as typed.
  EXPECT_EQ(html_escape("&amp;&#39;"), "&amp;amp;&amp;#39;");
}

TEST(HtmlEscape, KeepsEveryOtherByte) {
  // Controls, NUL, UTF-8 (2, 3 and 4 bytes), U+FFFF and even a stray continuation byte.
  const std::string other = "\t\n\r\x01"s + '\0' + "é县𠀀\xEF\xBF\xBF\x80 =/;";
  EXPECT_EQ(html_escape(other), other);
}

TEST(HtmlEscape, AttributeInjectionIsNeutralised) {
  EXPECT_EQ(html_escape("\" onmouseover='alert(1)' x=\""),
            "&quot; onmouseover=&#39;alert(1)&#39; x=&quot;");
  EXPECT_EQ(html_escape("</title><script>"), "&lt;/title&gt;&lt;script&gt;");
}

TEST(XmlEscape, EscapesLikeHtml) {
  EXPECT_EQ(xml_escape("a&b<c>d\"e'f 县"), "a&amp;b&lt;c&gt;d&quot;e&#39;f 县");
  EXPECT_EQ(xml_escape(""), "");
}

TEST(XmlEscape, DropsTheControlsXmlForbidsAndKeepsTabLineFeedCarriageReturn) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  EXPECT_EQ(xml_escape(controls), "\t\n\r");
  EXPECT_EQ(xml_escape("a\x01<b\x1F"s + '\0' + "c"), "a&lt;bc");
  // DEL (0x7F) is allowed in XML 1.0 and kept.
  EXPECT_EQ(xml_escape("\x7F"), "\x7F");
}

TEST(XmlEscape, DropsUFFFEAndUFFFFOnly) {
  EXPECT_EQ(xml_escape("a\xEF\xBF\xBE"
                       "b\xEF\xBF\xBF"
                       "c"),
            "abc");
  // Their neighbours are characters XML allows: U+FFFD, U+FFFC, U+EFFF.
  EXPECT_EQ(xml_escape("\xEF\xBF\xBD\xEF\xBF\xBC\xEE\xBF\xBF"),
            "\xEF\xBF\xBD\xEF\xBF\xBC\xEE\xBF\xBF");
  // Cut short at the end of the text: not U+FFFF, kept as it is.
  EXPECT_EQ(xml_escape("x\xEF\xBF"), "x\xEF\xBF");
  // Several in a row, and an escape right after one.
  EXPECT_EQ(xml_escape("\xEF\xBF\xBF\xEF\xBF\xBE&"), "&amp;");
}

TEST(XmlEscape, KeepsUtf8) {
  const std::string text = "县人民政府 é 𠀀";
  EXPECT_EQ(xml_escape(text), text);
}

}  // namespace
}  // namespace gongkai
