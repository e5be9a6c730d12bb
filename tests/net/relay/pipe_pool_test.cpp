// net::relay::pipe_pool::lease: a pipe that still holds bytes is closed, not pooled,
// however the lease was moved before it ended.
#include <gtest/gtest.h>

#include <utility>

#include "net/relay/pipe_pool.hpp"

namespace {

TEST(PipeLease, EmptyPipeGoesBackToThePool) {
  net::relay::pipe_pool pool(4);
  auto a = pool.take();
  ASSERT_TRUE(a);
  EXPECT_EQ(pool.in_use(), 1u);
  a.reset();
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.spare(), 1u);
}

TEST(PipeLease, MoveConstructionKeepsTheBytesHeld) {
  net::relay::pipe_pool pool(4);
  auto a = pool.take();
  ASSERT_TRUE(a);
  a.held = 100;
  net::relay::pipe_pool::lease b(std::move(a));
  EXPECT_FALSE(a);
  EXPECT_EQ(b.held, 100u);
  b.reset();
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.spare(), 0u);  // closed: its bytes must never reach another link
}

TEST(PipeLease, MoveAssignmentKeepsTheBytesHeld) {
  net::relay::pipe_pool pool(4);
  auto a = pool.take();
  ASSERT_TRUE(a);
  a.held = 100;
  net::relay::pipe_pool::lease b;
  b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(b.held, 100u);
  b.reset();
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.spare(), 0u);
}

TEST(PipeLease, MovedFromLeaseGivesNothingBack) {
  net::relay::pipe_pool pool(4);
  auto a = pool.take();
  ASSERT_TRUE(a);
  a.held = 100;
  net::relay::pipe_pool::lease b(std::move(a));
  a.reset();
  EXPECT_EQ(pool.in_use(), 1u);  // still b's
  EXPECT_EQ(a.held, 0u);
}

}  // namespace
