#pragma once
// A use of a udp serve while it listens: one UDP socket on the use's port,
// and a flow per client address (ip:port). A client's first datagram opens
// its flow: a stream pair (net/stream_pair.hpp) whose one end becomes the
// plain socket of an ordinary use link (use_table::open_link: pooled,
// ticketed, encrypted end to end) and whose other end is the flow's
// net::datagram_channel. The link's datagrams go back to that client's
// address only. At most [vnet] max_udp_flows flows; each closes after
// [vnet] udp_idle without a datagram (docs/configuration.md, UDP services).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/ip/udp.hpp>

#include "net/datagram_channel.hpp"
#include "outcome/result.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

class udp_use : public std::enable_shared_from_this<udp_use> {
 public:
  using udp = net::asio::ip::udp;
  // Opens a use link with this plain socket (the flow's end of its pair).
  using open_link_fn = std::function<void(net::tcp::socket plain)>;

  // `links`: the use's, whose traffic counts the datagrams.
  udp_use(const net::asio::any_io_executor& ex, const route_context& ctx, std::string name,
          std::shared_ptr<net::socket_set> links, open_link_fn open_link);
  udp_use(const udp_use&) = delete;
  udp_use& operator=(const udp_use&) = delete;

  // Binds the socket and starts receiving: the port bound (port 0: the
  // system's choice), or why not (the port is busy).
  outcome::result<std::uint16_t> listen(const std::string& ip, std::uint16_t port);
  // The socket and every flow (their links see the flows end).
  void close();
  std::size_t flows() const { return flows_.size(); }

 private:
  void wait();
  void ready();
  void from_client(std::span<const std::uint8_t> datagram, const udp::endpoint& client);
  void to_client(std::span<const std::uint8_t> datagram, const udp::endpoint& client);
  void flow_ended(const udp::endpoint& client, const net::datagram_channel* flow, const std::string& why);

  udp::socket socket_;
  const route_context& ctx_;
  std::string name_;
  std::shared_ptr<net::socket_set> links_;
  open_link_fn open_link_;
  std::map<udp::endpoint, std::shared_ptr<net::datagram_channel>> flows_;
  bool closed_ = false;
};

}  // namespace vnet
