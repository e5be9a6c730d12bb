#include "platform/ctl_socket.hpp"

#include <windows.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "platform/windows/owner_only.hpp"

// The ctl channel on Windows is a named pipe (Wine, which tests this build,
// has no AF_UNIX). Its name comes from the PATH a user gives, so the daemon
// and `vnet ctl` agree on it exactly as they agree on a socket file on POSIX.
namespace platform {
namespace {

std::error_code last_win32() { return {static_cast<int>(::GetLastError()), std::system_category()}; }

// One read or write on an overlapped handle, waited for until `deadline`
// (GetTickCount64): the error (0 when done), the bytes moved in `done`.
DWORD transfer(HANDLE h, bool write, char* data, DWORD n, ULONGLONG deadline, DWORD& done, bool& timed_out) {
  OVERLAPPED ov{};
  ov.hEvent = ::CreateEventA(nullptr, TRUE, FALSE, nullptr);
  if (!ov.hEvent) return ::GetLastError();
  const BOOL started = write ? ::WriteFile(h, data, n, nullptr, &ov) : ::ReadFile(h, data, n, nullptr, &ov);
  DWORD err = started ? 0 : ::GetLastError();
  if (started || err == ERROR_IO_PENDING) {
    const ULONGLONG now = ::GetTickCount64();
    const DWORD wait = now < deadline ? static_cast<DWORD>(std::min<ULONGLONG>(deadline - now, 0x7fffffff)) : 0;
    if (::WaitForSingleObject(ov.hEvent, wait) != WAIT_OBJECT_0) {
      ::CancelIoEx(h, &ov);
      timed_out = true;
    }
    err = ::GetOverlappedResult(h, &ov, &done, TRUE) ? 0 : ::GetLastError();
  }
  ::CloseHandle(ov.hEvent);
  return err;
}

}  // namespace

std::size_t max_ctl_path() { return 4096; }

std::string ctl_pipe_name(const std::string& path) {
  std::error_code ec;
  std::string key = std::filesystem::absolute(std::filesystem::path(path), ec).lexically_normal().string();
  if (ec) key = path;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
    return static_cast<char>(c == '/' ? '\\' : std::tolower(c));
  });
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: a name, not a secret
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("\\\\.\\pipe\\vnet-ctl-") + hex;
}

std::intptr_t ctl_pipe_listen(const std::string& path, bool first, std::error_code& ec) {
  ec.clear();
  // Only this user may open the pipe; a service's also Administrators: it
  // runs as LocalSystem, whom no one else can be, and `vnet ctl` from an
  // elevated prompt must reach it.
  const auto also = ctl_pipe_admits_administrators() ? windows::also_grant::administrators
                                                     : windows::also_grant::nobody;
  const auto sd = windows::owner_only_descriptor("", also, ec);
  if (ec) return -1;
  SECURITY_ATTRIBUTES sa{sizeof sa, sd.get(), FALSE};
  const std::string name = ctl_pipe_name(path);
  const DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  HANDLE h = ::CreateNamedPipeA(name.c_str(), open_mode, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                PIPE_REJECT_REMOTE_CLIENTS, PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, &sa);
  DWORD err = h == INVALID_HANDLE_VALUE ? ::GetLastError() : 0;
  if (err == ERROR_INVALID_PARAMETER) {  // a system without PIPE_REJECT_REMOTE_CLIENTS
    h = ::CreateNamedPipeA(name.c_str(), open_mode, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT,
                           PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, &sa);
    err = h == INVALID_HANDLE_VALUE ? ::GetLastError() : 0;
  }
  if (!err) return reinterpret_cast<std::intptr_t>(h);
  if (first && (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY))
    ec = std::make_error_code(std::errc::address_in_use);
  else
    ec = {static_cast<int>(err), std::system_category()};
  return -1;
}

bool ctl_pipe_admits_administrators() { return windows::is_service_process(); }

pipe_wait ctl_pipe_connect(std::intptr_t pipe, void* overlapped, std::error_code& ec) {
  ec.clear();
  if (::ConnectNamedPipe(reinterpret_cast<HANDLE>(pipe), static_cast<OVERLAPPED*>(overlapped)))
    return pipe_wait::pending;  // done at once; its completion is still queued
  const DWORD err = ::GetLastError();
  if (err == ERROR_IO_PENDING) return pipe_wait::pending;
  // A client that came between CreateNamedPipe and ConnectNamedPipe: no
  // completion is queued for it.
  if (err == ERROR_PIPE_CONNECTED) return pipe_wait::connected;
  ec = {static_cast<int>(err), std::system_category()};
  return pipe_wait::failed;
}

ctl_file ctl_file_kind(const std::string& path) {
  // A pipe with no free instance still exists: the wait times out.
  if (::WaitNamedPipeA(ctl_pipe_name(path).c_str(), 1)) return ctl_file::socket;
  return ::GetLastError() == ERROR_SEM_TIMEOUT ? ctl_file::socket : ctl_file::none;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string&) { return std::nullopt; }

std::error_code probe_ctl(const std::string& path) {
  HANDLE h = ::CreateFileA(ctl_pipe_name(path).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0,
                           nullptr);
  if (h == INVALID_HANDLE_VALUE)
    return ::GetLastError() == ERROR_FILE_NOT_FOUND ? std::make_error_code(std::errc::connection_refused)
                                                     : last_win32();
  ::CloseHandle(h);
  return {};
}

unsigned set_umask(unsigned) { return 0; }

bool process_alive(long pid) {
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!h) return false;
  DWORD code = 0;
  const bool alive = ::GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
  ::CloseHandle(h);
  return alive;
}

ctl_reply ctl_call(const std::string& path, const std::string& line, int timeout_s) {
  ctl_reply r;
  const std::string name = ctl_pipe_name(path);
  const ULONGLONG deadline = ::GetTickCount64() + static_cast<ULONGLONG>(timeout_s) * 1000;
  HANDLE h = INVALID_HANDLE_VALUE;
  for (;;) {
    h = ::CreateFileA(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, FILE_FLAG_OVERLAPPED,
                      nullptr);
    if (h != INVALID_HANDLE_VALUE) break;
    const DWORD err = ::GetLastError();
    // Every instance busy with other clients: wait for one, within the deadline.
    if (err == ERROR_PIPE_BUSY && ::GetTickCount64() < deadline) {
      ::WaitNamedPipeA(name.c_str(), 1000);
      continue;
    }
    r.connect_error = err == ERROR_FILE_NOT_FOUND ? std::make_error_code(std::errc::no_such_file_or_directory)
                                                   : std::error_code(static_cast<int>(err), std::system_category());
    return r;
  }
  std::string out = line;
  DWORD done = 0;
  for (std::size_t sent = 0; sent < out.size(); sent += done) {
    const DWORD err = transfer(h, true, out.data() + sent, static_cast<DWORD>(out.size() - sent), deadline, done,
                               r.timed_out);
    if (err || r.timed_out) {
      r.read_error = std::error_code(static_cast<int>(err ? err : ERROR_TIMEOUT), std::system_category());
      ::CloseHandle(h);
      return r;
    }
  }
  // The answer runs until the daemon closes its end (ERROR_BROKEN_PIPE).
  char buf[4096];
  for (;;) {
    done = 0;
    const DWORD err = transfer(h, false, buf, sizeof buf, deadline, done, r.timed_out);
    r.answer.append(buf, done);
    if (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED) break;
    if (err || r.timed_out) {
      r.read_error = std::error_code(static_cast<int>(err ? err : ERROR_TIMEOUT), std::system_category());
      break;
    }
  }
  ::CloseHandle(h);
  return r;
}

}  // namespace platform
