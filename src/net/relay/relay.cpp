#include "net/relay/relay.hpp"

#include <cerrno>
#include <memory>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "net/relay/pipe_pool.hpp"
#include "text/bytes.hpp"

namespace net::relay {
namespace {

error_code errno_code(int e) { return error_code(e, asio::error::get_system_category()); }
bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }
bool cannot_splice(int e) { return e == EINVAL || e == ENOSYS; }

}  // namespace

void relayed_pair::direction::moved(std::size_t n) {
  bytes += n;
  if (meter) *meter += n;
}

// The wait's handler holds the pair: it lives while one is pending.
void relayed_pair::direction::wait(tcp::socket& s, tcp::socket::wait_type w) {
  s.async_wait(w, [self = pair->shared_from_this(), this](error_code ec) {
    if (ec) fail(ec);
    else run();
  });
}

// Empties what is in flight (pipe or buffer) into `to`. False: failed (and
// finished). blocked: `to` is full, a wait for writability is pending.
bool relayed_pair::direction::flush(bool& blocked) {
  blocked = false;
  while (pipe && pipe.held > 0) {
    const long m = platform::splice_out_of_pipe(*pipe, to->native_handle(), pipe.held);
    if (m > 0) {
      pipe.held -= static_cast<std::size_t>(m);
      moved(static_cast<std::size_t>(m));
      continue;
    }
    const int e = m < 0 ? errno : EPIPE;
    if (e == EINTR) continue;
    if (would_block(e)) {
      blocked = true;
      wait(*to, tcp::socket::wait_write);
      return true;
    }
    if (!cannot_splice(e)) {
      fail(errno_code(e));
      return false;
    }
    // The source spliced but the destination cannot: what the pipe holds
    // goes the copying way.
    copying = true;
    buf.reset(new char[pipe.held]);
    const long r = platform::read_pipe(*pipe, buf.get(), pipe.held);
    if (r <= 0) {
      fail(errno_code(r < 0 ? errno : EIO));
      return false;
    }
    pipe.held -= static_cast<std::size_t>(r);
    buf_from = 0;
    buf_to = static_cast<std::size_t>(r);
  }
  while (buf_from < buf_to) {
    error_code ec;
    const std::size_t w = to->write_some(asio::buffer(buf.get() + buf_from, buf_to - buf_from), ec);
    buf_from += w;
    moved(w);
    if (ec == asio::error::would_block) {
      blocked = true;
      wait(*to, tcp::socket::wait_write);
      return true;
    }
    if (ec && ec != asio::error::interrupted) {
      fail(ec);
      return false;
    }
  }
  return true;
}

void relayed_pair::direction::run() {
  auto& pool = pipe_pool::local();
  std::size_t turn = 0;
  for (;;) {
    bool blocked = false;
    if (!flush(blocked) || blocked) return;
    if (turn >= relay_turn_bytes) {
      // One io_context thread serves every link: a source that never runs
      // dry lets the others run between chunks.
      asio::post(from->get_executor(), [self = pair->shared_from_this(), this] { run(); });
      return;
    }
    if (!copying && !pool.splice_disabled && !pipe) pipe = pool.take();
    if (pipe) {
      const long n = platform::splice_into_pipe(from->native_handle(), *pipe, pipe->capacity);
      if (n > 0) {
        pipe.held = static_cast<std::size_t>(n);
        turn += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) return end_of_stream();
      const int e = errno;
      if (e == EINTR) continue;
      if (would_block(e)) {
        pipe.reset();  // idle: no pipe held while waiting
        return wait(*from, tcp::socket::wait_read);
      }
      if (!cannot_splice(e)) return fail(errno_code(e));
      copying = true;
      pipe.reset();
      continue;
    }
    // The copying path (no splice here, or no descriptor for a pipe).
    if (!buf) buf.reset(new char[relay_copy_buffer]);
    error_code ec;
    const std::size_t n = from->read_some(asio::buffer(buf.get(), relay_copy_buffer), ec);
    if (ec == asio::error::would_block) {
      buf.reset();  // idle: no buffer held while waiting
      return wait(*from, tcp::socket::wait_read);
    }
    if (ec == asio::error::eof) return end_of_stream();
    if (ec && ec != asio::error::interrupted) return fail(ec);
    buf_from = 0;
    buf_to = n;
    turn += n;
  }
}

void relayed_pair::direction::end_of_stream() {
  // Half-close: the FIN travels on, the other direction keeps flowing.
  error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
  finish();
}

void relayed_pair::direction::fail(error_code ec) {
  if (!error) error = ec;
  // A real failure: end both directions now; the other one's pending wait
  // ends with operation_aborted.
  pair->close_both();
  finish();
}

void relayed_pair::direction::finish() {
  done = true;
  pipe.reset();  // closed rather than pooled if it still holds bytes
  buf.reset();
  buf_from = buf_to = 0;
  pair->report_if_ended();
}

void relayed_pair::close_both() {
  error_code ignored;
  a.close(ignored);
  b.close(ignored);
}

void relayed_pair::report_if_ended() {
  // b -> a counts from the start, while the prelude runs: the relay cannot
  // end before it has had its turn.
  if (reported_ || !ab_.done || !ba_.done) return;
  reported_ = true;
  relay_stats st;
  st.a_to_b = ab_.bytes;
  st.b_to_a = ba_.bytes;
  st.error = ab_.error ? ab_.error : ba_.error;
  if (st.error == asio::error::operation_aborted || st.error == asio::error::bad_descriptor)
    st.error = ab_.error == st.error ? ba_.error : ab_.error;
  ended(st);
}

awaitable<void> start_relay(std::shared_ptr<relayed_pair> p, relay_prelude before_b_to_a) {
  // splice(2) and the copying path's reads and writes must never block the thread.
  error_code ignored;
  p->a.non_blocking(true, ignored);
  p->b.non_blocking(true, ignored);
  for (auto* d : {&p->ab_, &p->ba_}) d->pair = p.get();
  p->ab_.from = p->ba_.to = &p->a;
  p->ab_.to = p->ba_.from = &p->b;
  p->ab_.meter = p->meter.a_to_b;
  p->ba_.meter = p->meter.b_to_a;
  // Bytes may already wait in the sockets (they came with the opening frame
  // or behind the prelude's frame): each direction moves them before it
  // first waits.
  p->ab_.run();
  if (before_b_to_a && !co_await before_b_to_a()) {
    p->close_both();
    p->ba_.finish();
  } else {
    p->ba_.run();
  }
}

std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up, const char* down) {
  auto s = std::chrono::duration<double>(took).count();
  return fmt::format("after {:.1f} s, {} {}, {} {}{}", s, text::human_bytes(st.a_to_b), up,
                     text::human_bytes(st.b_to_a), down, st.error ? " (" + st.error.message() + ")" : "");
}

}  // namespace net::relay
