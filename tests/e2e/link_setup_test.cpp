// Links on the route: the serving side proves itself with the link's secret,
// must join within link_timeout, and loses its links when it is dropped; and
// one connection that stops reading never slows another.
#include <gtest/gtest.h>

#include "crypto/link_cipher.hpp"
#include "crypto/serve_seal.hpp"
#include "crypto/secret.hpp"
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

protocol::key32 flipped(protocol::key32 k) {
  k[0] ^= 1;
  return k;
}

// The hand-joined link is paired with office's: the use hello arrives on it
// (38 bytes: version 3, cipher offer, key id, ephemeral key; office sends it
// at once, 0-RTT), then records: the early one (empty: the client had sent
// nothing when the link opened), then the client's words. Both are padded to
// the smallest bucket (protocol 7), so they look alike, and the client's
// bytes never appear in clear.
void expect_paired_and_encrypted(client_socket& client, client_socket& link) {
  const std::string secret = "the client's words, never on the link in clear";
  ASSERT_LE(secret.size(), crypto::smallest_bucket);
  ASSERT_TRUE(client.send_all(secret));
  auto hello = link.recv_exact(38, 5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)[0], crypto::link_hello_version);
  for (int i = 0; i < 2; ++i) {
    auto prefix = link.recv_exact(4, 5s);  // u32: key phase bit, then the length
    ASSERT_TRUE(prefix);
    const std::size_t len = (std::size_t((*prefix)[0] & 0x7f) << 24) | (std::size_t((*prefix)[1]) << 16) |
                            (std::size_t((*prefix)[2]) << 8) | (*prefix)[3];
    EXPECT_EQ(len, crypto::smallest_bucket + crypto::record_overhead) << "record " << i;
    auto record = link.recv_exact(len, 5s);
    ASSERT_TRUE(record);
    std::string seen(record->begin(), record->end());
    EXPECT_EQ(seen.find("never on the link"), std::string::npos);
  }
}

TEST(Links, AWrongJoinProofIsRefusedAndTheRightOneStillPairs) {
  hand_served h;
  auto client = h.connect();
  auto req = h.home->next_link_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->serveid, 900);

  auto forged = h.home->join(req->link_id, flipped(req->link_secret));
  EXPECT_TRUE(forged.closed_within(2s));
  EXPECT_TRUE(h.w.wait_for_log("link join from .* refused: link " + std::to_string(req->link_id) + " "))
      << h.w.log();

  auto link = h.home->join(req->link_id, req->link_secret);
  expect_paired_and_encrypted(client, link);
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
  auto late = h.home->join(req->link_id, req->link_secret);
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
  auto link = h.home->join(req->link_id, req->link_secret);
  expect_paired_and_encrypted(client, link);

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

// ---- tickets and link keys ---------------------------------------------------

// Two hand-played vnets: "home" serves 900, "user" opens links by hand.
struct two_fakes {
  world w;
  std::optional<fake_vnet> home, user;
  two_fakes() {
    w.start_route();
    home.emplace(w.route_port(), "home");
    user.emplace(w.route_port(), "user");
    EXPECT_TRUE(home->ok() && user->ok());
    EXPECT_TRUE(home->serve(900, "by-hand"));
  }
};

std::optional<protocol::link_result> link_answer(client_socket& link) {
  auto m = link.recv_message(5s);
  if (!m || !std::holds_alternative<protocol::link_result>(*m)) return std::nullopt;
  return std::get<protocol::link_result>(*m);
}

bool refused_by_route(client_socket& link) {
  auto m = link.recv_message(5s);
  return m && std::holds_alternative<protocol::error>(*m) && link.closed_within(2s);
}

// A link opening seen on the path (or replayed) finds its ticket spent: the
// route refuses it before the serving vnet hears of it.
TEST(Links, ATicketOpensOneLinkAndItsReplayIsRefused) {
  two_fakes f;
  auto t = f.user->take_ticket();
  ASSERT_TRUE(t);
  auto first = f.user->open_link(900, *t);
  auto req = f.home->next_link_request();
  ASSERT_TRUE(req);
  // The serving side gets the ticket's secret (over its session) to key the link.
  EXPECT_EQ(req->link_secret, t->secret);
  auto server = f.home->join(req->link_id, req->link_secret);
  auto r = link_answer(first);
  ASSERT_TRUE(r && r->ok);
  e2e::expect_carried(first, server, 40, 10000);

  auto replay = f.user->open_link(900, *t);
  EXPECT_TRUE(refused_by_route(replay));
  EXPECT_TRUE(f.w.wait_for_log("link from .* refused: unknown or already used ticket")) << f.w.log();
  // Not one more request reached home (a bounded wait for something that
  // must not come).
  EXPECT_FALSE(f.home->next_link_request(500ms));
}

// The proof binds the ticket to its serveid and to its secret; a wrong
// proof spends the ticket too, so a guesser gets one try per ticket.
TEST(Links, AWrongOpenProofIsRefusedAndSpendsTheTicket) {
  two_fakes f;
  auto t = f.user->take_ticket();
  ASSERT_TRUE(t);
  client_socket wrong;
  ASSERT_TRUE(wrong.connect(f.w.route_port()));
  // Made for serveid 901, sent for 900.
  ASSERT_TRUE(wrong.send_message(protocol::link_open{protocol::version, 900, t->id,
                                                     crypto::open_proof(t->secret, t->id, 901)}));
  EXPECT_TRUE(refused_by_route(wrong));
  EXPECT_TRUE(f.w.wait_for_log("link from .* refused: wrong proof for its ticket")) << f.w.log();
  auto again = f.user->open_link(900, *t);  // now with the right proof: spent
  EXPECT_TRUE(refused_by_route(again));
  EXPECT_FALSE(f.home->next_link_request(500ms));
}

TEST(Links, ASessionHoldsAtMost64UnusedTicketsAndTheyDieWithIt) {
  two_fakes f;
  ASSERT_TRUE(f.user->control().send_message(protocol::ticket_request{64}));
  auto a = f.user->next<protocol::tickets>();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->granted.size(), 64u);
  ASSERT_TRUE(f.user->control().send_message(protocol::ticket_request{10}));
  auto b = f.user->next<protocol::tickets>();
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->granted.empty());

  const auto kept = a->granted[0];
  f.user.reset();  // its session ends
  EXPECT_TRUE(f.w.wait_for_log("vnet \\d+ \\(user\\) disconnected")) << f.w.log();
  fake_vnet other(f.w.route_port(), "other");
  auto late = other.open_link(900, kept);
  EXPECT_TRUE(refused_by_route(late));
}

// Links to a serve are encrypted to its vnet's link key: the route lists it
// with the serve, and pushes a rotation to the group like a rename.
TEST(Links, AServesLinkKeyIsListedAndARotationIsPushed) {
  two_fakes f;
  ASSERT_TRUE(f.user->control().send_message(protocol::serve_query{7}));
  auto q = f.user->next<protocol::serve_query_result>();
  ASSERT_TRUE(q);
  ASSERT_EQ(q->list.serves.size(), 1u);
  EXPECT_EQ(q->list.serves[0].key, fake_vnet::published_key());

  protocol::key32 pub{};
  pub.fill(0x77);
  const auto rotated = crypto::sign_link_key(protocol::key32{}, 2, pub);
  ASSERT_TRUE(f.home->control().send_message(protocol::link_key_update{rotated}));
  bool pushed = false;
  for (auto deadline = clock::now() + 5s; !pushed && clock::now() < deadline;) {
    auto u = f.user->next<protocol::serve_list_update>(1s);
    if (u && u->changed.size() == 1 && u->changed[0].serve.serveid == 900)
      pushed = u->changed[0].key == rotated;
  }
  EXPECT_TRUE(pushed);
}

// A route lists a link key the group's key did not sign (here a member
// that publishes one): the use refuses before opening anything.
TEST(Links, AUseRefusesALinkKeyItsGroupKeyDidNotSign) {
  world w;
  w.start_route();
  const std::string key = "the-group-key-of-this-test";
  const auto group = crypto::derive_group("team", key);
  fake_vnet home(w.route_port(), "home", group.wire_group, {.member = &group});  // its link key: no mac
  ASSERT_TRUE(home.ok());
  // A keyed group's serve is sealed (the route refuses it in plain).
  ASSERT_TRUE(home.control().send_message(
      protocol::serve_register{1, crypto::seal_serve(group, {900, "forged", "tcp", "127.0.0.1", 9, ""})}));
  auto registered = home.next<protocol::serve_result>();
  ASSERT_TRUE(registered && registered->ok && registered->serveid == 900);
  auto b = w.vnet_config("office", "team");
  b.group_key = key;
  b.uses.push_back(any_port_use("svc", 900));
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));
  auto client = connect_eventually(w.use_port(office, "svc"));
  EXPECT_TRUE(client.closed_within(5s));
  EXPECT_TRUE(w.wait_for_log("use svc: link to serveid 900 refused: the route listed a link key for serve 900 "
                             "that this group's key did not sign"))
      << w.log();
  EXPECT_FALSE(home.next_link_request(500ms));  // no link was opened
}

}  // namespace
}  // namespace e2e
