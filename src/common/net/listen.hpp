#pragma once
// Incoming connections: a listening acceptor and an accept loop that never
// dies.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "net/asio.hpp"

namespace net {

// Opens a listening acceptor (SO_REUSEADDR) on ip:port.
error_code listen(tcp::acceptor& a, const std::string& ip, std::uint16_t port);

// Connections accepted at once, beyond the first, each time the listen
// queue is found non-empty.
inline constexpr std::size_t accept_batch = 64;

// Accepts until the acceptor is closed. Never dies on EMFILE and friends:
// logs (once per streak) and backs off 100 ms. `on_accept` takes ownership of
// each (tuned) socket. When descriptors run out (EMFILE, ENFILE),
// `on_exhausted`, if given, may close a connection that matters least and
// return true: the loop then accepts again at once instead of backing off.
awaitable<void> accept_loop(tcp::acceptor& a, std::string what,
                            std::function<void(tcp::socket)> on_accept,
                            std::function<bool()> on_exhausted = {});

}  // namespace net
