// The ticket stock under bursts: tickets go to waiting connections first come,
// first served, one hand-off per ticket; asks grow with the line; a grant of
// nothing is asked again later instead of at once; a session's end releases
// everyone in line.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <boost/asio/detached.hpp>

#include "vnet/session/ticket_stock.hpp"

namespace {

using namespace std::chrono_literals;

protocol::tickets make(std::uint64_t first, std::size_t n) {
  protocol::tickets t;
  for (std::size_t i = 0; i < n; ++i) t.granted.push_back({first + i, {}});
  return t;
}

struct fixture : ::testing::Test {
  net::asio::io_context io;
  std::vector<std::uint16_t> asks;
  // One stock per route session: made at the welcome, gone at its end.
  std::optional<vnet::ticket_stock> stock;
  void begin_session(net::duration use_window = protocol::ticket_use_window) {
    stock.emplace(io.get_executor(), [this](std::uint16_t n) { asks.push_back(n); }, use_window);
    stock->start();
  }
  void end_session() { stock.reset(); }
  // The route's answer, which must be accepted.
  void take_answer(const protocol::tickets& t) {
    outcome::status took = stock->on_tickets(t);
    ASSERT_TRUE(took) << took.why();
  }

  // Starts `n` takes; results[i] is the ticket id the i-th got (0: none).
  std::vector<std::uint64_t> results;
  std::size_t finished = 0;
  void start_takes(std::size_t n, net::duration deadline) {
    results.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i)
      net::asio::co_spawn(io, [this, i, deadline]() -> net::awaitable<void> {
        auto t = co_await stock->take(deadline);
        if (t) results[i] = t->ticket.id;
        ++finished;
      }, net::asio::detached);
    io.poll();
  }
};

TEST_F(fixture, AStockedTicketIsTakenAtOnceAndTheStockAsksWhenLow) {
  begin_session();
  ASSERT_EQ(asks, (std::vector<std::uint16_t>{vnet::ticket_stock::batch}));
  take_answer(make(100, 16));
  start_takes(1, 1s);
  EXPECT_EQ(finished, 1u);
  EXPECT_EQ(results[0], 100u);
  EXPECT_EQ(asks.size(), 1u);  // 15 left: not low yet
}

TEST_F(fixture, ABurstIsServedInOrderAndAsksGrowWithTheLine) {
  begin_session();
  asks.clear();
  take_answer(make(1, 0));  // the first answer: nothing (nobody waits: no retry)
  start_takes(200, 5s);
  EXPECT_EQ(finished, 0u);
  EXPECT_EQ(stock->waiting(), 200u);
  // One request in flight (asked before the burst: a batch); each answer
  // then asks as many as the route allows while the line is long.
  ASSERT_EQ(asks.size(), 1u);
  std::uint64_t next = 1000;
  while (finished < 200) {
    const auto before = asks.size();
    const std::size_t n = asks.back();
    take_answer(make(next, n));
    next += n;
    io.poll();
    if (finished < 200 - 64) {
      EXPECT_EQ(asks.back(), protocol::max_tickets_per_request);
    }
    ASSERT_LE(asks.size(), before + 1) << "at most one request per answer";
    if (finished < 200) {
      ASSERT_EQ(asks.size(), before + 1) << "a waiting line must ask again";
    }
  }
  // First come, first served: the i-th take got the i-th ticket.
  for (std::size_t i = 0; i < 200; ++i) EXPECT_EQ(results[i], 1000 + i) << i;
  EXPECT_EQ(stock->waiting(), 0u);
}

TEST_F(fixture, AnEmptyGrantIsAskedAgainLaterNotAtOnce) {
  begin_session();
  start_takes(3, 5s);
  const auto before = asks.size();
  take_answer(make(1, 0));
  io.poll();
  EXPECT_EQ(asks.size(), before) << "asking again at once would spin against the route's bound";
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (asks.size() == before && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  EXPECT_EQ(asks.size(), before + 1);
  take_answer(make(7, 3));
  io.poll();
  EXPECT_EQ(results, (std::vector<std::uint64_t>{7, 8, 9}));
}

TEST_F(fixture, ATakeGivesUpAtItsDeadlineAndLeavesTheLine) {
  begin_session();
  start_takes(2, 30ms);
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (finished < 2 && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  EXPECT_EQ(finished, 2u);
  EXPECT_EQ(results, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(stock->waiting(), 0u);
  // The tickets that come late are stocked for the next connection.
  take_answer(make(50, 2));
  EXPECT_EQ(stock->size(), 2u);
}

TEST_F(fixture, TheSessionsEndReleasesTheLineWithNothing) {
  begin_session();
  start_takes(5, 10s);
  end_session();
  io.poll();
  EXPECT_EQ(finished, 5u);
  EXPECT_EQ(results, std::vector<std::uint64_t>(5, 0));
  // And a ticket of the old session never reaches a new one's line.
  begin_session();
  start_takes(1, 10s);
  EXPECT_EQ(finished, 5u);
}

// A route that sends tickets nobody asked for, or more than were asked,
// could grow the stock without bound (a hostile route once grew a vnet from
// 20 MiB to 2.9 GiB in 15 s): both are protocol errors, and nothing is kept.
TEST_F(fixture, TicketsThatWereNotAskedForAreAProtocolError) {
  begin_session();
  take_answer(make(1, vnet::ticket_stock::batch));  // the one request on its way
  outcome::status unasked = stock->on_tickets(make(100, 1));
  EXPECT_FALSE(unasked);
  EXPECT_NE(unasked.why().find("not asked for"), std::string::npos) << unasked.why();
  EXPECT_EQ(stock->size(), vnet::ticket_stock::batch);
}

TEST_F(fixture, MoreTicketsThanAskedAreAProtocolError) {
  begin_session();
  ASSERT_EQ(asks.size(), 1u);
  outcome::status over = stock->on_tickets(make(1, asks.back() + 1u));
  EXPECT_FALSE(over);
  EXPECT_NE(over.why().find("were asked for"), std::string::npos) << over.why();
  EXPECT_EQ(stock->size(), 0u);
}

// The route forgets unspent tickets protocol::ticket_lifetime after their
// grant; a ticket older than its use window is dropped, never written, and
// fresh ones are asked for before a connection needs them.
TEST_F(fixture, AStaleTicketIsDroppedAndFreshOnesAskedForAhead) {
  begin_session(100ms);
  ASSERT_EQ(asks.size(), 1u);
  take_answer(make(100, 16));
  EXPECT_EQ(stock->size(), 16u);
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (asks.size() < 2 && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  ASSERT_EQ(asks.size(), 2u) << "an idle stock gone stale asks for fresh tickets by itself";
  EXPECT_EQ(stock->size(), 0u);
  take_answer(make(200, 16));
  io.restart();  // the loop above may have run out of work
  start_takes(1, 1s);
  EXPECT_EQ(results, (std::vector<std::uint64_t>{200}));
}

TEST_F(fixture, AGivenBackTicketKeepsItsOwnStaleTime) {
  begin_session();
  take_answer(make(100, 16));
  const auto now = std::chrono::steady_clock::now();
  // Given back fresh: the next take gets it again, first.
  stock->give_back({{7, {}}, now + 10s});
  start_takes(1, 1s);
  EXPECT_EQ(results, (std::vector<std::uint64_t>{7}));
  // Given back past its stale time (a dial that failed slowly): the route
  // forgot it, so it is dropped, never spent.
  stock->give_back({{8, {}}, now - 1ms});
  start_takes(1, 1s);
  EXPECT_EQ(results, (std::vector<std::uint64_t>{100}));
}

}  // namespace
