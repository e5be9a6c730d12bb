#include "net/run.hpp"

#include <chrono>
#include <optional>

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "net/socket.hpp"

namespace net {

void run_until_signal(asio::io_context& io, awaitable<void> main, std::function<void()> stop,
                      const char* what) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::optional<std::chrono::steady_clock::time_point> deadline;
  signals.async_wait([&](const error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    stop();
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  });
  asio::co_spawn(io, std::move(main), [&](std::exception_ptr e) {
    log_exception{what}(e);
    signals.cancel();
  });
  while (!io.stopped()) {
    io.run_for(std::chrono::milliseconds(200));
    if (deadline && std::chrono::steady_clock::now() > *deadline) {
      spdlog::warn("shutdown took longer than 3 s; exiting anyway");
      break;
    }
  }
  spdlog::info("{} stopped", what);
}

}  // namespace net
