#include "net/time.hpp"

namespace net {

awaitable<bool> sleep_for(duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(use_nothrow);
  co_return !ec;
}

awaitable<void> watch_silence(const std::chrono::steady_clock::time_point& last_seen,
                              const duration& limit) {
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    auto deadline = last_seen + limit;
    if (std::chrono::steady_clock::now() >= deadline) co_return;
    asio::steady_timer t(ex, deadline);
    co_await t.async_wait(use_nothrow);
  }
}

}  // namespace net
