#pragma once
// The status page's charts: rates over the last hour, for the whole route and
// per group. Every `step` the route records its totals (activity.hpp); each
// record after the first adds one point per series, the per-second rates
// over the step, and a series keeps its newest `capacity` points: an hour at
// 5 s is 720 points. At most `max_groups` groups have a series (the route's
// groups are many, a page shows a few), so memory is bounded whatever the
// peers do. Pure: the caller passes the clock (server::sample_rates).
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "route/ops/activity.hpp"

namespace route {

// Per-second rates over one step.
struct rates {
  float bytes_up = 0, bytes_down = 0, links_opened = 0, links_failed = 0;
};

class history {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t default_capacity = 720;
  static constexpr auto default_step = std::chrono::seconds(5);
  static constexpr std::size_t default_max_groups = 32;

  explicit history(std::size_t capacity = default_capacity, clock::duration step = default_step,
                   std::size_t max_groups = default_max_groups)
      : capacity_(capacity), step_(step), max_groups_(max_groups) {}

  clock::duration step() const { return step_; }
  std::size_t capacity() const { return capacity_; }

  // The totals now, for the route and its groups (a group left out keeps
  // its series, at zero, until its points age out).
  void record(clock::time_point now, const activity& route, const std::map<std::string, activity>& groups);

  // Oldest first; empty until two records.
  const std::deque<rates>& route_rates() const { return route_.points; }
  // Nullptr for a group without a series.
  const std::deque<rates>* group_rates(const std::string& group) const;
  std::size_t groups() const { return groups_.size(); }

 private:
  struct series {
    activity last;
    clock::time_point last_at{};
    bool started = false;
    std::deque<rates> points;
  };
  void add(series& s, clock::time_point now, const activity& total) const;

  std::size_t capacity_;
  clock::duration step_;
  std::size_t max_groups_;
  series route_;
  std::map<std::string, series> groups_;
};

}  // namespace route
