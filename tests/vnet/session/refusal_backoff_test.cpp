// A vnet refused for its token waits longer each time (doubling from the
// reconnect interval up to five minutes) instead of retrying every few
// seconds; a welcome or a reload starts over.
#include "vnet/session/refusal_backoff.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using vnet::refusal_backoff;

TEST(RefusalBackoff, DoublesFromTheReconnectIntervalUpToItsCap) {
  refusal_backoff b;
  EXPECT_FALSE(b.backing_off());
  EXPECT_EQ(b.refused(3000ms), 3s);
  EXPECT_EQ(b.refused(3000ms), 6s);
  EXPECT_EQ(b.refused(3000ms), 12s);
  EXPECT_EQ(b.refused(3000ms), 24s);
  for (int i = 0; i < 10; ++i) b.refused(3000ms);
  EXPECT_EQ(b.refused(3000ms), refusal_backoff::cap);
  EXPECT_EQ(refusal_backoff::cap, 5min);
}

TEST(RefusalBackoff, OtherFailuresWaitAsLongWhileRefusalsLast) {
  refusal_backoff b;
  EXPECT_EQ(b.after_other(3000ms), 3s);  // no refusal yet: the plain interval
  b.refused(3000ms);
  b.refused(3000ms);
  // A banned address is closed at accept: not a refusal, but no reason to hurry.
  EXPECT_EQ(b.after_other(3000ms), 6s);
  EXPECT_EQ(b.refused(3000ms), 12s);
}

TEST(RefusalBackoff, AWelcomeStartsOver) {
  refusal_backoff b;
  b.refused(3000ms);
  b.refused(3000ms);
  ASSERT_TRUE(b.backing_off());
  b.reset();
  EXPECT_FALSE(b.backing_off());
  EXPECT_EQ(b.after_other(3000ms), 3s);
  EXPECT_EQ(b.refused(3000ms), 3s);
}

}  // namespace
