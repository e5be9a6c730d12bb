// A route the vnet trusts but that misbehaves cannot exhaust the vnet: it
// keeps only the tickets it asked for (more is a protocol error and a new
// session), and what the route can make it log goes through a budget. The
// route here is a fake that speaks the session's TLS.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "fake_route.hpp"
#include "harness.hpp"

namespace e2e {
namespace {

protocol::tickets grant(std::size_t n, std::uint64_t first = 1) {
  protocol::tickets t;
  for (std::size_t i = 0; i < n; ++i) t.granted.push_back({first + i, {}});
  return t;
}

// The vnet's first ticket request of a session.
std::optional<protocol::ticket_request> first_request(client_socket& s) {
  for (int i = 0; i < 10; ++i) {
    auto m = s.recv_message();
    if (!m) return std::nullopt;
    if (auto* r = std::get_if<protocol::ticket_request>(&*m)) return *r;
  }
  return std::nullopt;
}

std::size_t count_lines(const std::string& log, const std::string& pattern) {
  const std::regex re(pattern);
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(log.begin(), log.end(), re),
                                                std::sregex_iterator()));
}

// A vnet connected to a fake route: `s` is the route's side of its session.
struct HostileRoute : ::testing::Test {
  world w;
  fake_route r;
  client_socket s;
  config::vnet_config cfg = r.vnet_config(w, "office");

  void start() {
    w.start_vnet(cfg);
    s = r.accept_vnet();
    ASSERT_TRUE(s.valid());
  }
  // Starts the vnet and reads the first ticket request of its session.
  void start_and_read_request(std::uint16_t& count) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto asked = first_request(s);
    ASSERT_TRUE(asked);
    count = asked->count;
  }
};

TEST_F(HostileRoute, MoreTicketsThanAskedEndTheSession) {
  std::uint16_t asked = 0;
  ASSERT_NO_FATAL_FAILURE(start_and_read_request(asked));
  ASSERT_TRUE(s.send_message(grant(asked + 1u)));
  EXPECT_TRUE(s.closed_within(5s));
  EXPECT_TRUE(w.wait_for_log("lost route: protocol error: the route granted \\d+ tickets, \\d+ were asked for"))
      << w.log();
  EXPECT_TRUE(r.accept_vnet().valid()) << "it reconnects";
}

TEST_F(HostileRoute, TicketsNobodyAskedForEndTheSession) {
  std::uint16_t asked = 0;
  ASSERT_NO_FATAL_FAILURE(start_and_read_request(asked));
  ASSERT_TRUE(s.send_message(grant(asked)));
  // The stock is full: nothing more was asked. A flood of grants follows.
  for (int i = 0; i < 50; ++i) s.send_message(grant(protocol::max_tickets_per_request, 1000 + 64 * i));
  EXPECT_TRUE(s.closed_within(5s));
  EXPECT_TRUE(w.wait_for_log("lost route: protocol error: the route sent tickets that were not asked for"))
      << w.log();
}

// 500 unserve requests in a burst (a route once made a vnet write 158 492
// lines in 3.5 s this way): each is answered, at most 20 are logged.
TEST_F(HostileRoute, AFloodOfUnserveRequestsIsLoggedWithinTheBudget) {
  cfg.allow_unserve = false;  // every request refused at once, with a line
  ASSERT_NO_FATAL_FAILURE(start());
  constexpr int requests = 500;
  for (int i = 0; i < requests; ++i)
    ASSERT_TRUE(s.send_message(protocol::unserve_request{static_cast<std::uint32_t>(i + 1), 2, "127.0.0.1",
                                                         static_cast<std::uint16_t>(1000 + i)}));
  int answered = 0;
  while (answered < requests) {
    auto m = s.recv_message();
    ASSERT_TRUE(m) << "answered " << answered;
    if (std::holds_alternative<protocol::unserve_result>(*m)) ++answered;
  }
  const std::string log = w.log();
  EXPECT_EQ(count_lines(log, "unserve request from vnet 02 for 127\\.0\\.0\\.1:\\d+ refused"), 20u) << log;
}

}  // namespace
}  // namespace e2e
