#include "vnet/use/udp_use.hpp"

#include <array>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "config/auto_limit.hpp"
#include "net/endpoint.hpp"
#include "net/stream_pair.hpp"
#include "protocol/datagram_frame.hpp"
#include "text/plural.hpp"

namespace vnet {
namespace {

// A larger receive buffer rides out a burst while links open; the kernel
// caps it (net.core.rmem_max).
constexpr int receive_buffer = 4 << 20;

// A flow of one datagram each way is a request and its answer (DNS, NTP,
// SNMP): their clients take a new source port for each request, so such a
// flow will see nothing more and closes this long after the answer instead
// of after udp_idle. A retry, or any conversation, makes it a flow of more
// than one datagram, which keeps udp_idle. The use decides: the serving
// side's flow closes on the use's final record.
constexpr auto answered_idle = std::chrono::seconds(5);

std::string text_of(const net::asio::ip::udp::endpoint& ep) {
  return net::host_port(ep.address().to_string(), ep.port());
}

bool would_block(const net::error_code& ec) {
  return ec == net::asio::error::would_block || ec == net::asio::error::try_again;
}

}  // namespace

udp_use::udp_use(const net::asio::any_io_executor& ex, const route_context& ctx, std::string name,
                 std::shared_ptr<net::socket_set> links, open_link_fn open_link)
    : socket_(ex), ctx_(ctx), name_(std::move(name)), links_(std::move(links)), open_link_(std::move(open_link)) {}

outcome::result<std::uint16_t> udp_use::listen(const std::string& ip, std::uint16_t port) {
  net::error_code ec;
  const auto address = net::asio::ip::make_address(ip, ec);
  if (ec) return outcome::fail(fmt::format("{} is not an IP address", ip));
  const udp::endpoint at(address, port);
  socket_.open(at.protocol(), ec);
  if (!ec) socket_.bind(at, ec);  // no SO_REUSEADDR: two UDP sockets on one port would share its datagrams
  if (ec) {
    net::error_code ignored;
    socket_.close(ignored);
    return outcome::fail(ec.message());
  }
  net::error_code ignored;
  socket_.set_option(net::asio::socket_base::receive_buffer_size(receive_buffer), ignored);
  socket_.non_blocking(true, ignored);
  const std::uint16_t bound = socket_.local_endpoint(ignored).port();
  wait();
  return bound;
}

void udp_use::close() {
  closed_ = true;
  net::error_code ignored;
  socket_.close(ignored);
  auto flows = std::move(flows_);
  flows_.clear();
  for (auto& [client, flow] : flows) flow->close("the use closed");
}

void udp_use::wait() {
  socket_.async_wait(udp::socket::wait_read, [self = shared_from_this()](net::error_code ec) {
    if (ec || self->closed_) return;
    self->ready();
  });
}

void udp_use::ready() {
  // One io_context thread: borrowed for this call only. One byte over the
  // limit tells an over-long datagram from one that fits.
  static std::array<std::uint8_t, protocol::max_datagram + 1> buffer;
  for (int turn = 0; turn < 64 && !closed_; ++turn) {
    udp::endpoint client;
    net::error_code ec;
    std::size_t n = socket_.receive_from(net::asio::buffer(buffer), client, 0, ec);
    if (would_block(ec)) break;
    if (ec) continue;  // an ICMP error of an earlier reply: nothing to do with this socket
    if (n > protocol::max_datagram) {
      if (ctx_.may_log("udp datagram"))
        spdlog::warn("use {}: a datagram from {} is over the UDP limit of {} bytes; dropped", name_, text_of(client),
                     protocol::max_datagram);
      continue;
    }
    from_client(std::span(buffer.data(), n), client);
  }
  if (!closed_) wait();
}

void udp_use::from_client(std::span<const std::uint8_t> datagram, const udp::endpoint& client) {
  auto it = flows_.find(client);
  if (it != flows_.end()) {
    it->second->send(datagram);
    return;
  }
  const unsigned max = config::udp_flows(ctx_.cfg.max_udp_flows);
  if (flows_.size() >= max) {
    if (ctx_.may_log("udp flow refused"))
      spdlog::warn("use {}: a datagram from {} dropped: {} UDP flows are open (raise [vnet] max_udp_flows)", name_,
                   text_of(client), max);
    return;
  }
  auto pair = net::make_stream_pair(socket_.get_executor());
  if (!pair) {
    if (ctx_.may_log("udp flow failure"))
      spdlog::warn("use {}: no flow for {}: {}", name_, text_of(client), pair.why());
    return;
  }
  auto flow =
      std::make_shared<net::datagram_channel>(std::move(pair->first), net::to_duration(ctx_.cfg.udp_idle), links_);
  std::weak_ptr<udp_use> weak = weak_from_this();
  flow->on_datagram = [weak, client](std::span<const std::uint8_t> d) {
    if (auto self = weak.lock()) self->to_client(d, client);
  };
  flow->on_end = [weak, client, raw = flow.get()](const std::string& why) {
    if (auto self = weak.lock()) self->flow_ended(client, raw, why);
  };
  flows_.emplace(client, flow);
  spdlog::log(ctx_.cfg.log_links ? spdlog::level::info : spdlog::level::debug, "use {}: flow from {} opened", name_,
              text_of(client));
  flow->close_answered_after(answered_idle);
  flow->start();
  flow->send(datagram);  // waits in the pair: the link sends it with its hello (0-RTT)
  open_link_(std::move(pair->second));
}

void udp_use::to_client(std::span<const std::uint8_t> datagram, const udp::endpoint& client) {
  net::error_code ignored;  // a reply the client's host cannot take is lost, as UDP's are
  socket_.send_to(net::asio::buffer(datagram.data(), datagram.size()), client, 0, ignored);
}

void udp_use::flow_ended(const udp::endpoint& client, const net::datagram_channel* flow, const std::string& why) {
  auto it = flows_.find(client);
  if (it != flows_.end() && it->second.get() == flow) flows_.erase(it);
  const auto& c = flow->totals();
  spdlog::log(ctx_.cfg.log_links ? spdlog::level::info : spdlog::level::debug,
              "use {}: flow from {} closed ({}): {} from the client, {} to it{}", name_, text_of(client), why,
              text::plural(c.to_link, "datagram"), c.from_link,
              c.dropped ? fmt::format(", {} dropped (the link fell behind)", c.dropped) : "");
}

}  // namespace vnet
