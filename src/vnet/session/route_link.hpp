#pragma once
// The one way this vnet opens a link to the route (a TCP connection for one
// proxied connection; docs/architecture.md, "the life of a link"): dial
// [route] as configured now, spend a ticket of the session when the opening
// needs one, and write the opening frame that says what the link is for.
// What follows (the use hello and the first bytes, the idle wait of a pooled
// link, the use side's hello on a requested one) is the caller's.
#include <cstdint>
#include <memory>
#include <variant>

#include "crypto/secret.hpp"
#include "net/asio.hpp"
#include "outcome/result.hpp"
#include "protocol/messages.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

// link_open: a connection accepted on a use, for `serveid`. Spends a ticket.
struct use_opening {
  std::uint16_t serveid = 0;
};
// link_pool: an idle link of `role`, opened ahead of need. Spends a ticket.
struct idle_opening {
  protocol::pool_role role = protocol::pool_role::use;
};
// link_join: the route asked for a link (link_request) and gave its secret.
struct requested_opening {
  std::uint64_t link_id = 0;
  crypto::key32 secret{};
};
using route_opening = std::variant<use_opening, idle_opening, requested_opening>;

// Dials [route] as configured now (a copy: reload may replace it meanwhile),
// within [vnet] dial_timeout; why not is the socket's error.
net::awaitable<outcome::status> dial_route(net::tcp::socket& link, const route_context& ctx);

// On a link dial_route() connected, for a link the route asked for: writes
// link_join (its proof of the request's secret; no ticket is spent).
// Returns the secret the link is keyed with, or the socket's error. A
// requested link tells the route when its dial fails (serves.cpp), so it
// dials itself first.
net::awaitable<outcome::result<crypto::key32>> send_join(net::tcp::socket& link, requested_opening what);

// For a use or an idle link: spends a ticket of `session` (the one the link
// is for), dials, writes the opening frame; the secret the link is keyed
// with, or why not, in the words each has always logged ("the route gave no
// link ticket in time", "lost the route", "cannot reach the route: ...",
// "dialling the route: ...", "writing link_pool: ..."). The ticket is taken
// before the dial, and given back to the stock when the dial fails, so that
// a connection to the route never waits for one. Arguments by value: name
// them in a statement of their own first (GCC 12, docs/architecture.md).
net::awaitable<outcome::result<crypto::key32>> open_route_link(net::tcp::socket& link, const route_context& ctx,
                                                               std::weak_ptr<route_session> session,
                                                               route_opening what);

}  // namespace vnet
