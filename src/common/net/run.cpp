#include "net/run.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "net/socket.hpp"

namespace net {

void run_until_signal(asio::io_context& io, awaitable<void> main, std::function<void()> stop,
                      const char* what) {
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    stop();
    // Shutdown is by cancellation and normally takes milliseconds; this only
    // bounds it. A plain thread, so the hot loop below stays a bare run().
    std::thread([what] {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      spdlog::warn("{}: shutdown took longer than 3 s; exiting anyway", what);
      std::_Exit(0);
    }).detach();
  });
  asio::co_spawn(io, std::move(main), [&](std::exception_ptr e) {
    log_exception{what}(e);
    signals.cancel();
  });
  io.run();
  spdlog::info("{} stopped", what);
}

}  // namespace net
