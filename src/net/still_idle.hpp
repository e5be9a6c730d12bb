#pragma once
// Whether an idle pooled link is still good to hand out: on such a link the
// side that checks expects nothing to read (the peer writes only once the
// link is used), so end of stream, an error, or bytes mean the peer closed
// it, the path broke it, or the peer broke the protocol. A non-blocking
// MSG_PEEK: nothing is consumed and nothing waits.
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

#include "net/asio.hpp"

namespace net {

inline bool still_idle(tcp::socket& s) {
  std::uint8_t b;
  const ssize_t n = ::recv(s.native_handle(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace net
