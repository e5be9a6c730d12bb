// Frame I/O in isolation, on loopback sockets of the test's own io_context:
// a payload buffer grows with the bytes that came (not with the header's
// promise), reads stay exact, single writes have a deadline, and a session's
// send queue has a bound and a drain deadline.
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "fake_vnet.hpp"
#include "harness.hpp"
#include "net/frame/frame_io.hpp"
#include "net/pace.hpp"
#include "protocol/limits.hpp"

namespace e2e {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Completion of the test's coroutines: an exception fails the test loudly.
inline constexpr auto rethrow = [](std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
};

struct socket_pair {
  tcp::socket a, b;  // a: the side under test, b: the peer
  explicit socket_pair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    b.connect(acc.local_endpoint());
    acc.accept(a);
  }
  // Small kernel buffers, so that "the peer does not read" shows at once.
  void shrink_buffers() {
    a.set_option(asio::socket_base::send_buffer_size(4096));
    b.set_option(asio::socket_base::receive_buffer_size(4096));
  }
};

// Runs the io_context until `done` holds (or 10 s pass).
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  auto deadline = clock::now() + 10s;
  while (!done() && clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

std::size_t heap_in_use() {
  auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::vector<std::uint8_t> header(std::uint32_t length, std::uint16_t type) {
  return {static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
          static_cast<std::uint8_t>(length >> 8),  static_cast<std::uint8_t>(length),
          static_cast<std::uint8_t>(type >> 8),    static_cast<std::uint8_t>(type)};
}

protocol::serve_list big_list(std::size_t serves) {
  protocol::serve_list l{3, {}};
  for (std::size_t i = 0; i < serves; ++i)
    l.serves.push_back({{static_cast<std::uint16_t>(i + 1), "s" + std::to_string(i), "tcp", "127.0.0.1", 22,
                         std::string(500, static_cast<char>('a' + i % 26))},
                        7, "home"});
  return l;
}

TEST(FrameIo, AFrameOverManyChunksIsWholeAndNothingPastItIsRead) {
  asio::io_context io;
  socket_pair p(io);
  auto list = big_list(300);  // ~160 KB: several read chunks
  auto bytes = protocol::encode(list);
  ASSERT_GT(bytes.size(), 2 * net::frame::read_chunk);
  const std::string tail = "relayed stream";
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  // The peer sends in uneven pieces, with pauses, so the reader sees partial payloads.
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (std::size_t at = 0; at < bytes.size();) {
      std::size_t n = std::min<std::size_t>(bytes.size() - at, 10007);
      co_await asio::async_write(p.b, asio::buffer(bytes.data() + at, n), net::use_nothrow);
      at += n;
      co_await net::sleep_for(1ms);
    }
  }, rethrow);
  std::optional<net::frame::frame_result> got;
  std::string after;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    net::frame::frame_result r = co_await net::frame::read_frame(p.a, protocol::max_payload);
    got = std::move(r);
    std::string rest(tail.size(), '\0');
    co_await asio::async_read(p.a, asio::buffer(rest), net::use_nothrow);
    after = rest;
  }, rethrow);
  ASSERT_TRUE(run_until(io, [&] { return !after.empty(); }));
  ASSERT_FALSE(got->ec) << got->ec.message();
  EXPECT_EQ(std::get<protocol::serve_list>(got->msg), list);
  EXPECT_EQ(after, tail);
}

// 100 peers announce 1 MiB each and send one byte of it: the reader holds
// what came, not what was announced.
TEST(FrameIo, AnAnnouncedLengthCostsNothingUntilItsBytesCome) {
  asio::io_context io;
  std::vector<std::unique_ptr<socket_pair>> pairs;
  for (int i = 0; i < 100; ++i) pairs.push_back(std::make_unique<socket_pair>(io));
  int finished = 0;
  const auto before = heap_in_use();
  for (auto& p : pairs) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      net::frame::frame_result r = co_await net::frame::read_frame(p->a, protocol::max_payload);
      ++finished;
    }, rethrow);
    auto h = header(protocol::max_payload, 0x20);  // a ping 1 MiB long
    h.push_back(0);
    asio::write(p->b, asio::buffer(h));
  }
  // Every reader has taken its header and the byte: nothing is left in the kernel.
  ASSERT_TRUE(run_until(io, [&] {
    for (auto& p : pairs)
      if (p->a.available() != 0) return false;
    return true;
  }));
  const auto grown = heap_in_use() - std::min(before, heap_in_use());
  EXPECT_LT(grown, 10u << 20) << "heap grew by " << grown << " bytes for 100 announced MiB";
  EXPECT_EQ(finished, 0);
  for (auto& p : pairs) p->b.close();  // each reader now sees a truncated frame
  ASSERT_TRUE(run_until(io, [&] { return finished == 100; }));
}

TEST(FrameIo, AWriteThePeerDoesNotTakeTimesOut) {
  asio::io_context io;
  socket_pair p(io);
  p.shrink_buffers();
  std::optional<net::error_code> ec;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    std::vector<std::uint8_t> frame(16u << 20, 'x');
    auto r = co_await net::frame::write_frame(p.a, std::move(frame), 300ms);
    ec = r;
  }, rethrow);
  auto start = clock::now();
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_EQ(*ec, asio::error::timed_out) << ec->message();
  EXPECT_GE(clock::now() - start, 250ms);
}

protocol::message filler() { return protocol::error{0, std::string(1000, 'q')}; }

TEST(Outbox, APeerThatDoesNotReadHitsTheBound) {
  asio::io_context io;
  socket_pair p(io);
  p.shrink_buffers();
  net::frame::outbox box(io.get_executor(), net::frame::outbox_limits{.drain_timeout = 60s});
  std::optional<net::error_code> ec;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { ec = co_await box.run(p.a); }, rethrow);
  std::size_t most = 0;
  for (int i = 0; i < 10000 && !ec; ++i) {
    box.send(filler());
    most = std::max(most, box.queued());
    io.restart();
    io.poll();
  }
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_EQ(*ec, asio::error::no_buffer_space) << ec->message();
  EXPECT_LE(most, 4u << 20);
  EXPECT_EQ(box.stall(), "more than 4 MiB queued");
  EXPECT_LE(box.queued(), 64u * 1024) << "the queue is given back at once";
}

TEST(Outbox, FramesNotTakenWithinTheDrainDeadlineEndIt) {
  asio::io_context io;
  socket_pair p(io);
  p.shrink_buffers();
  net::frame::outbox box(io.get_executor(), net::frame::outbox_limits{.drain_timeout = 300ms});
  std::optional<net::error_code> ec;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { ec = co_await box.run(p.a); }, rethrow);
  for (int i = 0; i < 1000; ++i) box.send(filler());  // ~1 MiB: under the bound
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_EQ(*ec, asio::error::timed_out) << ec->message();
  EXPECT_NE(box.stall().find("nothing taken for 300 ms"), std::string::npos) << box.stall();
}

// A slow reader that keeps taking bytes is not a stalled one: every byte
// arrives, in order, though the whole takes many drain deadlines.
TEST(Outbox, ASlowReaderThatKeepsReadingGetsEverything) {
  asio::io_context io;
  socket_pair p(io);
  p.a.set_option(asio::socket_base::send_buffer_size(4096));
  // A receive window under loopback's MSS stalls TCP itself (persist timer):
  // keep the reader's window ordinary, the sender's buffer small.
  p.b.set_option(asio::socket_base::receive_buffer_size(128 * 1024));
  net::frame::outbox box(io.get_executor(), net::frame::outbox_limits{.drain_timeout = 200ms});
  std::vector<std::uint8_t> expected;
  for (int i = 0; i < 3000; ++i) {
    auto m = protocol::message{protocol::error{static_cast<std::uint16_t>(i), std::string(1000, 'a' + i % 26)}};
    auto f = protocol::encode(m);
    expected.insert(expected.end(), f.begin(), f.end());
    box.send(m);
  }
  box.close();
  std::optional<net::error_code> ec;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { ec = co_await box.run(p.a); }, rethrow);
  std::vector<std::uint8_t> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    std::vector<std::uint8_t> chunk(64 * 1024);
    for (;;) {
      auto [rec, n] = co_await p.b.async_read_some(asio::buffer(chunk), net::use_nothrow);
      got.insert(got.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      if (rec) break;
      co_await net::sleep_for(20ms);  // a slow reader's pace
    }
  }, rethrow);
  ASSERT_TRUE(run_until(io, [&] { return ec.has_value(); }));
  EXPECT_FALSE(*ec) << ec->message();
  p.a.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(run_until(io, [&] { return got.size() >= expected.size(); }));
  EXPECT_TRUE(got == expected);
}

// The vnet's side reads with the same read_frame: a serve list pushed over
// several chunks (two vnets' 80 serves with the longest info, ~90 KB) arrives
// whole, and the use of the last serve in it starts listening.
TEST(FrameIo, AVnetReadsAServeListLongerThanAChunk) {
  world w;
  w.start_route();
  std::vector<std::unique_ptr<fake_vnet>> servers;
  for (std::uint16_t base : {600, 700}) {
    servers.push_back(std::make_unique<fake_vnet>(w.route_port(), "big" + std::to_string(base)));
    auto& c = servers.back()->control();
    for (std::uint16_t i = 0; i < 80; ++i) {
      ASSERT_TRUE(c.send_message(protocol::serve_register{
          i, {static_cast<std::uint16_t>(base + i), "s" + std::to_string(i), "tcp", "127.0.0.1", 9,
              std::string(protocol::max_info_bytes, 'i')}}));
      // Read the answer and the lists pushed meanwhile: a session that does
      // not read is not read either.
      std::optional<protocol::message> m;
      do m = c.recv_message(5s);
      while (m && !std::holds_alternative<protocol::serve_result>(*m));
      ASSERT_TRUE(m && std::get<protocol::serve_result>(*m).ok);
    }
  }
  auto cfg = w.vnet_config("office");
  cfg.uses.push_back(any_port_use("last", 779));
  auto& office = w.start_vnet(cfg);
  EXPECT_TRUE(eventually([&] { return w.use_listening(office, "last"); })) << w.log();
  // All 160 still registered (none of the hand-played vnets was dropped), so
  // the office's list was longer than one chunk.
  auto listed = w.on_io([&] { return w.route_server().state().serves_of_group("default").size(); });
  EXPECT_EQ(listed, 160u);
  EXPECT_GT(protocol::encode(protocol::serve_list{3, std::vector<protocol::listed_serve>(
                160, {{1, "s100", "tcp", "127.0.0.1", 9, std::string(protocol::max_info_bytes, 'i')}, 1, "big600"})})
                .size(),
            net::frame::read_chunk);
  EXPECT_FALSE(w.wait_for_log("office.*(read failed|lost route)", 200ms));
}

TEST(TokenBucket, ABurstThenTheRate) {
  auto t0 = net::token_bucket::clock::now();
  net::token_bucket b(500, 1000, t0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.take(t0), net::duration::zero()) << i;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(b.take(t0)), 2ms);
  // One second later 500 more have come (less the one owed).
  auto t1 = t0 + 1s;
  for (int i = 0; i < 499; ++i) ASSERT_EQ(b.take(t1), net::duration::zero()) << i;
  EXPECT_GT(b.take(t1), net::duration::zero());
}

}  // namespace
}  // namespace e2e
