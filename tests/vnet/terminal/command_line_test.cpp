#include "vnet/terminal/command_line.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace vnet {
namespace {

parsed_args args(std::string_view line) {
  auto r = parse_args(line);
  if (!r) ADD_FAILURE() << line << ": " << r.why();
  return r ? *r : parsed_args{};
}

// The problem's text, nullopt when the check passed.
std::optional<std::string> problem_of(const outcome::status& st) {
  if (st) return std::nullopt;
  return st.why();
}

std::string error_of(std::string_view line) {
  auto r = parse_args(line);
  return r ? "no error" : r.why();
}

using words = std::vector<std::string>;
using values = std::map<std::string, std::string>;

TEST(ParseArgs, WordsAndValues) {
  auto a = args("  serve\tnew  ssh Port=22 info=\"my box\"  ");
  EXPECT_EQ(a.words, (words{"serve", "new", "ssh"}));
  EXPECT_EQ(a.values, (values{{"port", "22"}, {"info", "my box"}}));
}

TEST(ParseArgs, Empty) {
  EXPECT_TRUE(args("").words.empty());
  EXPECT_TRUE(args(" \t ").values.empty());
}

TEST(ParseArgs, Quotes) {
  EXPECT_EQ(args("\"a b\" c").words, (words{"a b", "c"}));
  EXPECT_EQ(args("x\"y z\"w").words, words{"xy zw"});  // glued parts make one word
  EXPECT_EQ(args("\"\"").words, words{""});
  EXPECT_EQ(args("info=").values, (values{{"info", ""}}));
  EXPECT_EQ(args("info=\"\"").values, (values{{"info", ""}}));
  EXPECT_EQ(args("info=\"a=b\"").values, (values{{"info", "a=b"}}));
  EXPECT_EQ(args("name=x=y").values, (values{{"name", "x=y"}}));  // split at the first '='
}

TEST(ParseArgs, WordsThatLookLikeValues) {
  auto a = args("=x \"a=b\" \"k\"=v");
  EXPECT_EQ(a.words, (words{"=x", "a=b"}));  // no key; quoted '='
  EXPECT_EQ(a.values, (values{{"k", "v"}}));
}

TEST(ParseArgs, Errors) {
  EXPECT_EQ(error_of("info=\"my box"), "missing closing quote (\")");
  EXPECT_EQ(error_of("\""), "missing closing quote (\")");
  EXPECT_EQ(error_of("port=1 PORT=2"), "port is given twice");
}

TEST(Check, Port) {
  std::uint16_t p = 7;
  EXPECT_EQ(problem_of(check_port("port", "22", p)), std::nullopt);
  EXPECT_EQ(p, 22);
  EXPECT_EQ(problem_of(check_port("port", "65535", p)), std::nullopt);
  EXPECT_EQ(p, 65535);
  for (const char* bad : {"abc", "0", "65536", "-1", "+1", " 1", "", "1.0"}) {
    EXPECT_EQ(problem_of(check_port("port", bad, p)),
              "port = \"" + std::string(bad) + "\": not a port number (1-65535)");
    EXPECT_EQ(p, 65535) << "unchanged on error";
  }
}

TEST(Check, Serveid) {
  std::uint16_t s = 0;
  EXPECT_EQ(problem_of(check_serveid("serveid", "007", s, false)), std::nullopt);
  EXPECT_EQ(s, 7);
  EXPECT_EQ(problem_of(check_serveid("serveid", "000", s, true)), std::nullopt);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(problem_of(check_serveid("serveid", "0", s, false)), "serveid = \"0\": not a serveid (1-999)");
  EXPECT_EQ(problem_of(check_serveid("serveid", "000", s, false)), "serveid = \"000\": not a serveid (1-999)");
  EXPECT_EQ(problem_of(check_serveid("serveid", "1000", s, true)), "serveid = \"1000\": not a serveid (0-999)");
  EXPECT_EQ(problem_of(check_serveid("serve", "ssh", s, false)), "serve = \"ssh\": not a serveid (1-999)");
}

TEST(Check, Vnetid) {
  std::uint32_t v = 0;
  EXPECT_EQ(problem_of(check_vnetid("vnetid", "01", v)), std::nullopt);
  EXPECT_EQ(v, 1u);
  EXPECT_EQ(problem_of(check_vnetid("vnetid", "4294967295", v)), std::nullopt);
  EXPECT_EQ(v, 4294967295u);
  for (const char* bad : {"0", "00", "4294967296", "x", "", "-1"})
    EXPECT_EQ(problem_of(check_vnetid("to vnetid", bad, v)),
              "to vnetid = \"" + std::string(bad) + "\": not a vnetid (1-4294967295)");
}

TEST(Check, Ip) {
  for (const char* ok : {"127.0.0.1", "::1", "fe80::1", "localhost", "nas.local", "my-box",
                         "a1.example.com", "xn--bcher-kva.de"})
    EXPECT_EQ(problem_of(check_ip("ip", ok)), std::nullopt) << ok;
  for (const char* bad : {"", "a b", "1.2.3.999", "300.1.1.1", "999", "-box", "box-", "a..b",
                          ".a", "a.", "under_score", "[::1]", "::1:8888:x", "ä.de"})
    EXPECT_EQ(problem_of(check_ip("ip", bad)),
              "ip = \"" + std::string(bad) + "\": not an IP address or host name");
  EXPECT_EQ(problem_of(check_ip("ip", std::string(63, 'a') + "." + std::string(63, 'b'))), std::nullopt);
  EXPECT_NE(problem_of(check_ip("ip", std::string(64, 'a'))), std::nullopt);  // label too long
}

TEST(Check, IpLiteral) {
  EXPECT_EQ(problem_of(check_ip_literal("ip", "0::1")), std::nullopt);
  EXPECT_EQ(problem_of(check_ip_literal("ip", "10.1.2.3")), std::nullopt);
  EXPECT_EQ(problem_of(check_ip_literal("ip", "localhost")),
            "ip = \"localhost\": not an IP address (IPv4 or IPv6)");  // as in [use.NAME]
}

TEST(Check, Name) {
  // What [serve.NAME] and [use.NAME] take in the file, any script included.
  for (const char* ok : {"ssh", "A-b_c.9", "unserve-001", "网页", "café", "網頁-2"})
    EXPECT_EQ(problem_of(check_name("name", ok)), std::nullopt) << ok;
  EXPECT_EQ(problem_of(check_name("name", std::string(64, 'x'))), std::nullopt);
  std::string cjk21;
  for (int i = 0; i < 21; ++i) cjk21 += "网";  // 63 bytes: 64 is the protocol's limit
  EXPECT_EQ(problem_of(check_name("name", cjk21)), std::nullopt);
  EXPECT_NE(problem_of(check_name("name", cjk21 + "网")), std::nullopt);
  const std::string why = "not a name (1-64 bytes of A-Z a-z 0-9 _ . - and non-ASCII characters such as 网页; no spaces)";
  for (std::string bad : {std::string(), std::string("a b"), std::string("a]"), std::string("a;b"),
                          std::string("a\"b"), std::string("a\tb"), std::string("a\x1b[2J"), std::string("\xff"),
                          std::string("a\u3000b"), std::string("a\xc2\x85b"),
                          std::string(65, 'x'), cjk21 + "网"})
    EXPECT_EQ(problem_of(check_name("name", bad)), "name = \"" + bad + "\": " + why) << bad;
}

}  // namespace
}  // namespace vnet
