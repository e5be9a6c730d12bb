#include "platform/ctl_socket.hpp"

#include <windows.h>

// The ctl channel is a unix socket file on POSIX. Windows will get a named
// pipe (Wine, which tests this build, has no AF_UNIX); until then every call
// says it is not there.
namespace platform {
namespace {

std::error_code not_here() { return std::make_error_code(std::errc::address_family_not_supported); }

}  // namespace

bool ctl_available() { return false; }

std::size_t max_ctl_path() { return 107; }

ctl_file ctl_file_kind(const std::string&) { return ctl_file::none; }

std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string&) { return std::nullopt; }

std::error_code probe_ctl(const std::string&) { return not_here(); }

unsigned set_umask(unsigned) { return 0; }

bool process_alive(long pid) {
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!h) return false;
  DWORD code = 0;
  const bool alive = ::GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
  ::CloseHandle(h);
  return alive;
}

ctl_reply ctl_call(const std::string&, const std::string&, int) {
  ctl_reply r;
  r.connect_error = not_here();
  return r;
}

}  // namespace platform
