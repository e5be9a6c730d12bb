#pragma once
// How long a link ticket stays good, as both ends agree. A ticket the route
// granted and never saw spent is forgotten `ticket_lifetime` after its grant:
// a link connection the route closed before reading its opening (shed at
// accept) spent the vnet's ticket without the route knowing, and the route's
// bound on unused tickets would otherwise count it for the rest of the
// session (after 64 such losses no ticket is granted, and the tunnel is dead).
// A vnet spends a ticket within `ticket_use_window` of receiving it, or drops
// it and asks for fresh ones, so a ticket it writes is never one the route
// forgot (the margin covers the time on the way and in the accept queue).
#include <chrono>

namespace protocol {

inline constexpr auto ticket_lifetime = std::chrono::seconds(120);
inline constexpr auto ticket_use_window = std::chrono::seconds(90);
static_assert(ticket_use_window + std::chrono::seconds(20) <= ticket_lifetime);

}  // namespace protocol
