#include "platform/splice.hpp"

#include <fcntl.h>
#include <unistd.h>


namespace platform {

bool open_splice_pipe(splice_pipe& p, std::size_t want) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  p.read_fd = fds[0];
  p.write_fd = fds[1];
  // Bigger than the default 64 KiB: a bulk transfer moves in fewer system
  // calls. Best effort: past the user's pipe budget (pipe-user-pages-soft)
  // the kernel refuses, and the default size does. Pages are taken only
  // while bytes sit in the pipe.
  ::fcntl(p.write_fd, F_SETPIPE_SZ, static_cast<int>(want));
  const int size = ::fcntl(p.write_fd, F_GETPIPE_SZ);
  p.capacity = size > 0 ? static_cast<std::size_t>(size) : 4096;
  return true;
}

void close_splice_pipe(const splice_pipe& p) {
  ::close(p.read_fd);
  ::close(p.write_fd);
}

long splice_into_pipe(socket_handle from, const splice_pipe& p, std::size_t max) {
  return ::splice(from, nullptr, p.write_fd, nullptr, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

long splice_out_of_pipe(const splice_pipe& p, socket_handle to, std::size_t max) {
  return ::splice(p.read_fd, nullptr, to, nullptr, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

long read_pipe(const splice_pipe& p, char* buf, std::size_t max) { return ::read(p.read_fd, buf, max); }

}  // namespace platform
