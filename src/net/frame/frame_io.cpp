#include "net/frame/frame_io.hpp"

#include <algorithm>
#include <array>

#include <type_traits>

#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "platform/memory.hpp"
#include "protocol/error.hpp"
#include "text/bytes.hpp"

namespace net::frame {

template <typename Stream>
awaitable<frame_result> read_frame(Stream& s, std::uint32_t max_length) {
  std::array<std::uint8_t, protocol::header_size> head{};
  auto [ec, n] = co_await asio::async_read(s, asio::buffer(head), use_nothrow);
  if (ec) co_return frame_result{ec, {}};
  protocol::header h = protocol::parse_header(head, max_length, ec);
  if (ec) co_return frame_result{ec, {}};
  // The header's length is a promise, not bytes: grow the buffer by what the
  // kernel holds (at most read_chunk at a time), and never read past the
  // frame. Capacity stays within the announced length.
  std::vector<std::uint8_t> payload;
  while (payload.size() < h.length) {
    // TLS: the socket's byte count says nothing about plaintext, so the
    // buffer grows by at most what it already holds (at least 512 bytes):
    // memory stays within twice the bytes that came, as a header that
    // announces 1 MiB and stalls costs 512 bytes, not a chunk.
    std::size_t ready = std::max<std::size_t>(payload.size(), 512);
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      error_code aec;
      ready = s.available(aec);
      if (!aec && ready == 0) {
        auto [wec] = co_await s.async_wait(tcp::socket::wait_read, use_nothrow);
        if (wec) co_return frame_result{wec, {}};
        ready = s.available(aec);
      }
    }
    std::size_t have = payload.size();
    // At least one byte: a closed peer shows as 0 ready, and the read says EOF.
    std::size_t want = std::min<std::size_t>({h.length - have, read_chunk, std::max<std::size_t>(ready, 1)});
    if (have + want > payload.capacity())
      payload.reserve(std::min<std::size_t>(std::max(have + want, payload.capacity() * 2), h.length));
    payload.resize(have + want);
    auto [pec, pn] = co_await s.async_read_some(asio::buffer(payload.data() + have, want), use_nothrow);
    payload.resize(have + pn);
    if (pec) co_return frame_result{pec == asio::error::eof ? error_code(protocol::errc::truncated) : pec, {}};
  }
  frame_result r;
  r.msg = protocol::decode_payload(h.type, payload, r.ec);
  co_return r;
}

template <typename Stream>
awaitable<frame_result> read_frame(Stream& s, std::uint32_t max_length, duration timeout) {
  asio::steady_timer timer(s.get_executor(), timeout);
  auto r = co_await (read_frame(s, max_length) || timer.async_wait(use_nothrow));
  if (r.index() == 1) co_return frame_result{asio::error::timed_out, {}};
  co_return std::get<0>(std::move(r));
}

template <typename Stream>
awaitable<error_code> write_frame(Stream& s, std::vector<std::uint8_t> frame, duration timeout) {
  asio::steady_timer timer(s.get_executor(), timeout);
  auto r = co_await (asio::async_write(s, asio::buffer(frame), use_nothrow) || timer.async_wait(use_nothrow));
  if (r.index() == 1) co_return error_code(asio::error::timed_out);
  co_return std::get<0>(std::get<0>(r));
}

outbox::outbox(asio::any_io_executor ex, outbox_limits limits)
    : queue_(limits),
      signal_(ex, asio::steady_timer::time_point::max()),
      abort_(ex, asio::steady_timer::time_point::max()),
      progress_(ex, asio::steady_timer::time_point::max()) {}

void outbox::send(const protocol::message& m) {
  if (closed_) return;
  if (!queue_.push(m)) {
    // The peer does not read: wake run() (idle or in a write) and let the
    // session end.
    wake(signal_);
    wake(abort_);
    wake(progress_);
    return;
  }
  wake(signal_);
}

void outbox::close() {
  closed_ = true;
  wake(signal_);
}

awaitable<void> outbox::progress() {
  // Over the bound, run() is ending the session: wait for the cancellation.
  if (queued() == 0 && !queue_.over()) co_return;
  progress_.expires_at(asio::steady_timer::time_point::max());
  co_await progress_.async_wait(use_nothrow);
}

template <typename Stream>
awaitable<error_code> outbox::run(Stream& s) {
  asio::steady_timer deadline(s.get_executor());
  for (;;) {
    if (queue_.over()) co_return error_code(asio::error::no_buffer_space);
    auto buf = queue_.next();
    if (buf.size() == 0) {
      if (closed_) break;  // what was queued before close() has been written
      signal_.expires_at(asio::steady_timer::time_point::max());
      co_await signal_.async_wait(use_nothrow);
      continue;
    }
    // One write at a time, raced with the drain deadline and with abort_,
    // which send() cancels when the bound is crossed. A write that loses the
    // race may still have sent bytes, so a lost race always ends the session.
    deadline.expires_after(queue_.limits().drain_timeout);
    auto r = co_await (s.async_write_some(buf, use_nothrow) || deadline.async_wait(use_nothrow) ||
                       abort_.async_wait(use_nothrow));
    if (r.index() == 1) {
      queue_.stalled();
      co_return error_code(asio::error::timed_out);
    }
    if (r.index() == 2) co_return error_code(asio::error::no_buffer_space);
    auto [ec, n] = std::get<0>(r);
    if (ec) co_return ec;
    queue_.written(n);
    wake(progress_);
  }
  co_return error_code{};
}


// The two streams frames travel on: control sessions (TLS) and links.
template awaitable<frame_result> read_frame(tcp::socket&, std::uint32_t);
template awaitable<frame_result> read_frame(tls::tls_stream&, std::uint32_t);
template awaitable<frame_result> read_frame(tcp::socket&, std::uint32_t, duration);
template awaitable<frame_result> read_frame(tls::tls_stream&, std::uint32_t, duration);
template awaitable<error_code> write_frame(tcp::socket&, std::vector<std::uint8_t>, duration);
template awaitable<error_code> write_frame(tls::tls_stream&, std::vector<std::uint8_t>, duration);
template awaitable<error_code> outbox::run(tcp::socket&);
template awaitable<error_code> outbox::run(tls::tls_stream&);

}  // namespace net::frame
