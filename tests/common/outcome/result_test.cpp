#include "outcome/result.hpp"

#include <memory>

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

}  // namespace
