#pragma once
// Options for every socket we relay through, dialed or accepted.
#include "net/asio.hpp"

namespace net {

// TCP_NODELAY and keep-alive: latency, and dead peers that vanish without
// FIN are eventually noticed.
void tune(tcp::socket& s);

}  // namespace net
