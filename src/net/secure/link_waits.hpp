#pragma once
// How often encrypted links waited (net/secure/secure_relay.cpp), process-wide,
// for metrics (vnet_link_waits_total) and the bench. A direction waits for its
// source to be readable; when the peer it writes to is full, it keeps the
// bytes not taken (held_bytes) and waits for room.
//
// Waits are readiness waits on every platform. On Windows, Boost.Asio turns a
// wait for readability into a zero-byte overlapped WSARecv completed through
// the IOCP (no buffer held while a link is idle); a wait for room goes
// through its select() thread. Under Wine a serving vnet waited for room
// 0-3 times per GiB against ~4400 waits for bytes, and a completion-based
// write of the held bytes (overlapped WSASend) measured no better, so it was
// not kept (docs/performance.md, "A Windows vnet under Wine").
#include <atomic>
#include <cstdint>

namespace net::secure {

struct link_wait_counts {
  std::uint64_t for_read = 0;   // waits for a source to be readable
  std::uint64_t for_write = 0;  // waits because a peer was full (back-pressure)
};

namespace detail {
inline std::atomic<std::uint64_t> read_waits{0};
inline std::atomic<std::uint64_t> write_waits{0};
}  // namespace detail

inline link_wait_counts link_waits() {
  return {detail::read_waits.load(std::memory_order_relaxed), detail::write_waits.load(std::memory_order_relaxed)};
}

}  // namespace net::secure
