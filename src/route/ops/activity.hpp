#pragma once
// What the route has done since start, as totals that never go back: bytes
// relayed each way and links opened and failed. Kept for the whole route and
// per group (stats.hpp); the history (history.hpp) turns samples of them
// into rates. Pure.
#include <cstdint>

namespace route {

struct activity {
  // Up: from the using vnet to the serving one; down: back.
  std::uint64_t bytes_up = 0, bytes_down = 0;
  std::uint64_t links_opened = 0, links_failed = 0;

  activity& operator+=(const activity& o) {
    bytes_up += o.bytes_up;
    bytes_down += o.bytes_down;
    links_opened += o.links_opened;
    links_failed += o.links_failed;
    return *this;
  }
};

}  // namespace route
