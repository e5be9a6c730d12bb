// Bytes through the tunnel: both directions, banner-first services,
// half-close, refusal, many connections at once, and group isolation.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "crypto/secret.hpp"
#include "harness.hpp"
#include "net/dial.hpp"
#include "net/spawn.hpp"

namespace e2e {
namespace {

TEST(Tunnel, EightMegabytesEachWayAreExact) {
  tunnel t([](world& w) { return w.start_echo(); });
  auto data = random_bytes(8 << 20, 1);
  auto c = connect_eventually(t.use_port());
  ASSERT_TRUE(c.valid());
  std::thread sender([&] {
    c.send_all(data);
    c.shutdown_write();
  });
  auto back = c.recv_to_eof(30s);
  sender.join();
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), data.size());
  EXPECT_TRUE(*back == data);
}

TEST(Tunnel, ServiceSendingFirstLosesNothing) {
  // Eight megabytes from a service that speaks first and never reads.
  auto data = random_bytes(8 << 20, 2);
  tunnel t([&](world& w) { return w.start_source(data); });
  auto c = connect_eventually(t.use_port());
  auto got = c.recv_to_eof(30s);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), data.size());
  EXPECT_TRUE(*got == data);
}

TEST(Tunnel, BannerArrivesBeforeTheClientSpeaks) {
  const std::string banner = "SSH-2.0-vnet-test\r\n";
  tunnel t([&](world& w) { return w.start_banner(banner); });
  auto c = connect_eventually(t.use_port());
  auto got = c.recv_exact(banner.size());
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string(got->begin(), got->end()), banner);
  // And the connection goes on both ways after it.
  ASSERT_TRUE(c.send_all(std::string("ping")));
  auto echo = c.recv_exact(4);
  ASSERT_TRUE(echo);
  EXPECT_EQ(std::string(echo->begin(), echo->end()), "ping");
}

TEST(Tunnel, ClientSpeakingFirstLosesNothing) {
  tunnel t([](world& w) { return w.start_echo(); });
  auto c = connect_eventually(t.use_port());
  // Sent immediately after connect, before any link exists.
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.send_all(request));
  auto got = c.recv_exact(request.size());
  ASSERT_TRUE(got);
  EXPECT_EQ(std::string(got->begin(), got->end()), request);
}

TEST(Tunnel, HalfCloseReachesTheServiceAndTheReplyStillFlows) {
  tunnel t([](world& w) { return w.start_counter(); });
  auto c = connect_eventually(t.use_port());
  auto data = random_bytes(300000, 3);
  ASSERT_TRUE(c.send_all(data));
  c.shutdown_write();  // the service answers only after it sees EOF
  auto reply = c.recv_to_eof(10s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(std::string(reply->begin(), reply->end()), "got 300000");
}

TEST(Tunnel, RefusedServiceClosesTheClientPromptly) {
  refusing_port closed;  // bound, never listening: a connection is refused
  tunnel t([&](world&) { return closed.port(); });
  auto c = connect_eventually(t.use_port());
  ASSERT_TRUE(c.valid());
  auto start = clock::now();
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_LT(clock::now() - start, 1s);
}

// 200 clients at once, each with its own bytes, all through one use.
TEST(Tunnel, TwoHundredConcurrentConnectionsAreAllExact) {
  // All 200 arrive at once, so up to 200 links wait to pair at the same
  // moment: within the default quotas of waiting links (256 per vnet and per
  // serve), which a browser's burst must not meet.
  tunnel t([](world& w) { return w.start_echo(); });
  ASSERT_TRUE(connect_eventually(t.use_port()).valid());
  boost::asio::io_context io;
  int ok = 0;
  for (int i = 0; i < 200; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> net::awaitable<void> {
          auto data = random_bytes(64 * 1024 + static_cast<std::size_t>(i), 100 + i);
          net::tcp::socket s(io);
          const std::string host = "127.0.0.1";  // no temporaries in a co_await (GCC 12)
          auto ec = co_await net::dial(s, host, t.use_port(), 10s);
          if (ec) co_return;
          std::vector<std::uint8_t> back(data.size());
          auto [wec, w] = co_await boost::asio::async_write(s, boost::asio::buffer(data), net::use_nothrow);
          auto [rec, r] = co_await boost::asio::async_read(s, boost::asio::buffer(back), net::use_nothrow);
          if (!wec && !rec && back == data) ++ok;
        },
        net::log_exception{"test client"});
  }
  io.run_for(60s);
  EXPECT_EQ(ok, 200);
}

TEST(Tunnel, UseStandsByUntilTheServeAppears) {
  world w;
  w.start_route();
  auto b = w.vnet_config("office");
  b.uses.push_back(any_port_use("svc", 701));
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return office.connected(); }));
  EXPECT_FALSE(w.use_listening(office, "svc"));
  EXPECT_EQ(w.use_port(office, "svc"), 0);

  auto a = w.vnet_config("home");
  a.serves.push_back(serve_cfg("svc", 701, w.start_echo()));
  w.start_vnet(a);
  EXPECT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));
  auto c = connect_eventually(w.use_port(office, "svc"));
  const auto data = random_bytes(4096, 4);
  ASSERT_TRUE(c.send_all(data));
  EXPECT_EQ(c.recv_exact(data.size()), data);
}

TEST(Tunnel, UsePortDefaultsToTheServedPort) {
  // On one host the served port is the service's own, on 127.0.0.1; the use
  // takes the same port on 127.0.0.2. The service's bind keeps the port from
  // being handed to an outgoing connection meanwhile.
  world w;
  w.start_route();
  auto echo = w.start_echo();
  auto a = w.vnet_config("home");
  a.serves.push_back(serve_cfg("svc", 702, echo));
  w.start_vnet(a);
  auto b = w.vnet_config("office");
  auto use = use_cfg("svc", 702, 0);
  use.ip = "127.0.0.2";
  b.uses.push_back(use);
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));
  EXPECT_EQ(w.use_port(office, "svc"), echo);
  client_socket c;
  ASSERT_TRUE(c.connect(echo, "127.0.0.2"));
  const auto data = random_bytes(4096, 6);
  ASSERT_TRUE(c.send_all(data));
  EXPECT_EQ(c.recv_exact(data.size()), data);
}

TEST(Tunnel, StaticConflictIsRefusedThenRetriedWhenTheHolderLeaves) {
  world w;
  w.start_route();
  auto echo = w.start_echo();
  auto a = w.vnet_config("first");
  a.serves.push_back(serve_cfg("svc", 800, echo));
  auto& first = w.start_vnet(a);
  ASSERT_TRUE(eventually([&] { return w.serve_id(first, "svc") == 800; }));
  auto b = w.vnet_config("second");
  b.serves.push_back(serve_cfg("svc", 800, echo));
  auto& second = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] {
    return w.on_io([&] { return second.serves().entries()[0].state == vnet::serve_state::refused; });
  }));
  auto reason = w.on_io([&] { return second.serves().entries()[0].reason; });
  EXPECT_NE(reason.find("first"), std::string::npos) << reason;
  w.stop_vnet(first);
  EXPECT_TRUE(eventually([&] { return w.serve_id(second, "svc") == 800; }));
}

TEST(Tunnel, DynamicConflictIsReplaced) {
  world w;
  w.start_route();
  auto echo = w.start_echo();
  auto a = w.vnet_config("first");
  a.serves.push_back(serve_cfg("svc", 5, echo));
  auto& first = w.start_vnet(a);
  ASSERT_TRUE(eventually([&] { return w.serve_id(first, "svc") == 5; }));
  auto b = w.vnet_config("second");
  b.serves.push_back(serve_cfg("svc", 5, echo));
  auto& second = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.serve_id(second, "svc") != 0; }));
  EXPECT_EQ(w.serve_id(second, "svc"), 1);
}

TEST(Tunnel, GroupsAreIsolated) {
  tunnel t([](world& w) { return w.start_echo(); });
  // A vnet of another group with a use for the same serveid never listens.
  auto c = t.w.vnet_config("stranger", "other");
  c.uses.push_back(any_port_use("svc", 700));
  auto& stranger = t.w.start_vnet(c);
  ASSERT_TRUE(eventually([&] { return stranger.connected(); }));
  EXPECT_TRUE(t.w.on_io([&] { return stranger.group_serves().serves.empty(); }));
  EXPECT_FALSE(t.w.use_listening(stranger, "svc"));

  // Guessing the serveid on a raw link from a session of group "other".
  client_socket s;
  ASSERT_TRUE(s.connect(t.w.route_port()));
  ASSERT_TRUE(s.start_tls());
  ASSERT_TRUE(s.send_message(protocol::control_hello{protocol::version, "guesser", "other", {}}));
  auto welcome = s.recv_message();
  ASSERT_TRUE(welcome && std::holds_alternative<protocol::welcome>(*welcome));
  // Its own tickets are good; the serveid is not its group's.
  ASSERT_TRUE(s.send_message(protocol::ticket_request{1}));
  auto granted = s.recv_message();  // after the serve list and its updates
  while (granted && !std::holds_alternative<protocol::tickets>(*granted)) granted = s.recv_message();
  ASSERT_TRUE(granted);
  ASSERT_EQ(std::get<protocol::tickets>(*granted).granted.size(), 1u);
  const auto ticket = std::get<protocol::tickets>(*granted).granted[0];
  client_socket link;
  ASSERT_TRUE(link.connect(t.w.route_port()));
  ASSERT_TRUE(link.send_message(protocol::link_open{protocol::version, 700, ticket.id,
                                                    crypto::open_proof(ticket.secret, ticket.id, 700)}));
  auto answer = link.recv_message();
  ASSERT_TRUE(answer && std::holds_alternative<protocol::link_result>(*answer));
  EXPECT_FALSE(std::get<protocol::link_result>(*answer).ok);
  EXPECT_TRUE(link.closed_within(2s));

  // A ticket the route never granted is refused too.
  client_socket forged;
  ASSERT_TRUE(forged.connect(t.w.route_port()));
  ASSERT_TRUE(forged.send_message(protocol::link_open{protocol::version, 700, 12345, {}}));
  auto refused = forged.recv_message();
  ASSERT_TRUE(refused && std::holds_alternative<protocol::error>(*refused));
  EXPECT_TRUE(forged.closed_within(2s));

  // The same-group use still works.
  auto ok = connect_eventually(t.use_port());
  const auto data = random_bytes(4096, 5);
  ASSERT_TRUE(ok.send_all(data));
  EXPECT_EQ(ok.recv_exact(data.size()), data);
}

// A new group_key puts a vnet in another group on the route (the wire group
// derives from it): reload reconnects, as for a new group name, and the same
// key on both ends joins them again, under an id that is not the name.
TEST(Tunnel, AGroupKeyChangeAtReloadReconnectsIntoTheKeyedGroup) {
  tunnel t([](world& w) { return w.start_echo(); });
  ASSERT_TRUE(t.echoes());
  const std::string key = "a-group-key-of-the-test";
  auto office_cfg = t.w.on_io([&] { return t.office->running_config(); });
  office_cfg.group_key = key;
  t.w.on_io([&] { return t.office->reload(office_cfg); });
  EXPECT_TRUE(eventually([&] { return !t.w.use_listening(*t.office, "svc"); }));
  auto home_cfg = t.w.on_io([&] { return t.home->running_config(); });
  home_cfg.group_key = key;
  t.w.on_io([&] { return t.home->reload(home_cfg); });
  EXPECT_TRUE(eventually([&] { return t.w.use_listening(*t.office, "svc"); }));
  EXPECT_TRUE(eventually([&] { return t.echoes(); }));
  EXPECT_EQ(t.w.on_io([&] { return t.w.route_server().state().group_size("default"); }), 0u);
}

TEST(Tunnel, WorksOverIpv6) {
  world w;
  route_options on_v6;
  on_v6.ip = "::1";
  w.start_route(0, on_v6);
  auto a = w.vnet_config("home");  // reaches the route at ::1
  a.serves.push_back(serve_cfg("svc", 700, w.start_echo()));
  w.start_vnet(a);
  auto b = w.vnet_config("office");
  auto use = any_port_use("svc", 700);
  use.ip = "::1";
  b.uses.push_back(use);
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));

  boost::asio::io_context io;
  net::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("::1"), w.use_port(office, "svc")});
  const std::string hello = "hello over IPv6";
  boost::asio::write(s, boost::asio::buffer(hello));
  std::string back(hello.size(), '\0');
  s.non_blocking(false);
  ASSERT_TRUE(eventually([&] { return s.available() >= hello.size(); }, 5s));
  boost::asio::read(s, boost::asio::buffer(back));
  EXPECT_EQ(back, hello);
}

}  // namespace
}  // namespace e2e
