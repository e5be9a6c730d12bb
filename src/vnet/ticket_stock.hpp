#pragma once
// The use side's stock of one-time link tickets. The route hands them out
// over the TLS session; each link_open spends one. The stock asks for a
// batch when it runs low, so that a new connection on a use finds one at
// once; when it is empty the connection waits for the refill (with the
// link's deadline). Tickets die with the session: the route forgets them.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"

namespace vnet {

class ticket_stock {
 public:
  // Asked for below `low`, `batch` at a time. Each pooled link spends one
  // (two pools of up to 16, refilled as they are taken) besides the links
  // opened on demand: 32 below 24 feeds both pools through a burst, and the
  // most held, 23 + 32, stays under the route's bound of 64 unused tickets.
  static constexpr std::size_t low = 24;
  static constexpr std::size_t batch = 32;

  // `ask` sends a ticket_request on the control session.
  ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask);

  // A session began: the first batch is asked for at once.
  void on_connected();
  // The session ended: its tickets are void; waiting links give up.
  void on_disconnected();
  void on_tickets(const protocol::tickets& t);

  // One ticket, waiting at most `deadline` for a refill; nullopt when there
  // is none by then or the session ended meanwhile.
  net::awaitable<std::optional<protocol::ticket>> take(net::duration deadline);

  std::size_t size() const { return stock_.size(); }

 private:
  void top_up();
  void wake();

  net::asio::any_io_executor ex_;
  std::function<void(std::uint16_t)> ask_;
  std::deque<protocol::ticket> stock_;
  bool connected_ = false;
  bool asked_ = false;  // a request is on its way: one at a time
  std::uint64_t session_ = 0;  // counts sessions, so a waiter sees its session end
  std::vector<std::shared_ptr<net::asio::steady_timer>> waiters_;
};

}  // namespace vnet
