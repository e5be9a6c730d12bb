// The value rules of config/values.hpp, one test per rule: the loader and
// the vnet terminal both judge values with these.
#include "config/values.hpp"

#include <gtest/gtest.h>

#include <string>

namespace config {
namespace {

// The reason a rule gives, or "" when the value passes.
template <class Result>
std::string why(const Result& r) {
  return r.ok() ? "" : r.why();
}

TEST(Values, Port) {
  EXPECT_EQ(why(parse_port("22", 1)), "");
  EXPECT_EQ(*parse_port("22", 1), 22);
  EXPECT_EQ(why(parse_port("65535", 1)), "");
  EXPECT_EQ(why(parse_port("0", 0)), "");  // the route's "let the OS pick"
  EXPECT_EQ(*parse_port("0", 0), 0);
  for (const char* bad : {"0", "65536", "-1", "+22", "0x16", " 22", "22 ", "", "abc"})
    EXPECT_EQ(why(parse_port(bad, 1)), "not a port number (1-65535)") << bad;
}

TEST(Values, Serveid) {
  EXPECT_EQ(why(parse_serveid("000", 0)), "");
  EXPECT_EQ(*parse_serveid("000", 0), 0);
  EXPECT_EQ(why(parse_serveid("0700", 0)), "");
  EXPECT_EQ(*parse_serveid("0700", 0), 700);
  EXPECT_EQ(why(parse_serveid("0", 1)), "not a serveid (1-999)");
  EXPECT_EQ(why(parse_serveid("1000", 0)), "not a serveid (0-999)");
  EXPECT_EQ(why(parse_serveid("7a", 0)), "not a serveid (0-999)");
}

TEST(Values, IpLiteral) {
  for (const char* ok : {"127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1"})
    EXPECT_EQ(why(check_ip_literal(ok)), "") << ok;
  for (const char* bad : {"localhost", "1.2.3.999", "", "1.2.3.4 ", "::1%"})
    EXPECT_EQ(why(check_ip_literal(bad)), "not an IP address (IPv4 or IPv6)") << bad;
}

TEST(Values, Boolean) {
  for (const char* t : {"true", "TRUE", "yes", "On", "1"}) {
    EXPECT_EQ(why(parse_boolean(t)), "") << t;
    EXPECT_TRUE(*parse_boolean(t)) << t;
  }
  for (const char* f : {"false", "No", "off", "0"}) {
    EXPECT_EQ(why(parse_boolean(f)), "") << f;
    EXPECT_FALSE(*parse_boolean(f)) << f;
  }
  for (const char* bad : {"maybe", "", "2", "y"})
    EXPECT_EQ(why(parse_boolean(bad)), "not a boolean (true/false, yes/no, on/off, 1/0)") << bad;
}

TEST(Values, Count) {
  EXPECT_EQ(why(parse_count("0")), "");
  EXPECT_EQ(*parse_count("0"), 0u);
  EXPECT_EQ(why(parse_count("4294967295")), "");
  EXPECT_EQ(why(parse_count("4294967296")), "not a whole number (0-4294967295)");
  EXPECT_EQ(why(parse_count("-1")), "not a whole number (0-4294967295)");
}

TEST(Values, Duration) {
  EXPECT_EQ(why(parse_duration("0.5")), "");
  EXPECT_DOUBLE_EQ(parse_duration("0.5")->count(), 0.5);
  EXPECT_EQ(why(parse_duration(".25")), "");
  EXPECT_EQ(why(parse_duration("86400")), "");
  for (const char* bad : {"0", "0.0001", "86401", "-1", "1e3", "inf", "nan", "1s", ""})
    EXPECT_EQ(why(parse_duration(bad)), "not a duration in seconds (e.g. 0.5; 0.001-86400)")
        << bad;
}

TEST(Values, NamesAcceptAsciiWordsAndNonAsciiCharacters) {
  for (const char* ok : {"ssh", "web-1", "a_b.c", "SSH", "网页", "café", "x网页-2"})
    EXPECT_EQ(why(check_name(ok)), "") << ok;
  // 64 bytes, the protocol's limit for a name: 21 CJK characters (63 bytes).
  std::string cjk21;
  for (int i = 0; i < 21; ++i) cjk21 += "网";
  EXPECT_EQ(why(check_name(cjk21)), "");
  EXPECT_NE(why(check_name(cjk21 + "网")), "");
  EXPECT_EQ(why(check_name(std::string(64, 'x'))), "");
  EXPECT_NE(why(check_name(std::string(65, 'x'))), "");
}

TEST(Values, TextForTheRouteIsCleanAndWithinItsLimit) {
  EXPECT_EQ(why(check_text("home ssh, 网页 (café)", 64)), "");
  EXPECT_EQ(why(check_text(std::string(512, 'i'), 512)), "");
  EXPECT_EQ(why(check_text(std::string(513, 'i'), 512)), "longer than 512 bytes (513)");
  for (std::string bad : {std::string("a\nb"), std::string("esc\x1b[2J"), std::string("tab\tx"),
                          std::string("c1\xc2\x85"), std::string("bad\xff")})
    EXPECT_EQ(why(check_text(bad, 512)), "contains a control character or is not UTF-8") << bad;
}

TEST(Values, NamesRefuseWhatBreaksAWordOrALine) {
  const std::string reason =
      "not a name (1-64 bytes of A-Z a-z 0-9 _ . - and non-ASCII characters such as 网页; no spaces)";
  std::string cjk65;
  for (int i = 0; i < 65; ++i) cjk65 += "网";
  for (std::string bad :
       {std::string(), std::string(65, 'x'), cjk65, std::string("my web"), std::string("a=b"),
        std::string("a\"b"), std::string("a;b"), std::string("a[b]"), std::string("tab\there"),
        std::string("esc\x1b[31m"), std::string("nul\0x", 5),
        std::string("c1\xc2\x85"),             // U+0085 NEXT LINE
        std::string("ideo\xe3\x80\x80space"),  // U+3000 IDEOGRAPHIC SPACE
        std::string("nb\xc2\xa0space"),        // U+00A0 NO-BREAK SPACE
        std::string("abc\xe2\x81\xa6" "fed"),  // U+2066 LEFT-TO-RIGHT ISOLATE
        std::string("bad\xff"),                // not UTF-8
        std::string("\xc0\xaf"),               // overlong '/'
        std::string("\xed\xa0\x80"),           // a UTF-16 surrogate
        std::string("cut\xe7\xbd")})           // truncated character
    EXPECT_EQ(why(check_name(bad)), reason) << bad;
}

TEST(Values, ValueErrorIsTheCommonTail) {
  EXPECT_EQ(value_error("port", "abc", "not a port number (1-65535)"),
            "port = \"abc\": not a port number (1-65535)");
}

}  // namespace
}  // namespace config
