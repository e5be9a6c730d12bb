// Control sessions in TLS and admission by token (issue 9): refusals say
// nothing about groups, failures are counted, an address that keeps failing
// is closed at accept for a while; a vnet pins, or remembers, the route's key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "client_socket.hpp"
#include "harness.hpp"
#include "net/listen.hpp"
#include "protocol/error.hpp"

namespace e2e {
namespace {

constexpr char token[] = "the-route-token-0123456789";

route_options with_token() {
  route_options o;
  o.token = token;
  return o;
}

bool logged(world& w, const std::string& pattern) {
  bool found = w.wait_for_log(pattern);
  if (!found) ADD_FAILURE() << "no log line matching /" << pattern << "/ in:\n" << w.log();
  return found;
}

std::string escaped(const std::string& s) { return std::regex_replace(s, std::regex(R"([.+*?^$()\[\]{}|\\])"), R"(\$&)"); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A hand-made TLS control session saying hello with `auth` (a group name
// the refusal must not echo); the route's answer.
std::optional<protocol::message> hello_with(std::uint16_t port, const std::string& auth, client_socket& c) {
  if (!c.connect(port) || !c.start_tls()) return std::nullopt;
  if (!c.send_message(protocol::control_hello{protocol::version, "probe", "secret-group", auth, {}}))
    return std::nullopt;
  return c.recv_message();
}

std::string error_text(const std::optional<protocol::message>& m) {
  if (!m) return "(no answer)";
  if (auto* e = std::get_if<protocol::error>(&*m)) return e->message;
  return std::string("(a ") + protocol::name_of(protocol::type_of(*m)) + ")";
}

TEST(Admission, AWrongTokenIsRefusedLoggedAndNamesNoGroup) {
  world w;
  auto port = w.start_route(0, with_token());
  client_socket c;
  auto m = hello_with(port, std::string(32, 'x'), c);
  EXPECT_EQ(error_text(m), "admission refused: wrong token");
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(logged(w, R"(vnet 'probe' from 127\.0\.0\.1:\d+ refused: admission refused: wrong token)"));
  EXPECT_EQ(w.on_io([&] { return w.route_server().admission_failures(); }), 1u);
  EXPECT_EQ(w.on_io([&] { return w.route_server().state().group_size("secret-group"); }), 0u);
  // A real vnet with another token: the route's words, at error level.
  auto cfg = w.vnet_config("wrong");
  cfg.token = "not-the-route-token-98765";
  auto& v = w.start_vnet(cfg);
  EXPECT_TRUE(logged(w, "the route refused this vnet: admission refused: wrong token"));
  EXPECT_FALSE(w.on_io([&] { return v.connected(); }));
}

TEST(Admission, AMissingTokenIsToldHowToSetIt) {
  world w;
  auto port = w.start_route(0, with_token());
  client_socket c;
  EXPECT_EQ(error_text(hello_with(port, "", c)), "this route needs a token: set token= in [route]");
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(logged(w, "refused: this route needs a token"));
}

TEST(Admission, TheRightTokenJoinsAndAnOpenRouteTakesAnyone) {
  world w;
  w.start_route(0, with_token());
  auto cfg = w.vnet_config("right");
  cfg.token = token;
  auto& v = w.start_vnet(cfg);
  EXPECT_TRUE(eventually([&] { return w.on_io([&] { return v.connected(); }); }));
  EXPECT_EQ(w.on_io([&] { return w.route_server().admission_failures(); }), 0u);

  world open;
  auto port = open.start_route();
  EXPECT_TRUE(logged(open, "no token: anyone who reaches this route can join"));
  client_socket c;
  auto m = hello_with(port, std::string(32, 'x'), c);  // any proof, or none
  EXPECT_TRUE(m && std::holds_alternative<protocol::welcome>(*m)) << error_text(m);
}

TEST(Admission, FiveFailuresCloseTheAddressForAMinute) {
  world w;
  auto port = w.start_route(0, with_token());
  for (int i = 0; i < 5; ++i) {
    client_socket c;
    EXPECT_EQ(error_text(hello_with(port, "", c)), "this route needs a token: set token= in [route]") << i;
  }
  EXPECT_TRUE(logged(w, R"(127\.0\.0\.1: 5 failed admissions within 60 s: its new sessions are refused for 60 s)"));
  // Closed at accept: not even a TLS handshake, whatever the token.
  client_socket c;
  ASSERT_TRUE(c.connect(port));
  EXPECT_FALSE(c.start_tls(3s));
  EXPECT_EQ(w.on_io([&] { return w.route_server().admission_failures(); }), 5u);
}

// One vnet with a stale token behind a shared address (an office NAT) once
// got that address banned, and the ban closed every other vnet's links at
// accept after they had spent their tickets: the tunnel stayed dead. A ban
// refuses new sessions only; links of admitted vnets open as before.
TEST(Admission, ABanOnASharedAddressLeavesTheAdmittedVnetsTunnelsAlone) {
  world w;
  w.start_route(0, with_token());
  auto a = w.vnet_config("home");
  a.token = token;
  a.serves.push_back(serve_cfg("svc", 700, w.start_echo()));
  w.start_vnet(a);
  auto b = w.vnet_config("office");
  b.token = token;
  b.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(b);
  ASSERT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));
  for (int i = 0; i < 5; ++i) {
    client_socket c;
    EXPECT_EQ(error_text(hello_with(w.route_port(), "", c)), "this route needs a token: set token= in [route]");
  }
  ASSERT_TRUE(logged(w, R"(127\.0\.0\.1: 5 failed admissions within 60 s: its new sessions are refused)"));
  // More connections than a vnet may hold unused tickets (64), each on a
  // link of its own once the pooled ones are used: every one carries its
  // bytes, byte for byte.
  for (int i = 0; i < 100; ++i) {
    client_socket c;
    const std::string payload = "connection " + std::to_string(i) + std::string(1000 + i, 'x');
    ASSERT_TRUE(c.connect(w.use_port(office, "svc")) && c.send_all(payload)) << i;
    auto got = c.recv_exact(payload.size(), 5s);
    ASSERT_TRUE(got && std::string(got->begin(), got->end()) == payload) << "connection " << i << "\n" << w.log();
  }
  // New sessions from the address are still refused.
  client_socket c;
  ASSERT_TRUE(c.connect(w.route_port()));
  EXPECT_FALSE(c.start_tls(3s));
}

TEST(Admission, TheTokenFollowsAReload) {
  world w;
  auto port = w.start_route();
  w.reload_route(with_token());
  client_socket c;
  EXPECT_EQ(error_text(hello_with(port, "", c)), "this route needs a token: set token= in [route]");
  w.reload_route({});
  client_socket d;
  auto m = hello_with(port, "", d);
  EXPECT_TRUE(m && std::holds_alternative<protocol::welcome>(*m)) << error_text(m);
}

TEST(Tls, APlaintextHelloIsRefusedWithWhy) {
  world w;
  auto port = w.start_route();
  client_socket v4;
  ASSERT_TRUE(v4.connect(port));
  ASSERT_TRUE(v4.send_message(protocol::control_hello{protocol::version, "plain", "g", {}, {}}));
  EXPECT_EQ(error_text(v4.recv_message()), "control sessions must use TLS");
  // A protocol-3 vnet: told to upgrade.
  client_socket v3;
  ASSERT_TRUE(v3.connect(port));
  ASSERT_TRUE(v3.send_message(protocol::control_hello{3, "old", "g", {}, {}}));
  auto m = v3.recv_message();
  ASSERT_TRUE(m && std::holds_alternative<protocol::error>(*m));
  EXPECT_EQ(std::get<protocol::error>(*m).code, static_cast<std::uint16_t>(protocol::errc::version_mismatch));
  EXPECT_EQ(error_text(m), "protocol version 3 is not supported; this route speaks protocol " + std::to_string(protocol::version) + " with TLS; upgrade the vnet");
  EXPECT_TRUE(v3.closed_within(3s));
}

// Protocol 7 padded the link records: a protocol-6 vnet (unpadded records)
// is turned away at its hello, in TLS, with both versions named.
TEST(Tls, AProtocol6VnetIsToldBothVersions) {
  world w;
  auto port = w.start_route();
  client_socket c;
  ASSERT_TRUE(c.connect(port) && c.start_tls());
  ASSERT_TRUE(c.send_message(protocol::control_hello{6, "old", "g", {}, {}}));
  auto m = c.recv_message();
  ASSERT_TRUE(m && std::holds_alternative<protocol::error>(*m)) << error_text(m);
  EXPECT_EQ(std::get<protocol::error>(*m).code, static_cast<std::uint16_t>(protocol::errc::version_mismatch));
  EXPECT_EQ(error_text(m), "protocol version 6 is not supported; this route speaks protocol 7");
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(logged(w, "dropped: protocol version 6 is not supported; this route speaks protocol 7"));
}

TEST(Tls, AVnetRemembersTheRouteAndRefusesAChangedKey) {
  world w;
  auto port = w.start_route();
  const std::string first = w.on_io([&] { return w.route_server().fingerprint(); });
  auto cfg = w.vnet_config("office");
  auto& v = w.start_vnet(cfg);
  ASSERT_TRUE(eventually([&] { return w.on_io([&] { return v.connected(); }); }));
  const std::string file = cfg.known_routes;
  const std::string line = "127.0.0.1:" + std::to_string(port) + " " + first + "\n";
  EXPECT_EQ(read_file(file), line);
  EXPECT_TRUE(logged(w, "first connection to route 127.0.0.1:\\d+: trusting its key " + escaped(first)));

  // Another route on the same address, with another key.
  w.stop_route();
  std::filesystem::remove(w.dir() + "/route-key.pem");
  w.start_route(port);
  const std::string second = w.on_io([&] { return w.route_server().fingerprint(); });
  ASSERT_NE(first, second);
  EXPECT_TRUE(logged(w, escaped("route 127.0.0.1:" + std::to_string(port) + " presented key " + second +
                                ", but " + file + " line 1 remembers " + first +
                                "; if the route's key was changed on purpose, delete that line or set `fingerprint=" +
                                second + "` in [route]")));
  EXPECT_FALSE(w.on_io([&] { return v.connected(); }));
  EXPECT_EQ(read_file(file), line);  // unchanged
  // Accepted as told: the line deleted, the file is read again at the next attempt.
  std::ofstream(file, std::ios::trunc).close();
  EXPECT_TRUE(eventually([&] { return w.on_io([&] { return v.connected(); }); }));
  EXPECT_EQ(read_file(file), "127.0.0.1:" + std::to_string(port) + " " + second + "\n");
}

TEST(Tls, APinnedFingerprintIsRequired) {
  world w;
  w.start_route();
  auto pinned = w.vnet_config("pinned");
  pinned.fingerprint = w.on_io([&] { return w.route_server().fingerprint(); });
  auto& good = w.start_vnet(pinned);
  EXPECT_TRUE(eventually([&] { return w.on_io([&] { return good.connected(); }); }));
  auto wrong = w.vnet_config("wrong");
  wrong.fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  auto& bad = w.start_vnet(wrong);
  EXPECT_TRUE(logged(w, "presented key SHA256:.*, but \\[route\\] fingerprint= pins SHA256:A{43}"));
  EXPECT_FALSE(w.on_io([&] { return bad.connected(); }));
  // The route's side of it: the vnet hung up after seeing the key.
  EXPECT_TRUE(logged(w, R"(connection from 127\.0\.0\.1:\d+ closed by the peer after it saw the route's key, )"
                        R"(before its hello: a vnet does this when the route's key changed or its fingerprint= )"
                        R"(pin is wrong \(its log says which\))"));
  EXPECT_EQ(w.log().find("stream truncated"), std::string::npos);
  // Pinned: nothing to remember.
  EXPECT_FALSE(std::filesystem::exists(pinned.known_routes));
}

TEST(Tls, AnOlderRouteIsNamedAsSuch) {
  // A protocol-3 route reads the TLS ClientHello as a bad frame, answers a
  // plaintext error frame and closes.
  world w;
  auto port = w.start_route();
  w.stop_route();
  boost::asio::io_context io;
  net::tcp::acceptor old(io);
  ASSERT_FALSE(net::listen(old, "127.0.0.1", port));
  auto cfg = w.vnet_config("new");
  auto& v = w.start_vnet(cfg);
  net::tcp::socket s(io);
  old.non_blocking(true);
  ASSERT_TRUE(eventually([&] {
    boost::system::error_code ec;
    old.accept(s, ec);
    return !ec;
  }));
  s.non_blocking(false);
  auto frame = protocol::encode(protocol::error{static_cast<std::uint16_t>(protocol::errc::bad_magic), "bad opening frame"});
  boost::asio::write(s, boost::asio::buffer(frame));
  s.close();
  EXPECT_TRUE(logged(w, R"(127\.0\.0\.1:\d+ answered, but not as a vnet route \(no TLS: another program, or a route of protocol 3 or before; )"));
  EXPECT_FALSE(w.on_io([&] { return v.connected(); }));
}

}  // namespace
}  // namespace e2e
