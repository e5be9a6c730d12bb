#pragma once
// What client_socket.cpp and client_tls.cpp share, and no test sees: the
// connection behind a client_socket (its non-blocking Asio socket, its last
// error, its TLS lock) and the readiness wait with a deadline.
#include <boost/asio/detail/socket_ops.hpp>

#include <chrono>
#include <mutex>

#include "client_socket.hpp"

namespace e2e {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

enum class ready_for { read, write };

// Waits until `s` is readable or writable, or the deadline passes. Asio's
// own readiness wait (poll on POSIX, select on Windows), with a time limit
// its public synchronous calls do not take.
inline bool wait_for(boost::asio::detail::socket_type s, ready_for what,
                     std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  namespace ops = asio::detail::socket_ops;
  boost::system::error_code ec;
  const int ms = static_cast<int>(left.count());
  return (what == ready_for::read ? ops::poll_read(s, 0, ms, ec) : ops::poll_write(s, 0, ms, ec)) > 0;
}

// Every socket is non-blocking from the start: a call that would wait says
// so, and the caller waits for readiness with its own deadline.
struct client_socket::connection {
  tcp::socket socket{sync_io()};
  // The TLS layer's last failed socket call: tells a reset from an end.
  boost::system::error_code last_error;
  // OpenSSL allows one call at a time per connection; waits happen outside it.
  std::mutex tls_mutex;

  explicit connection(tcp::socket s) : socket(std::move(s)) {
    boost::system::error_code ignored;
    // A TLS handshake is several writes in a row: without this, Nagle holds
    // the hello until the route's delayed ACK (40 ms per session).
    socket.set_option(tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);
  }
  bool wait(ready_for what, std::chrono::steady_clock::time_point deadline) {
    return wait_for(socket.native_handle(), what, deadline);
  }
};

}  // namespace e2e
