#pragma once
// The route's relay moves bytes socket -> pipe -> socket with splice(2), so
// they never enter user space; where there is no splice (Windows) every pipe
// call fails with ENOSYS and the relay copies. Calls return what the system
// call does: bytes moved, 0 at end of stream, -1 with errno set.
#include <cstddef>

#include "platform/handle.hpp"

namespace platform {

inline constexpr bool has_splice =
#ifdef __linux__
    true;
#else
    false;
#endif

struct splice_pipe {
  int read_fd = -1;
  int write_fd = -1;
  std::size_t capacity = 0;
};

// A non-blocking pipe, asked to hold `want` bytes (best effort: the
// kernel's budget may refuse); false when none can be had.
bool open_splice_pipe(splice_pipe& p, std::size_t want);
void close_splice_pipe(const splice_pipe& p);

long splice_into_pipe(socket_handle from, const splice_pipe& p, std::size_t max);
long splice_out_of_pipe(const splice_pipe& p, socket_handle to, std::size_t max);
long read_pipe(const splice_pipe& p, char* buf, std::size_t max);

}  // namespace platform
