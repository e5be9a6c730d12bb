#pragma once
// The link broker: everything between a link's opening frame and its relay.
// It owns the one-time tickets links open with, the idle pooled links, and
// the link table (links waiting for their serving side, and paired links).
// A use side arrives by link_open or by binding an idle pooled use link
// (link_pool + link_bind); the broker finds the serving side, on an idle
// serve-role pooled link of the serving vnet (link_assign) or by asking it
// over its session (link_request, then its link_join), and relays.
// Files: link_openings.cpp (tickets, openings, joins), link_pairing.cpp (the
// serving side), link_relay.cpp (the paired link and its first answer).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "log/budget.hpp"
#include "net/asio.hpp"
#include "net/socket_set.hpp"
#include "outcome/result.hpp"
#include "protocol/messages.hpp"
#include "route/links/idle_links.hpp"
#include "route/link_failure.hpp"
#include "route/links/link_table.hpp"
#include "route/registry.hpp"
#include "route/sessions/session_table.hpp"
#include "route/ops/stats.hpp"
#include "route/tickets.hpp"

namespace route {

class link_broker {
 public:
  // Everything by reference is owned by the route's server and outlives the
  // broker. `connections`: sockets the route closes at shutdown; a link's
  // socket is listed there until it is paired.
  // `ticket_lifetime`: ticket_book's (shorter only in tests).
  link_broker(net::asio::any_io_executor ex, const config::route_config& cfg, const registry& reg,
              session_table& sessions, net::socket_set& connections, route::stats& stats,
              logging::budget& peer_log, ticket_book::clock::duration ticket_lifetime = protocol::ticket_lifetime);

  // A link's own coroutines, spawned by the front door once the opening
  // frame is read: only what the link needs lives as long as it does.
  net::awaitable<void> run_use_link(net::tcp::socket s, protocol::link_open open);
  net::awaitable<void> run_pooled_link(net::tcp::socket s, protocol::link_pool pool);
  // The serving vnet's side of a link it was asked for (link_request).
  void join(net::tcp::socket& s, const protocol::link_join& join, const std::string& from);

  // For the session hub: what a session asks of links.
  std::vector<protocol::ticket> grant_tickets(std::uint32_t vnetid, std::size_t count) {
    return tickets_.grant(vnetid, count);
  }
  // The serving vnet could not take link `link_id` (link_failed).
  void serving_failed(std::uint64_t link_id, std::uint32_t serve_vnet, const std::string& reason) {
    links_.fail(link_id, serve_vnet, reason);
  }
  // A vnet left: its tickets die, its waiting links fail, its paired and idle
  // links close.
  void vnet_left(std::uint32_t vnetid);
  // The route stops: every link closes.
  void stop();

  // For ops and tests.
  const link_table& links() const { return links_; }
  const idle_links& idle() const { return idle_; }
  const ticket_book& tickets() const { return tickets_; }

 private:
  // A link's ticket, spent: its vnet and secret, or why it is refused.
  struct spent_ticket {
    std::uint32_t vnetid = 0;
    protocol::key32 secret{};
  };
  outcome::result<spent_ticket> spend_ticket(
      std::uint64_t id, const protocol::proof16& proof,
      const std::function<protocol::proof16(const protocol::key32&)>& expected);
  // A bad opening (ticket, role): counted under `reason`, logged, answered
  // with an error frame "link refused: ...".
  net::awaitable<void> reject_opening(net::tcp::socket& s, link_failure reason, const std::string& why);
  // Who a link joins, and how its serving side was found ("pool" or "dial").
  struct link_ends {
    std::uint32_t use_vnet = 0, serve_vnet = 0;
    std::uint16_t serveid = 0;
    std::uint64_t link_id = 0;
    const char* path = "pool";
    std::string group;  // the using vnet's, for the per-group counts
  };
  // Finds the serving side of a use side that asked for `serveid` (its
  // ticket's `secret` keys the link) and starts the relay (link_pairing.cpp).
  net::awaitable<void> pair_use_side(net::tcp::socket& s, std::uint32_t use_vnet, std::uint16_t serveid,
                                     protocol::key32 secret, std::chrono::steady_clock::time_point opened);
  // The use side gets link_result{false, why}, counted under `reason` (and `group`).
  net::awaitable<void> answer_not_opened(net::tcp::socket& s, link_failure reason, const std::string& why,
                                         const std::string& group);
  // An idle serve-role link of the serving vnet, assigned (link_assign
  // written), or nullopt when it has none.
  net::awaitable<std::optional<net::tcp::socket>> assign_idle(link_ends& ends, const protocol::key32& secret);
  // The fallback: link_request over the serving vnet's session, then its
  // link_join. nullopt after answering the use side why not.
  net::awaitable<std::optional<net::tcp::socket>> dial_serving(net::tcp::socket& s, link_ends& ends,
                                                               const protocol::key32& secret);
  // Starts the relay of a paired link (link_relay.cpp): a paired_link, which
  // lives as long as the link, held by its relay. Ends once the serving
  // vnet's link_result is passed on.
  class paired_link;
  net::awaitable<void> relay_link(net::tcp::socket use, net::tcp::socket serve, link_ends ends,
                                  std::chrono::steady_clock::time_point opened);
  // The serving vnet's one link_result (or its close, or the deadline): ok
  // when it opened the link; else why not, counted and logged.
  net::awaitable<outcome::status> read_answer(net::tcp::socket& serve, const link_ends& ends,
                                              std::chrono::steady_clock::time_point opened);
  // The relay's prelude: passes that answer on to the use side; true when
  // the relay goes on.
  net::awaitable<bool> answer_use_side(paired_link& link, std::chrono::steady_clock::time_point opened);
  void log_failed(const link_ends& ends, const std::string& why);

  net::asio::any_io_executor ex_;
  const config::route_config& cfg_;  // read at each use: a reload applies to the next link
  const registry& registry_;
  session_table& sessions_;
  net::socket_set& connections_;
  route::stats& stats_;
  logging::budget& peer_log_;
  // One-time link tickets of every session (link_open and link_pool spend one).
  ticket_book tickets_;
  // Idle pooled links (link_pool) by vnet and role.
  idle_links idle_;
  // Links waiting for their serving side, and paired links: one record each.
  link_table links_;
  bool stopping_ = false;
};

}  // namespace route
