#include "vnet/session/route_link.hpp"

#include "net/dial.hpp"
#include "net/frame/frame_io.hpp"
#include "vnet/session/route_session.hpp"

namespace vnet {

net::awaitable<outcome::status> dial_route(net::tcp::socket& link, const route_context& ctx) {
  const auto route = ctx.route();  // copies: reload may replace them meanwhile
  const auto dial_timeout = ctx.dial_timeout();
  if (auto ec = co_await net::dial(link, route.ip, route.port, dial_timeout)) co_return outcome::fail(ec.message());
  co_return outcome::status{};
}

net::awaitable<outcome::result<crypto::key32>> send_opening(net::tcp::socket& link, const route_context& ctx,
                                                            std::weak_ptr<route_session> session,
                                                            route_opening what) {
  crypto::key32 secret{};
  std::vector<std::uint8_t> frame;
  if (auto* r = std::get_if<requested_opening>(&what)) {
    // The proof shows we got link_secret over TLS; no reusable token
    // crosses the wire.
    secret = r->secret;
    crypto::wipe(r->secret);
    frame = protocol::encode(protocol::link_join{protocol::version, r->link_id, crypto::join_proof(secret, r->link_id)});
  } else {
    // The stock is usually full; when empty the refill is a round trip away.
    std::shared_ptr<route_session> owner = session.lock();
    if (!owner) co_return outcome::fail("lost the route");
    ticket_stock& tickets = owner->tickets();
    owner.reset();  // not held over the wait: the session's end ends the take
    std::optional<protocol::ticket> ticket = co_await tickets.take(ctx.link_timeout);
    if (!ticket)
      co_return outcome::fail(session.expired() ? "lost the route" : "the route gave no link ticket in time");
    secret = ticket->secret;
    crypto::wipe(ticket->secret);
    if (auto* u = std::get_if<use_opening>(&what)) {
      frame = protocol::encode(protocol::link_open{protocol::version, u->serveid, ticket->id,
                                                   crypto::open_proof(secret, ticket->id, u->serveid)});
    } else {
      const auto role = static_cast<std::uint8_t>(std::get<idle_opening>(what).role);
      frame = protocol::encode(
          protocol::link_pool{protocol::version, role, ticket->id, crypto::pool_proof(secret, ticket->id, role)});
    }
  }
  if (auto ec = co_await net::frame::write_frame(link, std::move(frame))) {
    crypto::wipe(secret);
    // An idle link's failure names its frame, as the pool's log always has.
    const bool idle = std::holds_alternative<idle_opening>(what);
    co_return outcome::fail((idle ? "writing link_pool: " : "") + ec.message());
  }
  co_return secret;
}

net::awaitable<outcome::result<crypto::key32>> open_route_link(net::tcp::socket& link, const route_context& ctx,
                                                               std::weak_ptr<route_session> session,
                                                               route_opening what) {
  const bool idle = std::holds_alternative<idle_opening>(what);
  outcome::status dialled = co_await dial_route(link, ctx);
  if (!dialled) co_return outcome::fail((idle ? "dialling the route: " : "cannot reach the route: ") + dialled.why());
  outcome::result<crypto::key32> sent = co_await send_opening(link, ctx, std::move(session), std::move(what));
  co_return sent;
}

}  // namespace vnet
