#include "vnet/serve/unserve_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vnet {
namespace {

TEST(IsLoopback, Addresses) {
  for (const char* ip : {"127.0.0.1", "127.255.0.1", "127.0.0.0", "::1", "0:0::1",
                         "::ffff:127.0.0.1", "::ffff:7f00:2", "localhost", "LocalHost"})
    EXPECT_TRUE(is_loopback(ip)) << ip;
  for (const char* ip : {"10.0.0.1", "128.0.0.1", "0.0.0.0", "::", "::2", "::ffff:10.0.0.1",
                         "::127.0.0.1", "fe80::1", "", "garbage", "127.1", "127.0.0.1 ",
                         "localhost.example.com", "[::1]"})
    EXPECT_FALSE(is_loopback(ip)) << ip;
}

// The refusal as the asker reads it; empty when granted.
std::string refusal(const config::vnet_config& cfg, std::size_t alive, const std::string& ip) {
  outcome::status allowed = unserve_allowed(cfg, alive, ip);
  return allowed ? std::string{} : allowed.why();
}

config::vnet_config vnet(const std::string& keys) {
  return config::parse_vnet_config("[route]\nip=r\nport=1\n[vnet]\n" + keys, "test.ini");
}

TEST(UnserveRefusal, NotAllowedComesFirst) {
  // Even a request that breaks every other rule is refused for this reason.
  EXPECT_EQ(refusal(vnet("allow_unserve=false\nunserve_num=0\n"), 5, "10.0.0.1"),
            "allow_unserve=false on that vnet");
  EXPECT_EQ(refusal(vnet(""), 0, "127.0.0.1"), "allow_unserve=false on that vnet");
}

TEST(UnserveRefusal, RemoteBeforeNumber) {
  auto c = vnet("allow_unserve=true\nunserve_num=1\n");
  EXPECT_EQ(refusal(c, 1, "10.0.0.1"),
            "10.0.0.1 is not a loopback address and unserve_remote=false");
  EXPECT_EQ(refusal(c, 0, "garbage"),
            "garbage is not a loopback address and unserve_remote=false");
  EXPECT_EQ(refusal(c, 0, "::1"), "");
  EXPECT_EQ(refusal(c, 0, "::ffff:127.0.0.1"), "");
}

TEST(UnserveRefusal, RemoteAllowed) {
  auto c = vnet("allow_unserve=true\nunserve_remote=true\n");
  EXPECT_EQ(refusal(c, 0, "10.0.0.1"), "");
  EXPECT_EQ(refusal(c, 0, "nas.local"), "");  // the serving side dials it
}

TEST(UnserveRefusal, Number) {
  auto c = vnet("allow_unserve=true\nunserve_num=3\n");
  EXPECT_EQ(refusal(c, 2, "127.0.0.1"), "");
  EXPECT_EQ(refusal(c, 3, "127.0.0.1"), "unserve_num=3 reached (3 alive)");
  // After a reload lowered the limit, more may be alive than allowed.
  EXPECT_EQ(refusal(c, 4, "127.0.0.1"), "unserve_num=3 reached (4 alive)");
  EXPECT_EQ(refusal(vnet("allow_unserve=true\nunserve_num=0\n"), 0, "127.0.0.1"),
            "unserve_num=0 reached (0 alive)");
}

}  // namespace
}  // namespace vnet
