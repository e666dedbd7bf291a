// Internal to the adapters that write HTML and XML (the channels' pages, feeds and print spool;
// the assessment report): escaping text for element content and attribute values. One copy, so
// that every page escapes the same characters the same way.
//
// Pure functions of their argument: thread-safe, never throw (other than std::bad_alloc).
#pragma once

#include <string>
#include <string_view>

namespace gongkai {

// Text for HTML element content and for a quoted attribute value: & < > " ' replaced by &amp;
// &lt; &gt; &quot; &#39;. Every other byte (UTF-8 included, control characters included) is kept.
std::string html_escape(std::string_view text);

// Text for XML 1.0 content and attribute values: escaped as by html_escape, and the characters XML
// 1.0 forbids dropped — C0 controls other than tab, LF and CR; U+FFFE and U+FFFF. Other bytes are
// kept as they are (the input is taken to be UTF-8; nothing else is checked).
std::string xml_escape(std::string_view text);

}  // namespace gongkai
