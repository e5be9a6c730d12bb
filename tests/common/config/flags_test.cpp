#include "config/flags.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/values.hpp"
#include "config_test_util.hpp"

namespace config {
namespace {

using test::error_of;

vnet_flags route_only() {
  vnet_flags f;
  f.route = "203.0.113.10:7749";
  return f;
}

TEST(Flags, TheIssueExamples) {
  auto f = route_only();
  f.group = "G";
  f.uses = {"700:1122"};
  f.serves = {"22:700"};
  auto c = vnet_config_from_flags(f);
  EXPECT_EQ(c.route, (endpoint{"203.0.113.10", 7749}));
  EXPECT_EQ(c.group, "G");
  EXPECT_TRUE(c.path.empty()) << "no file to reload";
  EXPECT_FALSE(c.terminal);
  ASSERT_EQ(c.serves.size(), 1u);
  EXPECT_EQ(c.serves[0].ip, "127.0.0.1");
  EXPECT_EQ(c.serves[0].port, 22);
  EXPECT_EQ(c.serves[0].serveid, 700);
  EXPECT_EQ(c.serves[0].name, "port22");
  EXPECT_TRUE(c.serves[0].active);
  ASSERT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(c.uses[0].serveid, 700);
  EXPECT_EQ(c.uses[0].ip, "127.0.0.1");
  EXPECT_EQ(c.uses[0].port, 1122);
  EXPECT_TRUE(c.uses[0].active);
}

TEST(Flags, AddressesAndRepeats) {
  auto f = route_only();
  f.route = "[::1]:7749";
  f.name = "laptop";
  f.serves = {"192.168.1.5:80:0", "[::1]:80:701", "8080:702"};
  f.uses = {"700:127.0.0.2:1122", "700:[::1]:1122", "701:2222"};
  auto c = vnet_config_from_flags(f);
  EXPECT_EQ(c.route, (endpoint{"::1", 7749}));
  EXPECT_EQ(c.name, "laptop");
  ASSERT_EQ(c.serves.size(), 3u);
  EXPECT_EQ(c.serves[0].ip, "192.168.1.5");
  EXPECT_EQ(c.serves[0].serveid, 0);  // the route picks
  EXPECT_EQ(c.serves[0].key, "port80");
  EXPECT_EQ(c.serves[1].ip, "::1");
  EXPECT_EQ(c.serves[1].key, "port80-2");  // two serves of port 80: two names
  EXPECT_EQ(c.serves[2].port, 8080);
  ASSERT_EQ(c.uses.size(), 3u);
  EXPECT_EQ(c.uses[0].ip, "127.0.0.2");
  EXPECT_EQ(c.uses[1].ip, "::1");
  EXPECT_EQ(c.uses[1].key, "use700-2");
  EXPECT_EQ(c.uses[2].serveid, 701);
}

TEST(Flags, DefaultNameIsAValidName) {
  auto c = vnet_config_from_flags(route_only());
  EXPECT_FALSE(c.name.empty());
  EXPECT_TRUE(check_text(c.name, 64).ok());
  EXPECT_EQ(c.group, "default");
}

TEST(Flags, ErrorsNameTheFlag) {
  auto err = [](auto edit) {
    auto f = route_only();
    edit(f);
    return error_of([&] { vnet_config_from_flags(f); });
  };
  EXPECT_EQ(err([](vnet_flags& f) { f.route.clear(); }),
            "--route HOST:PORT is required (the route's address)");
  EXPECT_EQ(err([](vnet_flags& f) { f.route = "example.org"; }),
            "--route example.org: expected HOST:PORT, e.g. 203.0.113.10:7749 or [2001:db8::1]:7749");
  EXPECT_EQ(err([](vnet_flags& f) { f.route = "::1:7749"; }),
            "--route ::1:7749: expected HOST:PORT, e.g. 203.0.113.10:7749 or [2001:db8::1]:7749");
  EXPECT_EQ(err([](vnet_flags& f) { f.route = "h:0"; }), "--route h:0: not a port number (1-65535)");
  EXPECT_EQ(err([](vnet_flags& f) { f.uses = {"700:99999"}; }),
            "--use 700:99999: not a port number (1-65535)");
  EXPECT_EQ(err([](vnet_flags& f) { f.uses = {"0:1122"}; }).substr(0, 14), "--use 0:1122: ");
  EXPECT_EQ(err([](vnet_flags& f) { f.uses = {"1122"}; }),
            "--use 1122: expected SERVEID:[IP:]PORT, e.g. 700:1122 or 700:127.0.0.2:1122");
  EXPECT_EQ(err([](vnet_flags& f) { f.uses = {"700:1122", "701:1122"}; }),
            "--use 701:1122: port 1122 is given twice");
  EXPECT_EQ(err([](vnet_flags& f) { f.uses = {"700:localhost:1122"}; }).substr(0, 26),
            "--use 700:localhost:1122: ");
  EXPECT_EQ(err([](vnet_flags& f) { f.serves = {"22:1000"}; }).substr(0, 15), "--serve 22:1000");
  EXPECT_EQ(err([](vnet_flags& f) { f.serves = {"22:700", "23:700"}; }),
            "--serve 23:700: serveid 700 is given twice");
  EXPECT_EQ(err([](vnet_flags& f) { f.serves = {"a:b:c:d"}; }),
            "--serve a:b:c:d: expected [IP:]PORT:SERVEID, e.g. 22:700 or 192.168.1.5:80:701");
  EXPECT_NE(err([](vnet_flags& f) { f.name = "a\nb"; }).find("--name a\nb: "), std::string::npos);
  EXPECT_NE(err([](vnet_flags& f) { f.group = std::string(129, 'g'); }).find("--group "),
            std::string::npos);
}

// A one-liner could not give a token, a group key or a pin (`--token x`
// was an unknown option, and the error sent the user to a file they did not
// have). Secrets come from files, never the command line; the pin is a flag.
TEST(Flags, SecretsFromFilesAndThePinAsAFlag) {
  const std::string dir = ::testing::TempDir();
  const std::string token = dir + "/token-" + std::to_string(::getpid());
  const std::string key = dir + "/key-" + std::to_string(::getpid());
  const std::string shortkey = dir + "/short-" + std::to_string(::getpid());
  const std::string empty = dir + "/empty-" + std::to_string(::getpid());
  std::ofstream(token) << "0123456789abcdef0123456789abcdef\r\n";
  std::ofstream(key) << "group-key-0123456789abcdef\nsecond line ignored\n";
  std::ofstream(shortkey) << "short\n";
  std::ofstream(empty) << "";
  const std::string pin = "SHA256:" + std::string(43, 'A');
  auto f = route_only();
  f.token_file = token;
  f.group_key_file = key;
  f.fingerprint = pin;
  auto c = vnet_config_from_flags(f);
  EXPECT_EQ(c.token, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c.group_key, "group-key-0123456789abcdef");
  EXPECT_EQ(c.fingerprint, pin);

  auto err = [](auto edit) {
    auto g = route_only();
    edit(g);
    return error_of([&] { vnet_config_from_flags(g); });
  };
  const std::string weak = "--group-key-file " + shortkey + ": the secret in it is too short";
  EXPECT_EQ(err([&](vnet_flags& g) { g.group_key_file = shortkey; }).substr(0, weak.size()), weak);
  EXPECT_EQ(err([&](vnet_flags& g) { g.token_file = empty; }), "--token-file " + empty + ": the file is empty");
  EXPECT_EQ(err([&](vnet_flags& g) { g.token_file = dir + "/nonexistent"; }),
            "--token-file " + dir + "/nonexistent: cannot read it: No such file or directory");
  EXPECT_EQ(err([](vnet_flags& g) { g.fingerprint = "SHA256:short"; }).substr(0, 28), "--fingerprint SHA256:short: ");
  for (const auto& p : {token, key, shortkey, empty}) std::remove(p.c_str());
}

TEST(Flags, SplitKeepsBracketedAddressesWhole) {
  EXPECT_EQ(split_colon_fields("[::1]:22:700"), (std::vector<std::string>{"::1", "22", "700"}));
  EXPECT_EQ(split_colon_fields("a:b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_colon_fields("x"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(split_colon_fields(""), (std::vector<std::string>{""}));
}

}  // namespace
}  // namespace config

namespace config {
namespace {

TEST(Flags, UdpServesAndUses) {
  auto f = route_only();
  f.serves = {"53:700/udp", "22:701", "127.0.0.1:514:702/UDP"};
  f.uses = {"700:5353/udp", "701:5353", "702:1514"};  // a UDP and a TCP port may share a number
  auto c = vnet_config_from_flags(f);
  ASSERT_EQ(c.serves.size(), 3u);
  EXPECT_EQ(c.serves[0].type, "udp");
  EXPECT_EQ(c.serves[0].port, 53);
  EXPECT_EQ(c.serves[0].serveid, 700);
  EXPECT_EQ(c.serves[1].type, "tcp");
  EXPECT_EQ(c.serves[2].type, "udp");
  EXPECT_EQ(c.serves[2].port, 514);
  ASSERT_EQ(c.uses.size(), 3u);
  EXPECT_EQ(c.uses[0].type, "udp");
  EXPECT_EQ(c.uses[0].port, 5353);
  EXPECT_EQ(c.uses[1].type, "");  // the serve's
  auto bad = route_only();
  bad.serves = {"53:700/sctp"};
  EXPECT_NE(error_of([&] { vnet_config_from_flags(bad); }).find("--serve 53:700/sctp: the type after '/' is tcp or udp"),
            std::string::npos);
  auto twice = route_only();
  twice.uses = {"700:5353/udp", "701:5353/udp"};
  EXPECT_NE(error_of([&] { vnet_config_from_flags(twice); }).find("is given twice"), std::string::npos);
}

}  // namespace
}  // namespace config
