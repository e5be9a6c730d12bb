// The link broker's openings: a link_open (a use side), a link_pool (an idle
// pooled link, which a use-role link later binds with link_bind) or a
// link_join (the serving side of a link the broker asked for). Each opens
// with a one-time ticket, spent whatever follows.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/secret.hpp"
#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "protocol/error.hpp"
#include "route/error_frame.hpp"
#include "route/links/link_broker.hpp"
#include "route/peer_log.hpp"
#include "text/plural.hpp"

namespace route {
namespace {

using text::plural;

}  // namespace

link_broker::link_broker(net::asio::any_io_executor ex, const config::route_config& cfg, const registry& reg,
                         session_table& sessions, net::socket_set& connections, route::stats& stats,
                         logging::budget& peer_log, ticket_book::clock::duration ticket_lifetime)
    : ex_(std::move(ex)),
      cfg_(cfg),
      registry_(reg),
      sessions_(sessions),
      connections_(connections),
      stats_(stats),
      peer_log_(peer_log),
      tickets_(ticket_lifetime) {}

void link_broker::vnet_left(std::uint32_t vnetid) {
  tickets_.forget(vnetid);
  links_.drop_vnet(vnetid, fmt::format("vnet {:02} disconnected", vnetid));
  idle_.drop_vnet(vnetid);
}

void link_broker::stop() {
  stopping_ = true;
  links_.close_all();
  idle_.close_all();
}

net::awaitable<void> link_broker::reject_opening(net::tcp::socket& s, link_failure reason,
                                                 const std::string& why) {
  stats_.link_failed(reason);
  net::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (peer_log_.allow(handshakes_subject, "warning"))
    spdlog::warn("link from {} refused: {}", ec ? "?" : net::to_string(ep), why);
  auto frame = error_frame(protocol::errc::unexpected_message, "link refused: " + why);
  co_await net::frame::write_frame(s, std::move(frame));
}

outcome::result<link_broker::spent_ticket> link_broker::spend_ticket(
    std::uint64_t id, const protocol::proof16& proof,
    const std::function<protocol::proof16(const protocol::key32&)>& expected) {
  // Spent whatever follows: an opening seen on the path, or replayed, finds
  // it gone (and a guesser gets one try per 64-bit id).
  auto ticket = tickets_.take(id);
  if (!ticket) return outcome::fail("unknown or already used ticket");
  if (!crypto::proof_equal(expected(ticket->secret), proof)) return outcome::fail("wrong proof for its ticket");
  if (!sessions_.contains(ticket->vnetid)) return outcome::fail("unknown or already used ticket");
  return spent_ticket{ticket->vnetid, ticket->secret};
}

net::awaitable<void> link_broker::run_use_link(net::tcp::socket s, protocol::link_open open) {
  // Registered in connections_ (closed at shutdown) until paired.
  net::socket_set::guard guard(connections_, s);
  if (stopping_) co_return;
  const auto opened = std::chrono::steady_clock::now();
  auto ticket = spend_ticket(open.ticket_id, open.proof, [&](const protocol::key32& secret) {
    return crypto::open_proof(secret, open.ticket_id, open.serveid);
  });
  if (!ticket) {
    co_await reject_opening(s, link_failure::unknown_ticket, ticket.why());
    co_return;
  }
  co_await pair_use_side(s, ticket->vnetid, open.serveid, ticket->secret, opened);
}

net::awaitable<void> link_broker::run_pooled_link(net::tcp::socket s, protocol::link_pool pool) {
  net::socket_set::guard guard(connections_, s);
  if (stopping_) co_return;
  auto ticket = spend_ticket(pool.ticket_id, pool.proof, [&](const protocol::key32& secret) {
    return crypto::pool_proof(secret, pool.ticket_id, pool.role);
  });
  if (!ticket) {
    co_await reject_opening(s, link_failure::unknown_ticket, ticket.why());
    co_return;
  }
  const auto role = static_cast<protocol::pool_role>(pool.role);
  if (role != protocol::pool_role::use && role != protocol::pool_role::serve) {
    const auto why = fmt::format("link_pool role {} is neither use (1) nor serve (2)", pool.role);
    co_await reject_opening(s, link_failure::bad_role, why);
    co_return;
  }
  const std::uint32_t vnetid = ticket->vnetid;
  // Read now: a reload applies to the next pooled link at once.
  const unsigned max_idle = cfg_.limits.max_idle_links_per_vnet;
  if (idle_.count(vnetid) >= max_idle) {
    const auto why = fmt::format("vnet {:02} may hold at most {} idle pooled link{} "
                                 "(raise [route] max_idle_links_per_vnet)",
                                 vnetid, max_idle, plural(max_idle));
    stats_.link_failed(link_failure::quota);
    stats_.limit_refused(limit::max_idle_links_per_vnet);
    if (peer_log_.allow(peer_subject(vnetid), "refusal"))
      spdlog::warn("pooled link of vnet {:02} refused: {}", vnetid, why);
    auto frame = refusal_frame(why);
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  idle_links::scope idle(idle_, vnetid, role, ticket->secret, s);
  // Idle: no buffer, no deadline. It lives until its vnet uses or closes it,
  // or its session ends (idle_links::drop_vnet closes it).
  auto waited = co_await s.async_wait(net::tcp::socket::wait_read, net::use_nothrow);
  const net::error_code wec = std::get<0>(waited);
  if (idle.taken()) co_return;  // a use link took the socket (link_assign)
  idle.release();
  if (role == protocol::pool_role::serve || wec || stopping_) {
    // Readable while idle: the vnet closed it, the path broke it, or the
    // vnet wrote where it must not. The socket closes with this frame.
    spdlog::debug("idle {} link of vnet {:02} ended{}", role == protocol::pool_role::serve ? "serve" : "use",
                  vnetid, wec ? ": " + wec.message() : "");
    co_return;
  }
  const auto bound = std::chrono::steady_clock::now();
  net::frame::frame_result r = co_await net::frame::read_frame(s, protocol::max_opening_payload,
                                                 net::to_duration(cfg_.handshake_timeout));
  if (r.ec == net::asio::error::eof) co_return;  // the vnet retired it
  auto* bind = r.ec ? nullptr : std::get_if<protocol::link_bind>(&r.msg);
  if (!bind) {
    const std::string why =
        r.ec ? r.ec.message()
             : fmt::format("a pooled use link must bind with link_bind, not {}",
                           protocol::name_of(protocol::type_of(r.msg)));
    if (peer_log_.allow(peer_subject(vnetid), "refusal"))
      spdlog::warn("pooled link of vnet {:02} dropped: {}", vnetid, why);
    auto frame = error_frame(protocol::errc::unexpected_message, why);
    if (!r.ec || r.ec.category() == protocol::category()) co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  if (!sessions_.contains(vnetid)) co_return;  // its session ended meanwhile
  co_await pair_use_side(s, vnetid, bind->serveid, ticket->secret, bound);
}

void link_broker::join(net::tcp::socket& s, const protocol::link_join& join, const std::string& from) {
  if (!links_.join(join.link_id, join.proof, s) && peer_log_.allow(handshakes_subject, "warning"))
    spdlog::warn("link join from {} refused: link {} is unknown, expired or already joined, or the "
                 "proof is wrong", from,
                 join.link_id);
  // On success the socket now belongs to the waiting use side; on failure it
  // closes when this coroutine ends.
}

}  // namespace route
