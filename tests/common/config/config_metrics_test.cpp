// [route] / [vnet] metrics and status_token: the address, and the token rule
// beyond loopback.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/values.hpp"
#include "config_test_util.hpp"

namespace config {
namespace {

using namespace config::test;

const std::string token = "status_token=0123456789abcdefXYZ\n";

TEST(Metrics, OffWhenUnset) {
  auto c = parse_route_config("[route]\nip=0.0.0.0\nport=7749\n", "r.ini");
  EXPECT_TRUE(c.metrics.ip.empty());
  EXPECT_TRUE(vnet("").metrics.ip.empty());
}

TEST(Metrics, Addresses) {
  auto c = parse_route_config("[route]\nip=0.0.0.0\nport=7749\nmetrics=127.0.0.1:9749\n", "r.ini");
  EXPECT_EQ(c.metrics, (endpoint{"127.0.0.1", 9749}));
  c = parse_route_config("[route]\nip=::\nport=7749\nmetrics=[::1]:9749\n", "r.ini");
  EXPECT_EQ(c.metrics, (endpoint{"::1", 9749}));
  c = parse_route_config("[route]\nip=::\nport=7749\nmetrics=[::]:9749\n" + token, "r.ini");
  EXPECT_EQ(c.metrics, (endpoint{"::", 9749}));
  EXPECT_EQ(c.status_token, "0123456789abcdefXYZ");
  auto v = vnet("[vnet]\nmetrics=127.0.0.2:9750\n");
  EXPECT_EQ(v.metrics, (endpoint{"127.0.0.2", 9750}));
}

TEST(Metrics, BadAddressesNameFileSectionAndKey) {
  const std::string tail = "\": not an address: expected IP:PORT, e.g. 127.0.0.1:9749 or [::1]:9749";
  for (const char* bad : {"9749", "localhost:9749", "::1:9749", "[127.0.0.1]:9749", ""})
    EXPECT_EQ(route_error(std::string("[route]\nip=::\nport=1\nmetrics=") + bad + "\n"),
              std::string("r.ini: [route] metrics = \"") + bad + tail)
        << bad;
  EXPECT_EQ(route_error("[route]\nip=::\nport=1\nmetrics=1.2.3.4:\n"),
            "r.ini: [route] metrics = \"1.2.3.4:\": not a port number (0-65535)");
  EXPECT_EQ(route_error("[route]\nip=::\nport=1\nmetrics=127.0.0.1:70000\n"),
            "r.ini: [route] metrics = \"127.0.0.1:70000\": not a port number (0-65535)");
  EXPECT_EQ(vnet_error("[vnet]\nmetrics=x\n"), "t.ini: [vnet] metrics = \"x" + tail);
}

TEST(Metrics, BeyondLoopbackNeedsTheToken) {
  for (const char* addr : {"0.0.0.0:9749", "10.1.2.3:9749", "[::]:9749", "[::ffff:10.0.0.1]:9749"}) {
    EXPECT_EQ(route_error(std::string("[route]\nip=::\nport=1\nmetrics=") + addr + "\n"),
              std::string("r.ini: [route] metrics = \"") + addr +
                  "\": listens beyond loopback: set status_token in [route] too (`route --gen-token` "
                  "prints one), or listen on 127.0.0.1")
        << addr;
  }
  EXPECT_NE(vnet_error("[vnet]\nmetrics=0.0.0.0:9749\n").find("set status_token in [vnet]"), std::string::npos);
  EXPECT_EQ(vnet_error("[vnet]\nmetrics=0.0.0.0:9749\n" + token), "no error");
  EXPECT_EQ(route_error("[route]\nip=::\nport=1\nstatus_token=short\n"),
            "r.ini: [route] status_token = \"short\": is too short: use at least 16 characters "
            "(`route --gen-token` prints a strong one)");
}

TEST(Metrics, Loopback) {
  for (const char* ip : {"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(is_loopback(ip)) << ip;
  for (const char* ip : {"0.0.0.0", "::", "10.0.0.1", "::2", "::ffff:10.0.0.1", "128.0.0.1", "x"})
    EXPECT_FALSE(is_loopback(ip)) << ip;
}

}  // namespace
}  // namespace config
