#include "vnet/use/opening_window.hpp"

namespace vnet {

namespace {
struct waiter {
  explicit waiter(net::asio::any_io_executor ex) : timer(ex) {}
  net::asio::steady_timer timer;
  bool granted = false;
  bool done = false;  // granted, timed out or closed: skipped in line
};
}  // namespace

// Shared with the slots, so that a slot outliving the window (a link's
// coroutine frame destroyed at shutdown) frees into nothing harmful.
struct opening_window::state {
  std::size_t size = 0;
  std::size_t held = 0;
  std::size_t waiting = 0;
  bool closed = false;
  std::deque<std::shared_ptr<waiter>> line;  // may hold done entries (dropped lazily)

  // A freed slot goes straight to the head of the line, if any.
  void free_one() {
    while (!line.empty()) {
      auto w = line.front();
      line.pop_front();
      if (w->done) continue;
      w->done = w->granted = true;
      --waiting;
      w->timer.cancel();
      return;  // the slot changes hands: held stays
    }
    --held;
  }
};

void opening_window::slot::release() {
  if (!state_) return;
  state_->free_one();
  state_.reset();
}

opening_window::opening_window(net::asio::any_io_executor ex, std::size_t size)
    : ex_(ex), state_(std::make_shared<state>()) {
  state_->size = size;
}

opening_window::~opening_window() {
  state_->closed = true;
  for (auto& w : state_->line)
    if (!w->done) {
      w->done = true;
      w->timer.cancel();
    }
  state_->line.clear();
  state_->waiting = 0;
}

std::size_t opening_window::opening() const { return state_->held; }
std::size_t opening_window::waiting() const { return state_->waiting; }

net::awaitable<opening_window::slot> opening_window::enter(net::duration deadline) {
  std::shared_ptr<state> s = state_;
  if (s->held < s->size && s->waiting == 0) {
    ++s->held;
    co_return slot{s};
  }
  auto w = std::make_shared<waiter>(ex_);
  w->timer.expires_after(deadline);
  s->line.push_back(w);
  ++s->waiting;
  co_await w->timer.async_wait(net::use_nothrow);
  if (!w->done) {  // the deadline: leave the line (dropped from it lazily)
    w->done = true;
    --s->waiting;
  }
  if (!w->granted || s->closed) co_return slot{};
  co_return slot{s};
}

}  // namespace vnet
