#pragma once
// Reading and writing whole frames on a socket. Reads are exact (header, then
// payload): no byte past the frame leaves the kernel, so what follows a
// link's opening frame stays in the socket for the relay.
#include <deque>
#include <utility>
#include <vector>

#include "net/asio.hpp"
#include "net/time.hpp"
#include "protocol/codec.hpp"

namespace net {

struct frame_result {
  error_code ec;  // I/O error, protocol::errc, or asio::error::timed_out
  protocol::message msg;
};

awaitable<frame_result> read_frame(tcp::socket& s, std::uint32_t max_length);
awaitable<frame_result> read_frame(tcp::socket& s, std::uint32_t max_length, duration timeout);
// Takes the encoded frame (protocol::encode) by value. Callers encode in a
// statement of their own: GCC 12 destroys non-trivial temporaries of a
// co_await expression twice, so none may appear in one.
awaitable<error_code> write_frame(tcp::socket& s, std::vector<std::uint8_t> frame);

// Serialises writes of a control session: many producers, one writer.
class outbox {
 public:
  explicit outbox(asio::any_io_executor ex);
  void send(const protocol::message& m);
  // Writes queued frames until the socket fails, or until close() was called
  // and everything queued before it is written.
  awaitable<error_code> run(tcp::socket& s);
  void close();

 private:
  std::deque<std::vector<std::uint8_t>> queue_;
  asio::steady_timer signal_;
  bool closed_ = false;
};

}  // namespace net
