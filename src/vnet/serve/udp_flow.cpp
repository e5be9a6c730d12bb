#include "vnet/serve/udp_flow.hpp"

#include <array>

#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/datagram_channel.hpp"
#include "net/endpoint.hpp"
#include "net/stream_pair.hpp"
#include "protocol/datagram_frame.hpp"
#include "text/plural.hpp"

namespace vnet {
namespace {

using udp = net::asio::ip::udp;

bool would_block(const net::error_code& ec) {
  return ec == net::asio::error::would_block || ec == net::asio::error::try_again ||
         ec == net::asio::error::interrupted;
}

// One flow: held by its pending wait on the service's socket, which the
// channel's end closes.
class udp_flow : public std::enable_shared_from_this<udp_flow> {
 public:
  udp_flow(udp::socket service, std::shared_ptr<net::datagram_channel> channel, const route_context& ctx,
           udp_flow_params p)
      : service_(std::move(service)), channel_(std::move(channel)), ctx_(ctx), p_(std::move(p)) {}

  void start() {
    std::weak_ptr<udp_flow> weak = weak_from_this();
    channel_->on_datagram = [weak](std::span<const std::uint8_t> d) {
      if (auto self = weak.lock()) self->to_service(d);
    };
    channel_->on_end = [weak](const std::string& why) {
      if (auto self = weak.lock()) self->ended(why);
    };
    net::error_code ignored;
    service_.non_blocking(true, ignored);
    channel_->start();
    wait();
  }

 private:
  void wait() {
    service_.async_wait(udp::socket::wait_read, [self = shared_from_this()](net::error_code ec) {
      if (ec || !self->service_.is_open()) return;
      self->ready();
    });
  }

  void ready() {
    static std::array<std::uint8_t, protocol::max_datagram + 1> buffer;  // one io_context thread
    for (int turn = 0; turn < 64; ++turn) {
      net::error_code ec;
      std::size_t n = service_.receive(net::asio::buffer(buffer), 0, ec);
      if (would_block(ec)) break;
      if (ec) {
        refused(ec);
        continue;
      }
      if (n > protocol::max_datagram) {
        if (ctx_.may_log("udp datagram"))
          spdlog::warn("{}: the service sent a datagram over the UDP limit of {} bytes; dropped", p_.label,
                       protocol::max_datagram);
        continue;
      }
      channel_->send(std::span(buffer.data(), n));
    }
    wait();
  }

  void to_service(std::span<const std::uint8_t> d) {
    net::error_code ec;
    service_.send(net::asio::buffer(d.data(), d.size()), 0, ec);
    if (ec && would_block(ec)) ++dropped_;  // a full buffer drops it, as UDP does
    else if (ec) refused(ec);
  }

  // ECONNREFUSED: the service's port answered a datagram with ICMP.
  void refused(const net::error_code& ec) {
    if (told_) return;
    told_ = true;
    if (ctx_.may_log("udp service"))
      spdlog::warn("{}: the service at {} {}: its datagrams are dropped", p_.label, net::host_port(p_.host, p_.port),
                   ec == net::asio::error::connection_refused ? "refused a datagram (is it running?)"
                                                                : "failed: " + ec.message());
  }

  void ended(const std::string& why) {
    const auto& c = channel_->totals();
    spdlog::log(ctx_.cfg.log_links ? spdlog::level::info : spdlog::level::debug,
                "{}: UDP flow closed ({}): {} to the service, {} from it{}", p_.label, why,
                text::plural(c.from_link, "datagram"), c.to_link,
                c.dropped + dropped_ ? fmt::format(", {} dropped (a full buffer)", c.dropped + dropped_) : "");
    net::error_code ignored;
    service_.close(ignored);
  }

  udp::socket service_;
  std::shared_ptr<net::datagram_channel> channel_;
  const route_context& ctx_;
  udp_flow_params p_;
  bool told_ = false;  // the service's refusal is logged once per flow
  std::uint64_t dropped_ = 0;  // datagrams towards the service its full socket buffer refused
};

}  // namespace

net::awaitable<outcome::status> open_udp_flow(net::tcp::socket& plain, const route_context& ctx,
                                              udp_flow_params p) {
  auto ex = plain.get_executor();
  udp::resolver resolver(ex);
  auto resolved = co_await resolver.async_resolve(p.host, std::to_string(p.port), net::use_nothrow);
  const net::error_code rec = std::get<0>(resolved);
  const auto& results = std::get<1>(resolved);
  if (rec || results.empty())
    co_return outcome::fail(fmt::format("cannot resolve {}: {}", net::host_port(p.host, p.port),
                                        rec ? rec.message() : "no address"));
  udp::socket service(ex);
  net::error_code ec;
  const udp::endpoint at = results.begin()->endpoint();
  service.open(at.protocol(), ec);
  if (!ec) service.connect(at, ec);  // no packet: it fixes the peer, and lets ICMP refusals through
  if (ec) co_return outcome::fail(fmt::format("cannot reach {}: {}", net::host_port(p.host, p.port), ec.message()));
  auto pair = net::make_stream_pair(ex);
  if (!pair) co_return outcome::fail(pair.why());
  auto channel =
      std::make_shared<net::datagram_channel>(std::move(pair->first), net::to_duration(ctx.cfg.udp_idle), p.links);
  plain = std::move(pair->second);
  auto flow = std::make_shared<udp_flow>(std::move(service), std::move(channel), ctx, std::move(p));
  flow->start();
  co_return outcome::status{};
}

}  // namespace vnet
