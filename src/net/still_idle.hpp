#pragma once
// Whether an idle pooled link is still good to hand out: on such a link the
// side that checks expects nothing to read (the peer writes only once the
// link is used), so end of stream, an error, or bytes mean the peer closed
// it, the path broke it, or the peer broke the protocol. A non-blocking
// MSG_PEEK: nothing is consumed and nothing waits.
#include "net/asio.hpp"
#include "platform/socket_options.hpp"

namespace net {

inline bool still_idle(tcp::socket& s) {
  return platform::nothing_to_read(s.native_handle());
}

}  // namespace net
