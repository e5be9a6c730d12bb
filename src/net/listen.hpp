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
// logs (once per streak, as `what`) and backs off 100 ms. `on_accept` takes
// ownership of each socket (a TCP one tuned, net/tune.hpp). When descriptors
// run out (EMFILE, ENFILE), `on_exhausted`, if given, may close a connection
// that matters least and return true: the loop then accepts again at once
// instead of backing off.
//
// `batch`: each time the queue is found non-empty, up to this many more
// queued connections are taken at once (non-blocking) in the same turn of
// the io_context; 0 takes one per turn. Batches drain a burst before the
// listen queue (capped at net.core.somaxconn) overflows, which suits
// connections that cost little until they identify themselves (the route's
// front door). With 0 the listen queue stays the admission control: what
// waits there has not started any deadline (a use, whose every connection
// starts a link with deadlines).
//
// For TCP (tcp::acceptor) and unix sockets (the ctl server's
// local::stream_protocol::acceptor).
template <typename Protocol>
awaitable<void> accept_loop(asio::basic_socket_acceptor<Protocol>& a, std::string what,
                            std::function<void(typename Protocol::socket)> on_accept,
                            std::function<bool()> on_exhausted = {}, std::size_t batch = 0);

}  // namespace net
