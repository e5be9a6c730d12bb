#include "platform/splice.hpp"

#include <cerrno>

// No splice on Windows: no pipe is ever opened, so the relay copies.
namespace platform {

bool open_splice_pipe(splice_pipe&, std::size_t) { return false; }

void close_splice_pipe(const splice_pipe&) {}

long splice_into_pipe(socket_handle, const splice_pipe&, std::size_t) {
  errno = ENOSYS;
  return -1;
}

long splice_out_of_pipe(const splice_pipe&, socket_handle, std::size_t) {
  errno = ENOSYS;
  return -1;
}

long read_pipe(const splice_pipe&, char*, std::size_t) {
  errno = ENOSYS;
  return -1;
}

}  // namespace platform
