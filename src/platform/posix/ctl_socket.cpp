#include "platform/ctl_socket.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace platform {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

int connect_unix(const std::string& path, std::error_code& ec) {
  sockaddr_un addr{};
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return -1;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ec = last_error();
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::size_t max_ctl_path() { return sizeof(sockaddr_un{}.sun_path) - 1; }

ctl_file ctl_file_kind(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return ctl_file::none;
  return S_ISSOCK(st.st_mode) ? ctl_file::socket : ctl_file::other;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
}

std::error_code probe_ctl(const std::string& path) {
  std::error_code ec;
  const int fd = connect_unix(path, ec);
  if (fd >= 0) ::close(fd);
  return ec;
}

unsigned set_umask(unsigned mask) { return ::umask(static_cast<mode_t>(mask)); }

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

ctl_reply ctl_call(const std::string& path, const std::string& line, int timeout_s) {
  ctl_reply r;
  const int fd = connect_unix(path, r.connect_error);
  if (fd < 0) return r;
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) r.answer.append(buf, static_cast<std::size_t>(n));
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
      r.read_error = last_error();
      break;
    }
  }
  ::close(fd);
  return r;
}

}  // namespace platform
