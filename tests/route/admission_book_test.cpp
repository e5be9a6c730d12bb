#include "route/admission_book.hpp"

#include <gtest/gtest.h>

namespace route {
namespace {

using namespace std::chrono_literals;

TEST(AdmissionBook, FiveFailuresWithinAMinuteBanTheAddressForAMinute) {
  admission_book b;
  auto t = admission_book::clock::time_point{} + 1000s;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.fail("10.0.0.1", t + i * 1s)) << i;
  EXPECT_FALSE(b.banned("10.0.0.1", t + 5s));
  EXPECT_TRUE(b.fail("10.0.0.1", t + 10s));  // the fifth: the ban starts (logged once)
  EXPECT_TRUE(b.banned("10.0.0.1", t + 10s));
  EXPECT_FALSE(b.banned("10.0.0.2", t + 10s));  // per address
  EXPECT_TRUE(b.banned("10.0.0.1", t + 69s));
  EXPECT_FALSE(b.banned("10.0.0.1", t + 70s));
}

TEST(AdmissionBook, FailuresOlderThanTheWindowDoNotCount) {
  admission_book b;
  auto t = admission_book::clock::time_point{} + 1000s;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.fail("a", t));
  EXPECT_FALSE(b.fail("a", t + 60s));  // the four first ones are a minute old
  EXPECT_FALSE(b.banned("a", t + 60s));
}

TEST(AdmissionBook, ManyAddressesDoNotGrowItForEver) {
  admission_book b;
  auto t = admission_book::clock::time_point{} + 1000s;
  for (int i = 0; i < 10000; ++i) b.fail("a" + std::to_string(i), t + std::chrono::milliseconds(i * 10));
  EXPECT_LT(b.tracked(), 8192u);
}

TEST(AdmissionBook, WatchedListsBansFirstThenFailuresBounded) {
  admission_book b;
  auto t = admission_book::clock::time_point{} + 1000s;
  b.fail("one", t);
  for (int i = 0; i < 2; ++i) b.fail("two", t);
  for (int i = 0; i < 5; ++i) b.fail("banned", t);
  auto w = b.watched(t + 1s, 10);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].address, "banned");
  ASSERT_TRUE(w[0].banned_until.has_value());
  EXPECT_EQ(*w[0].banned_until, t + admission_book::ban);
  EXPECT_EQ(w[1].address, "two");
  EXPECT_EQ(w[1].failures, 2u);
  EXPECT_FALSE(w[1].banned_until.has_value());
  EXPECT_EQ(b.watched(t + 1s, 2).size(), 2u);
  // A minute on: the failures aged out, the ban ended.
  EXPECT_TRUE(b.watched(t + 61s, 10).empty());
}

}  // namespace
}  // namespace route
