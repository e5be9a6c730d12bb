#pragma once
// The main loop of both daemons: runs `main` on `io` until it returns.
// SIGINT/SIGTERM call `stop`, which cancels everything (no io_context::stop()),
// and the rest of the shutdown is bounded to a few seconds.
#include <functional>

#include <boost/asio/io_context.hpp>

#include "net/asio.hpp"

namespace net {

struct signal_hooks {
  std::function<void()> stop;       // SIGINT, SIGTERM
  std::function<void()> hangup;     // SIGHUP (reload); not caught when empty
  std::function<void()> interrupt;  // when set, SIGINT calls this instead (terminal)
};

void run_until_signal(asio::io_context& io, awaitable<void> main, signal_hooks hooks,
                      const char* what);

// Bounds a shutdown that was started (hooks.stop called) to 3 seconds: after
// that the process exits anyway. For shutdowns not started by a signal.
void bound_shutdown(const char* what);

}  // namespace net
