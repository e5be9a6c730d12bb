// The cost of link encryption, printed (not asserted: the CPU is shared).
#include <gtest/gtest.h>

#include <algorithm>
#include <malloc.h>

#include <cstdio>
#include <ctime>

#include "secure_link.hpp"

namespace {

using namespace secure_link;

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

// The plain relays in place of the encrypting ones. The route's tap first
// reads the serve side's link_result (link_fixture::route_down), as the
// route does: without it the tap closes both links after the first pipe's
// worth of bytes, and the plain runs never finished.
void start_plain(link_fixture& f, std::optional<net::relay::relay_stats>& use,
                 std::optional<net::relay::relay_stats>& serve) {
  auto answer = protocol::encode(protocol::link_result{true, {}});
  asio::write(f.serve_link.b, asio::buffer(answer));
  asio::co_spawn(f.io, net::relay::start_relay(std::make_shared<test_pair>(f.client.b, f.use_link.a, use)), rethrow);
  asio::co_spawn(f.io, net::relay::start_relay(std::make_shared<test_pair>(f.serve_link.b, f.service.a, serve)), rethrow);
}

// Throughput and 1-byte round trips over loopback, plain relay vs encrypting
// relays, same shape (client, two relays and a tap playing the route,
// service, all on one thread), best of three alternating runs; and the
// record layer alone in memory. Not in ctest (seconds of CPU): run build/tests/secure_relay_bench.
TEST(SecureRelayBench, ThroughputAndRoundTripPlainVsEncrypted) {
  const std::size_t total = 64 << 20;
  auto data = random_payload(total, 7);
  auto measure = [&](bool encrypted) {
    link_fixture f;
    f.start_route();
    std::optional<net::relay::relay_stats> plain_use, plain_serve;
    if (encrypted) {
      f.start_use();
      f.start_serve();
    } else {
      start_plain(f, plain_use, plain_serve);
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
  // Small-message round trips: 1 byte to the service, 1 byte back, 2000 times.
  auto round_trip = [&](bool encrypted) {
    link_fixture f;
    f.start_route();
    std::optional<net::relay::relay_stats> plain_use, plain_serve;
    if (encrypted) {
      f.start_use();
      f.start_serve();
    } else {
      start_plain(f, plain_use, plain_serve);
    }
    const int rounds = 2000;
    bool done = false;
    auto t0 = clock_type::now();
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
      std::uint8_t b = 1;
      for (int i = 0; i < rounds; ++i) {
        co_await asio::async_write(f.client.a, asio::buffer(&b, 1), use_nothrow);
        co_await asio::async_read(f.service.b, asio::buffer(&b, 1), use_nothrow);
        co_await asio::async_write(f.service.b, asio::buffer(&b, 1), use_nothrow);
        co_await asio::async_read(f.client.a, asio::buffer(&b, 1), use_nothrow);
      }
      done = true;
    }, rethrow);
    EXPECT_TRUE(run_until(f.io, [&] { return done; }, 120s));
    return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count() / rounds;
  };
  double rtt_plain = 1e9, rtt_enc = 1e9;
  for (int i = 0; i < 3; ++i) {
    rtt_plain = std::min(rtt_plain, round_trip(false));
    rtt_enc = std::min(rtt_enc, round_trip(true));
  }
  std::printf("[ bench ] 1-byte round trip, best of 3: plain relay %.0f us, encrypted relay %.0f us\n",
              rtt_plain, rtt_enc);

  // The record layer alone: seal and open 64 MiB in 64 KiB records.
  link_fixture f;
  crypto::use_handshake hs;
  crypto::serve_handshake serve;
  crypto::record_sealer down_seal;
  crypto::record_opener down_open;
  crypto::record_sealer seal;
  crypto::record_opener open;
  crypto::serve_hello reply;
  ASSERT_EQ(why_of(hs.start(f.group, f.link_secret, f.keys->current(), 0, crypto::local_suites(), seal)), "");
  ASSERT_EQ(why_of(serve.start(f.group, f.link_secret, 0, hs.hello(), *f.keys, open)), "");
  serve.finish(1, crypto::local_suites(), open, down_seal, reply);
  ASSERT_EQ(why_of(hs.finish(reply, seal, down_open)), "");
  auto t0 = clock_type::now();
  bytes sealed, plain_out;
  for (std::size_t at = 0; at < total; at += crypto::max_record) {
    sealed.clear();
    plain_out.clear();
    seal.seal(std::span<const std::uint8_t>(data.data() + at, crypto::max_record), false, sealed);
    ASSERT_EQ(open.open(sealed, plain_out),
              crypto::record_opener::result::data);
  }
  double mem = total / std::chrono::duration<double>(clock_type::now() - t0).count() / (1 << 20);
  std::printf("[ bench ] 64 MiB one way, one thread, best of 3: plain relay %.0f MiB/s, "
              "encrypted relay %.0f MiB/s; seal+open in memory %.0f MiB/s\n", plain, enc, mem);
}

// The record size, measured: seal + open of 64 MiB in memory, one thread, in
// records of each size up to max_record, on each suite (the cipher's fixed
// cost per record, its key setup and the tag, against its cost per byte).
// Per second of this thread's CPU time, so that other processes on a shared
// machine do not count. docs/performance.md ("Record size") has a run.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

TEST(SecureRelayBench, SealAndOpenPerRecordSize) {
  const std::size_t total = 64 << 20;
  auto data = random_payload(crypto::max_record, 9);
  for (crypto::suite s : {crypto::suite::chacha20_poly1305, crypto::suite::aes256_gcm}) {
    for (std::size_t size : {std::size_t{1024}, std::size_t{4096}, std::size_t{16384}, std::size_t{32768},
                             crypto::max_record}) {
      double best = 0;
      for (int round = 0; round < 3; ++round) {
        crypto::record_sealer seal;
        crypto::record_opener open;
        crypto::key32 k = crypto::random_key();
        seal.start(k, s);
        seal.set_padding(false);  // the cipher's cost per size, not the bucket's
        open.start(k, s);
        bytes sealed(crypto::record_prefix + size + crypto::record_overhead);
        const double t0 = thread_cpu_seconds();
        for (std::size_t at = 0; at < total; at += size) {
          std::copy_n(data.begin(), size, sealed.begin() + crypto::record_prefix + crypto::record_flag);
          seal.seal_in_place(sealed, size, false);
          std::span<const std::uint8_t, crypto::record_prefix> prefix(sealed.data(), crypto::record_prefix);
          std::span<std::uint8_t> ct(sealed.data() + crypto::record_prefix, sealed.size() - crypto::record_prefix);
          ASSERT_EQ(open.open_in_place(prefix, ct).kind, crypto::record_opener::result::data);
        }
        best = std::max(best, total / (thread_cpu_seconds() - t0) / (1 << 20));
      }
      std::printf("[ bench ] %s, %6zu-byte records: seal+open %.0f MiB per CPU second\n", crypto::suite_name(s), size, best);
    }
  }
}

}  // namespace

// Live heap bytes (glibc): Asio allocates coroutine frames with aligned_alloc,
// which a replaced operator new would not see.
namespace {
std::int64_t heap_in_use() { return static_cast<std::int64_t>(mallinfo2().uordblks); }
}  // namespace

namespace {

using namespace secure_link;

// The heap one idle link costs on each side (both relays of 200 links, after
// one echo each), as the vnets' RSS per idle link is made of it.
TEST(SecureRelayBench, HeapPerIdleLink) {
  asio::io_context io;
  link_fixture keys_from;
  const std::size_t count = 200;
  std::vector<std::unique_ptr<wired_link>> links;
  for (std::size_t i = 0; i < count; ++i) links.push_back(std::make_unique<wired_link>(io));
  std::size_t echoed = 0;
  // A warm-up link first: the thread's pooled buffer and recycled frames.
  auto start = [&](wired_link& l) {
    l.start(io, keys_from);
    asio::co_spawn(io, l.echo_once(echoed), rethrow);
  };
  start(*links[0]);
  ASSERT_TRUE(run_until(io, [&] { return echoed == 1; }));
  auto bytes0 = heap_in_use();
  for (std::size_t i = 1; i < count; ++i) start(*links[i]);
  ASSERT_TRUE(run_until(io, [&] { return echoed == count; }));
  double per = double(heap_in_use() - bytes0) / double(count - 1);
  std::printf("[ bench ] heap per idle link, use + serve relays together: %.0f bytes\n", per);
}

}  // namespace
