#include "route/ops/history.hpp"

#include <algorithm>

namespace route {
namespace {

// Per second; a total that went back (it never should) is no traffic, not
// a huge unsigned difference.
float per_second(std::uint64_t now, std::uint64_t before, double seconds) {
  return now > before ? static_cast<float>(static_cast<double>(now - before) / seconds) : 0.0f;
}

bool all_zero(const std::deque<rates>& points) {
  return std::all_of(points.begin(), points.end(), [](const rates& r) {
    return r.bytes_up == 0 && r.bytes_down == 0 && r.links_opened == 0 && r.links_failed == 0;
  });
}

}  // namespace

void history::add(series& s, clock::time_point now, const activity& total) const {
  if (s.started && now > s.last_at) {
    const double seconds = std::chrono::duration<double>(now - s.last_at).count();
    s.points.push_back({per_second(total.bytes_up, s.last.bytes_up, seconds),
                        per_second(total.bytes_down, s.last.bytes_down, seconds),
                        per_second(total.links_opened, s.last.links_opened, seconds),
                        per_second(total.links_failed, s.last.links_failed, seconds)});
    while (s.points.size() > capacity_) s.points.pop_front();
  }
  s.last = total;
  s.last_at = now;
  s.started = true;
}

void history::record(clock::time_point now, const activity& route, const std::map<std::string, activity>& groups) {
  add(route_, now, route);
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto found = groups.find(it->first);
    // Gone: its totals stand still, so its rates are zero from here.
    add(it->second, now, found == groups.end() ? it->second.last : found->second);
    // Dropped once its whole window is quiet: a group that left makes room.
    if (found == groups.end() && it->second.points.size() >= capacity_ && all_zero(it->second.points))
      it = groups_.erase(it);
    else
      ++it;
  }
  for (const auto& [name, total] : groups)
    if (groups_.size() < max_groups_ && !groups_.contains(name)) add(groups_[name], now, total);
}

const std::deque<rates>* history::group_rates(const std::string& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second.points;
}

}  // namespace route
