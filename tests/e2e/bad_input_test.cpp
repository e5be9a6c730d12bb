// Bad input reaches the route: each case ends that one connection with a
// log line, within bounded time, and the tunnel beside it keeps working.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "protocol/error.hpp"

namespace e2e {
namespace {

// A working tunnel (handshake timeout 0.5 s unless a test needs the timeout
// out of the way) and raw connections to its route.
struct guarded_route : tunnel {
  explicit guarded_route(double handshake_timeout_s = 0.5)
      : tunnel([](world& w) { return w.start_echo(); }, route_options{15.0, handshake_timeout_s}) {
    EXPECT_TRUE(eventually([&] { return echoes(); }));
  }
  bool tunnel_works() { return echoes(); }
  // The route said why it dropped a connection.
  bool logged(const std::string& pattern) {
    bool found = w.wait_for_log(pattern);
    if (!found) ADD_FAILURE() << "no log line matching /" << pattern << "/ in:\n" << w.log();
    return found;
  }
  client_socket raw() {
    client_socket c;
    EXPECT_TRUE(c.connect(w.route_port()));
    return c;
  }
};

std::vector<std::uint8_t> header(std::uint32_t length, std::uint16_t type) {
  return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8),  static_cast<std::uint8_t>(length),
          static_cast<std::uint8_t>(type >> 8),    static_cast<std::uint8_t>(type)};
}

TEST(BadInput, PortScannerGarbageIsDropped) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_all(std::string("GET / HTTP/1.1\r\nHost: route\r\n\r\n")));
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("connection from 127\\.0\\.0\\.1:\\d+ dropped: bad opening frame"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, WrongVersionGetsAClearError) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_message(protocol::control_hello{99, "future", "default", {}}));
  auto m = c.recv_message();
  ASSERT_TRUE(m && std::holds_alternative<protocol::error>(*m));
  const auto& e = std::get<protocol::error>(*m);
  EXPECT_EQ(e.code, static_cast<std::uint16_t>(protocol::errc::version_mismatch));
  EXPECT_NE(e.message.find("99"), std::string::npos) << e.message;
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("dropped: protocol version 99 is not supported"));
  EXPECT_TRUE(g.tunnel_works());
}

// Limits are told apart from the handshake timeout: that is 10 s here, and
// the refusal must come within 1 s, with its own log line.
TEST(BadInput, OversizedFrameIsRefusedFromItsHeader) {
  guarded_route g(10.0);
  auto c = g.raw();
  ASSERT_TRUE(c.send_all(header(100u << 20, 0x01)));  // claims 100 MiB
  EXPECT_TRUE(c.closed_within(1s));
  EXPECT_TRUE(g.logged("dropped: bad opening frame: frame too large"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, OpeningFrameOneByteOverItsLimitIsRefused) {
  // Within the limit of later control frames, over the one of an opening.
  static_assert(protocol::max_opening_payload < protocol::max_payload);
  guarded_route g(10.0);
  auto c = g.raw();
  auto frame = header(protocol::max_opening_payload + 1, 0x01);
  frame.resize(frame.size() + protocol::max_opening_payload + 1, 'x');
  ASSERT_TRUE(c.send_all(frame));
  EXPECT_TRUE(c.closed_within(1s));
  EXPECT_TRUE(g.logged("dropped: bad opening frame: frame too large"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, OversizedFrameOnAControlSessionEndsOnlyThatSession) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.start_tls());
  ASSERT_TRUE(c.send_message(protocol::control_hello{protocol::version, "bad", "default", {}}));
  ASSERT_TRUE(c.recv_message());  // welcome
  ASSERT_TRUE(c.send_all(header(protocol::max_payload + 1, 0x20)));
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(g.logged("\\(bad\\) disconnected: .*frame too large"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, MalformedPayloadIsDropped) {
  guarded_route g;
  auto c = g.raw();
  auto frame = header(5, 0x01);
  for (char ch : std::string("VNET!")) frame.push_back(static_cast<std::uint8_t>(ch));
  ASSERT_TRUE(c.send_all(frame));
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("dropped: bad opening frame: "));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, UnknownFrameTypeIsDropped) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_all(header(0, 0x7777)));
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("dropped: bad opening frame: unknown frame type"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, NonOpeningFirstFrameIsDropped) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_message(protocol::ping{1, 2}));
  auto m = c.recv_message();
  ASSERT_TRUE(m && std::holds_alternative<protocol::error>(*m));
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("dropped: it opened with ping"));
}

TEST(BadInput, SilentConnectionIsClosedAfterTheHandshakeTimeout) {
  guarded_route g;
  auto c = g.raw();
  auto start = clock::now();
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_GE(clock::now() - start, 400ms);
  EXPECT_TRUE(g.logged("dropped: no opening frame within 500 ms"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, HalfAHeaderThenSilenceIsClosed) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_all(std::string("\0\0\0", 3)));
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(g.logged("dropped: no opening frame within 500 ms"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, UnknownLinkJoinIsDropped) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.send_message(protocol::link_join{protocol::version, 424242}));
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("link join from .* refused: link 424242 is unknown"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, UnexpectedMessageOnAControlSessionEndsIt) {
  guarded_route g;
  auto c = g.raw();
  ASSERT_TRUE(c.start_tls());
  ASSERT_TRUE(c.send_message(protocol::control_hello{protocol::version, "odd", "default", {}}));
  ASSERT_TRUE(c.recv_message());
  ASSERT_TRUE(c.send_message(protocol::welcome{}));  // only the route sends these
  bool got_error = false;
  for (int i = 0; i < 5 && !got_error; ++i) {
    auto m = c.recv_message(2s);
    if (!m) break;
    got_error = std::holds_alternative<protocol::error>(*m);
  }
  EXPECT_TRUE(got_error);
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_TRUE(g.logged("protocol error: unexpected welcome on a control session"));
  EXPECT_TRUE(g.tunnel_works());
}

TEST(BadInput, ManyBadConnectionsAtOnceDoNotDisturbTheTunnel) {
  guarded_route g;
  std::vector<client_socket> bad;
  for (int i = 0; i < 50; ++i) {
    bad.push_back(g.raw());
    bad.back().send_all(std::string("\x16\x03\x01\x02\x00", 5));  // a TLS hello start
  }
  EXPECT_TRUE(g.tunnel_works());
  for (auto& c : bad) EXPECT_TRUE(c.closed_within(3s));
  EXPECT_TRUE(g.tunnel_works());
}

}  // namespace
}  // namespace e2e
