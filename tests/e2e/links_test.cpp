// Links on the route: the serving side proves itself with the link's token,
// must join within link_timeout, and loses its links when it is dropped; and
// one connection that stops reading never slows another.
#include <gtest/gtest.h>

#include "fake_vnet.hpp"
#include "harness.hpp"

namespace e2e {
namespace {

// A route, a hand-played vnet "home" serving 900 and a real vnet "office"
// using it on a port the OS picks.
struct hand_served {
  world w;
  std::optional<fake_vnet> home;
  vnet::client* office = nullptr;

  explicit hand_served(const route_options& opts = {}, bool heartbeat = false) {
    w.start_route(0, opts);
    home.emplace(w.route_port(), "home");
    EXPECT_TRUE(home->ok());
    if (heartbeat) home->start_heartbeat();
    EXPECT_TRUE(home->serve(900, "by-hand"));
    auto b = w.vnet_config("office");
    b.uses.push_back(any_port_use("svc", 900));
    office = &w.start_vnet(b);
    EXPECT_TRUE(eventually([&] { return w.use_listening(*office, "svc"); }));
  }
  client_socket connect() { return connect_eventually(w.use_port(*office, "svc")); }
};

// Bytes both ways between the client of the use and the hand-joined link.
void expect_carried(client_socket& client, client_socket& link, std::uint32_t seed) {
  e2e::expect_carried(client, link, seed, 100000);
}

TEST(Links, AWrongTokenIsRefusedAndTheRightOneStillPairs) {
  hand_served h;
  auto client = h.connect();
  auto req = h.home->next_link_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->serveid, 900);

  auto forged = h.home->join(req->link_id, req->link_token ^ 1);
  EXPECT_TRUE(forged.closed_within(2s));
  EXPECT_TRUE(h.w.wait_for_log("link join from .* refused: link " + std::to_string(req->link_id) + " "))
      << h.w.log();

  auto link = h.home->join(req->link_id, req->link_token);
  expect_carried(client, link, 10);
}

TEST(Links, AServingVnetThatNeverJoinsIsGivenUpAtTheLinkTimeout) {
  route_options opts;
  opts.link_timeout_s = 1.0;  // the vnet's own wait for the route is 15 s
  hand_served h(opts);
  auto start = clock::now();
  auto client = h.connect();
  auto req = h.home->next_link_request();
  ASSERT_TRUE(req);  // and never answered
  EXPECT_TRUE(client.closed_within(4s));
  EXPECT_GE(clock::now() - start, 900ms);  // by the deadline, not before
  EXPECT_TRUE(h.w.wait_for_log("link " + std::to_string(req->link_id) +
                               " .* failed: vnet \\d+ did not open its side within 1000 ms"))
      << h.w.log();
  // Forgotten: joining now is refused.
  auto late = h.home->join(req->link_id, req->link_token);
  EXPECT_TRUE(late.closed_within(2s));
  EXPECT_TRUE(h.w.wait_for_log("link join from .* refused: link " + std::to_string(req->link_id) + " "));
}

TEST(Links, ASilentVnetIsDroppedAndItsLiveLinksAreClosed) {
  route_options opts;
  opts.timeout_s = 1.0;  // office heartbeats every 0.2 s, home every 0.1 s until it stops
  hand_served h(opts, true);
  auto client = h.connect();
  auto req = h.home->next_link_request();
  ASSERT_TRUE(req);
  auto link = h.home->join(req->link_id, req->link_token);
  expect_carried(client, link, 20);

  h.home->fall_silent();  // the control session stays open, without a byte
  EXPECT_TRUE(h.w.wait_for_log("vnet \\d+ \\(home\\) disconnected"));
  EXPECT_TRUE(client.closed_within(3s));
  EXPECT_TRUE(link.closed_within(3s));
  EXPECT_TRUE(h.office->connected());
}

TEST(Links, AStalledConnectionDoesNotSlowAnotherOfTheSameUse) {
  tunnel t([](world& w) { return w.start_echo(); });
  // `stuck` sends and never reads: the echoes fill every buffer on the way
  // back, the service stops reading it, and then its sends stall too.
  auto stuck = connect_eventually(t.use_port());
  const auto bulk = random_bytes(128 << 20, 30);
  auto stuffed = stuck.send_until_stalled(bulk, 1s);
  ASSERT_LT(stuffed, bulk.size()) << "the link never stalled";
  EXPECT_GT(stuffed, 1u << 20);

  auto other = connect_eventually(t.use_port());
  for (std::uint32_t i = 0; i < 50; ++i) {
    const auto ping = random_bytes(32, 100 + i);
    ASSERT_TRUE(other.send_all(ping));
    auto start = clock::now();
    auto back = other.recv_exact(ping.size(), 1s);
    ASSERT_EQ(back, ping) << "echo " << i << " after "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count()
                          << " ms";
  }

  // Nothing was lost on the stalled one: reading it lets everything through.
  auto back = stuck.recv_exact(stuffed, 60s);
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::equal(back->begin(), back->end(), bulk.begin()));
}

}  // namespace
}  // namespace e2e
