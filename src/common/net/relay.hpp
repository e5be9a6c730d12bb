#pragma once
// Carries bytes both ways between two connected sockets until both
// directions have ended. One coroutine per direction, joined with &&: on EOF
// a direction shuts down the peer's send side (half-close) and returns while
// the other keeps flowing; on an error both sockets are closed.
//
// The bytes never enter user space: each direction waits for its source to
// turn readable (holding nothing while idle), then splice(2)s source -> pipe
// -> destination, with a pipe from net::pipe_pool held only until it is
// drained. Where the kernel cannot splice sockets it copies through a buffer
// taken for that one transfer. Either way an idle link costs no buffer.
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "net/asio.hpp"

namespace net {

// The copying path's buffer, taken when bytes arrive and freed when the
// source has no more for now.
inline constexpr std::size_t relay_copy_buffer = 64 * 1024;
// A direction gives the other links a turn after this many bytes moved
// without waiting (one io_context thread serves every link).
inline constexpr std::size_t relay_turn_bytes = 1024 * 1024;

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
// false: close both sockets, the relay ends. (The route reads the serving
// side's link_result there while the use side's first bytes go through.)
using relay_prelude = std::function<awaitable<bool>()>;

awaitable<relay_stats> relay(tcp::socket& a, tcp::socket& b, relay_meter meter = {},
                             relay_prelude before_b_to_a = {});

// "after 12.3 s, 1.2 MiB up, 35 KiB down": the log line of a finished link
// (log_links=true). `up` is a_to_b.
std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up = "up", const char* down = "down");

}  // namespace net
