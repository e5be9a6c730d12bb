// The route's reason tables: each limit's name is the config key it counts
// under, in the order of config::route_limit_keys (the loader's table).
#include "route/limit.hpp"
#include "route/link_failure.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace {

TEST(RouteLimits, EachLimitIsNamedByItsConfigKeyInTheLoadersOrder) {
  const auto keys = config::route_limit_keys();
  ASSERT_EQ(route::limit_count, std::size(keys));
  for (std::size_t i = 0; i < route::limit_count; ++i)
    EXPECT_EQ(std::string(route::limit_keys[i]), keys[i].key) << i;
  EXPECT_EQ(std::string(route::key_of(route::limit::max_idle_links_per_vnet)), "max_idle_links_per_vnet");
}

TEST(RouteLinkFailures, NamesAreDistinctAndSortedForStableMetrics) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < route::link_failure_count; ++i) {
    EXPECT_TRUE(seen.insert(route::link_failure_names[i]).second) << route::link_failure_names[i];
    if (i > 0) EXPECT_LT(std::string(route::link_failure_names[i - 1]), route::link_failure_names[i]);
  }
  EXPECT_EQ(std::string(route::name_of(route::link_failure::unknown_ticket)), "unknown_ticket");
}

}  // namespace
