#pragma once
// The route's counters since start, for /metrics and the status page. The
// server updates them where things happen; a scrape reads them on the same
// io_context thread, so a read is a plain copy of a few numbers and never
// waits on (or holds up) a relay. Gauges (vnets, groups, live links) are not
// here: they are read from the registry and the link table at scrape time.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "metrics/bounded_counters.hpp"
#include "metrics/histogram.hpp"

namespace route {

// At most this many group and serve label sets in /metrics; the rest are
// summed under "other".
inline constexpr std::size_t max_traffic_label_sets = 500;

struct stats {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
  // Links the serving vnet answered ok, by how its side was found: "pool"
  // (an idle pooled link, link_assign) or "dial" (link_request + link_join).
  std::map<std::string, std::uint64_t> links_opened;
  std::uint64_t links_opened_total() const {
    std::uint64_t n = 0;
    for (const auto& [path, k] : links_opened) n += k;
    return n;
  }
  std::map<std::string, std::uint64_t> links_failed;       // by reason, e.g. "timeout"
  std::map<std::string, std::uint64_t> limit_refusals;     // by [route] key
  // Admission failures (a wrong token or proof): counted by the TLS/admission code.
  std::uint64_t auth_failures = 0;
  std::uint64_t bytes_relayed = 0;  // every link, both directions
  metrics::bounded_counters group_bytes{max_traffic_label_sets, {"other"}};
  metrics::bounded_counters serve_bytes{max_traffic_label_sets, {"other", "other"}};
  metrics::histogram setup_seconds;  // link_open or link_bind received -> the serving vnet's link_result

  void link_failed(const std::string& reason) { ++links_failed[reason]; }
  // A refusal's text names the [route] key to raise (links.cpp, control.cpp,
  // server.cpp): that key labels the count. Text naming no key (a serveid
  // conflict) is no limit refusal and is not counted.
  void limit_refused(std::string_view why) {
    for (const auto& k : config::route_limit_keys())
      if (why.find(k.key) != std::string_view::npos) {
        ++limit_refusals[k.key];
        return;
      }
  }
  // A paired link's bytes, both directions, counted by its relay as they
  // move (net::relay_meter); a scrape adds them to the totals above, which
  // take them over when the link ends. The label sets are resolved at the
  // start so that the bytes stay under the same set from first to last.
  struct live_link {
    const metrics::bounded_counters::key* group;
    const metrics::bounded_counters::key* serve;
    std::uint64_t a_to_b = 0, b_to_a = 0;
  };
  std::map<std::uint64_t, live_link> live;  // by link id

  live_link& link_started(std::uint64_t id, const std::string& group, std::uint16_t serveid) {
    return live[id] = {&group_bytes.resolve({group}), &serve_bytes.resolve({group, std::to_string(serveid)})};
  }
  void link_ended(std::uint64_t id) {
    auto it = live.find(id);
    if (it == live.end()) return;
    const auto n = it->second.a_to_b + it->second.b_to_a;
    bytes_relayed += n;
    group_bytes.add(*it->second.group, n);
    serve_bytes.add(*it->second.serve, n);
    live.erase(it);
  }
};

}  // namespace route
