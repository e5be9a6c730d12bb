// The value rules of config/values.hpp, one test per rule: the loader and
// the vnet terminal both judge values with these.
#include "config/values.hpp"

#include <gtest/gtest.h>

#include <string>

namespace config {
namespace {

TEST(Values, Port) {
  std::uint16_t v = 0;
  EXPECT_EQ(port_problem("22", 1, v), std::nullopt);
  EXPECT_EQ(v, 22);
  EXPECT_EQ(port_problem("65535", 1, v), std::nullopt);
  EXPECT_EQ(port_problem("0", 0, v), std::nullopt);  // the route's "let the OS pick"
  EXPECT_EQ(v, 0);
  for (const char* bad : {"0", "65536", "-1", "+22", "0x16", " 22", "22 ", "", "abc"})
    EXPECT_EQ(port_problem(bad, 1, v), "not a port number (1-65535)") << bad;
}

TEST(Values, Serveid) {
  std::uint16_t v = 1;
  EXPECT_EQ(serveid_problem("000", 0, v), std::nullopt);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(serveid_problem("0700", 0, v), std::nullopt);
  EXPECT_EQ(v, 700);
  EXPECT_EQ(serveid_problem("0", 1, v), "not a serveid (1-999)");
  EXPECT_EQ(serveid_problem("1000", 0, v), "not a serveid (0-999)");
  EXPECT_EQ(serveid_problem("7a", 0, v), "not a serveid (0-999)");
}

TEST(Values, IpLiteral) {
  for (const char* ok : {"127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1"})
    EXPECT_EQ(ip_literal_problem(ok), std::nullopt) << ok;
  for (const char* bad : {"localhost", "1.2.3.999", "", "1.2.3.4 ", "::1%"})
    EXPECT_EQ(ip_literal_problem(bad), "not an IP address (IPv4 or IPv6)") << bad;
}

TEST(Values, Boolean) {
  for (const char* t : {"true", "TRUE", "yes", "On", "1"}) {
    bool v = false;
    EXPECT_EQ(boolean_problem(t, v), std::nullopt) << t;
    EXPECT_TRUE(v) << t;
  }
  for (const char* f : {"false", "No", "off", "0"}) {
    bool v = true;
    EXPECT_EQ(boolean_problem(f, v), std::nullopt) << f;
    EXPECT_FALSE(v) << f;
  }
  bool v = false;
  for (const char* bad : {"maybe", "", "2", "y"})
    EXPECT_EQ(boolean_problem(bad, v), "not a boolean (true/false, yes/no, on/off, 1/0)") << bad;
}

TEST(Values, Count) {
  unsigned v = 9;
  EXPECT_EQ(count_problem("0", v), std::nullopt);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(count_problem("4294967295", v), std::nullopt);
  EXPECT_EQ(count_problem("4294967296", v), "not a whole number (0-4294967295)");
  EXPECT_EQ(count_problem("-1", v), "not a whole number (0-4294967295)");
}

TEST(Values, Duration) {
  std::chrono::duration<double> v{};
  EXPECT_EQ(duration_problem("0.5", v), std::nullopt);
  EXPECT_DOUBLE_EQ(v.count(), 0.5);
  EXPECT_EQ(duration_problem(".25", v), std::nullopt);
  EXPECT_EQ(duration_problem("86400", v), std::nullopt);
  for (const char* bad : {"0", "0.0001", "86401", "-1", "1e3", "inf", "nan", "1s", ""})
    EXPECT_EQ(duration_problem(bad, v), "not a duration in seconds (e.g. 0.5; 0.001-86400)")
        << bad;
}

TEST(Values, NamesAcceptAsciiWordsAndNonAsciiCharacters) {
  for (const char* ok : {"ssh", "web-1", "a_b.c", "SSH", "网页", "café", "x网页-2"})
    EXPECT_EQ(name_problem(ok), std::nullopt) << ok;
  // 64 bytes, the protocol's limit for a name: 21 CJK characters (63 bytes).
  std::string cjk21;
  for (int i = 0; i < 21; ++i) cjk21 += "网";
  EXPECT_EQ(name_problem(cjk21), std::nullopt);
  EXPECT_NE(name_problem(cjk21 + "网"), std::nullopt);
  EXPECT_EQ(name_problem(std::string(64, 'x')), std::nullopt);
  EXPECT_NE(name_problem(std::string(65, 'x')), std::nullopt);
}

TEST(Values, TextForTheRouteIsCleanAndWithinItsLimit) {
  EXPECT_EQ(text_problem("home ssh, 网页 (café)", 64), std::nullopt);
  EXPECT_EQ(text_problem(std::string(512, 'i'), 512), std::nullopt);
  EXPECT_EQ(text_problem(std::string(513, 'i'), 512), "longer than 512 bytes (513)");
  for (std::string bad : {std::string("a\nb"), std::string("esc\x1b[2J"), std::string("tab\tx"),
                          std::string("c1\xc2\x85"), std::string("bad\xff")})
    EXPECT_EQ(text_problem(bad, 512), "contains a control character or is not UTF-8") << bad;
}

TEST(Values, NamesRefuseWhatBreaksAWordOrALine) {
  const std::string why =
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
    EXPECT_EQ(name_problem(bad), why) << bad;
}

TEST(Values, ValueErrorIsTheCommonTail) {
  EXPECT_EQ(value_error("port", "abc", "not a port number (1-65535)"),
            "port = \"abc\": not a port number (1-65535)");
}

}  // namespace
}  // namespace config
