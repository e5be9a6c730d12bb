#pragma once
// A paired link's bytes, both directions, counted by its relay as they move
// (net::relay::relay_meter). Part of the link's one record in the link table; the
// label sets are resolved when the link is paired, so that its bytes stay
// under the same set from first to last.
#include <cstdint>

#include "metrics/bounded_counters.hpp"

namespace route {

struct link_traffic {
  const metrics::bounded_counters::key* group = nullptr;
  const metrics::bounded_counters::key* serve = nullptr;
  std::uint64_t a_to_b = 0, b_to_a = 0;
  std::uint64_t total() const { return a_to_b + b_to_a; }
};

}  // namespace route
