#include "platform/fd_limit.hpp"

namespace platform {

// Windows limits sockets by memory, not by a per-process descriptor count.
void raise_fd_limit() {}

std::optional<std::uint64_t> fd_soft_limit() { return std::nullopt; }

}  // namespace platform
