#pragma once
// The route's counters since start, for /metrics and the status page. The
// route updates them where things happen; a scrape reads them on the same
// io_context thread, so a read is a plain copy of a few numbers and never
// waits on (or holds up) a relay. Gauges (vnets, groups, live links and
// their bytes so far) are not here: they are read from the registry and the
// link table at scrape time.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "metrics/bounded_counters.hpp"
#include "metrics/histogram.hpp"
#include "route/front/connection_drop.hpp"
#include "route/limit.hpp"
#include "route/link_failure.hpp"
#include "route/links/link_traffic.hpp"
#include "route/ops/activity.hpp"

namespace route {

// At most this many group and serve label sets in /metrics; the rest are
// summed under "other".
inline constexpr std::size_t max_traffic_label_sets = 500;
// The newest admission refusals kept for the status page and ctl.
inline constexpr std::size_t max_recent_refusals = 20;

// A refused admission (wrong or missing token): when, from where, and the
// name the vnet gave (peer text: escape it when shown).
struct admission_refusal {
  std::chrono::system_clock::time_point when;
  std::string address;
  std::string name;
};

struct stats {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
  // Links the serving vnet answered ok, by how its side was found: "pool"
  // (an idle pooled link, link_assign) or "dial" (link_request + link_join).
  std::map<std::string, std::uint64_t> links_opened;
  void link_opened(const std::string& path, const std::string& group) {
    ++links_opened[path];
    ++group_activity(group).links_opened;
  }
  std::uint64_t links_opened_total() const {
    std::uint64_t n = 0;
    for (const auto& [path, k] : links_opened) n += k;
    return n;
  }
  std::array<std::uint64_t, link_failure_count> links_failed{};  // by link_failure
  std::array<std::uint64_t, limit_count> limit_refusals{};       // by limit
  std::array<std::uint64_t, connection_drop_count> connections_dropped{};  // by connection_drop
  // Admission failures (a wrong token or proof): counted by the front door,
  // the newest few kept with their address.
  std::uint64_t auth_failures = 0;
  std::deque<admission_refusal> recent_refusals;
  void admission_refused(std::string address, std::string name) {
    ++auth_failures;
    if (name.size() > 64) name.resize(64);  // a page row, not a store for what peers send
    recent_refusals.push_back({std::chrono::system_clock::now(), std::move(address), std::move(name)});
    while (recent_refusals.size() > max_recent_refusals) recent_refusals.pop_front();
  }
  // Bytes of the links that ended, both directions and each; the live ones'
  // bytes are in their link table records until they end.
  std::uint64_t bytes_relayed = 0;
  std::uint64_t bytes_up = 0, bytes_down = 0;
  // Per group (under its bounded label set, as group_bytes): bytes of the
  // links that ended, links opened and links that failed once the group was
  // known (a failure before it, an unknown ticket say, is the route's only).
  std::map<metrics::bounded_counters::key, activity> groups;
  activity& group_activity(const std::string& group) { return groups[group_bytes.resolve({group})]; }
  metrics::bounded_counters group_bytes{max_traffic_label_sets, {"other"}};
  metrics::bounded_counters serve_bytes{max_traffic_label_sets, {"other", "other"}};
  metrics::histogram setup_seconds;  // link_open or link_bind received -> the serving vnet's link_result

  void link_failed(link_failure r) { ++links_failed[static_cast<std::size_t>(r)]; }
  void link_failed(link_failure r, const std::string& group) {
    link_failed(r);
    ++group_activity(group).links_failed;
  }
  std::uint64_t links_failed_total() const {
    std::uint64_t n = 0;
    for (auto k : links_failed) n += k;
    return n;
  }
  void limit_refused(limit l) { ++limit_refusals[static_cast<std::size_t>(l)]; }
  void connection_dropped(connection_drop r) { ++connections_dropped[static_cast<std::size_t>(r)]; }

  // A paired link's traffic labels, resolved when it is paired.
  link_traffic traffic_of(const std::string& group, std::uint16_t serveid) {
    return {&group_bytes.resolve({group}), &serve_bytes.resolve({group, std::to_string(serveid)})};
  }
  // A link ended: its bytes join the totals.
  void link_ended(const link_traffic& t) {
    const auto n = t.total();
    bytes_relayed += n;
    bytes_up += t.a_to_b;
    bytes_down += t.b_to_a;
    if (t.group) {
      group_bytes.add(*t.group, n);
      auto& g = groups[*t.group];
      g.bytes_up += t.a_to_b;
      g.bytes_down += t.b_to_a;
    }
    if (t.serve) serve_bytes.add(*t.serve, n);
  }
};

}  // namespace route
