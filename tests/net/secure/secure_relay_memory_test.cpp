// What an encrypted link holds in memory (net/secure/secure_relay.cpp's pumps): an
// idle link lends no buffer, a full peer costs only the unsent bytes, half a
// record only its own bytes.
#include <malloc.h>

#include <gtest/gtest.h>

#include "net/secure/link_waits.hpp"
#include "secure_link.hpp"

namespace {

using namespace secure_link;

// 500 links that carried one message each way and went idle hold no pooled
// buffer and no byte: their pumps wait for readiness with nothing lent.
TEST(SecureRelayMemory, FiveHundredIdleLinksHoldNoBuffer) {
  asio::io_context io;
  link_fixture keys_from;  // group and link keys (its sockets stay unused)
  std::vector<std::unique_ptr<wired_link>> links;
  const std::size_t count = 500;
  std::size_t echoed = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto& l = *links.emplace_back(std::make_unique<wired_link>(io));
    l.start(io, keys_from);
    // One message up and its echo down, then the link stays open and idle.
    asio::co_spawn(io, l.echo_once(echoed), rethrow);
  }
  ASSERT_TRUE(run_until(io, [&] { return echoed == count; }, 120s));
  auto idle = net::secure::link_buffers();
  EXPECT_EQ(idle.lent, 0u);
  EXPECT_EQ(idle.held_bytes, 0u);
  for (auto& l : links) EXPECT_FALSE(l->use_result || l->serve_result);  // still open
}

// Bytes the heap has handed out and not taken back.
std::size_t heap_in_use() { return mallinfo2().uordblks; }

// Once set up, an idle link is its encrypted_link and one pending wait per
// direction on each side: the setup coroutines have ended, and no buffer or
// frame stays. Both sides of each link run in this process (their sockets
// are made before the first count), so the bound is for the two together:
// 2 KiB a side (about 1 KiB measured). A setup coroutine that lives on, on
// one side alone, crosses it.
TEST(SecureRelayMemory, AnIdleLinkCostsEachSideUnderTwoKiBOfHeap) {
  asio::io_context io;
  link_fixture keys_from;
  const std::size_t count = 500;
  std::vector<std::unique_ptr<wired_link>> links;
  for (std::size_t i = 0; i <= count; ++i) links.push_back(std::make_unique<wired_link>(io));
  // One link first, so that what is made once (this thread's pooled buffer,
  // asio's recycled handler memory) is in the first count.
  std::size_t echoed = 0;
  links[0]->start(io, keys_from);
  asio::co_spawn(io, links[0]->echo_once(echoed), rethrow);
  ASSERT_TRUE(run_until(io, [&] { return echoed == 1; }, 30s));
  const std::size_t before = heap_in_use();
  for (std::size_t i = 1; i <= count; ++i) {
    links[i]->start(io, keys_from);
    asio::co_spawn(io, links[i]->echo_once(echoed), rethrow);
  }
  ASSERT_TRUE(run_until(io, [&] { return echoed == count + 1; }, 120s));
  const std::size_t after = heap_in_use();
  const std::size_t per_link = after > before ? (after - before) / count : 0;
  std::printf("heap per idle link, both sides: %zu bytes\n", per_link);
  EXPECT_GT(per_link, 0u);  // the count sees the links at all
  EXPECT_LE(per_link, 2 * 2048u);
  for (auto& l : links) EXPECT_FALSE(l->use_result || l->serve_result);  // still open
}

// A service that does not read: the pumps stop, each keeping only the bytes
// its peer did not take (no pooled buffer), and everything arrives intact
// once the service reads. The waits for room are counted (vnet_link_waits_total).
TEST(SecureRelayMemory, AFullPeerCostsTheLinkOnlyItsUnsentBytes) {
  const auto waits_before = net::secure::link_waits();
  link_fixture f;
  f.start_route();
  f.start_use();
  f.start_serve();
  auto up = random_payload(16 << 20, 8);
  asio::co_spawn(f.io, send_all(f.client.a, up), rethrow);
  // 16 MiB is more than the loopback sockets' buffers take: the pumps end up
  // waiting on full peers, holding their unsent bytes.
  ASSERT_TRUE(run_until(f.io, [&] { return net::secure::link_buffers().held_bytes > 0; }, 30s));
  std::size_t last = 0;
  ASSERT_TRUE(run_until(f.io, [&] {  // until the use side's relay has stopped moving bytes
    auto now = f.up_seen;
    bool still = now == last && now > 0;
    last = now;
    return still;
  }, 30s));
  auto stalled = net::secure::link_buffers();
  EXPECT_EQ(stalled.lent, 0u);
  EXPECT_GT(stalled.held_bytes, 0u);
  // At most one read's worth per direction (use side sealing, serve side opening), not a buffer each plus queues.
  EXPECT_LE(stalled.held_bytes, 2 * net::secure::pooled_buffer_size);
  const auto waits_stalled = net::secure::link_waits();
  EXPECT_GT(waits_stalled.for_write, waits_before.for_write);
  EXPECT_GT(waits_stalled.for_read, waits_before.for_read);
  received at_service, at_client;
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  asio::co_spawn(f.io, send_all(f.service.b, bytes{}), rethrow);
  asio::co_spawn(f.io, read_all(f.client.a, at_client), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.done && at_client.done && f.use_result && f.serve_result; }));
  EXPECT_EQ(blake2b(at_service.data), blake2b(up));
  EXPECT_EQ(f.serve_result->failure, "");
  EXPECT_EQ(net::secure::link_buffers().held_bytes, 0u);
}

// Bytes a full peer did not take go out once it reads, though nothing comes
// behind them: the sender goes quiet without closing (no FINAL to wake the
// relay), and small buffers at the reader make the last writes partial.
void quiet_sender_case(bool upward) {
  link_fixture f;
  tcp::socket& sender = upward ? f.client.a : f.service.b;
  tcp::socket& reader = upward ? f.service.b : f.client.a;
  tcp::socket& relayed_to = upward ? f.service.a : f.client.b;  // the side's plain socket
  relayed_to.set_option(asio::socket_base::send_buffer_size(32 * 1024));
  reader.set_option(asio::socket_base::receive_buffer_size(32 * 1024));
  f.start_route();
  f.start_use();
  f.start_serve();
  auto data = random_payload(8 << 20, upward ? 12 : 13);
  asio::co_spawn(f.io, send_all(sender, data, false), rethrow);
  bytes got(data.size());
  std::size_t n = 0;
  asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
    while (n < got.size()) {
      auto [ec, m] = co_await reader.async_read_some(asio::buffer(got.data() + n, got.size() - n), use_nothrow);
      n += m;
      if (ec) co_return;
    }
  }, rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return n == data.size(); }, 30s)) << n << " of " << data.size();
  EXPECT_EQ(blake2b(got), blake2b(data));
  EXPECT_FALSE(f.use_result || f.serve_result);  // still open: nobody closed
}

TEST(SecureRelayMemory, HeldBytesReachTheServiceThoughTheClientGoesQuiet) { quiet_sender_case(true); }

TEST(SecureRelayMemory, HeldBytesReachTheClientThoughTheServiceGoesQuiet) { quiet_sender_case(false); }

// Half a record on the link: the serve side keeps exactly those bytes (not a
// buffer) until the rest comes, then delivers the whole record.
TEST(SecureRelayMemory, APartialRecordKeepsOnlyItsOwnBytes) {
  link_fixture f;
  crypto::record_sealer up;
  crypto::record_opener down;
  bool ready = false;
  f.start_serve();
  asio::co_spawn(f.io, open_by_hand(f, up, down, ready), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return ready; }, 10s));
  auto plain = random_payload(10000, 9);
  bytes record;
  up.seal(plain, false, record);
  const std::size_t half = record.size() / 2;
  bytes first(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(half));
  asio::co_spawn(f.io, send_all(f.serve_link.a, first, false), rethrow);
  received at_service;
  asio::co_spawn(f.io, read_all(f.service.b, at_service), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return net::secure::link_buffers().held_bytes == half; }, 10s))
      << net::secure::link_buffers().held_bytes;
  EXPECT_EQ(net::secure::link_buffers().lent, 0u);
  EXPECT_TRUE(at_service.data.empty());
  bytes rest(record.begin() + static_cast<std::ptrdiff_t>(half), record.end());
  asio::co_spawn(f.io, send_all(f.serve_link.a, rest, false), rethrow);
  ASSERT_TRUE(run_until(f.io, [&] { return at_service.data.size() == plain.size(); }, 10s));
  EXPECT_EQ(blake2b(at_service.data), blake2b(plain));
  EXPECT_EQ(net::secure::link_buffers().held_bytes, 0u);
}

}  // namespace
