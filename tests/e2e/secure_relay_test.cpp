// The encrypting relays over real loopback sockets, on the test's own
// io_context: client <-> relay_use <-> link <-> (a tap playing the route)
// <-> relay_serve <-> service. Transfers are hashed at both ends; the tap
// can count, flip a byte, cut the link or record it.
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <functional>
#include <optional>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "crypto/link_cipher.hpp"
#include "net/relay.hpp"
#include "net/secure_relay.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using net::use_nothrow;

inline constexpr auto rethrow = [](std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
};

struct socket_pair {
  tcp::socket a, b;
  explicit socket_pair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    b.connect(acc.local_endpoint());
    acc.accept(a);
  }
};

bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
  auto deadline = clock_type::now() + limit;
  while (!done() && clock_type::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

bytes random_data(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(gen());
  return b;
}

std::string blake2b(const bytes& b) {
  crypto::key32 h;
  crypto_generichash(h.data(), h.size(), b.data(), b.size(), nullptr, 0);
  return crypto::hex(h);
}

// Writes all of `data`, then shuts the send side (or not).
asio::awaitable<void> send_all(tcp::socket& s, const bytes& data, bool shut = true) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(data), use_nothrow);
  if (!ec && shut) s.shutdown(tcp::socket::shutdown_send, ec);
}

// Reads until EOF or an error; `ended` says which.
struct received {
  bytes data;
  bool done = false;
  boost::system::error_code ec;  // eof after a clean end
};
asio::awaitable<void> read_all(tcp::socket& s, received& r) {
  bytes buf(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_nothrow);
    r.data.insert(r.data.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) {
      r.ec = ec;
      r.done = true;
      co_return;
    }
  }
}

// The route's place: copies one direction, counting, and can flip one byte,
// cut the link after some bytes (FIN, no FINAL record) or keep a copy.
struct tap_options {
  std::optional<std::size_t> flip_at;
  std::optional<std::size_t> cut_at;
  bytes* record = nullptr;
};
asio::awaitable<void> tap(tcp::socket& from, tcp::socket& to, std::size_t& seen, tap_options o) {
  bytes buf(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), use_nothrow);
    if (o.cut_at && seen + n >= *o.cut_at) n = *o.cut_at - seen;
    if (o.flip_at && *o.flip_at >= seen && *o.flip_at < seen + n) buf[*o.flip_at - seen] ^= 0x04;
    if (o.record) o.record->insert(o.record->end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    seen += n;
    auto [wec, w] = co_await asio::async_write(to, asio::buffer(buf.data(), n), use_nothrow);
    boost::system::error_code ignored;
    if (ec || wec || (o.cut_at && seen >= *o.cut_at)) {
      if (ec == asio::error::eof || (o.cut_at && seen >= *o.cut_at)) {
        to.shutdown(tcp::socket::shutdown_send, ignored);
      } else {
        from.close(ignored);
        to.close(ignored);
      }
      co_return;
    }
  }
}

// One link with all its sockets and both relays.
struct link_fixture {
  asio::io_context io;
  socket_pair client{io};   // a: the client program, b: the use side's plain socket
  socket_pair use_link{io};  // a: the use vnet's link, b: the route's end
  socket_pair serve_link{io};  // a: the route's other end, b: the serve vnet's link
  socket_pair service{io};  // a: the serve side's plain socket, b: the service program
  crypto::group_keys group = crypto::derive_group("test", "");
  std::shared_ptr<crypto::link_keys> keys = std::make_shared<crypto::link_keys>(group.mac_key);
  crypto::key32 link_secret = crypto::random_key();
  std::size_t up_seen = 0, down_seen = 0;
  std::optional<net::secure_stats> use_result, serve_result;

  link_fixture() {
    group.psk = crypto::random_key();  // a keyed group's shape, without Argon2id's cost
    group.mac_key = crypto::random_key();
    group.keyed = true;
    keys->set_mac_key(group.mac_key);
  }

  void start_route(tap_options up = {}, tap_options down = {}) {
    asio::co_spawn(io, tap(use_link.b, serve_link.a, up_seen, up), rethrow);
    asio::co_spawn(io, tap(serve_link.a, use_link.b, down_seen, down), rethrow);
  }
  void start_use(net::await_paired_fn paired = [] () -> asio::awaitable<std::string> { co_return ""; }) {
    net::use_params p{group, link_secret, keys->current()};
    asio::co_spawn(io, run_use(p, paired), rethrow);
  }
  void start_serve() {
    net::serve_params p{group, link_secret, keys};
    asio::co_spawn(io, run_serve(p), rethrow);
  }
  asio::awaitable<void> run_use(net::use_params p, net::await_paired_fn paired) {
    use_result = co_await net::relay_use(client.b, use_link.a, p, paired);
  }
  asio::awaitable<void> run_serve(net::serve_params p) {
    serve_result = co_await net::relay_serve(service.a, serve_link.b, p);
  }
};

TEST(SecureRelay, FourMiBEachWayArriveIntactAndHalfClosesTravel) {
  link_fixture f;
  f.start_route();
  f.start_use();
  f.start_serve();
  auto up = random_data(4 << 20, 1), down = random_data(4 << 20, 2);
  received at_service, at_client;
  asio::co_spawn(f.io, send_all(f.client.a, up), rethrow);
  asio::co_spawn(f.io, send_all(f.service.b, down), rethrow);
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && at_client.done && f.use_result && f.serve_result; }));
  EXPECT_EQ(at_service.ec, asio::error::eof);
  EXPECT_EQ(at_client.ec, asio::error::eof);
  EXPECT_EQ(blake2b(at_service.data), blake2b(up));
  EXPECT_EQ(blake2b(at_client.data), blake2b(down));
  EXPECT_EQ(f.use_result->failure, "");
  EXPECT_EQ(f.serve_result->failure, "");
  EXPECT_EQ(f.use_result->stats.a_to_b, up.size());
  EXPECT_EQ(f.use_result->stats.b_to_a, down.size());
  EXPECT_EQ(f.serve_result->stats.a_to_b, down.size());
  EXPECT_EQ(f.serve_result->stats.b_to_a, up.size());
  EXPECT_FALSE(f.use_result->stats.error);
  // What the route carried is not the plaintext.
  EXPECT_GT(f.up_seen, up.size());
}

TEST(SecureRelay, TheClientShutsItsSendSideAndStillGetsTheReply) {
  link_fixture f;
  f.start_route();
  f.start_use();
  f.start_serve();
  const bytes request{'G', 'E', 'T'}, reply{'2', '0', '0', ' ', 'o', 'k'};
  received at_service, at_client;
  asio::co_spawn(f.io, send_all(f.client.a, request), rethrow);
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  // The service sees the request and its end (EOF) before it answers.
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done; }));
  EXPECT_EQ(at_service.data, request);
  EXPECT_EQ(at_service.ec, asio::error::eof);
  EXPECT_FALSE(at_client.done);
  asio::co_spawn(f.io, send_all(f.service.b, reply), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_client.done && f.use_result && f.serve_result; }));
  EXPECT_EQ(at_client.data, reply);
  EXPECT_EQ(at_client.ec, asio::error::eof);
  EXPECT_EQ(f.use_result->failure, "");
  EXPECT_EQ(f.serve_result->failure, "");
}

TEST(SecureRelay, TheUseSidesFirstBytesAreOnTheLinkBeforeItIsPaired) {
  link_fixture f;
  f.start_route();
  const bytes first{'h', 'e', 'l', 'l', 'o'};
  const std::size_t expected = crypto::use_hello_size + crypto::record_prefix + first.size() + crypto::record_overhead;
  std::size_t seen_when_paired = 0;
  // The route's link_result waits until the hello and the first record have passed the tap.
  f.start_use([&]() -> asio::awaitable<std::string> {
    asio::steady_timer t(f.io);
    auto deadline = clock_type::now() + 30s;
    while (f.up_seen < expected && clock_type::now() < deadline) {
      t.expires_after(5ms);
      co_await t.async_wait(use_nothrow);
    }
    seen_when_paired = f.up_seen;
    co_return "";
  });
  asio::co_spawn(f.io, send_all(f.client.a, first, false), rethrow);
  received at_service;
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return seen_when_paired != 0; }));
  EXPECT_EQ(seen_when_paired, expected);
  f.start_serve();  // the serve side joins only now, as after link_request
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.data.size() >= first.size(); }));
  EXPECT_EQ(at_service.data, first);
}

// A byte flipped on the link by the route: the record fails, both ends are
// closed, and what arrived is an intact prefix of what was sent.
void flipped_byte_case(bool upward) {
  link_fixture f;
  const std::size_t offset = (upward ? crypto::use_hello_size : crypto::serve_hello_size) + 300000;
  tap_options flip;
  flip.flip_at = offset;
  if (upward)
    f.start_route(flip, {});
  else
    f.start_route({}, flip);
  f.start_use();
  f.start_serve();
  auto up = random_data(2 << 20, 3), down = random_data(2 << 20, 4);
  received at_service, at_client;
  asio::co_spawn(f.io, send_all(f.client.a, up), rethrow);
  asio::co_spawn(f.io, send_all(f.service.b, down), rethrow);
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && at_client.done && f.use_result && f.serve_result; }));
  auto& receiver = upward ? at_service : at_client;
  auto& sent = upward ? up : down;
  auto& detector = upward ? f.serve_result : f.use_result;
  EXPECT_EQ(detector->failure, "a record failed authentication");
  EXPECT_LT(receiver.data.size(), sent.size());
  EXPECT_LT(receiver.data.size(), offset);  // nothing of the bad record or after it
  EXPECT_TRUE(std::equal(receiver.data.begin(), receiver.data.end(), sent.begin()));
  // The other program's connection ended too (closed, not left hanging).
  auto& other = upward ? at_client : at_service;
  EXPECT_TRUE(other.done);
}

TEST(SecureRelay, AByteFlippedUpstreamClosesBothEndsAndDeliversNoCorruptByte) { flipped_byte_case(true); }
TEST(SecureRelay, AByteFlippedDownstreamClosesBothEndsAndDeliversNoCorruptByte) { flipped_byte_case(false); }

TEST(SecureRelay, ALinkCutWithoutItsFinalRecordIsAnErrorNotAnEnd) {
  link_fixture f;
  tap_options cut;
  cut.cut_at = crypto::use_hello_size + 100000;
  f.start_route(cut, {});
  f.start_use();
  f.start_serve();
  auto up = random_data(1 << 20, 5);
  received at_service, at_client;
  asio::co_spawn(f.io, send_all(f.client.a, up, false), rethrow);
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && at_client.done && f.serve_result && f.use_result; }));
  EXPECT_EQ(f.serve_result->failure, "the link ended without its final record");
  EXPECT_LT(at_service.data.size(), 100000u);
  EXPECT_TRUE(std::equal(at_service.data.begin(), at_service.data.end(), up.begin()));
}

TEST(SecureRelay, ARecordLengthOverTheLimitEndsTheLinkAtOnce) {
  link_fixture f;
  // A valid use hello, then a record prefix announcing 4 GiB: refused from
  // the prefix, without waiting for (or making room for) the record.
  crypto::use_handshake hs;
  crypto::record_sealer up;
  ASSERT_EQ(hs.start(f.group, f.link_secret, f.keys->current(), up), "");
  bytes opening(crypto::use_hello_size + 7, 0xff);
  std::copy(hs.hello().begin(), hs.hello().end(), opening.begin());  // then ff ff ff ff ...
  f.start_serve();
  asio::co_spawn(f.io, send_all(f.serve_link.a, opening, false), rethrow);
  received at_service;
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && f.serve_result; }, 10s));
  EXPECT_EQ(f.serve_result->failure, "a record's length is out of bounds");
  EXPECT_TRUE(at_service.data.empty());
}

TEST(SecureRelay, ARefusedLinkClosesTheClientPromptly) {
  link_fixture f;
  f.start_route();
  f.start_use([]() -> asio::awaitable<std::string> { co_return "serve 700 is not online"; });
  received at_client;
  asio::co_spawn(f.io, send_all(f.client.a, bytes(10, 'x'), false), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_client.done && f.use_result; }, 5s));
  EXPECT_TRUE(at_client.data.empty());
  EXPECT_EQ(f.use_result->failure, "serve 700 is not online");
}

TEST(SecureRelay, AnOpeningRecordedAndReplayedReachesNothing) {
  bytes recorded;
  link_fixture f;
  tap_options rec;
  rec.record = &recorded;
  f.start_route(rec, {});
  f.start_use();
  f.start_serve();
  auto up = random_data(5000, 6);
  received at_service, at_client;
  asio::co_spawn(f.io, send_all(f.client.a, up), rethrow);
  asio::co_spawn(f.io, send_all(f.service.b, bytes{}), rethrow);
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && f.serve_result; }));
  ASSERT_EQ(at_service.data, up);

  // A malicious route plays the recording to the same serving vnet again.
  socket_pair link2(f.io), service2(f.io);
  net::serve_params p{f.group, f.link_secret, f.keys};
  std::optional<net::secure_stats> replay_result;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    replay_result = co_await net::relay_serve(service2.a, link2.b, p);
  }, rethrow);
  asio::co_spawn(f.io, send_all(link2.a, recorded), rethrow);
  received at_service2;
  asio::co_spawn(f.io, read_all(service2.b, at_service2), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service2.done && replay_result; }));
  EXPECT_EQ(replay_result->failure, "replayed link opening");
  EXPECT_TRUE(at_service2.data.empty());
}

TEST(SecureRelay, AnUnknownLinkKeyIsRefused) {
  link_fixture f;
  f.start_route();
  auto old_keys = std::make_shared<crypto::link_keys>(f.group.mac_key);  // not the serve side's
  net::use_params p{f.group, f.link_secret, old_keys->current()};
  asio::co_spawn(f.io, f.run_use(p, [] () -> asio::awaitable<std::string> { co_return ""; }), rethrow);
  f.start_serve();
  ASSERT_TRUE(run_until(f.io, [&] { return f.serve_result && f.use_result; }));
  EXPECT_EQ(f.serve_result->failure, "unknown link key " + std::to_string(old_keys->current().key_id));
}

TEST(SecureRelay, AServeKeyTheGroupDidNotSignGetsNoByte) {
  link_fixture f;
  f.start_route();
  auto swapped = crypto::link_keys(crypto::random_key()).current();  // the route's own key
  net::use_params p{f.group, f.link_secret, swapped};
  asio::co_spawn(f.io, f.run_use(p, [] () -> asio::awaitable<std::string> { co_return ""; }), rethrow);
  asio::co_spawn(f.io, send_all(f.client.a, bytes(10, 'x'), false), rethrow);
  received at_client;
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_client.done && f.use_result; }, 10s));
  EXPECT_NE(f.use_result->failure.find("which this group's key did not sign"), std::string::npos);
  EXPECT_EQ(f.up_seen, 0u);  // not even the hello
}

// Counts and discards what arrives (the bench keeps no copy).
asio::awaitable<void> drain(tcp::socket& s, std::size_t& count, bool& done) {
  bytes buf(256 * 1024);
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_nothrow);
    count += n;
    if (ec) break;
  }
  done = true;
}

// Throughput over loopback, plain relay vs encrypting relays, same shape
// (client, two relays and a tap playing the route, service, all on one
// thread), best of three alternating runs; and the record layer alone in
// memory. Printed, not asserted: the CPU is shared. Disabled in the suite
// (seconds of CPU); run it with
//   secure_relay_tests --gtest_also_run_disabled_tests --gtest_filter='*Bench*'
TEST(SecureRelayBench, DISABLED_ThroughputPlainVsEncrypted) {
  const std::size_t total = 64 << 20;
  auto data = random_data(total, 7);
  auto measure = [&](bool encrypted) {
    link_fixture f;
    f.start_route();
    std::optional<net::relay_stats> plain_use, plain_serve;
    if (encrypted) {
      f.start_use();
      f.start_serve();
    } else {
      asio::co_spawn(f.io, [&]() -> asio::awaitable<void> { plain_use = co_await net::relay(f.client.b, f.use_link.a); }, rethrow);
      asio::co_spawn(f.io, [&]() -> asio::awaitable<void> { plain_serve = co_await net::relay(f.serve_link.b, f.service.a); }, rethrow);
    }
    std::size_t got = 0, back = 0;
    bool service_done = false, client_done = false;
    auto t0 = clock_type::now();
    asio::co_spawn(f.io, send_all(f.client.a, data), rethrow);
    asio::co_spawn(f.io, send_all(f.service.b, bytes{}), rethrow);
    asio::co_spawn(f.io, drain(f.service.b, got, service_done), rethrow);
    asio::co_spawn(f.io, drain(f.client.a, back, client_done), rethrow);
    EXPECT_TRUE(run_until(f.io, [&] { return service_done && client_done; }, 120s));
    double s = std::chrono::duration<double>(clock_type::now() - t0).count();
    EXPECT_EQ(got, total);
    return total / s / (1 << 20);
  };
  double plain = 0, enc = 0;
  for (int i = 0; i < 3; ++i) {
    plain = std::max(plain, measure(false));
    enc = std::max(enc, measure(true));
  }
  // The record layer alone: seal and open 64 MiB in 64 KiB records.
  link_fixture f;
  crypto::use_handshake hs;
  crypto::record_sealer up;
  crypto::record_opener down;
  crypto::record_sealer seal;
  crypto::record_opener open;
  crypto::serve_hello reply;
  ASSERT_EQ(hs.start(f.group, f.link_secret, f.keys->current(), seal), "");
  ASSERT_EQ(crypto::answer_use(f.group, f.link_secret, hs.hello(), *f.keys, open, up, reply), "");
  auto t0 = clock_type::now();
  bytes sealed, plain_out;
  for (std::size_t at = 0; at < total; at += crypto::max_record) {
    sealed.clear();
    plain_out.clear();
    seal.seal(std::span<const std::uint8_t>(data.data() + at, crypto::max_record), false, sealed);
    ASSERT_EQ(open.open(std::span<const std::uint8_t>(sealed.data() + 4, sealed.size() - 4), plain_out),
              crypto::record_opener::result::data);
  }
  double mem = total / std::chrono::duration<double>(clock_type::now() - t0).count() / (1 << 20);
  std::printf("[ bench ] 64 MiB one way, one thread, best of 3: plain relay %.0f MiB/s, "
              "encrypted relay %.0f MiB/s; seal+open in memory %.0f MiB/s\n", plain, enc, mem);
}

}  // namespace
