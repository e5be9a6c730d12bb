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

// Accepts until the acceptor is closed. Never dies on EMFILE and friends:
// logs (once per streak) and backs off 100 ms. `on_accept` takes ownership of
// each (tuned) socket. When descriptors run out (EMFILE, ENFILE),
// `on_exhausted`, if given, may close a connection that matters least and
// return true: the loop then accepts again at once instead of backing off.
//
// `batch`: how many more queued connections to take at once (non-blocking)
// each time the queue is found non-empty, instead of one per turn of the
// io_context. The route takes batches: its connections cost little until
// they identify themselves, and in a burst of thousands one accept per turn
// (each turn also runs every link's handlers) lets the queue, capped at
// net.core.somaxconn, overflow; the kernel then drops SYNs that clients
// resend only after 1 s, 3 s, 7 s. A use keeps 0: each connection it accepts
// starts a link with deadlines, and the listen queue is its admission
// control (measured: with batches a burst of 9000 at once on one use failed
// 2200-2900 links on their deadlines instead of waiting in the queue).
awaitable<void> accept_loop(tcp::acceptor& a, std::string what,
                            std::function<void(tcp::socket)> on_accept,
                            std::function<bool()> on_exhausted = {}, std::size_t batch = 0);

}  // namespace net
