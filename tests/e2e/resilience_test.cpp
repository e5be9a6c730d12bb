// Losing pieces: the route restarts, a serving vnet leaves, a vnet goes
// silent without closing its connection.
#include <gtest/gtest.h>

#include <boost/asio/write.hpp>

#include "client_socket.hpp"
#include "harness.hpp"
#include "route/front/tls_identity.hpp"
#include "net/listen.hpp"

namespace e2e {
namespace {

std::uint16_t echo_service(world& w) { return w.start_echo(); }

TEST(Resilience, RouteRestartRestoresServesAndUsesByThemselves) {
  tunnel p(echo_service);
  ASSERT_TRUE(eventually([&] { return p.echoes(); }));
  auto port = p.w.route_port();
  p.w.stop_route();
  // Without a route nothing can be carried: the use stops listening.
  EXPECT_TRUE(eventually([&] { return !p.w.use_listening(*p.office, "svc"); }));
  EXPECT_TRUE(eventually([&] { return !p.office->connected() && !p.home->connected(); }));
  p.w.start_route(port);
  EXPECT_TRUE(eventually([&] { return p.echoes(); }, 15s));
  EXPECT_EQ(p.w.serve_id(*p.home, "svc"), 700);
}

TEST(Resilience, ServingVnetLeavingClosesTheUseListener) {
  tunnel p(echo_service);
  ASSERT_TRUE(eventually([&] { return p.echoes(); }));
  auto port = p.use_port();
  p.w.stop_vnet(*p.home);
  EXPECT_TRUE(eventually([&] { return !p.w.use_listening(*p.office, "svc"); }));
  EXPECT_TRUE(eventually([&] {
    return p.w.on_io([&] { return p.w.route_server().state().serves_of_group("default").empty(); });
  }));
  client_socket c;
  EXPECT_FALSE(c.connect(port));
}

TEST(Resilience, LiveConnectionEndsWhenTheServingVnetLeaves) {
  tunnel p(echo_service);
  auto c = connect_eventually(p.use_port());
  const auto data = random_bytes(4096, 7);
  ASSERT_TRUE(c.send_all(data));
  ASSERT_EQ(c.recv_exact(data.size()), data);
  p.w.stop_vnet(*p.home);
  EXPECT_TRUE(c.closed_within(5s));
}

TEST(Resilience, SilentVnetIsDroppedAndItsServesVanish) {
  // A fake vnet registers a serve, then goes silent without closing: as if
  // its machine lost power. The route must drop it after its timeout.
  tunnel p(echo_service, route_options{0.5});
  client_socket fake;
  ASSERT_TRUE(fake.connect(p.w.route_port()));
  ASSERT_TRUE(fake.start_tls());
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
  EXPECT_TRUE(eventually([&] { return p.echoes(); }));
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
  // Control sessions are TLS: the fake route has a key of its own.
  client_socket control(std::move(first));
  auto identity = route::load_tls_identity({});
  ASSERT_TRUE(control.accept_tls(identity.context->native_handle()));
  ASSERT_TRUE(control.send_message(protocol::welcome{protocol::version, 1, 100, 300}));
  ASSERT_TRUE(eventually([&] { return office.connected(); }));
  // Silence: the vnet gives up on this route and dials again.
  EXPECT_TRUE(eventually([&] { return !office.connected(); }, 5s));
  net::tcp::socket second(io);
  EXPECT_TRUE(accept_within(second));
}

}  // namespace
}  // namespace e2e
