// Link tickets over their lifetime (protocol/ticket_lifetime.hpp), end to
// end: the route forgets an unspent ticket `ticket_lifetime` after granting
// it, and a vnet uses a ticket within `ticket_use_window` of its arrival or
// drops it and fetches fresh ones. The protocol's 120 s and 90 s are too long
// to wait out, so this route and these vnets get 1 s and 0.4 s (constructor
// parameters, keeping the protocol's order: the window ends well before the
// route forgets).
#include <gtest/gtest.h>

#include "harness.hpp"
#include "route/tickets.hpp"

namespace e2e {
namespace {

constexpr auto lifetime = std::chrono::milliseconds(1000);
constexpr auto use_window = std::chrono::milliseconds(400);
static_assert(use_window * 2 <= lifetime);

struct ShortTickets : ::testing::Test {
  world w;
  vnet::client* home = nullptr;
  vnet::client* office = nullptr;

  void SetUp() override {
    route_options o;
    o.ticket_lifetime = lifetime;
    w.start_route(0, o);
    auto a = w.vnet_config("home");
    a.max_idle_links = 0;  // no pools: every link takes a ticket from the stock when it opens
    a.serves.push_back(serve_cfg("svc", 700, w.start_echo()));
    home = &w.start_vnet(a, use_window);
    auto b = w.vnet_config("office");
    b.max_idle_links = 0;
    b.uses.push_back(any_port_use("svc", 700));
    office = &w.start_vnet(b, use_window);
    ASSERT_TRUE(eventually([&] { return w.use_listening(*office, "svc"); })) << w.log();
  }
  std::uint32_t office_id() {
    return w.on_io([&] { return office->vnetid().value_or(0); });
  }
  std::uint64_t granted_to_office() {
    const auto id = office_id();
    return w.on_io([&] { return w.route_server().tickets().granted(id); });
  }
  std::size_t route_holds_for_office() {
    const auto id = office_id();
    return w.on_io([&] { return w.route_server().tickets().unused(id); });
  }
  // One exchange through the use, answered within `within`.
  bool echoes(std::chrono::milliseconds within) {
    client_socket c;
    const std::string words = "a ticket fresh enough";
    if (!c.connect(w.use_port(*office, "svc")) || !c.send_all(words)) return false;
    auto back = c.recv_exact(words.size(), within);
    return back && std::string(back->begin(), back->end()) == words;
  }
};

// Office holds its tickets, unspent, past their use window again and again:
// each time it drops them and asks for fresh ones, and the route, which
// grants at most max_unused_tickets unspent tickets per vnet, grants more
// than twice that in all only because it forgot the old ones. A connection
// made then gets through at once (it never carries a ticket the route
// forgot: such a link would be refused, "unknown or already used ticket").
TEST_F(ShortTickets, AVnetHoldingTicketsPastTheirLifetimeStillLinksAtOnce) {
  ASSERT_TRUE(echoes(5s)) << w.log();
  const auto first = granted_to_office();
  ASSERT_GT(first, 0u);
  ASSERT_TRUE(eventually([&] { return granted_to_office() > 2 * route::max_unused_tickets; }, 20s))
      << "granted " << granted_to_office() << " tickets to office; the route holds " << route_holds_for_office()
      << "\n"
      << w.log();
  // What the route still holds for office are the last few batches, not
  // everything it granted: the rest was forgotten.
  EXPECT_LT(route_holds_for_office(), route::max_unused_tickets);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(echoes(5s)) << "connection " << i << "\n" << w.log();
  EXPECT_FALSE(w.wait_for_log("unknown or already used ticket", 100ms)) << w.log();
}

}  // namespace
}  // namespace e2e
