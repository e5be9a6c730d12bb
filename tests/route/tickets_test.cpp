// The route's ticket book: one use per ticket, at most max_unused_tickets
// unused per vnet, and a vnet's tickets gone with its session.
#include "route/tickets.hpp"

#include "protocol/ticket_lifetime.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using route::max_unused_tickets;
using route::ticket_book;

TEST(TicketBook, GrantsWhatIsAskedWithDistinctRandomIdsAndSecrets) {
  ticket_book b;
  auto t = b.grant(1, 16);
  ASSERT_EQ(t.size(), 16u);
  std::set<std::uint64_t> ids;
  std::set<protocol::key32> secrets;
  for (const auto& x : t) {
    EXPECT_NE(x.id, 0u);
    ids.insert(x.id);
    secrets.insert(x.secret);
  }
  EXPECT_EQ(ids.size(), 16u);
  EXPECT_EQ(secrets.size(), 16u);
  EXPECT_EQ(b.unused(1), 16u);
}

TEST(TicketBook, ATicketIsTakenOnceWithItsOwnerAndSecret) {
  ticket_book b;
  auto t = b.grant(3, 2);
  ASSERT_EQ(t.size(), 2u);
  auto r = b.take(t[0].id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->vnetid, 3u);
  EXPECT_EQ(r->secret, t[0].secret);
  EXPECT_FALSE(b.take(t[0].id));  // spent
  EXPECT_EQ(b.unused(3), 1u);
  EXPECT_FALSE(b.take(12345));  // never granted
}

TEST(TicketBook, AVnetHoldsAtMostTheLimitUnused) {
  ticket_book b;
  EXPECT_EQ(b.grant(1, 40).size(), 40u);
  EXPECT_EQ(b.grant(1, 40).size(), max_unused_tickets - 40);
  EXPECT_TRUE(b.grant(1, 1).empty());
  EXPECT_EQ(b.unused(1), max_unused_tickets);
  EXPECT_EQ(b.grant(2, 5).size(), 5u);  // per vnet
  // Spending one makes room for one.
  auto more = b.grant(3, 1);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_TRUE(b.take(more[0].id));
  EXPECT_EQ(b.grant(3, 1).size(), 1u);
}

TEST(TicketBook, ASessionsTicketsDieWithIt) {
  ticket_book b;
  auto mine = b.grant(1, 4);
  auto other = b.grant(2, 4);
  b.forget(1);
  for (const auto& t : mine) EXPECT_FALSE(b.take(t.id));
  EXPECT_EQ(b.unused(1), 0u);
  EXPECT_TRUE(b.take(other[0].id));
  EXPECT_EQ(b.size(), 3u);
  // The vnetid may come back with a new session: it starts from nothing.
  EXPECT_EQ(b.grant(1, 64).size(), 64u);
}

// A link connection the route closed before reading its opening (shed at
// accept) spent the vnet's ticket without the route knowing. Unspent tickets
// are forgotten protocol::ticket_lifetime after their grant, so such losses
// never leave a vnet without tickets for the rest of its session.
TEST(TicketBook, AnUnreadTicketStopsCountingAfterItsLifetime) {
  ticket_book b;
  const auto t0 = ticket_book::clock::now();
  auto lost = b.grant(1, 64, t0);
  ASSERT_EQ(lost.size(), 64u);
  EXPECT_TRUE(b.grant(1, 16, t0 + protocol::ticket_lifetime - std::chrono::seconds(1)).empty());
  auto fresh = b.grant(1, 16, t0 + protocol::ticket_lifetime);
  EXPECT_EQ(fresh.size(), 16u);
  EXPECT_EQ(b.unused(1), 16u);
  EXPECT_FALSE(b.take(lost[0].id));
  EXPECT_TRUE(b.take(fresh[0].id));
  // Another vnet's tickets are not touched by this vnet's grant.
  auto other = b.grant(2, 4, t0);
  b.grant(1, 1, t0 + 2 * protocol::ticket_lifetime);
  EXPECT_TRUE(b.take(other[0].id));
}

// Grants sweep a vnet's old tickets out lazily; a vnet that asks for none
// after its lifetime must still not find one taken.
TEST(TicketBook, ATicketPastItsLifetimeIsNotTakenEvenBeforeASweep) {
  ticket_book b;
  const auto t0 = ticket_book::clock::now();
  auto old = b.grant(1, 2, t0);
  EXPECT_FALSE(b.take(old[0].id, t0 + protocol::ticket_lifetime));
  EXPECT_TRUE(b.take(old[1].id, t0 + protocol::ticket_lifetime - std::chrono::seconds(1)));
  EXPECT_EQ(b.unused(1), 0u);
  // A shorter lifetime, as an in-process test gives the route.
  ticket_book quick(std::chrono::milliseconds(500));
  auto t = quick.grant(3, 1, t0);
  EXPECT_FALSE(quick.take(t[0].id, t0 + std::chrono::milliseconds(500)));
  EXPECT_EQ(quick.granted(3), 1u);
}

}  // namespace
