// One session flooding the route: its requests are paced, its answers are
// bounded, it is dropped when it does not read them, a bad frame is answered
// with an error frame, and another vnet's link setup is not delayed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "harness.hpp"
#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "route/sessions/session.hpp"

namespace e2e {
namespace {

// A hand-played control session whose thread sends `batch` over and over,
// as fast as the route takes it; if `reads`, another thread reads
// everything the route sends and counts the answers to queries.
class flooder {
 public:
  flooder(std::uint16_t port, const std::string& name) {
    ok_ = sock_.connect(port) && sock_.start_tls() &&
          sock_.send_message(protocol::control_hello{protocol::version, name, "default", {}});
    auto m = ok_ ? sock_.recv_message() : std::nullopt;
    ok_ = m && std::holds_alternative<protocol::welcome>(*m);
  }
  ~flooder() { stop(); }
  bool ok() const { return ok_; }
  client_socket& socket() { return sock_; }

  void start(const std::vector<protocol::message>& requests, bool reads) {
    std::vector<std::uint8_t> batch;
    for (const auto& m : requests) {
      auto f = protocol::encode(m);
      batch.insert(batch.end(), f.begin(), f.end());
    }
    running_ = true;
    sender_ = std::thread([this, batch] {
      while (running_ && sock_.send_all(batch)) sent_ += 1;
    });
    if (reads)
      reader_ = std::thread([this] {
        std::vector<char> buf(64 * 1024);
        std::uint8_t header[6];
        std::size_t have = 0, skip = 0;  // header bytes read; payload bytes still to pass
        for (;;) {
          auto n = running_ ? sock_.read_some(buf.data(), buf.size(), std::chrono::steady_clock::now() + 60s) : 0;
          if (n <= 0) break;
          for (std::size_t i = 0; i < static_cast<std::size_t>(n);) {
            if (skip > 0) {
              const auto k = std::min(skip, static_cast<std::size_t>(n) - i);
              skip -= k;
              i += k;
              continue;
            }
            header[have++] = static_cast<std::uint8_t>(buf[i++]);
            if (have < sizeof header) continue;
            have = 0;
            skip = std::size_t{header[0]} << 24 | std::size_t{header[1]} << 16 | std::size_t{header[2]} << 8 | header[3];
            const auto type = static_cast<protocol::type>(header[4] << 8 | header[5]);
            if (type == protocol::serve_query_result::tag || type == protocol::vnet_query_result::tag) answers_ += 1;
          }
        }
      });
  }
  void stop() {
    running_ = false;
    sock_.shutdown_both();  // wakes a blocked send or recv
    if (sender_.joinable()) sender_.join();
    if (reader_.joinable()) reader_.join();
  }
  std::size_t batches_sent() const { return sent_; }
  std::size_t answers() const { return answers_; }  // query answers read (if `reads`)

 private:
  client_socket sock_;
  bool ok_ = false;
  std::atomic<bool> running_{false};
  std::atomic<std::size_t> sent_{0};
  std::atomic<std::size_t> answers_{0};
  std::thread sender_, reader_;
};

// Serves with the longest info, so that the group's serve list is large and
// every serve_query answer costs the route ~25 KB.
void register_big_serves(client_socket& s, int count) {
  for (int i = 0; i < count; ++i)
    ASSERT_TRUE(s.send_message(protocol::serve_register{
        static_cast<std::uint32_t>(i + 1),
        {static_cast<std::uint16_t>(600 + i), "big" + std::to_string(i), "tcp", "127.0.0.1", 9,
         std::string(protocol::max_info_bytes, 'i')}}));
  int ok = 0;
  for (int seen = 0; ok < count && seen < 10 * count; ++seen) {
    auto m = s.recv_message(5s);
    ASSERT_TRUE(m);
    if (auto* r = std::get_if<protocol::serve_result>(&*m)) ok += r->ok;
  }
  ASSERT_EQ(ok, count);
}

// The route answers a burst of pings at its pace, every one of them, in
// order: 3000 pings, 1000 at once and then 500 a second, take about 4 s.
TEST(Flood, PingsAreAnsweredAtTheSessionsPaceNoneDropped) {
  world w;
  w.start_route();
  flooder f(w.route_port(), "pinger");
  ASSERT_TRUE(f.ok());
  std::vector<std::uint8_t> burst;
  for (std::uint32_t i = 1; i <= 3000; ++i) {
    auto frame = protocol::encode(protocol::ping{i, i});
    burst.insert(burst.end(), frame.begin(), frame.end());
  }
  auto start = clock::now();
  ASSERT_TRUE(f.socket().send_all(burst));
  std::uint32_t next = 1;
  while (next <= 3000) {
    auto m = f.socket().recv_message(10s);
    ASSERT_TRUE(m) << "after pong " << next - 1;
    if (auto* p = std::get_if<protocol::pong>(&*m)) {
      ASSERT_EQ(p->request_id, next);
      ++next;
    }
  }
  auto took = clock::now() - start;
  // (3000 - 1000) / 500 = 4 s at least, whatever the machine's speed.
  EXPECT_GE(took, 3800ms) << "the session was not paced";
  EXPECT_TRUE(w.wait_for_log("vnet \\d+ \\(pinger\\) connected"));
}

// serve_query answers it never reads pile up to the high-water mark, then the
// route stops reading it; taking nothing for the route's timeout ends it with
// one log line, and the tunnel beside it keeps working all along.
TEST(Flood, AQueryFlooderThatDoesNotReadIsDroppedAtTheDrainDeadline) {
  tunnel t([](world& w) { return w.start_echo(); }, route_options{2.0});
  ASSERT_TRUE(eventually([&] { return t.echoes(); }));
  flooder f(t.w.route_port(), "flood");
  ASSERT_TRUE(f.ok());
  register_big_serves(f.socket(), 40);
  f.start({protocol::serve_query{1}, protocol::vnet_query{2}, protocol::ping{3, 0}}, false);
  EXPECT_TRUE(t.echoes());
  EXPECT_TRUE(t.w.wait_for_log(
      "vnet \\d+ \\(flood\\) disconnected: it does not read what the route sends "
      "\\(nothing taken for 2000 ms, [0-9.]+ (MiB|KiB) queued\\)", 20s))
      << t.w.log();
  EXPECT_TRUE(t.echoes());
}

// Another vnet's links pair promptly while three sessions flood the route
// (one reads everything it is sent, two read nothing).
TEST(Flood, FloodsDoNotDelayAnotherVnetsLinkSetup) {
  tunnel t([](world& w) { return w.start_echo(); });
  ASSERT_TRUE(eventually([&] { return t.echoes(); }));
  flooder big(t.w.route_port(), "big");
  ASSERT_TRUE(big.ok());
  register_big_serves(big.socket(), 40);
  flooder reader(t.w.route_port(), "reader"), pings(t.w.route_port(), "pings"),
      queries(t.w.route_port(), "queries");
  ASSERT_TRUE(reader.ok() && pings.ok() && queries.ok());
  const auto flood_start = clock::now();
  reader.start({protocol::serve_query{1}, protocol::vnet_query{2}}, true);
  pings.start({protocol::ping{1, 0}}, false);
  queries.start({protocol::serve_query{1}, protocol::vnet_query{2}}, false);
  // Past the reader's burst: from here on the route takes its queries at
  // the session's pace.
  constexpr auto burst = static_cast<std::size_t>(route::session_message_burst);
  ASSERT_TRUE(eventually([&] { return reader.answers() > burst + 500 && pings.batches_sent() > 100; }, 30s));
  std::vector<clock::duration> took;
  for (int i = 0; i < 20; ++i) {
    auto start = clock::now();
    ASSERT_TRUE(t.echoes()) << "link " << i;
    took.push_back(clock::now() - start);
  }
  // What keeps the floods from delaying the links is that the route reads a
  // session at its pace (route/sessions/session.hpp) whatever it sends: counted, not
  // timed (a shared CPU stalls a link setup by 100 ms and more, unloaded it
  // takes ~1 ms). The reader's answers are at most the queries the pace let
  // the route read since the flood began (+1: the wait for a token is
  // rounded to the nanosecond).
  const auto answered = reader.answers();
  const double flood_s = std::chrono::duration<double>(clock::now() - flood_start).count();
  EXPECT_LE(answered, burst + 1 + route::session_messages_per_second * flood_s)
      << "answers in " << flood_s << " s";
  std::sort(took.begin(), took.end());
  const auto slowest = took.back();
  std::cout << "20 link setups under flood: median "
            << std::chrono::duration_cast<std::chrono::microseconds>(took[10]).count() << " us, slowest "
            << std::chrono::duration_cast<std::chrono::microseconds>(slowest).count() << " us\n";
}

// A frame the session cannot decode (here a serve whose name holds a
// newline) gets an error frame that names the problem before the route
// closes, and a log line.
TEST(Flood, ABadFrameInASessionIsAnsweredWithAnErrorFrame) {
  world w;
  w.start_route();
  flooder f(w.route_port(), "bad");
  ASSERT_TRUE(f.ok());
  protocol::serve_register reg{1, {0, "evil\nname", "tcp", "127.0.0.1", 9, ""}};
  ASSERT_TRUE(f.socket().send_message(reg));
  std::optional<protocol::error> err;
  while (auto m = f.socket().recv_message(3s))
    if (auto* e = std::get_if<protocol::error>(&*m)) err = *e;
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, static_cast<std::uint16_t>(protocol::errc::name_not_text));
  EXPECT_EQ(err->message, "bad frame: " + protocol::make_error_code(protocol::errc::name_not_text).message());
  EXPECT_TRUE(f.socket().closed_within(3s));
  EXPECT_TRUE(w.wait_for_log("vnet \\d+ \\(bad\\) disconnected: bad frame: name")) << w.log();
}

// Over the frame limit: refused from the header, before any payload.
TEST(Flood, AnOversizedFrameInASessionIsAnsweredWithAnErrorFrame) {
  world w;
  w.start_route();
  flooder f(w.route_port(), "big");
  ASSERT_TRUE(f.ok());
  const std::uint32_t len = protocol::max_payload + 1;
  const std::vector<std::uint8_t> head{static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                                       static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len), 0x00, 0x20};
  ASSERT_TRUE(f.socket().send_all(head));
  std::optional<protocol::error> err;  // after the serve list pushed at its welcome
  while (auto m = f.socket().recv_message(3s))
    if (auto* e = std::get_if<protocol::error>(&*m)) err = *e;
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, static_cast<std::uint16_t>(protocol::errc::oversized));
  EXPECT_EQ(err->message, "bad frame: frame too large");
  EXPECT_TRUE(f.socket().closed_within(3s));
  EXPECT_TRUE(w.wait_for_log("vnet \\d+ \\(big\\) disconnected: bad frame: frame too large")) << w.log();
}

}  // namespace
}  // namespace e2e
