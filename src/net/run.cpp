#include "net/run.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "net/spawn.hpp"
#include "platform/signals.hpp"

namespace net {

void log_exception::operator()(std::exception_ptr e) const {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: unexpected exception: {}", what, ex.what());
  }
}

void bound_shutdown(const char* what) {
  // Shutdown is by cancellation and normally takes milliseconds; this only
  // bounds it. A plain thread, so the hot loop stays a bare run().
  std::thread([what] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    spdlog::warn("{}: shutdown took longer than 3 s; exiting anyway", what);
    std::_Exit(0);
  }).detach();
}

void run_until_signal(asio::io_context& io, awaitable<void> main, signal_hooks hooks,
                      const char* what) {
  asio::signal_set signals(io);
  for (int sig : platform::stop_signals()) signals.add(sig);
  const auto reload = platform::reload_signal();
  if (hooks.hangup && reload) signals.add(*reload);
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int sig) {
    if (ec) return;
    if (reload && sig == *reload) {
      hooks.hangup();
    } else if (platform::is_interrupt(sig) && hooks.interrupt) {
      hooks.interrupt();
    } else {
      spdlog::info("signal {}: shutting down", sig);
      hooks.stop();
      bound_shutdown(what);
      return;
    }
    signals.async_wait(on_signal);  // keep listening
  };
  signals.async_wait(on_signal);
  // Windows: closing the console window, logoff or shutdown stop the daemon
  // as SIGTERM does (they are no signals there).
  platform::on_console_close([&io, &hooks, what] {
    asio::post(io, [&hooks, what] {
      spdlog::info("console closed: shutting down");
      hooks.stop();
      bound_shutdown(what);
    });
  });
  asio::co_spawn(io, std::move(main), [&](std::exception_ptr e) {
    log_exception{what}(e);
    signals.cancel();
  });
  io.run();
  platform::on_console_close(nullptr);
  spdlog::info("{} stopped", what);
}

}  // namespace net
