#pragma once
// Link quotas whose default is "auto": sized from what this process can
// carry, its descriptor limit (each link holds two descriptors in each
// daemon: at a vnet the client or service and the link to the route, at the
// route the link's two sides), rather than a fixed number that refuses a
// trusted user's burst on a big machine. Read when a quota is checked: the
// daemons raise their soft limit at start (cli/fd_limit.hpp).
namespace config {

// The value a quota key holds for "auto" (a set quota is 1..max_limit).
inline constexpr unsigned auto_limit = 0;

// Links the descriptor limit leaves room for: (soft limit - 64) / 2, the 64
// kept for listeners, sessions, logs and pooled links.
unsigned links_fd_limit_carries();

// The quota in force: `configured` itself, or for auto a share of
// links_fd_limit_carries() (numerator / denominator), never below `floor`
// (the fixed default before auto, so that auto never refuses more).
unsigned resolve_limit(unsigned configured, unsigned numerator, unsigned denominator, unsigned floor);

// The auto quotas, one function each so that every check and every message
// agree. All links of one machine: [vnet] max_links_per_serve. Three
// quarters of the route's links for one vnet or one serve, so that one peer
// cannot take all; an eighth waiting to pair.
inline unsigned links_per_serve(unsigned configured) { return resolve_limit(configured, 1, 1, 512); }
// [vnet] max_udp_flows: each flow is a link, sized as max_links_per_serve.
inline unsigned udp_flows(unsigned configured) { return resolve_limit(configured, 1, 1, 512); }
inline unsigned live_links(unsigned configured) { return resolve_limit(configured, 3, 4, 2048); }
inline unsigned pending_links(unsigned configured) { return resolve_limit(configured, 1, 8, 256); }

}  // namespace config
