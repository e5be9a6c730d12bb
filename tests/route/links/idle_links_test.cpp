// The table of idle pooled links: counted by vnet and role for the quota,
// the oldest live serve-role link handed out first, dead ones (closed by the
// vnet, even before their coroutine noticed) skipped, and a session's end
// closing only its own links. Loopback socket pairs, no io_context running.
#include "route/links/idle_links.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace {

using protocol::pool_role;

// Connected pairs: `route` is the route's end, `vnet` the vnet's.
struct pairs {
  net::asio::io_context io;
  net::tcp::acceptor acceptor{io, net::tcp::endpoint(net::asio::ip::address_v4::loopback(), 0)};
  std::vector<std::unique_ptr<net::tcp::socket>> route, vnet;
  explicit pairs(int n) {
    for (int i = 0; i < n; ++i) {
      vnet.push_back(std::make_unique<net::tcp::socket>(io));
      vnet.back()->connect(acceptor.local_endpoint());
      route.push_back(std::make_unique<net::tcp::socket>(acceptor.accept()));
    }
  }
};

protocol::key32 key(std::uint8_t v) {
  protocol::key32 k;
  k.fill(v);
  return k;
}

TEST(IdleLinks, CountsByVnetAndRole) {
  pairs p(3);
  route::idle_links t;
  route::idle_links::scope a(t, 1, pool_role::serve, key(1), *p.route[0]);
  route::idle_links::scope b(t, 1, pool_role::use, key(2), *p.route[1]);
  {
    route::idle_links::scope c(t, 2, pool_role::serve, key(3), *p.route[2]);
    EXPECT_EQ(t.count(1), 2u);
    EXPECT_EQ(t.count(1, pool_role::serve), 1u);
    EXPECT_EQ(t.count(2), 1u);
    EXPECT_EQ(t.total(pool_role::serve), 2u);
    EXPECT_EQ(t.total(pool_role::use), 1u);
  }
  EXPECT_EQ(t.count(2), 0u);
  b.release();
  EXPECT_EQ(t.count(1), 1u);
  EXPECT_EQ(t.total(pool_role::use), 0u);
}

TEST(IdleLinks, TakesTheOldestLiveServeLinkAndSkipsDeadOnes) {
  pairs p(3);
  route::idle_links t;
  route::idle_links::scope oldest(t, 1, pool_role::serve, key(1), *p.route[0]);
  route::idle_links::scope middle(t, 1, pool_role::serve, key(2), *p.route[1]);
  route::idle_links::scope newest(t, 1, pool_role::serve, key(3), *p.route[2]);
  // The vnet closed the oldest: only the non-blocking peek can tell, since no
  // coroutine runs here to notice.
  p.vnet[0]->close();
  // The middle one holds bytes the vnet must not have sent: not idle either.
  const char junk[] = "x";
  net::asio::write(*p.vnet[1], net::asio::buffer(junk, 1));
  auto pick = t.take_serve(1);
  auto& got = pick.taken;
  ASSERT_TRUE(got);
  EXPECT_EQ(pick.dropped, 2u);
  EXPECT_EQ(got->secret, key(3));
  EXPECT_TRUE(newest.taken());
  EXPECT_FALSE(oldest.taken());
  EXPECT_FALSE(p.route[0]->is_open());  // closed, its coroutine would end
  EXPECT_FALSE(p.route[1]->is_open());
  EXPECT_TRUE(got->socket.is_open());
  EXPECT_EQ(t.count(1), 0u);
  EXPECT_FALSE(t.take_serve(1).taken);
  EXPECT_FALSE(t.take_serve(7).taken);  // no such vnet
}

TEST(IdleLinks, UseRoleLinksAreNeverHandedOut) {
  pairs p(1);
  route::idle_links t;
  route::idle_links::scope u(t, 1, pool_role::use, key(1), *p.route[0]);
  EXPECT_FALSE(t.take_serve(1).taken);
  EXPECT_EQ(t.count(1), 1u);
}

TEST(IdleLinks, ASessionsEndClosesOnlyItsLinks) {
  pairs p(3);
  route::idle_links t;
  route::idle_links::scope a(t, 1, pool_role::serve, key(1), *p.route[0]);
  route::idle_links::scope b(t, 1, pool_role::use, key(2), *p.route[1]);
  route::idle_links::scope c(t, 2, pool_role::serve, key(3), *p.route[2]);
  t.drop_vnet(1);
  EXPECT_FALSE(p.route[0]->is_open());
  EXPECT_FALSE(p.route[1]->is_open());
  EXPECT_TRUE(p.route[2]->is_open());
  EXPECT_EQ(t.count(1), 0u);  // at once: a vnet back under the same id starts at zero
  t.close_all();
  EXPECT_FALSE(p.route[2]->is_open());
  EXPECT_EQ(t.total(pool_role::serve), 0u);
}

}  // namespace
