#include "net/relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "net/pipe_pool.hpp"
#include "text/bytes.hpp"

namespace net {
namespace {

struct direction_state {
  std::uint64_t bytes = 0;
  error_code error;
  std::uint64_t* meter = nullptr;  // relay_meter's counter for this direction
  std::size_t since_turn = 0;      // bytes moved since this direction last waited

  void moved(std::size_t n) {
    bytes += n;
    since_turn += n;
    if (meter) *meter += n;
  }
};

// How one transfer (what the source holds now) ended.
enum class outcome { drained, eof, failed };

error_code errno_code(int e) { return error_code(e, asio::error::get_system_category()); }
bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }
bool cannot_splice(int e) { return e == EINVAL || e == ENOSYS; }

// One io_context thread serves every link: a direction whose source never
// runs dry lets the others run between chunks.
awaitable<void> take_turns(direction_state& st) {
  if (st.since_turn < relay_turn_bytes) co_return;
  st.since_turn = 0;
  // Named first: no non-trivial temporary inside a co_await (GCC 12, DESIGN §5.11).
  auto ex = co_await asio::this_coro::executor;
  co_await asio::post(ex, asio::use_awaitable);
}

// Writes all of buf to `to` (a non-blocking socket).
awaitable<error_code> write_all(tcp::socket& to, const char* data, std::size_t n, direction_state& st) {
  auto [ec, w] = co_await asio::async_write(to, asio::buffer(data, n), use_nothrow);
  st.moved(w);
  co_return ec;
}

// The copying path: what the source holds now, through a buffer that lives
// as long as this transfer.
awaitable<outcome> copy_now(tcp::socket& from, tcp::socket& to, direction_state& st) {
  std::unique_ptr<char[]> buf(new char[relay_copy_buffer]);
  for (;;) {
    error_code ec;
    const std::size_t n = from.read_some(asio::buffer(buf.get(), relay_copy_buffer), ec);
    if (ec == asio::error::would_block) co_return outcome::drained;
    if (ec == asio::error::eof) co_return outcome::eof;
    if (ec && ec != asio::error::interrupted) {
      st.error = ec;
      co_return outcome::failed;
    }
    if (n > 0) {
      if (auto wec = co_await write_all(to, buf.get(), n, st)) {
        st.error = wec;
        co_return outcome::failed;
      }
    }
    co_await take_turns(st);
  }
}

// Empties the pipe into `to`, waiting for room when its send buffer is full.
awaitable<error_code> drain(pipe_pool::lease& p, tcp::socket& to, direction_state& st) {
  while (p.held > 0) {
    const ssize_t m = ::splice(p->read_fd, nullptr, to.native_handle(), nullptr, p.held,
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (m > 0) {
      p.held -= static_cast<std::size_t>(m);
      st.moved(static_cast<std::size_t>(m));
      continue;
    }
    const int e = m < 0 ? errno : EPIPE;
    if (e == EINTR) continue;
    if (would_block(e)) {
      auto [ec] = co_await to.async_wait(tcp::socket::wait_write, use_nothrow);
      if (ec) co_return ec;
      continue;
    }
    if (!cannot_splice(e)) co_return errno_code(e);
    // The source spliced but the destination cannot: copy what the pipe holds.
    std::unique_ptr<char[]> buf(new char[p.held]);
    const ssize_t r = ::read(p->read_fd, buf.get(), p.held);
    if (r <= 0) co_return errno_code(r < 0 ? errno : EIO);
    p.held -= static_cast<std::size_t>(r);
    if (auto wec = co_await write_all(to, buf.get(), static_cast<std::size_t>(r), st)) co_return wec;
  }
  co_return error_code{};
}

// Moves what the source holds now, chunk by chunk through a pooled pipe,
// until it has no more (drained), ends (eof) or fails.
awaitable<outcome> splice_now(tcp::socket& from, tcp::socket& to, direction_state& st,
                              pipe_pool& pool) {
  if (pool.splice_disabled) co_return co_await copy_now(from, to, st);
  auto p = pool.take();
  if (!p) co_return co_await copy_now(from, to, st);  // no descriptors for a pipe
  for (;;) {
    const ssize_t n = ::splice(from.native_handle(), nullptr, p->write_fd, nullptr, p->capacity,
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n == 0) co_return outcome::eof;
    if (n < 0) {
      const int e = errno;
      if (e == EINTR) continue;
      if (would_block(e)) co_return outcome::drained;
      if (cannot_splice(e)) {
        p.reset();
        co_return co_await copy_now(from, to, st);
      }
      st.error = errno_code(e);
      co_return outcome::failed;
    }
    p.held = static_cast<std::size_t>(n);
    if (auto ec = co_await drain(p, to, st)) {
      st.error = ec;
      co_return outcome::failed;  // the lease closes the pipe if bytes are left in it
    }
    co_await take_turns(st);
  }
}

awaitable<void> pump(tcp::socket& from, tcp::socket& to, direction_state& st) {
  auto& pool = pipe_pool::local();
  for (;;) {
    // Move first, then wait: bytes may already sit in the socket (they came
    // with the opening frame or behind the prelude's frame).
    const outcome o = co_await splice_now(from, to, st, pool);
    if (o == outcome::eof) {
      // Half-close: the FIN travels on, the other direction keeps flowing.
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    if (o == outcome::failed) break;
    st.since_turn = 0;
    auto [ec] = co_await from.async_wait(tcp::socket::wait_read, use_nothrow);
    if (ec) {
      st.error = ec;
      break;
    }
  }
  // A real failure: end both directions now, the other pump unblocks with an error.
  error_code ignored;
  from.close(ignored);
  to.close(ignored);
}

awaitable<void> pump_after(const relay_prelude& prelude, tcp::socket& from, tcp::socket& to,
                           direction_state& st) {
  if (prelude && !co_await prelude()) {
    error_code ignored;
    from.close(ignored);
    to.close(ignored);
    co_return;
  }
  co_await pump(from, to, st);
}

}  // namespace

awaitable<relay_stats> relay(tcp::socket& a, tcp::socket& b, relay_meter meter,
                             relay_prelude before_b_to_a) {
  // splice(2) and the copying path's reads must never block the thread.
  error_code ignored;
  a.non_blocking(true, ignored);
  b.non_blocking(true, ignored);
  direction_state ab, ba;
  ab.meter = meter.a_to_b;
  ba.meter = meter.b_to_a;
  co_await (pump(a, b, ab) && pump_after(before_b_to_a, b, a, ba));
  relay_stats st;
  st.a_to_b = ab.bytes;
  st.b_to_a = ba.bytes;
  st.error = ab.error ? ab.error : ba.error;
  if (st.error == asio::error::operation_aborted || st.error == asio::error::bad_descriptor)
    st.error = ab.error == st.error ? ba.error : ab.error;
  co_return st;
}

std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up, const char* down) {
  auto s = std::chrono::duration<double>(took).count();
  return fmt::format("after {:.1f} s, {} {}, {} {}{}", s, text::human_bytes(st.a_to_b), up,
                     text::human_bytes(st.b_to_a), down, st.error ? " (" + st.error.message() + ")" : "");
}

}  // namespace net
