#pragma once
// Two connected stream sockets inside this process. A UDP flow hands one
// end to its encrypted link as the link's plain socket (where a TCP link has
// its client or service) and keeps the other (net/datagram_channel.hpp): the
// encrypted link stays one code path for both types.
#include <utility>

#include "net/asio.hpp"
#include "outcome/result.hpp"

namespace net {

// A unix socket pair where there are unix sockets, else a loopback TCP
// connection. Both ends are plain tcp::sockets to their users.
outcome::result<std::pair<tcp::socket, tcp::socket>> make_stream_pair(const asio::any_io_executor& ex);

}  // namespace net
