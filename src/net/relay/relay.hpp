#pragma once
// Carries bytes both ways between two connected sockets until both
// directions have ended: on EOF a direction shuts down the peer's send side
// (half-close) and ends while the other keeps flowing; on an error both
// sockets are closed.
//
// The bytes never enter user space: each direction waits for its source to
// turn readable (holding nothing while idle), then splice(2)s source -> pipe
// -> destination, with a pipe from net::relay::pipe_pool held only until it is
// drained. Where the kernel cannot splice sockets it copies through a buffer
// taken for that one transfer. Either way an idle link costs no buffer.
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "net/relay/pipe_pool.hpp"

namespace net::relay {

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

// If set, the b -> a direction waits for it (a -> b already flows); false:
// close both sockets, the relay ends. (The route reads the serving side's
// link_result there while the use side's first bytes go through.)
using relay_prelude = std::function<awaitable<bool>()>;

// Two connected sockets and the relay between them, on the heap
// (std::make_shared) while it runs: each direction is driven by readiness
// callbacks that hold it, so an idle relay is this object and two pending
// waits, with no coroutine frame. The route derives from it to keep what
// counts the link for its life and to hear the end in ended().
class relayed_pair : public std::enable_shared_from_this<relayed_pair> {
 public:
  explicit relayed_pair(const asio::any_io_executor& ex) : a(ex), b(ex) {}
  virtual ~relayed_pair() = default;
  relayed_pair(const relayed_pair&) = delete;
  relayed_pair& operator=(const relayed_pair&) = delete;

  tcp::socket a, b;
  relay_meter meter;

 protected:
  // Called once, when both directions have ended; not when the relay is
  // dropped unfinished (its io_context destroyed).
  virtual void ended(const relay_stats&) {}

 private:
  friend awaitable<void> start_relay(std::shared_ptr<relayed_pair> p, relay_prelude before_b_to_a);
  struct direction {
    relayed_pair* pair = nullptr;
    tcp::socket* from = nullptr;
    tcp::socket* to = nullptr;
    std::uint64_t* meter = nullptr;  // relay_meter's counter for this direction
    std::uint64_t bytes = 0;
    error_code error;  // the first that was not a clean EOF
    bool done = false;
    bool copying = false;  // the kernel refused to splice these sockets
    pipe_pool::lease pipe;
    std::unique_ptr<char[]> buf;  // copying path: bytes read, not yet written
    std::size_t buf_from = 0, buf_to = 0;

    void run();
    bool flush(bool& blocked);
    void wait(tcp::socket& s, tcp::socket::wait_type w);
    void moved(std::size_t n);
    void end_of_stream();
    void fail(error_code ec);
    void finish();
  };
  void close_both();
  void report_if_ended();
  direction ab_, ba_;
  bool reported_ = false;
};

// Starts a -> b at once, then b -> a (after before_b_to_a, if set). Returns
// then; the relay runs on by itself and ended() reports its end.
awaitable<void> start_relay(std::shared_ptr<relayed_pair> p, relay_prelude before_b_to_a = {});

// "after 12.3 s, 1.2 MiB up, 35 KiB down": the log line of a finished link
// (log_links=true). `up` is a_to_b.
std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up = "up", const char* down = "down");

}  // namespace net::relay
