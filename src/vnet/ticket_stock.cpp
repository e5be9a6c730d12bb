#include "vnet/ticket_stock.hpp"

#include <algorithm>

namespace vnet {

ticket_stock::ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask)
    : ex_(ex), ask_(std::move(ask)) {}

void ticket_stock::on_connected() {
  stock_.clear();
  connected_ = true;
  asked_ = false;
  top_up();
}

void ticket_stock::on_disconnected() {
  stock_.clear();
  connected_ = false;
  asked_ = false;
  auto gone = std::move(waiters_);
  waiters_.clear();
  for (auto& w : gone) serve(*w, std::nullopt);
}

void ticket_stock::serve(waiter& w, std::optional<protocol::ticket> t) {
  w.served = true;
  w.ticket = std::move(t);
  w.timer.cancel();
}

void ticket_stock::on_tickets(const protocol::tickets& t) {
  asked_ = false;
  for (const auto& x : t.granted) {
    if (waiters_.empty()) {
      stock_.push_back(x);
      continue;
    }
    auto w = std::move(waiters_.front());
    waiters_.pop_front();
    serve(*w, x);
  }
  // Granted fewer than asked (the route's bound on unused tickets) is no
  // reason to ask again at once, unless links still wait.
  if (!waiters_.empty()) top_up();
}

void ticket_stock::top_up() {
  if (!connected_ || asked_ || (stock_.size() >= low && waiters_.empty())) return;
  const std::size_t have = std::min(stock_.size(), low);
  const std::size_t want = std::clamp(waiters_.size() + low - have, batch, protocol::max_tickets_per_request);
  asked_ = true;
  ask_(static_cast<std::uint16_t>(want));
}

net::awaitable<std::optional<protocol::ticket>> ticket_stock::take(net::duration deadline) {
  if (!connected_) co_return std::nullopt;
  if (!stock_.empty() && waiters_.empty()) {
    auto t = stock_.front();
    stock_.pop_front();
    top_up();
    co_return t;
  }
  auto w = std::make_shared<waiter>(ex_, deadline);
  auto it = waiters_.insert(waiters_.end(), w);
  top_up();
  co_await w->timer.async_wait(net::use_nothrow);
  if (!w->served) waiters_.erase(it);  // the deadline passed: still queued
  co_return std::move(w->ticket);
}

}  // namespace vnet
