#pragma once
// Incoming connections: a listening acceptor and an accept loop that never
// dies.
#include <cstdint>
#include <functional>
#include <string>

#include "net/asio.hpp"

namespace net {

// Opens a listening acceptor (SO_REUSEADDR) on ip:port.
error_code listen(tcp::acceptor& a, const std::string& ip, std::uint16_t port);

// Accepts until the acceptor is closed. Never dies on EMFILE and friends:
// logs and backs off. `on_accept` takes ownership of each (tuned) socket.
awaitable<void> accept_loop(tcp::acceptor& a, std::string what,
                            std::function<void(tcp::socket)> on_accept);

}  // namespace net
