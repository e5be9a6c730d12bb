// Quotas against one hostile or runaway vnet ([route] max_serves_per_vnet,
// max_*_links_per_*, max_unserves_per_minute; [vnet] max_links_per_serve):
// the Nth still works, the next is refused with a reason naming the limit
// and its key (to the peer and in the log), a freed slot is usable again,
// and a reload that raises a limit applies at once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>

#include "fake_vnet.hpp"
#include "harness.hpp"

namespace e2e {
namespace {

// `text` as a regular expression that matches it literally.
std::string literal(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// The route's answer on a link's connection.
std::optional<protocol::link_result> link_answer(client_socket& link) {
  auto m = link.recv_message(5s);
  if (!m || !std::holds_alternative<protocol::link_result>(*m)) return std::nullopt;
  return std::get<protocol::link_result>(*m);
}

// Bytes both ways between a paired link's two ends.
void expect_carried(client_socket& user, client_socket& server, std::uint32_t seed) {
  e2e::expect_carried(user, server, seed, 50000);
}

// A pair of hand-played ends: the use side's link and the serve side's join.
struct pair_ends {
  client_socket user, server;
};

// `user` opens a link to `serveid` of `home`; home joins it; both ends paired.
std::optional<pair_ends> pair(fake_vnet& user, fake_vnet& home, std::uint16_t serveid) {
  pair_ends p;
  p.user = user.open_link(serveid);
  auto req = home.next<protocol::link_request>();
  if (!req) return std::nullopt;
  p.server = home.join(req->link_id, req->link_secret);
  auto r = link_answer(p.user);
  if (!r || !r->ok) return std::nullopt;
  return p;
}

TEST(Quota, ServesPerVnetRefusedNamingTheKeyFreedSlotReusedAndRaisedByReload) {
  world w;
  route_options opts;
  opts.limits.max_serves_per_vnet = 2;
  w.start_route(0, opts);
  fake_vnet squatter(w.route_port(), "squatter");
  ASSERT_TRUE(squatter.ok());
  auto first = squatter.register_serve(0, "s1");
  ASSERT_TRUE(first && first->ok);
  ASSERT_TRUE(squatter.serve(700, "s2"));  // the 2nd: still granted
  const auto why = fmt::format("vnet {:02} may register at most 2 serves (raise [route] max_serves_per_vnet)",
                               squatter.vnetid());
  auto third = squatter.register_serve(0, "s3");
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->ok);
  EXPECT_EQ(third->reason, why);
  EXPECT_TRUE(w.wait_for_log(literal("serve 's3' (000) refused: " + why))) << w.log();

  // Another vnet of the group is not affected.
  fake_vnet office(w.route_port(), "office");
  EXPECT_TRUE(office.serve(701, "web"));

  // A freed slot is usable again.
  ASSERT_TRUE(squatter.unregister(first->serveid));
  EXPECT_TRUE(w.wait_for_log(literal(fmt::format("serve {:03} unregistered", first->serveid))));
  EXPECT_TRUE(squatter.serve(702, "s3"));
  auto again = squatter.register_serve(0, "s4");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->ok);

  // A reload that raises the limit applies to the next register.
  opts.limits.max_serves_per_vnet = 3;
  w.reload_route(opts);
  EXPECT_TRUE(squatter.serve(703, "s4"));
  auto fourth = squatter.register_serve(0, "s5");
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->reason, fmt::format("vnet {:02} may register at most 3 serves "
                                        "(raise [route] max_serves_per_vnet)", squatter.vnetid()));
}

TEST(Quota, PendingLinksPerVnetRefusedUntilOneOfThemPairs) {
  world w;
  route_options opts;
  opts.limits.max_pending_links_per_vnet = 2;
  w.start_route(0, opts);
  fake_vnet home(w.route_port(), "home");
  ASSERT_TRUE(home.serve(900, "by-hand"));
  fake_vnet user(w.route_port(), "user");
  ASSERT_TRUE(user.ok());

  auto one = user.open_link(900);
  auto req_one = home.next<protocol::link_request>();
  ASSERT_TRUE(req_one);
  auto two = user.open_link(900);
  ASSERT_TRUE(home.next<protocol::link_request>());  // the 2nd still reaches home
  auto three = user.open_link(900);
  auto refused = link_answer(three);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok);
  const auto why = fmt::format("vnet {:02} may have at most 2 links waiting to pair "
                               "(raise [route] max_pending_links_per_vnet)", user.vnetid());
  EXPECT_EQ(refused->reason, why);
  EXPECT_TRUE(three.closed_within(2s));
  EXPECT_TRUE(w.wait_for_log(literal(fmt::format("link from vnet {:02} refused: ", user.vnetid()) + why)))
      << w.log();

  // One pairs: its slot is free, and the pair carries bytes intact.
  auto server_one = home.join(req_one->link_id, req_one->link_secret);
  auto ok = link_answer(one);
  ASSERT_TRUE(ok && ok->ok);
  expect_carried(one, server_one, 1);
  auto four = user.open_link(900);
  EXPECT_TRUE(home.next<protocol::link_request>());
}

TEST(Quota, LiveLinksPerVnetRefusedAndAClosedOneFreesItsSlot) {
  world w;
  route_options opts;
  opts.limits.max_live_links_per_vnet = 2;
  w.start_route(0, opts);
  fake_vnet home(w.route_port(), "home");
  ASSERT_TRUE(home.serve(900, "by-hand"));
  fake_vnet user(w.route_port(), "user");

  auto a = pair(user, home, 900);
  ASSERT_TRUE(a);
  auto b = pair(user, home, 900);  // the 2nd: still paired
  ASSERT_TRUE(b);
  auto c = user.open_link(900);
  auto refused = link_answer(c);
  ASSERT_TRUE(refused);
  const auto why = fmt::format("vnet {:02} may have at most 2 open links (raise [route] max_live_links_per_vnet)",
                               user.vnetid());
  EXPECT_EQ(refused->reason, why);
  EXPECT_TRUE(w.wait_for_log(literal(why))) << w.log();
  expect_carried(b->user, b->server, 2);  // the live ones keep flowing

  // Closing a pair frees its slot once the route's relay has ended.
  a.reset();
  ASSERT_TRUE(eventually([&] { return w.on_io([&] { return w.route_server().active_links(); }) == 1; }));
  auto d = pair(user, home, 900);
  ASSERT_TRUE(d);
  expect_carried(d->user, d->server, 3);
}

TEST(Quota, LinksPerServeAreBoundedWhicheverVnetOpensThem) {
  world w;
  route_options opts;
  opts.limits.max_pending_links_per_serve = 1;
  opts.limits.max_live_links_per_serve = 2;
  w.start_route(0, opts);
  fake_vnet home(w.route_port(), "home");
  ASSERT_TRUE(home.serve(900, "by-hand"));
  fake_vnet u1(w.route_port(), "u1"), u2(w.route_port(), "u2");

  auto one = u1.open_link(900);
  auto req = home.next<protocol::link_request>();
  ASSERT_TRUE(req);
  auto two = u2.open_link(900);
  auto refused = link_answer(two);
  ASSERT_TRUE(refused);
  const auto pending_why = fmt::format("serveid 900 of vnet {:02} may have at most 1 link waiting to pair "
                                       "(raise [route] max_pending_links_per_serve)", home.vnetid());
  EXPECT_EQ(refused->reason, pending_why);
  EXPECT_TRUE(w.wait_for_log(literal(pending_why))) << w.log();

  auto server_one = home.join(req->link_id, req->link_secret);
  ASSERT_TRUE(link_answer(one));
  auto second = pair(u2, home, 900);  // the 2nd live one
  ASSERT_TRUE(second);
  auto three = u1.open_link(900);
  refused = link_answer(three);
  ASSERT_TRUE(refused);
  const auto live_why = fmt::format("serveid 900 of vnet {:02} may carry at most 2 open links "
                                    "(raise [route] max_live_links_per_serve)", home.vnetid());
  EXPECT_EQ(refused->reason, live_why);
  EXPECT_TRUE(w.wait_for_log(literal(live_why))) << w.log();
  expect_carried(one, server_one, 4);
  expect_carried(second->user, second->server, 5);

  // One closes: the serve takes a link again.
  second.reset();
  ASSERT_TRUE(eventually([&] { return w.on_io([&] { return w.route_server().active_links(); }) == 1; }));
  auto again = pair(u1, home, 900);
  ASSERT_TRUE(again);
  expect_carried(again->user, again->server, 6);
}

TEST(Quota, UnserveRequestsPerMinuteCountFailedOnesAndARaiseAppliesAtOnce) {
  world w;
  route_options opts;
  opts.limits.max_unserves_per_minute = 2;
  w.start_route(0, opts);
  fake_vnet scanner(w.route_port(), "scanner");
  fake_vnet victim(w.route_port(), "victim");
  ASSERT_TRUE(scanner.ok() && victim.ok());

  // 1: a vnet that does not exist. It fails, and it counts.
  ASSERT_TRUE(scanner.ask_unserve(1, 99, 22));
  auto r1 = scanner.next<protocol::unserve_result>();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->request_id, 1u);
  EXPECT_FALSE(r1->ok);
  // 2: the victim answers "connection refused" (a closed port). It counts.
  ASSERT_TRUE(scanner.ask_unserve(2, victim.vnetid(), 23));
  auto asked = victim.next<protocol::unserve_request>();
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->port, 23);
  ASSERT_TRUE(victim.answer_unserve(asked->request_id, false, "cannot reach 127.0.0.1:23: Connection refused"));
  auto r2 = scanner.next<protocol::unserve_result>();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->request_id, 2u);
  EXPECT_EQ(r2->reason, "cannot reach 127.0.0.1:23: Connection refused");
  // 3: over the limit; the route answers, the victim is not asked.
  ASSERT_TRUE(scanner.ask_unserve(3, victim.vnetid(), 24));
  auto r3 = scanner.next<protocol::unserve_result>();
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->request_id, 3u);
  EXPECT_FALSE(r3->ok);
  const auto why = fmt::format("vnet {:02} may make at most 2 unserve requests per minute "
                               "(raise [route] max_unserves_per_minute)", scanner.vnetid());
  EXPECT_EQ(r3->reason, why);
  EXPECT_TRUE(w.wait_for_log(literal(fmt::format("vnet {:02}: unserve request refused: ", scanner.vnetid()) + why)))
      << w.log();

  // A reload that raises the limit lets the next one through at once. The
  // victim's next request is port 25: the refused one (24) never reached it.
  opts.limits.max_unserves_per_minute = 3;
  w.reload_route(opts);
  ASSERT_TRUE(scanner.ask_unserve(4, victim.vnetid(), 25));
  auto next = victim.next<protocol::unserve_request>();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->port, 25);
}

// [vnet] max_links_per_serve: the serving vnet refuses the link beyond its
// cap, and the using side learns why.
TEST(Quota, ServingVnetCapsTheLinksOfEachServe) {
  world w;
  w.start_route();
  auto a = w.vnet_config("home");
  a.max_links_per_serve = 2;
  a.serves.push_back(serve_cfg("svc", 700, w.start_echo()));
  w.start_vnet(a);
  auto b = w.vnet_config("office");
  b.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));

  // Two connections, each proven live by an echo.
  std::vector<client_socket> held;
  for (std::uint32_t i = 0; i < 2; ++i) {
    held.push_back(connect_eventually(w.use_port(office, "svc")));
    const auto bytes = random_bytes(20000, 40 + i);
    ASSERT_TRUE(held.back().send_all(bytes));
    ASSERT_EQ(held.back().recv_exact(bytes.size()), bytes) << i;
  }
  auto third = connect_eventually(w.use_port(office, "svc"));
  EXPECT_TRUE(third.closed_within(5s));
  const auto why = std::string("vnet home carries at most 2 links to serve 'svc' (raise [vnet] max_links_per_serve)");
  EXPECT_TRUE(w.wait_for_log(literal("serve svc: link ") + "\\d+" + literal(" refused: " + why))) << w.log();
  EXPECT_TRUE(w.wait_for_log(literal("use svc: link to serveid 700 failed: " + why))) << w.log();

  // The held ones still carry bytes; closing one frees its slot.
  const auto more = random_bytes(20000, 50);
  ASSERT_TRUE(held[1].send_all(more));
  EXPECT_EQ(held[1].recv_exact(more.size()), more);
  held.erase(held.begin());
  EXPECT_TRUE(eventually([&] {
    client_socket c = connect_eventually(w.use_port(office, "svc"));
    const auto bytes = random_bytes(1000, 60);
    return c.send_all(bytes) && c.recv_exact(bytes.size(), 2s) == bytes;
  })) << w.log();
}


std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A vnet that keeps asking what it is refused makes the route write at most
// the budget's lines (20 per 10 s), and when it leaves, one line says how
// many were left out: a client cannot fill the route's disk through its log.
TEST(Quota, RefusalsFillTheLogOnlyUpToItsBudget) {
  world w;
  route_options opts;
  opts.limits.max_unserves_per_minute = 1;
  w.start_route(0, opts);
  std::uint32_t id = 0;
  {
    fake_vnet flooder(w.route_port(), "flooder");
    ASSERT_TRUE(flooder.ok());
    id = flooder.vnetid();
    for (std::uint32_t i = 1; i <= 200; ++i) ASSERT_TRUE(flooder.ask_unserve(i, 99, 22));
    // Every request is answered (refused), none dropped.
    for (std::uint32_t i = 1; i <= 200; ++i) {
      auto r = flooder.next<protocol::unserve_result>();
      ASSERT_TRUE(r) << i;
      EXPECT_EQ(r->request_id, i);
      EXPECT_FALSE(r->ok);
    }
  }
  ASSERT_TRUE(w.wait_for_log(literal(fmt::format("vnet {:02}: 179 more refusal lines not logged (at most 20 per 10 s)", id))))
      << w.log();
  // 1 admitted (it fails: no vnet 99), 199 refused: 20 lines, then silence.
  EXPECT_EQ(count_of(w.log(), "unserve request refused"), 20u);
}

}  // namespace
}  // namespace e2e
