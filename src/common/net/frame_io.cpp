#include "net/frame_io.hpp"

#include <array>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "protocol/error.hpp"

namespace net {

awaitable<frame_result> read_frame(tcp::socket& s, std::uint32_t max_length) {
  std::array<std::uint8_t, protocol::header_size> head{};
  auto [ec, n] = co_await asio::async_read(s, asio::buffer(head), use_nothrow);
  if (ec) co_return frame_result{ec, {}};
  protocol::header h = protocol::parse_header(head, max_length, ec);
  if (ec) co_return frame_result{ec, {}};
  std::vector<std::uint8_t> payload(h.length);  // bounded by max_length above
  if (h.length) {
    auto [pec, pn] = co_await asio::async_read(s, asio::buffer(payload), use_nothrow);
    if (pec) co_return frame_result{pec == asio::error::eof ? error_code(protocol::errc::truncated) : pec, {}};
  }
  frame_result r;
  r.msg = protocol::decode_payload(h.type, payload, r.ec);
  co_return r;
}

awaitable<frame_result> read_frame(tcp::socket& s, std::uint32_t max_length, duration timeout) {
  asio::steady_timer timer(s.get_executor(), timeout);
  auto r = co_await (read_frame(s, max_length) || timer.async_wait(use_nothrow));
  if (r.index() == 1) co_return frame_result{asio::error::timed_out, {}};
  co_return std::get<0>(std::move(r));
}

awaitable<error_code> write_frame(tcp::socket& s, std::vector<std::uint8_t> frame) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(frame), use_nothrow);
  co_return ec;
}

outbox::outbox(asio::any_io_executor ex) : signal_(ex, asio::steady_timer::time_point::max()) {}

void outbox::send(const protocol::message& m) {
  if (closed_) return;
  queue_.push_back(protocol::encode(m));
  signal_.cancel();
}

void outbox::close() {
  closed_ = true;
  signal_.cancel();
}

awaitable<error_code> outbox::run(tcp::socket& s) {
  for (;;) {
    if (queue_.empty()) {
      if (closed_) break;  // what was queued before close() has been written
      signal_.expires_at(asio::steady_timer::time_point::max());
      co_await signal_.async_wait(use_nothrow);
      continue;
    }
    // Write everything queued so far in one gathered write.
    std::vector<std::vector<std::uint8_t>> batch(std::make_move_iterator(queue_.begin()),
                                                 std::make_move_iterator(queue_.end()));
    queue_.clear();
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(batch.size());
    for (auto& b : batch) bufs.push_back(asio::buffer(b));
    auto [ec, n] = co_await asio::async_write(s, bufs, use_nothrow);
    if (ec) co_return ec;
  }
  co_return error_code{};
}

}  // namespace net
