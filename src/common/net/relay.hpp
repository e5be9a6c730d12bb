#pragma once
// Carries bytes both ways between two connected sockets until both
// directions have ended. One coroutine per direction, joined with &&: on EOF
// a direction shuts down the peer's send side (half-close) and returns while
// the other keeps flowing; on an error both sockets are closed.
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "net/asio.hpp"

namespace net {

// Each direction starts with a small buffer and grows it once, to the large
// size, the first time a read fills it: interactive and idle links (an ssh
// session) cost little memory, a bulk transfer moves in few system calls, and
// nothing is allocated per chunk.
inline constexpr std::size_t relay_initial_buffer = 16 * 1024;
inline constexpr std::size_t relay_buffer_size = 256 * 1024;

struct relay_stats {
  std::uint64_t a_to_b = 0;
  std::uint64_t b_to_a = 0;
  error_code error;  // first error that was not a clean EOF
};

// Counters a relay adds to as bytes move (not only when it ends), for
// metrics that must move while a long link is open. Either may be null.
struct relay_meter {
  std::uint64_t* a_to_b = nullptr;
  std::uint64_t* b_to_a = nullptr;
};

// If set, the b -> a direction first co_awaits it (a -> b already flows);
// false: close both sockets, the relay ends.
using relay_prelude = std::function<awaitable<bool>()>;
awaitable<relay_stats> relay(tcp::socket& a, tcp::socket& b, relay_meter meter = {},
                             relay_prelude before_b_to_a = {});

// "after 12.3 s, 1.2 MiB up, 35 KiB down": the log line of a finished link
// (log_links=true). `up` is a_to_b.
std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up = "up", const char* down = "down");

}  // namespace net
