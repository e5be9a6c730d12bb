// The use side's ticket stock under a burst (issue 10, scaling note): links
// waiting for tickets are served first come, first served, one ticket each,
// a refill wakes only those it serves, and the requests grow with the queue
// (up to the protocol's 64) instead of 32 at a time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "vnet/ticket_stock.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline constexpr auto rethrow = [](std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
};

// Runs the loop for `d`, also after it ran out of work before.
void spin(asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

// Plays the route: answers each request with as many fresh tickets as asked,
// on the next turn of the loop.
struct fake_route {
  asio::io_context io;
  std::vector<std::uint16_t> asks;
  std::uint64_t next_id = 1;
  bool answer = true;
  vnet::ticket_stock stock{io.get_executor(), [this](std::uint16_t n) {
    asks.push_back(n);
    if (!answer) return;
    asio::post(io, [this, n] {
      protocol::tickets t;
      for (std::uint16_t i = 0; i < n; ++i) t.granted.push_back({next_id++, {}});
      stock.on_tickets(t);
    });
  }};
};

TEST(TicketStock, ABurstOfWaitersIsServedInOrderOneTicketEach) {
  fake_route r;
  r.answer = false;  // the first batch is late: everyone queues
  r.stock.on_connected();
  const int n = 2000;
  std::vector<std::uint64_t> got(n, 0);
  for (int i = 0; i < n; ++i)
    asio::co_spawn(r.io, [&, i]() -> asio::awaitable<void> {
      std::optional<protocol::ticket> t = co_await r.stock.take(60s);
      if (t) got[i] = t->id;
    }, rethrow);
  spin(r.io, 50ms);
  EXPECT_EQ(r.stock.waiting(), static_cast<std::size_t>(n));
  ASSERT_EQ(r.asks.size(), 1u);
  r.answer = true;
  // The late answer to the first request, then requests sized to the queue.
  protocol::tickets first;
  for (int i = 0; i < r.asks[0]; ++i) first.granted.push_back({r.next_id++, {}});
  r.stock.on_tickets(first);
  spin(r.io, 2000ms);
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[i], static_cast<std::uint64_t>(i + 1)) << i;
  EXPECT_EQ(r.stock.waiting(), 0u);
  for (std::size_t i = 1; i < r.asks.size(); ++i) {
    EXPECT_LE(r.asks[i], protocol::max_tickets_per_request);
    if (i + 1 < r.asks.size()) EXPECT_EQ(r.asks[i], protocol::max_tickets_per_request) << i;
  }
  EXPECT_LT(r.asks.size(), 2u + n / 60);
}

TEST(TicketStock, AWaiterLeavesAtItsDeadlineAndAtTheSessionsEnd) {
  fake_route r;
  r.answer = false;
  r.stock.on_connected();
  int done = 0;
  bool timed_out_empty = false, ended_empty = false;
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    std::optional<protocol::ticket> t = co_await r.stock.take(20ms);
    timed_out_empty = !t;
    ++done;
  }, rethrow);
  spin(r.io, 200ms);
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(timed_out_empty);
  EXPECT_EQ(r.stock.waiting(), 0u);
  asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
    std::optional<protocol::ticket> t = co_await r.stock.take(60s);
    ended_empty = !t;
    ++done;
  }, rethrow);
  spin(r.io, 20ms);
  EXPECT_EQ(r.stock.waiting(), 1u);
  r.stock.on_disconnected();
  spin(r.io, 20ms);
  EXPECT_EQ(done, 2);
  EXPECT_TRUE(ended_empty);
}

TEST(TicketStock, TheStockRefillsBelowItsLowMark) {
  fake_route r;
  r.stock.on_connected();
  spin(r.io, 20ms);
  ASSERT_EQ(r.asks, std::vector<std::uint16_t>{vnet::ticket_stock::batch});
  EXPECT_EQ(r.stock.size(), vnet::ticket_stock::batch);
  std::size_t taken = 0;
  for (std::size_t i = 0; i < vnet::ticket_stock::batch - vnet::ticket_stock::low + 1; ++i)
    asio::co_spawn(r.io, [&]() -> asio::awaitable<void> {
      std::optional<protocol::ticket> t = co_await r.stock.take(1s);
      taken += t.has_value();
    }, rethrow);
  spin(r.io, 50ms);
  EXPECT_EQ(taken, vnet::ticket_stock::batch - vnet::ticket_stock::low + 1);
  EXPECT_EQ(r.asks.size(), 2u);  // fell below low once
  EXPECT_LE(r.stock.size() + 0u, 64u);
}

}  // namespace
