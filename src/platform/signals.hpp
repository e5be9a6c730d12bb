#pragma once
// Which signals stop or reload a daemon, and the console events Windows
// sends instead of signals (closing the window, logoff, shutdown).
#include <functional>
#include <optional>
#include <vector>

namespace platform {

// The signals that stop a daemon (SIGINT, SIGTERM): Asio's signal_set waits
// for them on every platform.
std::vector<int> stop_signals();

// The signal that reloads the config (SIGHUP); nullopt where there is none
// (Windows: reload is the terminal's `reload` or `vnet ctl reload`).
std::optional<int> reload_signal();

// Whether `sig` is the interrupt (Ctrl-C) signal.
bool is_interrupt(int sig);

// Windows: calls `stop` (from another thread) when the console window is
// closed or the user logs off or the system shuts down, then gives the
// daemon a moment to stop. POSIX: nothing (those arrive as SIGHUP/SIGTERM).
void on_console_close(std::function<void()> stop);

// A write to a socket whose peer has gone is an error to the writer, not a
// signal that ends the process (splice and OpenSSL's write(2) of control
// sessions have no MSG_NOSIGNAL). POSIX: SIGPIPE ignored; Windows has none.
void ignore_broken_pipe();

}  // namespace platform
