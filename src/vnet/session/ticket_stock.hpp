#pragma once
// The vnet's stock of one-time link tickets. The route hands them out over
// the TLS session; each link opening (link_open, or a pooled link) spends one.
// The stock asks for a batch when it runs low, so that a new connection
// usually finds one at once. When it is empty, connections wait in line
// (first come, first served, each with its link's deadline) and every ticket
// that arrives goes to the head of the line: a burst of thousands of
// connections costs one hand-off per ticket, not a wake-up of every waiter.
// Tickets die with the session: the route forgets them; and a ticket is
// used within protocol::ticket_use_window of its arrival, or dropped and
// replaced, because the route forgets unspent tickets after
// protocol::ticket_lifetime (protocol/ticket_lifetime.hpp). One stock per
// route session (route_session owns it): made at the welcome, ended with it.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "outcome/result.hpp"
#include "protocol/messages.hpp"
#include "protocol/ticket_lifetime.hpp"

namespace vnet {

class ticket_stock {
 public:
  // Asked for below `low`, at least `batch` at a time, and more when
  // connections wait: up to the route's bound per request (and on unused
  // tickets), protocol::max_tickets_per_request.
  static constexpr std::size_t low = 8;
  static constexpr std::size_t batch = 16;
  // A grant of nothing (the route's bound on unused tickets, while tickets
  // it granted are on their way to being spent) is asked again after this.
  static constexpr auto retry_after = std::chrono::milliseconds(20);

  // `ask` sends a ticket_request on the control session. `use_window`: how
  // long a ticket stays usable after it arrived (shorter in tests).
  ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask,
               net::duration use_window = protocol::ticket_use_window);
  // The session ended: its tickets are void; the connections in line give
  // up (their take() returns nullopt and touches the stock no more).
  ~ticket_stock();
  ticket_stock(const ticket_stock&) = delete;
  ticket_stock& operator=(const ticket_stock&) = delete;

  // The session is up: the first batch is asked for at once.
  void start();
  // Takes the route's answer to our request. Tickets nobody asked for, or
  // more than were asked, are a protocol error (the session must end): a
  // route could otherwise grow the stock without bound.
  outcome::status on_tickets(const protocol::tickets& t);

  // A ticket with the time it goes stale (its arrival + the use window).
  struct stocked {
    protocol::ticket ticket;
    std::chrono::steady_clock::time_point stale_at;
  };

  // One ticket, waiting at most `deadline` for a refill; nullopt when there
  // is none by then or the stock (its session) ended meanwhile.
  net::awaitable<std::optional<stocked>> take(net::duration deadline);

  // A ticket taken but not spent (the dial to the route failed): back to
  // the head of the line, or to the stock, with its own stale time (the
  // route forgets it just as early). The route still counts it unused.
  void give_back(stocked t);

  std::size_t size() const { return stock_.size(); }
  std::size_t waiting() const { return waiting_; }

 private:
  struct waiter {
    explicit waiter(net::asio::any_io_executor ex) : timer(ex) {}
    net::asio::steady_timer timer;
    std::optional<stocked> got;
    bool done = false;  // served, timed out or its session ended: skipped in line
  };
  void top_up();
  // Drops the tickets past their use window (the oldest are in front) and
  // wakes up again when the next one is due, so that an idle vnet's stock
  // is fresh when a connection comes.
  void drop_stale();
  void arm_refresh();
  // Hands stocked tickets to the head of the line.
  void serve_line();
  void end_line();

  net::asio::any_io_executor ex_;
  std::function<void(std::uint16_t)> ask_;
  net::duration use_window_;
  std::deque<stocked> stock_;  // in order of arrival
  std::uint16_t asked_ = 0;  // tickets of the request on its way (one at a time); 0: none
  std::deque<std::shared_ptr<waiter>> line_;  // may hold done entries (dropped lazily)
  std::size_t waiting_ = 0;                   // entries of line_ not done
  net::asio::steady_timer retry_;
  net::asio::steady_timer refresh_;  // due when the oldest stocked ticket goes stale
};

}  // namespace vnet
