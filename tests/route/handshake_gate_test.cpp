// The route's handshake rate: a second's worth of burst, then the rate;
// addresses admitted before have a bucket of their own that a flood of
// newcomers cannot empty.
#include "route/front/handshake_gate.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using route::handshake_gate;

const auto t0 = handshake_gate::clock::time_point{} + 1h;

TEST(HandshakeGate, ASecondsWorthThenTheRate) {
  handshake_gate g;
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += g.allow(false, 10, t0);
  EXPECT_EQ(allowed, 10);
  EXPECT_FALSE(g.allow(false, 10, t0 + 50ms));
  EXPECT_TRUE(g.allow(false, 10, t0 + 100ms));  // one token per 100 ms
  EXPECT_FALSE(g.allow(false, 10, t0 + 150ms));
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += g.allow(false, 10, t0 + 60s);
  EXPECT_EQ(allowed, 10);  // never more than a second's worth at once
}

TEST(HandshakeGate, AFloodOfNewcomersLeavesRoomForKnownAddresses) {
  handshake_gate g;
  for (int i = 0; i < 1000; ++i) g.allow(false, 10, t0);
  EXPECT_FALSE(g.allow(false, 10, t0));
  int known = 0;
  for (int i = 0; i < 10; ++i) known += g.allow(true, 10, t0);
  EXPECT_EQ(known, 10);
}

}  // namespace
