#pragma once
// Outgoing connections: resolve and connect within a deadline.
#include <cstdint>
#include <string>

#include "net/asio.hpp"
#include "net/time.hpp"

namespace net {

// Resolves host (name or literal) and connects, racing a timer; the socket
// is tuned on success.
awaitable<error_code> dial(tcp::socket& s, const std::string& host, std::uint16_t port,
                           duration timeout);

}  // namespace net
