#pragma once
// The ctl channel's transport: a unix socket file, owner-only. What the
// daemon (net::ctl::ctl_server, over Asio) and the `ctl` command
// (cli::run_ctl) need of it that Asio does not give.
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace platform {

// Whether this build has a ctl channel at all (not yet on Windows: Wine,
// which tests it, has no AF_UNIX).
bool ctl_available();

// The longest socket path (sun_path less its terminator).
std::size_t max_ctl_path();

// What is at `path`: nothing, a socket, or another kind of file.
enum class ctl_file { none, socket, other };
ctl_file ctl_file_kind(const std::string& path);

// A file's identity (device, inode), to remove only the socket this process
// made.
std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string& path);

// Whether a daemon accepts on the socket `path`: connect() to it. The
// error: connection_refused means the file outlived its daemon.
std::error_code probe_ctl(const std::string& path);

// Runs `bind` with the process's umask at 0177, so that the socket file is
// owner-only from its birth (never reachable by others between bind() and
// a chmod()).
template <class F>
auto with_owner_only_umask(F bind);

// Whether process `pid` is alive (kill(pid, 0)).
bool process_alive(long pid);

// One ctl exchange: connects to `path`, sends `line`, reads until the
// daemon closes. `connect_error` set: nobody answered. `read_error` set:
// the answer stopped early (`timed_out` when the daemon did not answer
// within `timeout_s`).
struct ctl_reply {
  std::error_code connect_error;
  std::error_code read_error;
  bool timed_out = false;
  std::string answer;
};
ctl_reply ctl_call(const std::string& path, const std::string& line, int timeout_s);

// The umask as a pair of calls, for with_owner_only_umask.
unsigned set_umask(unsigned mask);

template <class F>
auto with_owner_only_umask(F bind) {
  struct restore {
    unsigned old;
    ~restore() { set_umask(old); }
  } r{set_umask(0177)};
  return bind();
}

}  // namespace platform
