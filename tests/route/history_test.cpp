#include "route/ops/history.hpp"

#include <gtest/gtest.h>

namespace route {
namespace {

using namespace std::chrono_literals;

activity totals(std::uint64_t up, std::uint64_t down, std::uint64_t opened = 0, std::uint64_t failed = 0) {
  return {up, down, opened, failed};
}

TEST(History, RatesArePerSecondOverTheStep) {
  history h(10, 5s);
  auto t = history::clock::time_point{} + 100s;
  h.record(t, totals(1000, 0), {});
  EXPECT_TRUE(h.route_rates().empty());  // one record is no rate yet
  h.record(t + 5s, totals(6000, 500, 10, 5), {});
  ASSERT_EQ(h.route_rates().size(), 1u);
  const auto& r = h.route_rates().back();
  EXPECT_FLOAT_EQ(r.bytes_up, 1000);  // 5000 bytes in 5 s
  EXPECT_FLOAT_EQ(r.bytes_down, 100);
  EXPECT_FLOAT_EQ(r.links_opened, 2);
  EXPECT_FLOAT_EQ(r.links_failed, 1);
  // A late tick divides by the time that really passed.
  h.record(t + 15s, totals(16000, 500, 10, 5), {});
  EXPECT_FLOAT_EQ(h.route_rates().back().bytes_up, 1000);
  EXPECT_FLOAT_EQ(h.route_rates().back().bytes_down, 0);
}

TEST(History, ATotalThatGoesBackIsNoTrafficNotAHugeRate) {
  history h(10, 5s);
  auto t = history::clock::time_point{} + 100s;
  h.record(t, totals(5000, 5000), {});
  h.record(t + 5s, totals(10, 10), {});
  EXPECT_FLOAT_EQ(h.route_rates().back().bytes_up, 0);
}

TEST(History, KeepsTheNewestCapacityPoints) {
  history h(4, 1s);
  auto t = history::clock::time_point{} + 100s;
  for (int i = 0; i <= 100; ++i) h.record(t + i * 1s, totals(std::uint64_t(i) * i, 0), {{"g", totals(i, 0)}});
  ASSERT_EQ(h.route_rates().size(), 4u);
  // The last step: 100^2 - 99^2 = 199 bytes in one second.
  EXPECT_FLOAT_EQ(h.route_rates().back().bytes_up, 199);
  EXPECT_FLOAT_EQ(h.route_rates().front().bytes_up, 97 * 97 - 96 * 96);
  ASSERT_NE(h.group_rates("g"), nullptr);
  EXPECT_EQ(h.group_rates("g")->size(), 4u);
}

TEST(History, GroupsAreBoundedAndAGroupThatLeftMakesRoomOnceQuiet) {
  history h(3, 1s, 2);
  auto t = history::clock::time_point{} + 100s;
  h.record(t, {}, {{"a", totals(0, 0)}, {"b", totals(0, 0)}, {"c", totals(0, 0)}});
  EXPECT_EQ(h.groups(), 2u);  // "c" has no series: at most two
  EXPECT_EQ(h.group_rates("c"), nullptr);
  h.record(t + 1s, {}, {{"a", totals(10, 0)}, {"c", totals(0, 0)}});
  EXPECT_FLOAT_EQ(h.group_rates("a")->back().bytes_up, 10);
  EXPECT_FLOAT_EQ(h.group_rates("b")->back().bytes_up, 0);  // gone: zero, kept for now
  for (int i = 2; i < 6; ++i) h.record(t + i * 1s, {}, {{"a", totals(10, 0)}, {"c", totals(0, 0)}});
  EXPECT_EQ(h.group_rates("b"), nullptr);  // a quiet hour (here 3 points) later, dropped
  ASSERT_NE(h.group_rates("c"), nullptr);  // and "c" took its place
  EXPECT_EQ(h.groups(), 2u);
}

}  // namespace
}  // namespace route
