#include "platform/fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace platform {

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("file descriptors: cannot read the limit: {}", std::strerror(errno));
    return;
  }
  if (lim.rlim_cur == lim.rlim_max) {
    spdlog::info("file descriptors: soft limit {} is already the hard limit", lim.rlim_cur);
    return;
  }
  const auto before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  // Linux refuses "unlimited" for descriptors: fall back to its own ceiling.
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0 && lim.rlim_max == RLIM_INFINITY) {
    lim.rlim_cur = 1048576;
    if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) lim.rlim_max = lim.rlim_cur;
  }
  rlimit now{};
  if (::getrlimit(RLIMIT_NOFILE, &now) != 0 || now.rlim_cur == before)
    spdlog::warn("file descriptors: cannot raise the soft limit {} to the hard limit: {}", before,
                 std::strerror(errno));
  else
    spdlog::info("file descriptors: soft limit raised {} -> {}", before, now.rlim_cur);
}

std::optional<std::uint64_t> fd_soft_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return lim.rlim_cur;
}

}  // namespace platform
