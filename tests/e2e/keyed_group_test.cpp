// A keyed group (issue 20, finding 3): its wire group is in the route's log
// and status.json, so it is no password. Joining needs a signature of the
// session under the group's key pair (crypto/group_proof.hpp); a client with
// the route's token and the group id but without the key is refused, sees
// nothing of the group and makes no serving vnet dial anything.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "crypto/group_proof.hpp"
#include "fake_vnet.hpp"
#include "harness.hpp"

namespace e2e {
namespace {

constexpr char token[] = "the-route-token-of-this-test";
constexpr char group_key[] = "the-group-key-of-this-test";

// A route with a token; vnet "home" of keyed group "team" serves an echo
// (counting its connections) as static serveid 700.
struct KeyedGroup : ::testing::Test {
  world w;
  std::shared_ptr<std::atomic<int>> accepted = std::make_shared<std::atomic<int>>(0);
  crypto::group_keys group = crypto::derive_group("team", group_key);
  vnet::client* home = nullptr;

  void SetUp() override {
    route_options o;
    o.token = token;
    w.start_route(0, o);
    auto cfg = member("home");
    cfg.serves.push_back(serve_cfg("svc", 700, w.start_counted_echo(accepted)));
    cfg.serves.back().info = "the secret service";
    home = &w.start_vnet(cfg);
    ASSERT_TRUE(eventually([&] { return w.serve_id(*home, "svc") == 700; })) << w.log();
  }
  config::vnet_config member(const std::string& name) {
    auto cfg = w.vnet_config(name, "team");
    cfg.token = token;
    cfg.group_key = group_key;
    return cfg;
  }
  std::size_t members() {
    return w.on_io([&] { return w.route_server().state().group_size(group.wire_group); });
  }
};

TEST_F(KeyedGroup, TheGroupIdAndTheTokenWithoutTheKeyAreRefused) {
  // The id is public: the route logs it.
  ASSERT_TRUE(w.wait_for_log("group '" + group.wire_group + "'")) << w.log();
  fake_vnet thief(w.route_port(), "thief", group.wire_group, {token});
  EXPECT_FALSE(thief.ok());
  EXPECT_EQ(thief.refusal(),
            "admission refused: this group has a group_key: joining it needs proof of the key, and none was sent");
  EXPECT_TRUE(thief.control().closed_within(3s));
  EXPECT_TRUE(w.wait_for_log("vnet 'thief' from 127\\.0\\.0\\.1:\\d+ refused: admission refused: this group has a "
                             "group_key"))
      << w.log();
  EXPECT_EQ(members(), 1u);
  EXPECT_EQ(accepted->load(), 0);
}

TEST_F(KeyedGroup, AForgedProofIsRefused) {
  // The public half is no secret either; a signature without the key is.
  protocol::group_proof forged;
  forged.pub = group.join_pub;
  forged.sig.fill(0x5a);
  fake_vnet forger(w.route_port(), "forger", group.wire_group, {token, forged});
  EXPECT_FALSE(forger.ok());
  EXPECT_EQ(forger.refusal(),
            "admission refused: wrong proof of the group key: this vnet does not hold the group's group_key");
  // Another group's real proof, under this group's id.
  auto other = crypto::derive_group("team", "another key");
  crypto::exported32 some{};
  fake_vnet stranger(w.route_port(), "stranger", group.wire_group, {token, crypto::prove_group(other, some)});
  EXPECT_FALSE(stranger.ok());
  EXPECT_EQ(stranger.refusal(), "admission refused: the proof of the group key is not for the group asked for");
  EXPECT_EQ(members(), 1u);
  EXPECT_EQ(accepted->load(), 0);
}

TEST_F(KeyedGroup, AMemberWithTheKeyJoinsAndReachesTheServe) {
  auto cfg = member("office");
  cfg.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(cfg);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); })) << w.log();
  EXPECT_EQ(members(), 2u);
  client_socket c;
  ASSERT_TRUE(c.connect(w.use_port(office, "svc")));
  const std::string hello = "through the keyed group";
  ASSERT_TRUE(c.send_all(hello));
  auto back = c.recv_exact(hello.size(), 5s);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::string(back->begin(), back->end()), hello);
  EXPECT_EQ(accepted->load(), 1);
}

// The route keeps a keyed group's serves as serveids and sealed blobs: its
// registry, status.json and ctl hold no name, info or address; the group's
// vnets open them whole.
TEST_F(KeyedGroup, TheRouteHoldsTheServeSealedAndMembersSeeItWhole) {
  auto cfg = member("office");
  cfg.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(cfg);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); })) << w.log();
  const auto held = w.on_io([&] { return *w.route_server().state().find_serve(group.wire_group, 700); });
  EXPECT_EQ(held.serve.name, "");
  EXPECT_EQ(held.serve.ip, "");
  EXPECT_EQ(held.serve.port, 0);
  EXPECT_EQ(held.serve.info, "");
  EXPECT_FALSE(held.serve.sealed.empty());
  const auto listed = w.on_io([&] { return office.group_serves(); });
  ASSERT_EQ(listed.serves.size(), 1u);
  EXPECT_EQ(listed.serves[0].serve.name, "svc");
  EXPECT_EQ(listed.serves[0].serve.info, "the secret service");
  EXPECT_NE(listed.serves[0].serve.port, 0);
  const std::string port = std::to_string(listed.serves[0].serve.port);
  const std::string status = w.on_io([&] { return w.route_server().status_json(); });
  const std::string shown = w.on_io([&] { return w.route_server().ctl("show serves", "").text; });
  for (const std::string& secret : {std::string("the secret service"), std::string("'svc'"), std::string("\"svc\""),
                                    ":" + port}) {
    EXPECT_EQ(status.find(secret), std::string::npos) << secret << " in " << status;
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << " in " << shown;
  }
  EXPECT_NE(shown.find("(sealed)"), std::string::npos) << shown;
  EXPECT_TRUE(w.wait_for_log("vnet \\d+: serve registered as serveid 700")) << w.log();
}

// The route holds each member's link key (its id and public key) in the
// open and lists it with that member's serves (docs/security.md, "What the
// route sees, row by row"). In a keyed group the key is signed under the
// group key, so a route that swapped it would be caught; in a group without
// a key its mac is under a zero key, which signs nothing.
TEST_F(KeyedGroup, TheRouteSeesEachMembersLinkKeyAndOnlyAKeyedGroupSignsIt) {
  auto cfg = member("office");
  cfg.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(cfg);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); })) << w.log();
  auto key_at_route = [&](vnet::client& v) {
    return w.on_io([&] { return w.route_server().state().find_vnet(*v.vnetid())->key; });
  };
  const protocol::link_key held = key_at_route(*home);
  EXPECT_NE(held.pub, protocol::key32{});
  EXPECT_TRUE(crypto::verify_link_key(group.mac_key, held));
  EXPECT_FALSE(crypto::verify_link_key(protocol::key32{}, held));
  const auto listed = w.on_io([&] { return office.group_serves(); });
  ASSERT_EQ(listed.serves.size(), 1u);
  EXPECT_EQ(listed.serves[0].key, held);
  auto open_cfg = w.vnet_config("open", "a-group-without-a-key");
  open_cfg.token = token;
  auto& open = w.start_vnet(open_cfg);
  ASSERT_TRUE(eventually([&] { return w.on_io([&] { return open.vnetid().has_value(); }); })) << w.log();
  // Its mac is under the all-zero key of a group without one: anyone, the
  // route too, can make one for a key of its own.
  const protocol::link_key plain = key_at_route(open);
  EXPECT_NE(plain.pub, protocol::key32{});
  EXPECT_TRUE(crypto::verify_link_key(protocol::key32{}, plain));
}

// A serving vnet's refusal crosses the route on its way to the use side, so
// in a keyed group it names the serveid, never the serve's sealed name.
TEST_F(KeyedGroup, ARefusalThroughTheRouteNamesTheServeidNotTheSealedName) {
  auto busy = member("busy");
  busy.max_links_per_serve = 1;
  busy.serves.push_back(serve_cfg("sealed-name", 702, w.start_echo()));
  w.start_vnet(busy);
  auto cfg = member("office");
  cfg.uses.push_back(any_port_use("b", 702));
  auto& office = w.start_vnet(cfg);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "b"); })) << w.log();
  client_socket held = connect_eventually(w.use_port(office, "b"));
  const std::string hello = "the one link busy carries";
  ASSERT_TRUE(held.send_all(hello));
  ASSERT_TRUE(held.recv_exact(hello.size(), 5s)) << w.log();
  client_socket refused = connect_eventually(w.use_port(office, "b"));
  EXPECT_TRUE(refused.closed_within(5s));
  const std::string why = "vnet busy carries at most 1 link to serveid 702 \\(raise \\[vnet\\] max_links_per_serve\\)";
  EXPECT_TRUE(w.wait_for_log("serveid 702 on vnet \\d+\\) failed: " + why)) << w.log();
  EXPECT_TRUE(w.wait_for_log("use b: link to serveid 702 failed: " + why)) << w.log();
}

// A vnet that sends a keyed group's serve in plain (a bug, or an old build)
// is refused: the route never holds what the group keeps from it.
TEST_F(KeyedGroup, APlainServeInAKeyedGroupIsRefused) {
  fake_vnet member_by_hand(w.route_port(), "by-hand", group.wire_group, {token, {}, &group});
  ASSERT_TRUE(member_by_hand.ok()) << member_by_hand.refusal();
  auto r = member_by_hand.register_serve(701, "plain");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->reason, "in a group with a group_key a serve's name, address and info travel sealed, and this one "
                       "came in plain");
}

}  // namespace
}  // namespace e2e
