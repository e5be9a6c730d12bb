#include "config/auto_limit.hpp"
#include "config/config.hpp"
#include "config/schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <cstring>
#include <functional>
#include <string>

#include "config_test_util.hpp"

namespace config {
namespace {

using namespace config::test;

// ---- keys and defaults ---------------------------------------------------

TEST(Defaults, VnetWithOnlyARoute) {
  auto c = parse_vnet_config("[route]\nip=route.example.com\nport=7749\n", "mem");
  EXPECT_EQ(c.path, "mem");
  EXPECT_EQ(c.route.ip, "route.example.com");  // a vnet may name its route
  EXPECT_EQ(c.name, "vnet");
  EXPECT_EQ(c.group, "default");
  EXPECT_FALSE(c.terminal);
  EXPECT_TRUE(c.startserve);
  EXPECT_TRUE(c.startuse);
  EXPECT_FALSE(c.allow_unserve);
  EXPECT_FALSE(c.unserve_remote);
  EXPECT_EQ(c.unserve_num, 1u);
  EXPECT_EQ(c.unserve_unused_timeout, seconds(180));
  EXPECT_EQ(c.unserve_idle_timeout, seconds(60));
  EXPECT_EQ(c.heartbeat, seconds(6));
  EXPECT_EQ(c.reconnect, seconds(3));
  EXPECT_EQ(c.dial_timeout, seconds(5));
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Defaults, RouteDurations) {
  auto r = parse_route_config("[route]\nip=::\nport=0\n", "r.ini");
  EXPECT_EQ(r.listen.ip, "::");
  EXPECT_EQ(r.listen.port, 0);  // the OS picks
  EXPECT_EQ(r.heartbeat, seconds(6));
  EXPECT_EQ(r.timeout, seconds(15));
  EXPECT_EQ(r.handshake_timeout, seconds(10));
  EXPECT_EQ(r.link_timeout, seconds(10));
  r = parse_route_config(
      "[route]\nip=0.0.0.0\nport=1\nheartbeat=0.2\ntimeout=1\nhandshake_timeout=.5\nlink_timeout=2."
      "25\n",
      "r.ini");
  EXPECT_EQ(r.heartbeat, seconds(0.2));
  EXPECT_EQ(r.timeout, seconds(1));
  EXPECT_EQ(r.handshake_timeout, seconds(0.5));
  EXPECT_EQ(r.link_timeout, seconds(2.25));
}

TEST(Defaults, RouteLimits) {
  auto r = parse_route_config("[route]\nip=::\nport=0\n", "r.ini");
  EXPECT_EQ(r.limits.max_serves_per_vnet, 100u);
  // Link quotas are "auto": sized from the descriptor limit when checked
  // (auto_limit_test.cpp).
  EXPECT_EQ(r.limits.max_pending_links_per_vnet, auto_limit);
  EXPECT_EQ(r.limits.max_live_links_per_vnet, auto_limit);
  EXPECT_EQ(r.limits.max_pending_links_per_serve, auto_limit);
  EXPECT_EQ(r.limits.max_live_links_per_serve, auto_limit);
  EXPECT_EQ(r.limits.max_sessions_per_address, 64u);
  EXPECT_EQ(r.limits.max_unidentified, 512u);
  EXPECT_EQ(r.limits.max_unserves_per_minute, 30u);
  // Each key sets its own field, and only that one.
  unsigned value = 1;
  for (const auto& k : route_limit_keys()) {
    auto text = "[route]\nip=::\nport=0\n" + std::string(k.key) + "=" + std::to_string(++value) + "\n";
    auto c = parse_route_config(text, "r.ini");
    EXPECT_TRUE(c.warnings.empty()) << k.key;
    EXPECT_EQ(k.text(c.limits), std::to_string(value)) << k.key;
    auto expected = route_limits{};
    EXPECT_TRUE(k.read(expected, std::to_string(value)).ok()) << k.key;
    EXPECT_EQ(c.limits, expected) << k.key;
  }
  EXPECT_EQ(parse_vnet_config("[route]\nip=::1\nport=1\n", "t.ini").max_links_per_serve, auto_limit);
  EXPECT_FALSE(r.log_links);
  EXPECT_TRUE(parse_route_config("[route]\nip=::\nport=0\nlog_links=yes\n", "r.ini").log_links);
  EXPECT_FALSE(parse_vnet_config("[route]\nip=::1\nport=1\n", "t.ini").log_links);
  EXPECT_TRUE(parse_vnet_config("[route]\nip=::1\nport=1\n[vnet]\nlog_links=true\n", "t.ini").log_links);
  EXPECT_EQ(parse_vnet_config("[route]\nip=::1\nport=1\n[vnet]\nmax_links_per_serve=3\n", "t.ini")
                .max_links_per_serve,
            3u);
  EXPECT_EQ(parse_vnet_config("[route]\nip=::1\nport=1\n", "t.ini").max_idle_links, 16u);
  EXPECT_EQ(parse_vnet_config("[route]\nip=::1\nport=1\n[vnet]\nmax_idle_links=0\n", "t.ini").max_idle_links, 0u);
  EXPECT_EQ(parse_vnet_config("[route]\nip=::1\nport=1\n[vnet]\nmax_idle_links=1024\n", "t.ini").max_idle_links,
            1024u);
  // The route's quotas are at home in a vnet's [route] too (one file for both).
  EXPECT_TRUE(parse_vnet_config("[route]\nip=::1\nport=1\nmax_unidentified=9\n", "t.ini")
                  .warnings.empty());
}

TEST(Defaults, Serve) {
  auto c = vnet("[serve.web]\nport=80\n");
  ASSERT_EQ(c.serves.size(), 1u);
  const auto& s = c.serves[0];
  EXPECT_EQ(s.key, "web");
  EXPECT_EQ(s.serveid, 0);
  EXPECT_EQ(s.type, "tcp");
  EXPECT_EQ(s.ip, "127.0.0.1");
  EXPECT_EQ(s.port, 80);
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.info, "");
  EXPECT_TRUE(s.active);
}

TEST(Defaults, Use) {
  auto c = vnet("[use.web]\nserveid=5\n");
  ASSERT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(c.uses[0].key, "web");
  EXPECT_EQ(c.uses[0].serveid, 5);
  EXPECT_EQ(c.uses[0].ip, "127.0.0.1");
  EXPECT_EQ(c.uses[0].port, 0);  // the served service's port
  EXPECT_TRUE(c.uses[0].active);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Keys, EveryVnetKeyIsRead) {
  auto c = vnet(
      "[vnet]\nname=n\ngroup=g\nterminal=YES\nstartserve=On\nstartuse=1\nallow_unserve=TRUE\n"
      "unserve_remote=yes\nunserve_num=0\nUnserve_Unused_Timeout=1.5\nunserve_idle_timeout=.25\n"
      "heartbeat=2\nreconnect=0.5\ndial_timeout=1.5\n"
      "[serve.Web]\nserveid=007\ntype=TCP\nip=nas.local\nport=8080\nname=\ninfo=a;b ; "
      "c\nactive=off\n"
      "[use.x]\nserveid=7\nip=::1\nport=18080\nactive=No\n");
  EXPECT_EQ(c.name, "n");
  EXPECT_EQ(c.group, "g");
  EXPECT_TRUE(c.terminal && c.startserve && c.startuse && c.allow_unserve && c.unserve_remote);
  EXPECT_EQ(c.unserve_num, 0u);
  EXPECT_EQ(c.unserve_unused_timeout, seconds(1.5));
  EXPECT_EQ(c.unserve_idle_timeout, seconds(0.25));
  EXPECT_TRUE(c.warnings.empty());  // both unserve timeouts are known keys
  EXPECT_EQ(c.heartbeat, seconds(2));
  EXPECT_EQ(c.reconnect, seconds(0.5));
  EXPECT_EQ(c.dial_timeout, seconds(1.5));
  const auto& s = c.serves.at(0);
  EXPECT_EQ(s.key, "Web");  // section names keep their case
  EXPECT_EQ(s.serveid, 7);
  EXPECT_EQ(s.type, "tcp");
  EXPECT_EQ(s.ip, "nas.local");  // dialled, so a host name is fine
  EXPECT_EQ(s.name, "Web");      // empty name falls back to the key
  EXPECT_EQ(s.info, "a;b");
  EXPECT_FALSE(s.active);
  const auto& u = c.uses.at(0);
  EXPECT_EQ(u.ip, "::1");
  EXPECT_EQ(u.port, 18080);
  EXPECT_FALSE(u.active);
  for (const char* f : {"false", "NO", "off", "0"})
    EXPECT_FALSE(vnet(std::string("[vnet]\nterminal=") + f + "\n").terminal) << f;
}

TEST(Keys, ServeidZeroWrittenAsTripleZero) {
  EXPECT_EQ(vnet("[serve.a]\nserveid=000\nport=1\n").serves[0].serveid, 0);
  EXPECT_EQ(vnet("[serve.a]\nserveid=999\nport=65535\n").serves[0].port, 65535);
}

// ---- effective active ----------------------------------------------------

TEST(Active, WithoutTerminalStartFlagsAreIgnored) {
  auto c = vnet(
      "[vnet]\nterminal=false\nstartserve=false\nstartuse=false\n"
      "[serve.a]\nport=1\n[serve.b]\nport=2\nactive=false\n[use.a]\nserveid=1\n");
  EXPECT_TRUE(c.serves[0].active);
  EXPECT_FALSE(c.serves[1].active);
  EXPECT_TRUE(c.uses[0].active);
}

TEST(Active, WithTerminalStartFlagsApply) {
  auto c = vnet(
      "[vnet]\nterminal=true\nstartserve=false\nstartuse=true\n"
      "[serve.a]\nport=1\n[use.a]\nserveid=1\nport=1\n[use.b]\nserveid=1\nport=2\nactive=false\n");
  EXPECT_FALSE(c.serves[0].active);
  EXPECT_TRUE(c.uses[0].active);
  EXPECT_FALSE(c.uses[1].active);
  EXPECT_FALSE(vnet("[vnet]\nterminal=1\nstartuse=0\n[use.a]\nserveid=1\n").uses[0].active);
}

}  // namespace
}  // namespace config

namespace config {
namespace {

// With the config at 0644, a token and a group key were readable by every
// local user and nothing said so: each start says it now, with the fix.
TEST(Secrets, AFileWithSecretsThatOthersCanReadIsWarnedAbout) {
  const std::string path = ::testing::TempDir() + "/secrets-" + std::to_string(::getpid()) + ".ini";
  {
    std::ofstream out(path);
    out << "[route]\nip=127.0.0.1\nport=7749\ntoken=0123456789abcdef0123\n"
           "[vnet]\ngroup_key=0123456789abcdef0123\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto open = load_vnet_config(path);
  ASSERT_EQ(open.warnings.size(), 1u);
  EXPECT_EQ(open.warnings[0], path + " holds secrets (token, group_key) and other users can read it (mode 0644): "
                                     "chmod 600 " + path);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(load_vnet_config(path).warnings.empty());
  // A file without secrets may be read by anyone.
  {
    std::ofstream out(path);
    out << "[route]\nip=127.0.0.1\nport=7749\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_TRUE(load_vnet_config(path).warnings.empty());
  // The route's file too.
  {
    std::ofstream out(path);
    out << "[route]\nip=127.0.0.1\nport=7749\ntoken=0123456789abcdef0123\n";
  }
  auto route = load_route_config(path);
  ASSERT_EQ(route.warnings.size(), 1u);
  EXPECT_NE(route.warnings[0].find("holds secrets (token) and other users can read it (mode 0644)"),
            std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace config

namespace config {
namespace {

TEST(Udp, ServesAndUsesTakeTheType) {
  auto c = parse_vnet_config("[route]\nip=::1\nport=1\n[serve.dns]\ntype=UDP\nport=53\n"
                             "[use.dns]\nserveid=700\n[use.dns2]\nserveid=701\ntype=udp\n",
                             "t.ini");
  ASSERT_EQ(c.serves.size(), 1u);
  EXPECT_EQ(c.serves[0].type, "udp");
  ASSERT_EQ(c.uses.size(), 2u);
  EXPECT_EQ(c.uses[0].type, "");  // the serve's, as the group's list says
  EXPECT_EQ(c.uses[1].type, "udp");
  EXPECT_EQ(c.max_udp_flows, auto_limit);
  EXPECT_EQ(c.udp_idle, std::chrono::seconds(60));
  auto set = parse_vnet_config("[route]\nip=::1\nport=1\n[vnet]\nmax_udp_flows=7\nudp_idle=2\n", "t.ini");
  EXPECT_EQ(set.max_udp_flows, 7u);
  EXPECT_EQ(set.udp_idle, std::chrono::seconds(2));
}

// RDP's TCP and UDP transports on one local port: separate port spaces.
TEST(Udp, ATcpAndAUdpUseShareAPortWhenBothSayTheirType) {
  auto c = parse_vnet_config("[route]\nip=::1\nport=1\n[use.rdp]\nserveid=389\nport=13389\ntype=tcp\n"
                             "[use.rdpudp]\nserveid=390\nport=13389\ntype=udp\n",
                             "t.ini");
  ASSERT_EQ(c.uses.size(), 2u);
  EXPECT_EQ(c.uses[0].port, c.uses[1].port);
}

}  // namespace
}  // namespace config
