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

namespace {

// The ticket an opening spends, or why there is none.
net::awaitable<outcome::result<ticket_stock::stocked>> take_ticket(const route_context& ctx,
                                                              std::weak_ptr<route_session> session) {
  // The stock is usually full; when empty the refill is a round trip away.
  std::shared_ptr<route_session> owner = session.lock();
  if (!owner) co_return outcome::fail("lost the route");
  ticket_stock& tickets = owner->tickets();
  owner.reset();  // not held over the wait: the session's end ends the take
  std::optional<ticket_stock::stocked> ticket = co_await tickets.take(ctx.link_timeout);
  if (!ticket) co_return outcome::fail(session.expired() ? "lost the route" : "the route gave no link ticket in time");
  co_return std::move(*ticket);
}

// Writes the opening frame of `what`, keyed with `secret` (the ticket's or
// the request's); returns the secret.
net::awaitable<outcome::result<crypto::key32>> write_opening(net::tcp::socket& link, const route_opening& what,
                                                             const std::optional<protocol::ticket>& ticket,
                                                             crypto::key32 secret) {
  std::vector<std::uint8_t> frame;
  if (auto* r = std::get_if<requested_opening>(&what)) {
    // The proof shows we got link_secret over TLS; no reusable token
    // crosses the wire.
    frame = protocol::encode(protocol::link_join{protocol::version, r->link_id, crypto::join_proof(secret, r->link_id)});
  } else if (auto* u = std::get_if<use_opening>(&what)) {
    frame = protocol::encode(protocol::link_open{protocol::version, u->serveid, ticket->id,
                                                 crypto::open_proof(secret, ticket->id, u->serveid)});
  } else {
    const auto role = static_cast<std::uint8_t>(std::get<idle_opening>(what).role);
    frame = protocol::encode(
        protocol::link_pool{protocol::version, role, ticket->id, crypto::pool_proof(secret, ticket->id, role)});
  }
  if (auto ec = co_await net::frame::write_frame(link, std::move(frame))) {
    crypto::wipe(secret);
    // An idle link's failure names its frame, as the pool's log always has.
    const bool idle = std::holds_alternative<idle_opening>(what);
    co_return outcome::fail((idle ? "writing link_pool: " : "") + ec.message());
  }
  co_return secret;
}

}  // namespace

net::awaitable<outcome::result<crypto::key32>> send_join(net::tcp::socket& link, requested_opening what) {
  crypto::key32 secret = what.secret;
  crypto::wipe(what.secret);
  route_opening opening = what;  // its copy of the secret is wiped already
  outcome::result<crypto::key32> written = co_await write_opening(link, opening, std::nullopt, secret);
  crypto::wipe(secret);
  co_return written;
}

net::awaitable<outcome::result<crypto::key32>> open_route_link(net::tcp::socket& link, const route_context& ctx,
                                                               std::weak_ptr<route_session> session,
                                                               route_opening what) {
  const bool idle = std::holds_alternative<idle_opening>(what);
  // The ticket first, then the dial: a connection that reached the route
  // and waits for a ticket counts against the route's max_unidentified and
  // its handshake_timeout, and a burst of thousands would hit both. A
  // ticket a failed dial did not spend goes back to the stock.
  outcome::result<ticket_stock::stocked> taken = co_await take_ticket(ctx, session);
  if (!taken) co_return taken.error();
  ticket_stock::stocked held = std::move(*taken);
  crypto::key32 secret = held.ticket.secret;
  crypto::wipe(taken->ticket.secret);
  outcome::status dialled = co_await dial_route(link, ctx);
  if (!dialled) {
    if (auto owner = session.lock()) owner->tickets().give_back(std::move(held));
    crypto::wipe(secret);
    co_return outcome::fail((idle ? "dialling the route: " : "cannot reach the route: ") + dialled.why());
  }
  std::optional<protocol::ticket> ticket = held.ticket;
  crypto::wipe(held.ticket.secret);
  crypto::wipe(ticket->secret);
  outcome::result<crypto::key32> written = co_await write_opening(link, what, ticket, secret);
  crypto::wipe(secret);
  co_return written;
}

}  // namespace vnet
