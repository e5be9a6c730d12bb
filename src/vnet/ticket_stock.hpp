#pragma once
// The use side's stock of one-time link tickets. The route hands them out
// over the TLS session; each link_open spends one. The stock asks for a
// batch when it runs low, so that a new connection on a use finds one at
// once; when it is empty the connection waits for the refill (with the
// link's deadline). Tickets die with the session: the route forgets them.
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"

namespace vnet {

class ticket_stock {
 public:
  // Asked for below `low`, `batch` at a time (more when links wait: enough
  // for every waiter and `low` besides, up to the protocol's 64 a request).
  // Each pooled link spends one (two pools of up to 16, refilled as they are
  // taken) besides the links opened on demand: 32 below 24 feeds both pools
  // through a burst, and the most held, 23 + 32, stays under the route's
  // bound of 64 unused tickets.
  static constexpr std::size_t low = 24;
  static constexpr std::size_t batch = 32;

  // `ask` sends a ticket_request on the control session.
  ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask);

  // A session began: the first batch is asked for at once.
  void on_connected();
  // The session ended: its tickets are void; waiting links give up.
  void on_disconnected();
  // Tickets go to the waiting links first, oldest first, one each; the rest
  // to the stock.
  void on_tickets(const protocol::tickets& t);

  // One ticket, waiting at most `deadline` for a refill; nullopt when there
  // is none by then or the session ended meanwhile.
  net::awaitable<std::optional<protocol::ticket>> take(net::duration deadline);

  std::size_t size() const { return stock_.size(); }
  std::size_t waiting() const { return waiters_.size(); }

 private:
  struct waiter {
    waiter(net::asio::any_io_executor ex, net::duration d) : timer(ex, d) {}
    net::asio::steady_timer timer;  // the deadline; cancelled when served
    bool served = false;            // got a ticket, or the session ended
    std::optional<protocol::ticket> ticket;
  };
  void top_up();
  void serve(waiter& w, std::optional<protocol::ticket> t);

  net::asio::any_io_executor ex_;
  std::function<void(std::uint16_t)> ask_;
  std::deque<protocol::ticket> stock_;
  bool connected_ = false;
  bool asked_ = false;  // a request is on its way: one at a time
  // First come, first served; a waiter leaves in O(1) (its own iterator).
  // With thousands of links waiting, a refill wakes only those it serves.
  std::list<std::shared_ptr<waiter>> waiters_;
};

}  // namespace vnet
