#include "route/reload.hpp"

#include <gtest/gtest.h>

namespace {

config::route_config base() {
  config::route_config c;
  c.listen = {"127.0.0.1", 7749};
  return c;
}

TEST(RouteReload, SameFileChangesNothing) {
  auto p = route::plan_reload(base(), base());
  EXPECT_TRUE(p.changes.empty());
  EXPECT_FALSE(p.listen_changed);
  EXPECT_EQ(p.summary(), "nothing changed");
}

TEST(RouteReload, TimeoutsApplyAndAreNamed) {
  auto next = base();
  next.timeout = config::seconds(20);
  next.heartbeat = config::seconds(2.5);
  next.handshake_timeout = config::seconds(3);
  next.link_timeout = config::seconds(5);
  auto p = route::plan_reload(base(), next);
  EXPECT_EQ(p.summary(),
            "heartbeat 6 -> 2.5, timeout 15 -> 20, handshake_timeout 10 -> 3, link_timeout 10 -> 5");
  EXPECT_EQ(p.apply.timeout, config::seconds(20));
  EXPECT_EQ(p.apply.heartbeat, config::seconds(2.5));
  EXPECT_EQ(p.apply.handshake_timeout, config::seconds(3));
  EXPECT_EQ(p.apply.link_timeout, config::seconds(5));
}

TEST(RouteReload, TheTokenAppliesAndIsNamedNotShown) {
  auto next = base();
  next.token = "a-secret-token-123456";
  auto p = route::plan_reload(base(), next);
  EXPECT_EQ(p.summary(), "token set");
  EXPECT_EQ(p.apply.token, next.token);
  auto changed = next;
  changed.token = "another-secret-654321";
  EXPECT_EQ(route::plan_reload(next, changed).summary(), "token changed");
  EXPECT_EQ(route::plan_reload(next, base()).summary(), "token removed");
}

TEST(RouteReload, LimitsApplyAndAreNamed) {
  auto next = base();
  next.limits.max_serves_per_vnet = 7;
  next.limits.max_unidentified = 1000;
  auto p = route::plan_reload(base(), next);
  EXPECT_EQ(p.summary(), "max_serves_per_vnet 100 -> 7, max_unidentified 512 -> 1000");
  EXPECT_EQ(p.apply.limits, next.limits);
}

TEST(RouteReload, TheMetricsListenerIsKeptForARestart) {
  auto now = base();
  now.metrics = {"127.0.0.1", 9749};
  auto next = now;
  next.metrics = {"0.0.0.0", 9749};
  next.status_token = "0123456789abcdefXYZ";
  auto p = route::plan_reload(now, next);
  EXPECT_EQ(p.summary(), "metrics/status_token changed: needs a restart");
  EXPECT_EQ(p.apply.metrics, now.metrics);
  EXPECT_EQ(p.apply.status_token, "");
}

TEST(RouteReload, ANewListeningAddressIsKeptForARestart) {
  auto next = base();
  next.listen = {"0.0.0.0", 7750};
  next.timeout = config::seconds(30);
  auto p = route::plan_reload(base(), next);
  EXPECT_TRUE(p.listen_changed);
  EXPECT_EQ(p.apply.listen, base().listen);  // still the socket we listen on
  EXPECT_EQ(p.apply.timeout, config::seconds(30));  // the rest applies anyway
  EXPECT_EQ(p.summary(), "timeout 15 -> 30");
}

}  // namespace
