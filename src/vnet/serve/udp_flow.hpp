#pragma once
// The serving side of one link of a udp serve: a UDP socket connected to the
// service, of its own (the service sees one source port per client flow, so
// its replies find their way back), and the flow's net::datagram_channel on
// a stream pair whose other end is the link's plain socket. Datagrams move
// both ways; the flow ends when the use side closes it (the link's final
// record), after [vnet] udp_idle without a datagram, or with its serve. A
// service that is down refuses the datagrams (ICMP): they vanish, as UDP's
// do, and the flow logs it once (budgeted).
#include <cstdint>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "net/socket_set.hpp"
#include "outcome/result.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

struct udp_flow_params {
  std::string label;  // "serve dns: link 12", for the log
  std::string host;   // the service ([serve] ip, an address or a name)
  std::uint16_t port = 0;
  std::shared_ptr<net::socket_set> links;  // the serve's, whose traffic counts the datagrams
};

// In place of a TCP dial (net::secure::dial_service_fn): resolves the
// service, connects a UDP socket to it, puts the flow's pair end into
// `plain` and starts the flow. Fails only when the service's address does
// not resolve or the socket cannot be made; a service that is not running
// is only seen when it refuses a datagram.
net::awaitable<outcome::status> open_udp_flow(net::tcp::socket& plain, const route_context& ctx,
                                              udp_flow_params p);

}  // namespace vnet
