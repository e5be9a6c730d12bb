#include "platform/signals.hpp"

#include <csignal>

namespace platform {

std::vector<int> stop_signals() { return {SIGINT, SIGTERM}; }

std::optional<int> reload_signal() { return SIGHUP; }

bool is_interrupt(int sig) { return sig == SIGINT; }

void on_console_close(std::function<void()>) {}

void ignore_broken_pipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace platform
