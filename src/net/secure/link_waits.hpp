#pragma once
// How an encrypted link's direction waits (net/secure/secure_relay.cpp), and
// how often it did. A direction waits for its source to be readable; when
// the peer it writes to is full it keeps the bytes not taken (held_bytes)
// and either waits for room (readiness) or hands them to the system whole
// and resumes once they are written (completion).
//
// Readiness is the default everywhere. On Windows, Boost.Asio waits for
// readability with a zero-byte overlapped WSARecv completed through the
// IOCP, but for writability through its select() thread; a completion write
// is an overlapped WSASend instead. Under Wine neither measured better
// (docs/performance.md, "A Windows vnet under Wine"), so the completion path
// stays a test switch: VNET_TEST_LINK_WRITES=completion (or =readiness) in
// the environment, read once at start.
#include <atomic>
#include <cstdint>

namespace net::secure {

// Process-wide, for metrics and the bench.
struct link_wait_counts {
  std::uint64_t for_read = 0;   // waits for a source to be readable
  std::uint64_t for_write = 0;  // waits because a peer was full
};

namespace detail {
inline std::atomic<std::uint64_t> read_waits{0};
inline std::atomic<std::uint64_t> write_waits{0};
}  // namespace detail

inline link_wait_counts link_waits() {
  return {detail::read_waits.load(std::memory_order_relaxed), detail::write_waits.load(std::memory_order_relaxed)};
}

// True: a full peer gets the held bytes as one asynchronous write
// (completion); false: the direction waits for writability and retries.
bool completion_writes();

}  // namespace net::secure
