#include "net/relay.hpp"

#include <memory>

#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "text/bytes.hpp"

namespace net {
namespace {

struct direction_state {
  std::uint64_t bytes = 0;
  error_code error;
  std::uint64_t* meter = nullptr;  // relay_meter's counter for this direction
};

awaitable<void> pump(tcp::socket& from, tcp::socket& to, direction_state& st) {
  std::size_t size = relay_initial_buffer;
  std::unique_ptr<char[]> buf(new char[size]);
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf.get(), size), use_nothrow);
    if (n > 0) {
      auto [wec, w] = co_await asio::async_write(to, asio::buffer(buf.get(), n), use_nothrow);
      st.bytes += w;
      if (st.meter) *st.meter += w;
      if (wec) {
        st.error = wec;
        break;
      }
      if (n == size && size < relay_buffer_size) {
        size = relay_buffer_size;  // a full read: this is a bulk transfer
        buf.reset(new char[size]);
      }
    }
    if (rec == asio::error::eof) {
      // Half-close: the FIN travels on, the other direction keeps flowing.
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    if (rec) {
      st.error = rec;
      break;
    }
  }
  // A real failure: end both directions now, the other pump unblocks with an error.
  error_code ignored;
  from.close(ignored);
  to.close(ignored);
}

awaitable<void> after(relay_prelude& prelude, tcp::socket& from, tcp::socket& to,
                      direction_state& st) {
  if (!co_await prelude()) {
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
  direction_state ab, ba;
  ab.meter = meter.a_to_b;
  ba.meter = meter.b_to_a;
  if (before_b_to_a)
    co_await (pump(a, b, ab) && after(before_b_to_a, b, a, ba));
  else
    co_await (pump(a, b, ab) && pump(b, a, ba));
  relay_stats st;
  st.a_to_b = ab.bytes;
  st.b_to_a = ba.bytes;
  st.error = ab.error ? ab.error : ba.error;
  if (st.error == asio::error::operation_aborted || st.error == asio::error::bad_descriptor)
    st.error = ab.error == st.error ? ba.error : ab.error;
  co_return st;
}

}  // namespace net

namespace net {


std::string link_summary(const relay_stats& st, std::chrono::steady_clock::duration took,
                         const char* up, const char* down) {
  auto s = std::chrono::duration<double>(took).count();
  return fmt::format("after {:.1f} s, {} {}, {} {}{}", s, text::human_bytes(st.a_to_b), up,
                     text::human_bytes(st.b_to_a), down, st.error ? " (" + st.error.message() + ")" : "");
}

}  // namespace net
