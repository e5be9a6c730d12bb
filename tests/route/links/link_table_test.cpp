// The link table is the one owner that reaches a paired link's sockets: it
// closes them when either vnet leaves or the route stops, and forgets them
// when the relay's scope ends.
#include "route/links/link_table.hpp"
#include "crypto/secret.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <optional>

using namespace std::chrono_literals;

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
    route::link_table::active_scope one(t, 1, 1, 2, 700, s.a, s.b);
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
  route::link_table::active_scope one(t, 1, 1, 2, 700, s.a, s.b);
  route::link_table::active_scope two(t, 2, 3, 4, 800, s.c, s.d);
  t.drop_vnet(2, "vnet 02 disconnected");
  EXPECT_FALSE(s.a.is_open());
  EXPECT_FALSE(s.b.is_open());
  EXPECT_TRUE(s.c.is_open());
  EXPECT_TRUE(s.d.is_open());
}

TEST(RouteLinks, CloseAllClosesEveryPairedSocket) {
  sockets s;
  route::link_table t;
  route::link_table::active_scope one(t, 1, 1, 2, 700, s.a, s.b);
  route::link_table::active_scope two(t, 2, 3, 4, 800, s.c, s.d);
  t.close_all();
  for (auto* x : {&s.a, &s.b, &s.c, &s.d}) EXPECT_FALSE(x->is_open());
}

// The serving side joins with a proof made with the link's secret (the use
// side's ticket secret, sent to it over TLS): a wrong proof leaves the link
// waiting for the right one, which pairs it once.
TEST(RouteLinks, AJoinNeedsTheProofOfTheLinksSecret) {
  sockets s;
  route::link_table t;
  protocol::key32 secret{};
  secret.fill(7);
  auto& p = t.create(s.io.get_executor(), 1, 2, 700, secret, 1s);
  const auto id = p.id;
  auto wrong = secret;
  wrong[31] ^= 1;
  EXPECT_FALSE(t.join(id, crypto::join_proof(wrong, id), s.a));
  EXPECT_FALSE(t.join(id + 1, crypto::join_proof(secret, id + 1), s.a));  // no such link
  EXPECT_FALSE(p.peer);
  EXPECT_TRUE(s.a.is_open());  // a refused socket is left to its caller
  EXPECT_TRUE(t.join(id, crypto::join_proof(secret, id), s.b));
  EXPECT_TRUE(p.peer);
  EXPECT_FALSE(t.join(id, crypto::join_proof(secret, id), s.c));  // joined already
}

// ---- quotas: links per using vnet and per serve ------------------------------

// The refusal's text, or "" when the link may open.
std::string refusal(const route::link_table& t, std::uint32_t use_vnet, std::uint32_t serve_vnet,
                    std::uint16_t serveid, const config::route_limits& limits) {
  auto r = t.within_quotas(use_vnet, serve_vnet, serveid, limits);
  return r ? "" : r.why();
}

config::route_limits small_limits() {
  config::route_limits l;
  l.max_pending_links_per_vnet = 2;
  l.max_live_links_per_vnet = 3;
  l.max_pending_links_per_serve = 100;
  l.max_live_links_per_serve = 100;
  return l;
}

TEST(RouteLinkQuota, PendingLinksPerVnetAreBoundedAndAForgottenOneFreesItsSlot) {
  sockets s;
  route::link_table t;
  auto limits = small_limits();
  auto ex = s.io.get_executor();
  EXPECT_EQ(refusal(t, 1, 2, 700, limits), "");
  auto& first = t.create(ex, 1, 2, 700, protocol::key32{}, 1s);
  EXPECT_EQ(refusal(t, 1, 2, 700, limits), "");  // the 2nd may still open
  t.create(ex, 1, 2, 700, protocol::key32{}, 1s);
  EXPECT_EQ(refusal(t, 1, 2, 700, limits),
            "vnet 01 may have at most 2 links waiting to pair (raise [route] max_pending_links_per_vnet)");
  EXPECT_EQ(refusal(t, 1, 2, 701, limits), refusal(t, 1, 2, 700, limits));  // per vnet, any serve
  EXPECT_EQ(refusal(t, 3, 2, 700, limits), "");  // another vnet is not counted
  t.forget(first.id);
  EXPECT_EQ(refusal(t, 1, 2, 700, limits), "");
  limits.max_pending_links_per_vnet = 1;  // as after a reload: applies at the next check
  EXPECT_NE(refusal(t, 1, 2, 700, limits), "");
}

TEST(RouteLinkQuota, LivePerVnetCountsPairedAndWaitingLinks) {
  sockets s;
  route::link_table t;
  auto limits = small_limits();
  auto ex = s.io.get_executor();
  std::optional<route::link_table::active_scope> one(std::in_place, t, 1, 1, 2, 700, s.a, s.b);
  route::link_table::active_scope two(t, 2, 1, 2, 701, s.c, s.d);
  EXPECT_EQ(refusal(t, 1, 2, 700, limits), "");
  auto& waiting = t.create(ex, 1, 2, 700, protocol::key32{}, 1s);  // 3 open: 2 paired, 1 waiting
  EXPECT_EQ(refusal(t, 1, 2, 700, limits),
            "vnet 01 may have at most 3 open links (raise [route] max_live_links_per_vnet)");
  // The serving side is not the using side: vnet 02 may still open its own.
  EXPECT_EQ(refusal(t, 2, 1, 5, limits), "");
  one.reset();
  EXPECT_EQ(refusal(t, 1, 2, 700, limits), "");
  t.forget(waiting.id);
  EXPECT_EQ(t.live_links(1), 1u);
  EXPECT_EQ(t.live_links(2), 1u);
}

TEST(RouteLinkQuota, LinksPerServeAreBoundedWhoeverOpensThem) {
  sockets s;
  route::link_table t;
  config::route_limits limits;
  limits.max_pending_links_per_serve = 2;
  limits.max_live_links_per_serve = 3;
  auto ex = s.io.get_executor();
  auto& a = t.create(ex, 1, 9, 700, protocol::key32{}, 1s);
  auto& b = t.create(ex, 3, 9, 700, protocol::key32{}, 1s);
  EXPECT_EQ(refusal(t, 4, 9, 700, limits),
            "serveid 700 of vnet 09 may have at most 2 links waiting to pair "
            "(raise [route] max_pending_links_per_serve)");
  EXPECT_EQ(refusal(t, 4, 9, 701, limits), "");  // another serve of the same vnet
  // Both pair: none waits, 2 live.
  auto a_id = a.id, b_id = b.id;
  t.forget(a_id);
  t.forget(b_id);
  route::link_table::active_scope pa(t, a_id, 1, 9, 700, s.a, s.b);
  route::link_table::active_scope pb(t, b_id, 3, 9, 700, s.c, s.d);
  EXPECT_EQ(refusal(t, 4, 9, 700, limits), "");
  t.create(ex, 4, 9, 700, protocol::key32{}, 1s);  // the 3rd open link
  EXPECT_EQ(refusal(t, 5, 9, 700, limits),
            "serveid 700 of vnet 09 may carry at most 3 open links (raise [route] max_live_links_per_serve)");
  // The refusal carries its limit: the key of its count in /metrics.
  EXPECT_EQ(t.within_quotas(5, 9, 700, limits).error().key, route::limit::max_live_links_per_serve);
}

}  // namespace
