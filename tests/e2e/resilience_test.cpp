// Losing pieces: the route restarts, a serving vnet leaves, a vnet goes
// silent without closing its connection.
#include <gtest/gtest.h>

#include <boost/asio/write.hpp>

#include "harness.hpp"

namespace e2e {
namespace {

bool echoes(std::uint16_t port) {
  client_socket c;
  if (!c.connect(port)) return false;
  if (!c.send_all(std::string("hello"))) return false;
  auto got = c.recv_exact(5, 2s);
  return got && std::string(got->begin(), got->end()) == "hello";
}

struct pair_of_vnets {
  world w;
  std::uint16_t use_port = free_port();
  vnet::client* home = nullptr;
  vnet::client* office = nullptr;

  explicit pair_of_vnets(double route_timeout = 15.0) {
    w.start_route(0, route_timeout);
    auto a = w.vnet_config("home");
    config::serve_config s;
    s.key = s.name = "svc";
    s.serveid = 700;
    s.port = w.start_echo();
    a.serves.push_back(s);
    home = &w.start_vnet(a);
    auto b = w.vnet_config("office");
    config::use_config u;
    u.key = "svc";
    u.serveid = 700;
    u.port = use_port;
    b.uses.push_back(u);
    office = &w.start_vnet(b);
  }
};

TEST(Resilience, RouteRestartRestoresServesAndUsesByThemselves) {
  pair_of_vnets p;
  ASSERT_TRUE(eventually([&] { return echoes(p.use_port); }));
  auto port = p.w.route_port();
  p.w.stop_route();
  // Without a route nothing can be carried: the use stops listening.
  EXPECT_TRUE(eventually([&] { return !p.w.use_listening(*p.office, "svc"); }));
  EXPECT_TRUE(eventually([&] { return !p.office->connected() && !p.home->connected(); }));
  p.w.start_route(port);
  EXPECT_TRUE(eventually([&] { return echoes(p.use_port); }, 15s));
  EXPECT_EQ(p.w.serve_id(*p.home, "svc"), 700);
}

TEST(Resilience, ServingVnetLeavingClosesTheUseListener) {
  pair_of_vnets p;
  ASSERT_TRUE(eventually([&] { return echoes(p.use_port); }));
  p.w.stop_vnet(*p.home);
  EXPECT_TRUE(eventually([&] { return !p.w.use_listening(*p.office, "svc"); }));
  EXPECT_TRUE(eventually([&] {
    return p.w.on_io([&] { return p.w.route_server().state().serves_of_group("default").empty(); });
  }));
  client_socket c;
  EXPECT_FALSE(c.connect(p.use_port));
}

TEST(Resilience, LiveConnectionEndsWhenTheServingVnetLeaves) {
  pair_of_vnets p;
  auto c = connect_eventually(p.use_port);
  ASSERT_TRUE(c.send_all(std::string("x")));
  ASSERT_TRUE(c.recv_exact(1));
  p.w.stop_vnet(*p.home);
  EXPECT_TRUE(c.closed_within(5s));
}

TEST(Resilience, SilentVnetIsDroppedAndItsServesVanish) {
  // A fake vnet registers a serve, then goes silent without closing: as if
  // its machine lost power. The route must drop it after its timeout.
  pair_of_vnets p(0.5);
  client_socket fake;
  ASSERT_TRUE(fake.connect(p.w.route_port()));
  ASSERT_TRUE(fake.send_message(protocol::control_hello{protocol::version, "ghost", "default", {}}));
  auto welcome = fake.recv_message();
  ASSERT_TRUE(welcome && std::holds_alternative<protocol::welcome>(*welcome));
  ASSERT_TRUE(fake.send_message(protocol::serve_register{1, {900, "ghost-svc", "tcp", "127.0.0.1", 9, ""}}));
  auto has_ghost = [&] {
    return p.w.on_io([&] { return p.w.route_server().state().find_serve("default", 900) != nullptr; });
  };
  ASSERT_TRUE(eventually(has_ghost));
  // No more bytes from the fake; the real vnets keep heartbeating.
  EXPECT_TRUE(eventually([&] { return !has_ghost(); }, 5s));
  EXPECT_TRUE(fake.closed_within(2s));
  EXPECT_TRUE(p.home->connected());
  EXPECT_TRUE(eventually([&] { return echoes(p.use_port); }));
}

TEST(Resilience, VnetNoticesASilentRouteAndReconnects) {
  // A fake route that accepts, welcomes, then says nothing more.
  world w;
  auto port = w.start_route();
  w.stop_route();
  boost::asio::io_context io;
  net::tcp::acceptor fake(io);
  ASSERT_FALSE(net::listen(fake, "127.0.0.1", port));
  auto cfg = w.vnet_config("office");
  cfg.heartbeat = config::seconds(0.1);
  auto& office = w.start_vnet(cfg);
  fake.non_blocking(true);
  auto accept_within = [&](net::tcp::socket& s) {
    return eventually([&] {
      boost::system::error_code ec;
      fake.accept(s, ec);
      return !ec;
    }, 5s);
  };
  net::tcp::socket first(io);
  ASSERT_TRUE(accept_within(first));
  first.non_blocking(false);
  protocol::welcome hello_back{protocol::version, 1, 42, 100, 300};
  auto frame = protocol::encode(hello_back);
  boost::asio::write(first, boost::asio::buffer(frame));
  ASSERT_TRUE(eventually([&] { return office.connected(); }));
  // Silence: the vnet gives up on this route and dials again.
  EXPECT_TRUE(eventually([&] { return !office.connected(); }, 5s));
  net::tcp::socket second(io);
  EXPECT_TRUE(accept_within(second));
}

}  // namespace
}  // namespace e2e
