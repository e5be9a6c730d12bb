// net::datagram_channel over net::make_stream_pair: datagrams keep their
// boundaries through the pair both ways, an over-long one is refused, and an
// idle flow ends at both ends (the idle end first, the other on its EOF),
// sooner for one datagram each way when the owner asks.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "net/datagram_channel.hpp"
#include "net/stream_pair.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;

struct ends {
  boost::asio::io_context io;
  std::shared_ptr<net::datagram_channel> a, b;
  std::vector<bytes> at_a, at_b;
  std::string a_end, b_end;

  explicit ends(net::duration idle_a, net::duration idle_b = std::chrono::hours(1)) {
    auto pair = net::make_stream_pair(io.get_executor());
    EXPECT_TRUE(pair.ok());
    a = std::make_shared<net::datagram_channel>(std::move(pair->first), idle_a);
    b = std::make_shared<net::datagram_channel>(std::move(pair->second), idle_b);
    a->on_datagram = [this](std::span<const std::uint8_t> d) { at_a.emplace_back(d.begin(), d.end()); };
    b->on_datagram = [this](std::span<const std::uint8_t> d) { at_b.emplace_back(d.begin(), d.end()); };
    a->on_end = [this](const std::string& why) { a_end = why; };
    b->on_end = [this](const std::string& why) { b_end = why; };
    a->start();
    b->start();
  }

  // Runs the io_context until `done` or 5 s.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
    return done();
  }
};

bytes datagram(std::size_t n, std::uint8_t seed) {
  bytes d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return d;
}

TEST(DatagramChannel, DatagramsKeepTheirBoundariesBothWays) {
  ends e(std::chrono::hours(1));
  std::vector<bytes> to_b, to_a;
  for (std::size_t n : {0, 1, 1200, 65507, 2, 65507, 512}) to_b.push_back(datagram(n, static_cast<std::uint8_t>(n)));
  for (int i = 0; i < 300; ++i) to_a.push_back(datagram(1200, static_cast<std::uint8_t>(i)));
  for (const auto& d : to_b) EXPECT_TRUE(e.a->send(d));
  for (const auto& d : to_a) EXPECT_TRUE(e.b->send(d));
  ASSERT_TRUE(e.run_until([&] { return e.at_b.size() == to_b.size() && e.at_a.size() == to_a.size(); }));
  EXPECT_EQ(e.at_b, to_b);
  EXPECT_EQ(e.at_a, to_a);
  EXPECT_EQ(e.a->totals().to_link, to_b.size());
  EXPECT_EQ(e.a->totals().from_link, to_a.size());
  EXPECT_TRUE(e.a_end.empty());
}

TEST(DatagramChannel, ADatagramOverTheUdpLimitIsDropped) {
  ends e(std::chrono::hours(1));
  EXPECT_FALSE(e.a->send(datagram(65508, 1)));
  EXPECT_EQ(e.a->totals().dropped, 1u);
  EXPECT_TRUE(e.a->send(datagram(3, 2)));  // the flow goes on
  ASSERT_TRUE(e.run_until([&] { return e.at_b.size() == 1; }));
  EXPECT_EQ(e.at_b[0], datagram(3, 2));
}

TEST(DatagramChannel, AnIdleFlowEndsAtBothEnds) {
  ends e(std::chrono::milliseconds(100));
  EXPECT_TRUE(e.a->send(datagram(10, 1)));
  ASSERT_TRUE(e.run_until([&] { return !e.a_end.empty() && !e.b_end.empty(); }));
  EXPECT_EQ(e.at_b.size(), 1u);
  EXPECT_EQ(e.a_end, "idle for 0 s");
  EXPECT_EQ(e.b_end, "closed by the link");  // a's half-close, as the link's final record
  EXPECT_FALSE(e.a->send(datagram(10, 2)));  // an ended flow takes no more
}

TEST(DatagramChannel, TrafficKeepsAFlowOpen) {
  ends e(std::chrono::milliseconds(300));
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(900);
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_TRUE(e.a->send(datagram(5, 1)));
    e.io.run_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(e.a_end.empty());
  EXPECT_GT(e.at_b.size(), 10u);
}

TEST(DatagramChannel, ARequestAndItsAnswerEndSooner) {
  ends e(std::chrono::hours(1));
  e.a->close_answered_after(std::chrono::milliseconds(100));
  EXPECT_TRUE(e.a->send(datagram(10, 1)));
  ASSERT_TRUE(e.run_until([&] { return e.at_b.size() == 1; }));
  EXPECT_TRUE(e.b->send(datagram(20, 2)));
  ASSERT_TRUE(e.run_until([&] { return !e.a_end.empty() && !e.b_end.empty(); }));
  EXPECT_EQ(e.a_end, "idle for 0 s after one datagram each way");
  EXPECT_EQ(e.b_end, "closed by the link");
}

TEST(DatagramChannel, ARetriedRequestKeepsTheLongIdle) {
  ends e(std::chrono::hours(1));
  e.a->close_answered_after(std::chrono::milliseconds(100));
  EXPECT_TRUE(e.a->send(datagram(10, 1)));
  EXPECT_TRUE(e.a->send(datagram(10, 1)));  // the client asked twice
  ASSERT_TRUE(e.run_until([&] { return e.at_b.size() == 2; }));
  EXPECT_TRUE(e.b->send(datagram(20, 2)));
  ASSERT_TRUE(e.run_until([&] { return e.at_a.size() == 1; }));
  e.io.run_for(std::chrono::milliseconds(400));  // four times the short rule
  EXPECT_TRUE(e.a_end.empty());
}

}  // namespace
