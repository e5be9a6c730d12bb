#pragma once
// Both daemons hold one descriptor per connection and link: the default soft
// limit (often 1024) is far below what a busy route or vnet needs, while the
// hard limit (what an unprivileged process may raise itself to) is usually
// much higher. Raised once at start, and said in the log, so that "too many
// open files" can be told apart from a low limit. Windows has no such limit
// on sockets: nothing to do there.
#include <cstdint>
#include <optional>

namespace platform {

void raise_fd_limit();

// The descriptor limit in force now (the soft one); nullopt when there is
// none (unlimited, or Windows).
std::optional<std::uint64_t> fd_soft_limit();

}  // namespace platform
