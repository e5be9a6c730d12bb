#include "platform/signals.hpp"

#include <windows.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace platform {
namespace {

std::function<void()>& close_hook() {
  static std::function<void()> hook;
  return hook;
}

// Runs on a thread of its own. Ctrl-C and Ctrl-Break come as SIGINT/SIGBREAK
// through the C library; closing the window, logoff and shutdown end the
// process when this returns, so it asks the daemon to stop and gives it a
// moment to do so.
BOOL WINAPI on_event(DWORD type) {
  if (type != CTRL_CLOSE_EVENT && type != CTRL_LOGOFF_EVENT && type != CTRL_SHUTDOWN_EVENT) return FALSE;
  if (close_hook()) close_hook()();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  return TRUE;
}

}  // namespace

std::vector<int> stop_signals() { return {SIGINT, SIGTERM, SIGBREAK}; }

std::optional<int> reload_signal() { return std::nullopt; }

bool is_interrupt(int sig) { return sig == SIGINT; }

void on_console_close(std::function<void()> stop) {
  close_hook() = std::move(stop);
  ::SetConsoleCtrlHandler(on_event, TRUE);
}

void ignore_broken_pipe() {}

}  // namespace platform
