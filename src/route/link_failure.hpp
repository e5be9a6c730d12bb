#pragma once
// Why a link never opened. One name per reason: the label of
// vnet_route_links_failed_total (each listed at 0 from the start, so that
// rate() works at once) and the word the code counts it under.
#include <array>
#include <cstddef>

namespace route {

enum class link_failure {
  bad_role,        // a pooled link named a role that is neither use nor serve
  closed,          // the serving vnet closed the link (or broke the protocol) before answering
  no_such_serve,   // nobody serves that serveid in the using vnet's group
  quota,           // a [route] max_* limit (counted by key in limit_refusals too)
  refused,         // the serving vnet answered no, or could not reach its service
  shutdown,        // the route is stopping
  timeout,         // the serving vnet did not answer in link_timeout
  unknown_ticket,  // a ticket unknown, spent, of a vnet gone, or with a wrong proof
};

inline constexpr std::array<const char*, 8> link_failure_names = {
    "bad_role", "closed", "no_such_serve", "quota", "refused", "shutdown", "timeout", "unknown_ticket"};
inline constexpr std::size_t link_failure_count = link_failure_names.size();

constexpr const char* name_of(link_failure r) { return link_failure_names[static_cast<std::size_t>(r)]; }

}  // namespace route
