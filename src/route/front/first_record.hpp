#pragma once
// Waiting for the first TLS record of a connection (its ClientHello) without
// reading it and without allocating anything for it: the TLS stream (an SSL
// object, its buffers and BIO pair: ~90 KiB) is made only once the whole
// record is in the socket's receive queue, so a connection that sends a few
// bytes and stalls costs its socket and this coroutine's frame, not a TLS
// state. The kernel does the waiting: SO_RCVLOWAT makes the socket readable
// only once the header (5 bytes), then the whole record, has arrived.
#include <chrono>

#include "net/asio.hpp"

namespace route {

// Returns once the first record is queued (no error), at `deadline`
// (timed_out), when the peer closed (eof) or sent a header no ClientHello
// has (a protocol error: bad_value).
net::awaitable<net::error_code> await_first_record(net::tcp::socket& s,
                                                   std::chrono::steady_clock::time_point deadline);

}  // namespace route
