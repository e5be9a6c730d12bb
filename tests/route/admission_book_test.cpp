#include "route/admission_book.hpp"

#include <gtest/gtest.h>

namespace route {
namespace {

using namespace std::chrono_literals;

const auto t0 = admission_book::clock::time_point{} + 1000s;

TEST(AdmissionBook, FiveFailuresWithinAMinuteBanTheAddressForAMinute) {
  admission_book b;
  auto t = t0;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.fail("10.0.0.1", "10.0.0.0/24", t + i * 1s).address_banned) << i;
  EXPECT_FALSE(b.banned("10.0.0.1", "10.0.0.0/24", t + 5s));
  // The fifth: the ban starts (logged once).
  EXPECT_TRUE(b.fail("10.0.0.1", "10.0.0.0/24", t + 10s).address_banned);
  EXPECT_TRUE(b.banned("10.0.0.1", "10.0.0.0/24", t + 10s));
  EXPECT_FALSE(b.banned("10.0.0.2", "10.0.0.0/24", t + 10s));  // per address, below the prefix's bound
  EXPECT_TRUE(b.banned("10.0.0.1", "10.0.0.0/24", t + 69s));
  EXPECT_FALSE(b.banned("10.0.0.1", "10.0.0.0/24", t + 70s));
}

TEST(AdmissionBook, FailuresOlderThanTheWindowDoNotCount) {
  admission_book b;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.fail("a", "A", t0).address_banned);
  EXPECT_FALSE(b.fail("a", "A", t0 + 60s).address_banned);  // the four first ones are a minute old
  EXPECT_FALSE(b.banned("a", "A", t0 + 60s));
}

// Rotating addresses inside one network: each fails less than five times,
// the network as a whole is banned at twenty.
TEST(AdmissionBook, FailuresFromOnePrefixBanThePrefix) {
  admission_book b;
  for (int i = 0; i < 19; ++i) {
    auto v = b.fail("10.0.0." + std::to_string(i), "10.0.0.0/24", t0 + i * 100ms);
    EXPECT_FALSE(v.prefix_banned || v.address_banned) << i;
  }
  EXPECT_TRUE(b.fail("10.0.0.19", "10.0.0.0/24", t0 + 2s).prefix_banned);
  EXPECT_TRUE(b.banned("10.0.0.200", "10.0.0.0/24", t0 + 2s));  // an address that never failed
  EXPECT_FALSE(b.banned("10.0.1.1", "10.0.1.0/24", t0 + 2s));   // the next network
  EXPECT_FALSE(b.banned("10.0.0.200", "10.0.0.0/24", t0 + 62s));
}

// 20 000 addresses in as many networks were never banned: once all of them
// together spend the route's budget, only addresses admitted before get in,
// until the window has passed.
TEST(AdmissionBook, ManyAddressesSpendTheBudgetAndOnlyKnownOnesGetIn) {
  admission_book b;
  b.admitted("192.0.2.7");
  bool strained = false;
  for (unsigned i = 0; i < admission_book::max_total_failures; ++i) {
    const auto a = "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    auto v = b.fail(a, a + "/24", t0 + i * 10ms);
    EXPECT_FALSE(v.address_banned || v.prefix_banned);
    strained = strained || v.strained;
  }
  EXPECT_TRUE(strained);
  const auto now = t0 + 3s;
  EXPECT_TRUE(b.banned("203.0.113.9", "203.0.113.0/24", now));  // never admitted
  EXPECT_FALSE(b.banned("192.0.2.7", "192.0.2.0/24", now));     // admitted before
  EXPECT_FALSE(b.banned("203.0.113.9", "203.0.113.0/24", now + 61s));
}

TEST(AdmissionBook, ManyAddressesDoNotGrowItForEver) {
  admission_book b;
  for (int i = 0; i < 10000; ++i) {
    const auto a = "a" + std::to_string(i);
    (void)b.fail(a, a + "/p", t0 + std::chrono::milliseconds(i * 10));
  }
  EXPECT_LT(b.tracked(), 2 * 8192u);
  for (int i = 0; i < 10000; ++i) b.admitted("k" + std::to_string(i));
  b.admitted("k0");  // forgotten long ago: remembered again, the book stays bounded
  EXPECT_FALSE(b.banned("k9999", "K", t0));
}

TEST(AdmissionBook, WatchedListsBansFirstThenFailuresBounded) {
  admission_book b;
  auto t = admission_book::clock::time_point{} + 1000s;
  (void)b.fail("one", "net-a", t);
  for (int i = 0; i < 2; ++i) (void)b.fail("two", "net-b", t);
  for (int i = 0; i < 5; ++i) (void)b.fail("banned", "net-c", t);
  auto w = b.watched(t + 1s, 10);
  ASSERT_EQ(w.size(), 6u);  // three addresses and their three networks
  EXPECT_EQ(w[0].address, "banned");
  ASSERT_TRUE(w[0].banned_until.has_value());
  EXPECT_EQ(*w[0].banned_until, t + admission_book::ban);
  EXPECT_EQ(w[1].failures, 5u);  // net-c, not banned at 5 of 20
  EXPECT_EQ(w[1].address, "net-c");
  EXPECT_FALSE(w[1].banned_until.has_value());
  EXPECT_EQ(w[2].failures, 2u);
  EXPECT_EQ(b.watched(t + 1s, 2).size(), 2u);
  // A minute on: the failures aged out, the ban ended.
  EXPECT_TRUE(b.watched(t + 61s, 10).empty());
}

}  // namespace
}  // namespace route
