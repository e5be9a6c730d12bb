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

// The ctl channel: a unix socket file on POSIX; a named pipe on Windows
// (Wine, which tests that build, has no AF_UNIX), named after the same PATH
// (ctl_pipe_name), so `--ctl PATH` and FILE.ctl mean the same on both.

// The longest path: sun_path less its terminator on POSIX; on Windows the
// path only names a pipe, so any path a file may have.
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

// Windows only (the named pipe behind a ctl PATH).
// The pipe's name: \\.\pipe\vnet-ctl- and a hash of the absolute, lower-case
// path, so a daemon and `vnet ctl` started in other folders meet.
std::string ctl_pipe_name(const std::string& path);
// Whether the pipe admits BUILTIN\Administrators besides this process's
// account: in a service (run by the SCM, as LocalSystem by default), so
// that `vnet ctl` works from an elevated prompt; never otherwise.
bool ctl_pipe_admits_administrators();
// A new listening instance of that pipe: overlapped, byte mode, local
// clients only, and an ACL that lets only this user open it (and
// Administrators, as above). `first`: the
// name must be new; when another process holds it, `ec` is
// errc::address_in_use. Returns the handle (a HANDLE) or -1 with `ec` set.
std::intptr_t ctl_pipe_listen(const std::string& path, bool first, std::error_code& ec);
// Starts waiting for a client on `pipe`; `overlapped` is the OVERLAPPED of
// the caller's completion (Asio's overlapped_ptr).
enum class pipe_wait { pending, connected, failed };
pipe_wait ctl_pipe_connect(std::intptr_t pipe, void* overlapped, std::error_code& ec);

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
