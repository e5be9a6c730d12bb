#pragma once
// The main loop of both daemons: runs `main` on `io`; SIGINT/SIGTERM call
// `stop`, which cancels everything (no io_context::stop()), and the rest of
// the shutdown is bounded to a few seconds.
#include <functional>

#include <boost/asio/io_context.hpp>

#include "net/asio.hpp"

namespace net {

void run_until_signal(asio::io_context& io, awaitable<void> main, std::function<void()> stop,
                      const char* what);

}  // namespace net
