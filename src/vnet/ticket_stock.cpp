#include "vnet/ticket_stock.hpp"

#include <algorithm>

namespace vnet {

ticket_stock::ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask)
    : ex_(ex), ask_(std::move(ask)) {}

void ticket_stock::on_connected() {
  stock_.clear();
  connected_ = true;
  asked_ = false;
  ++session_;
  top_up();
}

void ticket_stock::on_disconnected() {
  stock_.clear();
  connected_ = false;
  asked_ = false;
  ++session_;
  wake();
}

void ticket_stock::on_tickets(const protocol::tickets& t) {
  asked_ = false;
  for (const auto& x : t.granted) stock_.push_back(x);
  wake();
  // Granted fewer than asked (the route's bound on unused tickets) is no
  // reason to ask again at once: the next take() asks when still low.
}

void ticket_stock::top_up() {
  if (!connected_ || asked_ || stock_.size() >= low) return;
  asked_ = true;
  ask_(static_cast<std::uint16_t>(batch));
}

void ticket_stock::wake() {
  for (auto& w : waiters_) w->cancel();
  waiters_.clear();
}

net::awaitable<std::optional<protocol::ticket>> ticket_stock::take(net::duration deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  const auto session = session_;
  for (;;) {
    if (session != session_ || !connected_) co_return std::nullopt;
    if (!stock_.empty()) {
      auto t = stock_.front();
      stock_.pop_front();
      top_up();
      co_return t;
    }
    top_up();
    if (std::chrono::steady_clock::now() >= until) co_return std::nullopt;
    auto w = std::make_shared<net::asio::steady_timer>(ex_, until);
    waiters_.push_back(w);
    co_await w->async_wait(net::use_nothrow);
    std::erase(waiters_, w);
  }
}

}  // namespace vnet
