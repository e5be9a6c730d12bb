// The front door's accept loop, first byte, and plaintext openings: a link's
// opening frame goes to the link broker; a plaintext hello, a wrong version
// or garbage gets an error frame (when it speaks our protocol) and the close.
#include "route/front/front_door.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/listen.hpp"
#include "net/spawn.hpp"
#include "net/time.hpp"
#include "protocol/error.hpp"
#include "route/front/address_prefix.hpp"
#include "route/error_frame.hpp"
#include "route/peer_log.hpp"

using namespace boost::asio::experimental::awaitable_operators;

namespace route {
namespace {

std::string version_error(std::uint16_t theirs) {
  return fmt::format("protocol version {} is not supported; this route speaks protocol {} with TLS; "
                     "upgrade the vnet",
                     theirs, protocol::version);
}

// More queued connections taken at once (see net::accept_loop).
constexpr std::size_t route_accept_batch = 64;

}  // namespace

front_door::front_door(net::asio::any_io_executor ex, const config::route_config& cfg, const tls_identity& tls,
                       session_hub& sessions, link_broker& links, net::socket_set& connections,
                       route::stats& stats, logging::budget& peer_log)
    : ex_(ex),
      cfg_(cfg),
      tls_(tls),
      sessions_(sessions),
      links_(links),
      connections_(connections),
      stats_(stats),
      peer_log_(peer_log),
      acceptor_(ex) {}

net::error_code front_door::open() { return net::listen(acceptor_, cfg_.listen.ip, cfg_.listen.port); }

net::tcp::endpoint front_door::local_endpoint() const {
  net::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void front_door::stop() {
  net::error_code ignored;
  acceptor_.close(ignored);
}

std::vector<std::uint8_t> front_door::opening_failed(const net::error_code& rec, const std::string& from,
                                                     const char* stage) {
  // operation_aborted: shed, and counted so (make_room, shed_for_descriptors).
  if (rec == net::asio::error::timed_out) stats_.connection_dropped(connection_drop::timeout);
  else if (rec.category() == protocol::category()) stats_.connection_dropped(connection_drop::bad_frame);
  else if (rec != net::asio::error::operation_aborted) stats_.connection_dropped(connection_drop::closed);
  if (!peer_log_.allow(handshakes_subject, "warning")) {
    // Over the budget: the line is counted, not written.
  } else if (rec == net::asio::error::timed_out) {
    spdlog::warn("connection from {} dropped: no opening frame within {} ms", from,
                 net::to_ms(cfg_.handshake_timeout).count());
  } else if (rec.category() == protocol::category()) {
    spdlog::warn("connection from {} dropped: bad opening frame: {}", from, rec.message());
  } else if (rec != net::asio::error::operation_aborted) {
    spdlog::warn("connection from {} dropped {}: {}", from, stage, rec.message());
  }
  if (rec.category() != protocol::category()) return {};
  return error_frame(static_cast<protocol::errc>(rec.value()), "bad opening frame: " + rec.message());
}

net::awaitable<void> front_door::run() {
  std::function<void(net::tcp::socket)> on_accept = [this](net::tcp::socket s) {
    make_room();
    net::asio::co_spawn(ex_, handle(std::move(s)), net::log_exception{"route connection"});
  };
  std::function<bool()> on_exhausted = [this] { return shed_for_descriptors(); };
  co_await net::accept_loop(acceptor_, "route", std::move(on_accept), std::move(on_exhausted),
                            route_accept_batch);
}

void front_door::make_room() {
  // Read at each accept: a reload may have changed it.
  const std::size_t max = cfg_.limits.max_unidentified;
  if (unidentified_.size() < max) {
    if (shed_streak_ > 0)
      spdlog::info("route: fewer than {} unidentified connections again; {} closed to make room",
                   max, shed_streak_);
    shed_streak_ = 0;
    return;
  }
  if (shed_streak_ == 0)
    spdlog::warn("route: {} connections have not sent their opening frame, the most allowed: "
                 "closing the oldest to make room (raise [route] max_unidentified)", max);
  while (unidentified_.size() >= max) {
    auto from = unidentified_.shed_oldest();
    if (!from) break;
    ++shed_streak_;
    stats_.limit_refused(limit::max_unidentified);
    stats_.connection_dropped(connection_drop::shed);
    spdlog::debug("connection from {} closed: it had not identified itself (max_unidentified)", *from);
  }
}

bool front_door::shed_for_descriptors() {
  auto from = unidentified_.shed_oldest();
  if (from) stats_.connection_dropped(connection_drop::shed);
  if (from)
    spdlog::debug("connection from {} closed: out of file descriptors, it had not identified itself",
                  *from);
  return from.has_value();
}

net::awaitable<void> front_door::handle(net::tcp::socket s) {
  net::error_code ec;
  auto ep = s.remote_endpoint(ec);
  std::string from = ec ? "?" : net::to_string(ep);
  std::string address = ec ? "?" : ep.address().to_string();
  const auto deadline = std::chrono::steady_clock::now() + net::to_duration(cfg_.handshake_timeout);
  // The first byte tells a control session (TLS) from a link (a plaintext
  // frame); peeked, so that either reader sees it again.
  std::uint8_t first = 0;
  net::error_code pec;
  {
    net::socket_set::guard guard(connections_, s);
    unidentified::guard listed(unidentified_, s, from);
    net::asio::steady_timer timer(ex_, deadline);
    auto r = co_await (s.async_receive(net::asio::buffer(&first, 1), net::tcp::socket::message_peek,
                                       net::use_nothrow) ||
                       timer.async_wait(net::use_nothrow));
    if (r.index() == 1) {
      pec = net::asio::error::timed_out;
    } else {
      auto [rec, n] = std::get<0>(r);
      pec = rec ? rec : n == 0 ? net::error_code(net::asio::error::eof) : net::error_code{};
    }
  }
  if (pec) {
    // No frame was read: nothing to answer.
    opening_failed(pec, from, "during handshake");
    co_return;
  }
  // A ban closes admission attempts (TLS, before its handshake costs
  // anything), never links: a link's ticket proves a session that was
  // admitted, and a ban on a shared address (an office NAT) must not cut
  // the other vnets' tunnels or eat the tickets they spent. Logged once,
  // when the ban began.
  if (first == net::tls::tls_handshake_byte &&
      admission_.banned(address, address_prefix(address), std::chrono::steady_clock::now())) {
    stats_.connection_dropped(connection_drop::banned);
    co_return;
  }
  // Spawned, not awaited: a link lives for hours inside open_plain, and
  // this frame (the peek's timer and result, ~1 KB) would live as long.
  if (first == net::tls::tls_handshake_byte)
    net::asio::co_spawn(ex_, open_control(std::move(s), std::move(from), std::move(address), deadline),
                        net::log_exception{"route connection"});
  else
    net::asio::co_spawn(ex_, open_plain(std::move(s), std::move(from), deadline),
                        net::log_exception{"route connection"});
}

net::awaitable<void> front_door::open_plain(net::tcp::socket s, std::string from,
                                            std::chrono::steady_clock::time_point deadline) {
  net::socket_set::guard guard(connections_, s);
  unidentified::guard listed(unidentified_, s, from);
  const auto left = std::max<net::duration>(deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(1));
  net::frame::frame_result opening = co_await net::frame::read_frame(s, protocol::max_opening_payload, left);
  listed.release();
  const auto& rec = opening.ec;
  auto& msg = opening.msg;
  if (rec) {
    auto frame = opening_failed(rec, from, "during handshake");
    if (!frame.empty()) co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  if (!protocol::is_opening(static_cast<std::uint16_t>(protocol::type_of(msg)))) {
    stats_.connection_dropped(connection_drop::wrong_opening);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} dropped: it opened with {}", from,
                 protocol::name_of(protocol::type_of(msg)));
    auto frame = error_frame(protocol::errc::unexpected_message, "a connection must open with a hello");
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  std::uint16_t theirs = std::visit(
      [](const auto& m) -> std::uint16_t {
        if constexpr (requires { m.version; }) return m.version;
        else return protocol::version;
      },
      msg);
  if (theirs != protocol::version) {
    stats_.connection_dropped(connection_drop::version_mismatch);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} dropped: {}", from, version_error(theirs));
    auto frame = error_frame(protocol::errc::version_mismatch, version_error(theirs));
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  if (std::holds_alternative<protocol::control_hello>(msg)) {
    // A vnet of protocol 4 speaks TLS: this is a hand-made client or a
    // misconfigured proxy. (Older vnets got the version refusal above.)
    const std::string why = "control sessions must use TLS";
    stats_.connection_dropped(connection_drop::plaintext_hello);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} dropped: a plaintext control_hello ({})", from, why);
    auto frame = error_frame(protocol::errc::unexpected_message, why);
    co_await net::frame::write_frame(s, std::move(frame));
  } else if (auto* open = std::get_if<protocol::link_open>(&msg)) {
    net::asio::co_spawn(ex_, links_.run_use_link(std::move(s), *open), net::log_exception{"route link"});
  } else if (auto* pool = std::get_if<protocol::link_pool>(&msg)) {
    net::asio::co_spawn(ex_, links_.run_pooled_link(std::move(s), *pool), net::log_exception{"route link"});
  } else {
    links_.join(s, std::get<protocol::link_join>(msg), from);
  }
}

}  // namespace route
