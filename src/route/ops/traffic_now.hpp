#pragma once
// The route's traffic so far, as a scrape, the status page, ctl and the rate
// history read it: the totals of the links that ended (stats) plus what the
// live ones moved yet (their link table records). Read on the io_context
// thread: a copy of numbers, it never waits on a relay.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "metrics/bounded_counters.hpp"
#include "route/links/link_table.hpp"
#include "route/ops/activity.hpp"
#include "route/ops/stats.hpp"

namespace route {

struct traffic_now {
  std::uint64_t relayed = 0;  // both directions
  // Bytes by group and by (group, serveid), under their bounded label sets.
  std::map<metrics::bounded_counters::key, std::uint64_t> groups, serves;
  activity route;
  // By group name ("other" for the groups beyond the label bound).
  std::map<std::string, activity> group_activity;
};

traffic_now traffic(const stats& st, const std::vector<link_table::link_view>& live);

}  // namespace route
