#include "outcome/result.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace {

outcome::result<int> half(int n) {
  if (n % 2) return outcome::fail("odd: " + std::to_string(n));
  return n / 2;
}

TEST(Result, CarriesTheValueOrWhyNot) {
  auto a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  auto b = half(7);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.why(), "odd: 7");
}

TEST(Result, MovesOutAValueThatCannotBeCopied) {
  outcome::result<std::unique_ptr<int>> r = std::make_unique<int>(3);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 3);
}

TEST(Result, StatusIsOkUnlessAProblemWasGiven) {
  outcome::status good;
  EXPECT_TRUE(good.ok());
  outcome::status bad = outcome::fail("no room");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.why(), "no room");
}

// A problem that carries more than its words, for a caller that counts
// problems by kind.
struct refusal {
  int limit = 0;
  std::string text;
};

outcome::result<void, refusal> admit(int n, int max) {
  if (n >= max) return refusal{max, "at most " + std::to_string(max)};
  return {};
}

TEST(Result, AProblemOfItsOwnTypeKeepsWhatItCarries) {
  EXPECT_TRUE(admit(1, 3).ok());
  auto r = admit(3, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.why(), "at most 3");
  EXPECT_EQ(r.error().limit, 3);
}

}  // namespace
