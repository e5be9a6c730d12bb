#pragma once
// Time on the io_context: the duration type of every deadline, conversions
// from the config's seconds, sleeping and the silence watchdog.
#include <chrono>

#include "net/asio.hpp"

namespace net {

using duration = std::chrono::steady_clock::duration;

inline std::chrono::milliseconds to_ms(std::chrono::duration<double> d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

inline duration to_duration(std::chrono::duration<double> d) {
  return std::chrono::duration_cast<duration>(d);
}

// Waits for `d` on a fresh timer; returns false if cancelled.
awaitable<bool> sleep_for(duration d);

// Returns once nothing has been seen for `limit`; `last_seen` is updated by
// the caller's reader. The idle-timeout branch of a session. Both are read
// again at every wake-up, so the caller may change `limit` (a reload): a
// longer one applies at once, a shorter one from the old deadline on.
awaitable<void> watch_silence(const std::chrono::steady_clock::time_point& last_seen,
                              const duration& limit);

}  // namespace net
