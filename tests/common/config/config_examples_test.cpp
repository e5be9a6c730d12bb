// The original manual's configuration files load unchanged, with the values
// it describes, and the repository's example loads without a warning. No
// POSIX call: these run in the Windows build's tests too.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config_test_util.hpp"

namespace config {
namespace {

using namespace config::test;

TEST(ManualExamples, RouteOnly) {
  auto r = load_route_config(fixture("manual_route.ini"));
  EXPECT_EQ(r.listen.ip, "127.0.0.1");
  EXPECT_EQ(r.listen.port, 7749);
  EXPECT_TRUE(r.warnings.empty());
  auto v = load_vnet_config(fixture("manual_route.ini"));
  EXPECT_EQ(v.route.ip, "127.0.0.1");
  EXPECT_EQ(v.route.port, 7749);
  EXPECT_TRUE(v.serves.empty());
  EXPECT_TRUE(v.warnings.empty());
}

TEST(ManualExamples, FullCommentedVnet) {
  auto path = fixture("manual_vnet_full.ini");
  auto c = load_vnet_config(path);
  EXPECT_EQ(c.path, path);
  EXPECT_EQ(c.route.ip, "127.0.0.1");
  EXPECT_EQ(c.route.port, 7749);
  EXPECT_EQ(c.name, "xiao");
  EXPECT_EQ(c.group, "default");
  EXPECT_TRUE(c.terminal);
  EXPECT_FALSE(c.startserve);
  EXPECT_FALSE(c.startuse);
  EXPECT_FALSE(c.allow_unserve);
  EXPECT_FALSE(c.unserve_remote);
  EXPECT_EQ(c.unserve_num, 1u);
  ASSERT_EQ(c.serves.size(), 1u);
  const auto& s = c.serves[0];
  EXPECT_EQ(s.key, "xrdp");
  EXPECT_EQ(s.serveid, 999);
  EXPECT_EQ(s.type, "tcp");
  EXPECT_EQ(s.ip, "127.0.0.1");
  EXPECT_EQ(s.port, 3389);
  EXPECT_EQ(s.name, "xrdp");
  EXPECT_EQ(s.info, "Microsoft remote desktop protocol");
  EXPECT_FALSE(s.active);
  ASSERT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(c.uses[0].key, "xrdp");
  EXPECT_EQ(c.uses[0].serveid, 999);
  EXPECT_EQ(c.uses[0].ip, "127.0.0.1");
  EXPECT_EQ(c.uses[0].port, 33389);
  EXPECT_FALSE(c.uses[0].active);
  EXPECT_TRUE(c.warnings.empty());
  // The route daemon may be pointed at a vnet's file: it reads [route] only.
  auto r = load_route_config(path);
  EXPECT_EQ(r.listen.port, 7749);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ManualExamples, HomeA) {
  auto c = load_vnet_config(fixture("manual_home_a.ini"));
  EXPECT_EQ(c.route.ip, "10.12.140.180");
  EXPECT_EQ(c.name, "remote-ssh");
  EXPECT_EQ(c.group, "default-ssh");
  EXPECT_FALSE(c.terminal);
  EXPECT_TRUE(c.allow_unserve);
  EXPECT_EQ(c.unserve_num, 3u);
  ASSERT_EQ(c.serves.size(), 1u);
  EXPECT_EQ(c.serves[0].serveid, 700);
  EXPECT_EQ(c.serves[0].port, 22);
  EXPECT_EQ(c.serves[0].info, "home-ssh");
  EXPECT_TRUE(c.serves[0].active);
  EXPECT_TRUE(c.uses.empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ManualExamples, PublicRoute) {
  auto r = load_route_config(fixture("manual_route_public.ini"));
  EXPECT_EQ(r.listen.ip, "0.0.0.0");
  EXPECT_EQ(r.listen.port, 7749);
}

TEST(ManualExamples, OfficeB) {
  auto c = load_vnet_config(fixture("manual_office_b.ini"));
  EXPECT_EQ(c.name, "local-ssh");
  EXPECT_TRUE(c.terminal);
  EXPECT_FALSE(c.startserve);
  EXPECT_TRUE(c.startuse);
  ASSERT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(c.uses[0].serveid, 700);
  EXPECT_EQ(c.uses[0].port, 1122);
  EXPECT_TRUE(c.uses[0].active);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ManualExamples, RepositoryExampleLoadsWithoutWarnings) {
  auto path = std::string(VNET_FIXTURES "/../../config.ini.example");
  auto c = load_vnet_config(path);
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.serves.size(), 1u);
  EXPECT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(c.dial_timeout, seconds(5));
  EXPECT_EQ(c.unserve_unused_timeout, seconds(180));
  EXPECT_EQ(c.unserve_idle_timeout, seconds(60));
  EXPECT_EQ(c.max_idle_links, 16u);
  auto r = load_route_config(path);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.timeout, seconds(15));
  EXPECT_EQ(r.link_timeout, seconds(10));
}

}  // namespace
}  // namespace config
