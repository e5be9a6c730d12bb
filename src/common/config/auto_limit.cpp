#include "config/auto_limit.hpp"

#include <algorithm>
#include <cstdint>

#include "config/config.hpp"
#include "platform/fd_limit.hpp"

namespace config {

unsigned links_fd_limit_carries() {
  const auto limit = platform::fd_soft_limit();
  if (!limit) return max_limit;
  const std::uint64_t fds = *limit;
  return static_cast<unsigned>(std::min<std::uint64_t>(fds > 64 ? (fds - 64) / 2 : 0, max_limit));
}

unsigned resolve_limit(unsigned configured, unsigned numerator, unsigned denominator, unsigned floor) {
  if (configured != auto_limit) return configured;
  const std::uint64_t share = std::uint64_t{links_fd_limit_carries()} * numerator / denominator;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(share, floor, max_limit));
}

}  // namespace config
