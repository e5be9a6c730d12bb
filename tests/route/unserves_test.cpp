// The route's unserve book: the per-minute rate of each requester (every
// request counts, failed ones too) and the bound on what it keeps for
// targets that never answer.
#include "route/unserves.hpp"

#include <gtest/gtest.h>

namespace {

using route::unserve_book;
using namespace std::chrono_literals;

const auto t0 = unserve_book::clock::time_point{} + 1h;

// The refusal's text, or "" when the request may go on.
std::string why(const outcome::status& admitted) { return admitted ? "" : admitted.why(); }

TEST(UnserveBook, TheNthRequestOfAMinuteGoesTheNextIsRefusedNamingTheKey) {
  unserve_book b;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(why(b.admit(1, 3, t0 + i * 1s)), "") << i;
  EXPECT_EQ(why(b.admit(1, 3, t0 + 5s)),
            "vnet 01 may make at most 3 unserve requests per minute (raise [route] max_unserves_per_minute)");
  EXPECT_EQ(why(b.admit(2, 3, t0 + 5s)), "");  // per requester
  // The window slides: a minute after the first, one slot is free again.
  EXPECT_NE(why(b.admit(1, 3, t0 + 59s)), "");
  EXPECT_EQ(why(b.admit(1, 3, t0 + 60s)), "");
  EXPECT_NE(why(b.admit(1, 3, t0 + 60s)), "");
  EXPECT_EQ(why(b.admit(1, 4, t0 + 60s)), "");  // a higher limit (reload) applies at once
}

TEST(UnserveBook, AnswersReachTheirRequesterOnlyFromTheTargetAsked) {
  unserve_book b;
  ASSERT_EQ(why(b.admit(1, 30, t0)), "");
  auto id = b.add({1, 77, 2}, t0);
  EXPECT_EQ(b.waiting(1), 1u);
  EXPECT_FALSE(b.answer(id, 3));  // not the vnet asked
  auto r = b.answer(id, 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (unserve_book::request{1, 77, 2}));
  EXPECT_FALSE(b.answer(id, 2));  // once
  EXPECT_EQ(b.waiting(1), 0u);
  EXPECT_EQ(b.size(), 0u);
}

TEST(UnserveBook, ATargetThatNeverAnswersCostsAtMostTheRate) {
  unserve_book b;
  // Each minute the requester makes its 5 requests; the target never answers.
  for (int minute = 0; minute < 10; ++minute) {
    for (int i = 0; i < 5; ++i) {
      auto at = t0 + minute * 61s + i * 1s;
      ASSERT_EQ(why(b.admit(1, 5, at)), "") << minute << " " << i;
      b.add({1, static_cast<std::uint32_t>(minute * 5 + i), 2}, at);
    }
    EXPECT_LE(b.waiting(1), 5u);
    EXPECT_LE(b.size(), 5u);
  }
  // A late answer to a forgotten request goes nowhere.
  EXPECT_FALSE(b.answer(1, 2));
}

TEST(UnserveBook, AVnetLeavingOwesItsAnswersAndForgetsItsRequestsButNotItsRate) {
  unserve_book b;
  ASSERT_EQ(why(b.admit(1, 2, t0)), "");
  auto to_two = b.add({1, 10, 2}, t0);
  ASSERT_EQ(why(b.admit(3, 2, t0)), "");
  b.add({3, 30, 2}, t0);
  ASSERT_EQ(why(b.admit(2, 2, t0)), "");
  b.add({2, 20, 1}, t0);
  ASSERT_EQ(why(b.admit(2, 2, t0)), "");

  auto owed = b.drop_vnet(2);
  ASSERT_EQ(owed.size(), 2u);
  EXPECT_EQ(owed[0], (unserve_book::request{1, 10, 2}));
  EXPECT_EQ(owed[1], (unserve_book::request{3, 30, 2}));
  EXPECT_FALSE(b.answer(to_two, 2));
  EXPECT_EQ(b.waiting(1), 0u);
  EXPECT_EQ(b.waiting(2), 0u);
  EXPECT_EQ(b.size(), 0u);
  // Coming back (with the same vnetid) does not reset the minute.
  EXPECT_NE(why(b.admit(2, 2, t0 + 1s)), "");
  EXPECT_EQ(why(b.admit(2, 2, t0 + 60s)), "");
}

// Parallel sessions once multiplied the rate (20 sessions, 515 ports probed
// in 0.11 s): the group's and the network's minute is shared.
std::string refusal(const outcome::result<void, route::limit_refusal>& r) { return r ? "" : r.why(); }

TEST(UnserveBook, ParallelSessionsShareTheirGroupsMinute) {
  unserve_book b;
  for (std::uint32_t v = 1; v <= 5; ++v)
    EXPECT_EQ(refusal(b.admit({v, "g", "10.0.0.0/24"}, 30, 5, t0)), "") << v;
  auto refused = b.admit({6, "g", "10.0.1.0/24"}, 30, 5, t0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().key, route::limit::max_group_unserves_per_minute);
  EXPECT_EQ(refused.why(), "the vnets of this group may make at most 5 unserve requests per minute together "
                           "(raise [route] max_group_unserves_per_minute)");
  // Another group from another network is not touched; a minute later, the group may again.
  EXPECT_EQ(refusal(b.admit({7, "h", "10.0.2.0/24"}, 30, 5, t0)), "");
  EXPECT_EQ(refusal(b.admit({6, "g", "10.0.1.0/24"}, 30, 5, t0 + 60s)), "");
}

TEST(UnserveBook, OneNetworksSessionsShareItsMinuteAcrossGroups) {
  unserve_book b;
  for (std::uint32_t v = 1; v <= 3; ++v)
    EXPECT_EQ(refusal(b.admit({v, "group" + std::to_string(v), "10.0.0.0/24"}, 30, 3, t0)), "") << v;
  auto refused = b.admit({4, "group4", "10.0.0.0/24"}, 30, 3, t0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.why(), "the vnets of network 10.0.0.0/24 may make at most 3 unserve requests per minute "
                           "together (raise [route] max_group_unserves_per_minute)");
}

TEST(UnserveBook, ANewSessionStartsFromWhatItsGroupSpent) {
  unserve_book b;
  ASSERT_EQ(refusal(b.admit({1, "g", "10.0.0.0/24"}, 30, 2, t0)), "");
  ASSERT_EQ(refusal(b.admit({1, "g", "10.0.0.0/24"}, 30, 2, t0)), "");
  b.drop_vnet(1);
  // Its vnetid reused, or a new one: no fresh minute.
  EXPECT_NE(refusal(b.admit({1, "g", "10.0.9.0/24"}, 30, 2, t0 + 1s)), "");
  EXPECT_NE(refusal(b.admit({8, "g", "10.0.9.0/24"}, 30, 2, t0 + 1s)), "");
  // A refusal by the group counts nowhere: the vnet's own minute is untouched.
  EXPECT_EQ(refusal(b.admit({8, "other", "10.0.8.0/24"}, 1, 2, t0 + 2s)), "");
}

}  // namespace
