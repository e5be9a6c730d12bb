// The link table is the one owner that reaches a paired link's sockets: it
// closes them when either vnet leaves or the route stops, and forgets them
// when the relay's scope ends.
#include "route/links.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace {

struct sockets {
  net::asio::io_context io;
  net::tcp::socket a{io}, b{io}, c{io}, d{io};
  sockets() {
    for (auto* s : {&a, &b, &c, &d}) s->open(net::tcp::v4());
  }
};

TEST(RouteLinks, ActiveScopeRegistersAndForgets) {
  sockets s;
  route::link_table t;
  {
    route::link_table::active_scope one(t, 1, 1, 2, s.a, s.b);
    EXPECT_EQ(t.active_count(), 1u);
    EXPECT_EQ(t.live_links(1), 1u);
    EXPECT_EQ(t.live_links(2), 1u);
    EXPECT_EQ(t.live_links(3), 0u);
  }
  EXPECT_EQ(t.active_count(), 0u);
  EXPECT_EQ(t.live_links(1), 0u);
}

TEST(RouteLinks, AVnetLeavingClosesOnlyItsLinks) {
  sockets s;
  route::link_table t;
  route::link_table::active_scope one(t, 1, 1, 2, s.a, s.b);
  route::link_table::active_scope two(t, 2, 3, 4, s.c, s.d);
  t.drop_vnet(2, "vnet 02 disconnected");
  EXPECT_FALSE(s.a.is_open());
  EXPECT_FALSE(s.b.is_open());
  EXPECT_TRUE(s.c.is_open());
  EXPECT_TRUE(s.d.is_open());
}

TEST(RouteLinks, CloseAllClosesEveryPairedSocket) {
  sockets s;
  route::link_table t;
  route::link_table::active_scope one(t, 1, 1, 2, s.a, s.b);
  route::link_table::active_scope two(t, 2, 3, 4, s.c, s.d);
  t.close_all();
  for (auto* x : {&s.a, &s.b, &s.c, &s.d}) EXPECT_FALSE(x->is_open());
}

}  // namespace
