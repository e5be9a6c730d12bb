#pragma once
// The bytes a control session has queued for its peer, without the I/O:
// two byte buffers (one being written, one filling), so that a flood of
// small frames costs its bytes, not an allocation each, and both are given
// back once drained. The bound on what may pile up is here; the drain
// deadline is the writer's (a timer). Both daemons' outbox (frame_io.hpp)
// writes one from a coroutine; the route's session (route/sessions/session.*)
// writes one from completion callbacks, so that an idle session holds no
// coroutine frame.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"

namespace net::frame {

struct outbox_limits {
  // Four of the largest frames (protocol::max_payload, 1 MiB): a reader that
  // keeps up never has more than a few serve lists queued; one that lets 4 MiB
  // pile up does not read.
  std::size_t max_bytes = 4u << 20;
  // Frames queued and not one byte taken by the socket for this long: the
  // peer does not read. Sessions pass their silence timeout.
  duration drain_timeout = std::chrono::seconds(15);
};

class send_queue {
 public:
  explicit send_queue(outbox_limits limits = {}) : limits_(limits) {}

  // Queues a frame. Over the bound the queue is dropped (memory released at
  // once), over() holds from then on, and false is returned.
  bool push(const protocol::message& m);
  // The bytes to write next: the rest of the buffer being written, or, once
  // it is done, what filled meanwhile (the buffers swap). Empty when nothing
  // is queued; an emptied buffer is given back if it grew past a chunk.
  asio::const_buffer next();
  // The socket took n bytes of next().
  void written(std::size_t n) { written_ += n; }

  // Bytes queued and not yet taken by the socket.
  std::size_t queued() const { return filling_.size() + (writing_.size() - written_); }
  bool over() const { return over_; }
  // Records what was queued when the drain deadline hit, for stall().
  void stalled() { stalled_bytes_ = queued(); }
  // Why the writer ended, in words, after the bound or the deadline:
  // "more than 4 MiB queued", "nothing taken for 15000 ms, 1.2 MiB queued".
  std::string stall() const;

  const outbox_limits& limits() const { return limits_; }
  void set_drain_timeout(duration d) { limits_.drain_timeout = d; }

 private:
  outbox_limits limits_;
  std::vector<std::uint8_t> filling_;  // frames sent since the last write began
  std::vector<std::uint8_t> writing_;  // the bytes the socket is taking
  std::size_t written_ = 0;            // of writing_
  std::size_t stalled_bytes_ = 0;      // queued when the bound or deadline hit
  bool over_ = false;
};

// Gives a buffer's memory back. A large one also asks malloc to return freed
// pages to the system: after a flood the route's RSS must come back down, and
// glibc keeps freed heap memory otherwise.
void release(std::vector<std::uint8_t>& v);

}  // namespace net::frame
