#pragma once
// Reading and writing whole frames on a socket. Reads are exact (header, then
// payload): no byte past the frame leaves the kernel, so what follows a
// link's opening frame stays in the socket for the relay. Memory follows the
// bytes, not the header's promise: a payload buffer grows as its bytes
// arrive, and a session's send queue has a bound and a drain deadline.
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "net/frame/send_queue.hpp"
#include "net/tls/tls_stream.hpp"
#include "protocol/codec.hpp"

// Control sessions run in TLS, links on plain sockets: the functions below
// take either stream, compiled once for both in frame_io.cpp.
namespace net::frame {

struct frame_result {
  error_code ec;  // I/O error, protocol::errc, or asio::error::timed_out
  protocol::message msg;
};

// The largest piece a payload grows by at a time: a header announcing 1 MiB
// costs nothing until the bytes come, and then at most what came.
inline constexpr std::size_t read_chunk = 64 * 1024;

// On a TLS stream the exactness is TLS's: what the socket holds past the
// frame is records the stream may have read ahead, which only matters on a
// link (plain socket).
template <typename Stream>
awaitable<frame_result> read_frame(Stream& s, std::uint32_t max_length);
template <typename Stream>
awaitable<frame_result> read_frame(Stream& s, std::uint32_t max_length, duration timeout);

// A single frame (a link's handshake) fits the socket's send buffer at once;
// a peer that takes none of it for this long is stuck or hostile.
inline constexpr duration default_write_timeout = std::chrono::seconds(10);

// Takes the encoded frame (protocol::encode) by value. Callers encode in a
// statement of their own: GCC 12 destroys non-trivial temporaries of a
// co_await expression twice, so none may appear in one. Fails with
// asio::error::timed_out when the peer takes no byte for `timeout`.
template <typename Stream>
awaitable<error_code> write_frame(Stream& s, std::vector<std::uint8_t> frame,
                                  duration timeout = default_write_timeout);

// Serialises writes of a control session: many producers, one writer (a
// coroutine). The bytes wait in a send_queue (send_queue.hpp).
class outbox {
 public:
  explicit outbox(asio::any_io_executor ex, outbox_limits limits = {});
  // Queues a frame. Over the bound the queue is dropped (memory released at
  // once) and run() ends with asio::error::no_buffer_space.
  void send(const protocol::message& m);
  // Writes queued frames until the socket fails, the bound or the drain
  // deadline is crossed (asio::error::timed_out), or close() was called and
  // everything queued before it is written.
  template <typename Stream>
  awaitable<error_code> run(Stream& s);
  void close();
  void set_drain_timeout(duration d) { queue_.set_drain_timeout(d); }

  // Bytes queued and not yet taken by the socket.
  std::size_t queued() const { return queue_.queued(); }
  // Returns at the socket's next progress (or at once if nothing is queued):
  // a reader pausing for the queue to drain waits with this.
  awaitable<void> progress();
  // Why run() ended, in words, after the bound or the deadline ended it:
  // "more than 4 MiB queued", "nothing taken for 15000 ms, 1.2 MiB queued".
  std::string stall() const { return queue_.stall(); }

 private:
  void wake(asio::steady_timer& t) { t.cancel(); }

  send_queue queue_;
  asio::steady_timer signal_;          // wakes an idle run(): queued, closed or over the bound
  asio::steady_timer abort_;           // ends a run() that is writing: over the bound
  asio::steady_timer progress_;        // wakes progress() waiters
  bool closed_ = false;
};

}  // namespace net::frame
