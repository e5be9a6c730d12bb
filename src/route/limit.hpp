#pragma once
// The [route] max_* limits that refuse a request. One name per limit: its
// config key, which labels vnet_route_limit_refusals_total (each listed at 0
// from the start) and which the refusal's text tells the operator to raise.
// The order is config::route_limit_keys' (registry_tests checks it).
#include <array>
#include <cstddef>
#include <string>

namespace route {

enum class limit {
  max_serves_per_vnet,
  max_pending_links_per_vnet,
  max_live_links_per_vnet,
  max_pending_links_per_serve,
  max_live_links_per_serve,
  max_sessions_per_address,
  max_unidentified,
  max_unserves_per_minute,
  max_idle_links_per_vnet,
  max_sessions_per_network,
  max_group_unserves_per_minute,
  max_handshakes_per_second,
  max_pending_handshakes,
};

inline constexpr std::array<const char*, 13> limit_keys = {
    "max_serves_per_vnet",      "max_pending_links_per_vnet", "max_live_links_per_vnet",
    "max_pending_links_per_serve", "max_live_links_per_serve", "max_sessions_per_address",
    "max_unidentified",         "max_unserves_per_minute",    "max_idle_links_per_vnet",
    "max_sessions_per_network", "max_group_unserves_per_minute", "max_handshakes_per_second",
    "max_pending_handshakes"};
inline constexpr std::size_t limit_count = limit_keys.size();

constexpr const char* key_of(limit l) { return limit_keys[static_cast<std::size_t>(l)]; }

// A request a limit refused: which limit, and the sentence for the peer and
// the log (it names the key to raise).
struct limit_refusal {
  limit key;
  std::string text;
};

}  // namespace route
