#pragma once
// Carries bytes both ways between two connected sockets until both
// directions have ended. One coroutine per direction, joined with &&: on EOF
// a direction shuts down the peer's send side (half-close) and returns while
// the other keeps flowing; on an error both sockets are closed.
#include <cstddef>
#include <cstdint>

#include "net/asio.hpp"

namespace net {

// 256 KiB per direction, allocated once per link: big enough that a bulk
// transfer moves in few system calls, and never reallocated per chunk.
inline constexpr std::size_t relay_buffer_size = 256 * 1024;

struct relay_stats {
  std::uint64_t a_to_b = 0;
  std::uint64_t b_to_a = 0;
  error_code error;  // first error that was not a clean EOF
};

awaitable<relay_stats> relay(tcp::socket& a, tcp::socket& b);

}  // namespace net
