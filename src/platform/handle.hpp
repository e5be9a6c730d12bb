#pragma once
// The operating system's handle of a socket, as Asio's native_handle()
// gives it: a descriptor (int) on POSIX, a SOCKET (an unsigned pointer-sized
// integer) on Windows. The one place the two differ in a signature.
#include <cstdint>

namespace platform {

#ifdef _WIN32
using socket_handle = std::uintptr_t;
#else
using socket_handle = int;
#endif

}  // namespace platform
