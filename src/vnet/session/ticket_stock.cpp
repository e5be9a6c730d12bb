#include "vnet/session/ticket_stock.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vnet {

ticket_stock::ticket_stock(net::asio::any_io_executor ex, std::function<void(std::uint16_t)> ask,
                           net::duration use_window)
    : ex_(ex), ask_(std::move(ask)), use_window_(use_window), retry_(ex), refresh_(ex) {}

ticket_stock::~ticket_stock() { end_line(); }

void ticket_stock::start() { top_up(); }

outcome::status ticket_stock::on_tickets(const protocol::tickets& t) {
  if (asked_ == 0) return outcome::fail("protocol error: the route sent tickets that were not asked for");
  if (t.granted.size() > asked_)
    return outcome::fail(fmt::format("protocol error: the route granted {} tickets, {} were asked for",
                                     t.granted.size(), asked_));
  asked_ = 0;
  const auto stale_at = std::chrono::steady_clock::now() + use_window_;
  for (const auto& x : t.granted) stock_.push_back({x, stale_at});
  serve_line();
  arm_refresh();
  if (t.granted.empty() && waiting_ > 0) {
    // Nothing granted: the route already holds as many unused tickets of
    // ours as it allows, and they are on their way to being spent. Asking
    // again at once would spin; a moment later it will grant again.
    retry_.expires_after(retry_after);
    retry_.async_wait([this](net::error_code ec) {
      if (!ec) top_up();
    });
    return {};
  }
  top_up();
  return {};
}

void ticket_stock::give_back(stocked t) {
  // The oldest first: it was taken from the front, so it is no younger
  // than what is there now.
  stock_.push_front(std::move(t));
  drop_stale();
  serve_line();
  arm_refresh();
  top_up();
}

void ticket_stock::top_up() {
  const std::size_t want = low + waiting_;
  if (asked_ != 0 || stock_.size() >= want) return;
  // The line's length plus a batch, within what one request may ask.
  const std::size_t n = std::clamp(want - stock_.size() + batch - low, batch, protocol::max_tickets_per_request);
  asked_ = static_cast<std::uint16_t>(n);
  ask_(asked_);
}

void ticket_stock::drop_stale() {
  const auto now = std::chrono::steady_clock::now();
  while (!stock_.empty() && stock_.front().stale_at <= now) stock_.pop_front();
}

void ticket_stock::arm_refresh() {
  if (stock_.empty()) return;
  refresh_.expires_at(stock_.front().stale_at);
  refresh_.async_wait([this](net::error_code ec) {
    if (ec) return;  // re-armed, or the stock (its session) ended
    drop_stale();
    top_up();
    arm_refresh();
  });
}

void ticket_stock::serve_line() {
  while (!stock_.empty() && !line_.empty()) {
    auto w = line_.front();
    line_.pop_front();
    if (w->done) continue;  // gave up at its deadline
    w->got = stock_.front();
    stock_.pop_front();
    w->done = true;
    --waiting_;
    w->timer.cancel();
  }
  while (!line_.empty() && line_.front()->done) line_.pop_front();
}

void ticket_stock::end_line() {
  for (auto& w : line_)
    if (!w->done) {
      w->done = true;
      w->timer.cancel();
    }
  line_.clear();
  waiting_ = 0;
}

net::awaitable<std::optional<ticket_stock::stocked>> ticket_stock::take(net::duration deadline) {
  drop_stale();
  // First come, first served: a stocked ticket goes to whoever is in line.
  if (!stock_.empty() && waiting_ == 0) {
    auto t = stock_.front();
    stock_.pop_front();
    top_up();
    co_return t;
  }
  auto w = std::make_shared<waiter>(ex_);
  w->timer.expires_after(deadline);
  line_.push_back(w);
  ++waiting_;
  serve_line();
  top_up();
  if (!w->done) co_await w->timer.async_wait(net::use_nothrow);
  if (!w->done) {  // the deadline: leave the line (dropped from it lazily)
    w->done = true;
    --waiting_;
  }
  co_return std::move(w->got);
}

}  // namespace vnet
