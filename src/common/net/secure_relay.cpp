#include "net/secure_relay.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "crypto/link_cipher.hpp"
#include "net/link_buffers.hpp"

namespace net {
namespace {

// What both directions of one link share: the first failure wins, and ends both.
struct link_state {
  tcp::socket& a;
  tcp::socket& b;
  std::string failure;
  error_code error;
  void fail(std::string why, error_code ec = {}) {
    if (failure.empty() && !error) {
      failure = std::move(why);
      error = ec;
    }
    error_code ignored;
    a.close(ignored);
    b.close(ignored);
  }
};

// Reads exactly out.size() bytes within `timeout`.
awaitable<error_code> read_exact(tcp::socket& s, std::span<std::uint8_t> out, duration timeout) {
  asio::steady_timer t(s.get_executor(), timeout);
  auto r = co_await (asio::async_read(s, asio::buffer(out.data(), out.size()), use_nothrow) ||
                     t.async_wait(use_nothrow));
  if (r.index() == 1) co_return asio::error::timed_out;
  co_return std::get<0>(std::get<0>(r));
}

std::string hello_failure(const char* what, error_code ec) {
  if (ec == asio::error::eof) return fmt::format("the link ended before the {} hello", what);
  if (ec == asio::error::timed_out) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(hello_timeout).count();
    return fmt::format("no {} hello within {} s", what, s);
  }
  return fmt::format("reading the {} hello: {}", what, ec.message());
}

// The pumps are coroutines that only wait; every step that touches bytes is
// a plain function, so its locals live on the stack and not in the link's
// coroutine frame (an idle link keeps its frames). A step borrows this
// thread's pooled buffer, reads, seals or opens in place, writes at once
// (non-blocking) and gives the buffer back: what the peer did not take is
// left in `rest` (exactly the unsent bytes) for the pump to write once the
// peer drains.
struct step {
  error_code read;      // eof, or an I/O error of the read
  error_code write;     // an I/O error of the write
  std::size_t plain = 0;  // plaintext bytes moved
  bool again = false;   // nothing was read (a spurious wake-up): wait again
  bool full = false;    // the read filled the buffer: read again before waiting
  bool final = false;   // open: the FINAL record came
  const char* failure = nullptr;  // open: a bad record
};

// At most this many pieces go to one sendmsg; more records' plaintexts are
// moved behind the last piece (small records: interactive traffic).
inline constexpr std::size_t max_pieces = 16;
using pieces = std::array<asio::const_buffer, max_pieces>;

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Writes the pieces at once; copies what the socket did not take to `rest`.
error_code write_now(tcp::socket& to, const pieces& out, std::size_t count, held_bytes& rest) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += out[i].size();
  error_code ec;
  std::size_t sent = to.write_some(std::span<const asio::const_buffer>(out.data(), count), ec);
  if (would_block(ec)) {
    ec = {};
    sent = 0;
  }
  if (ec || sent == total) return ec;
  auto* at = rest.allocate(total - sent);
  for (std::size_t i = 0; i < count; ++i) {
    auto n = out[i].size();
    if (sent >= n) {
      sent -= n;
      continue;
    }
    auto* p = static_cast<const std::uint8_t*>(out[i].data()) + sent;
    at = std::copy(p, p + (n - sent), at);
    sent = 0;
  }
  return {};
}

// plain -> records: reads straight into the records' places in the pooled
// buffer (readv, room left for prefix, flag and tag) and seals in place. EOF
// (read_some reports it alone, with no bytes) becomes a FINAL record.
step seal_step(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer, held_bytes& rest) {
  constexpr std::size_t slot = crypto::record_prefix + crypto::max_ciphertext;
  constexpr std::size_t slots = pooled_buffer_size / slot;
  constexpr std::size_t head = crypto::record_prefix + crypto::record_flag;
  pooled_buffer buf;
  std::array<asio::mutable_buffer, slots> in;
  for (std::size_t k = 0; k < slots; ++k) in[k] = asio::buffer(buf.data() + k * slot + head, crypto::max_record);
  step s;
  std::size_t n = from.read_some(in, s.read);
  if (would_block(s.read)) {
    s.again = true;
    return s;
  }
  s.full = n == slots * crypto::max_record;
  std::size_t bytes = 0;
  for (std::size_t k = 0, left = n; left > 0; ++k) {  // full slots are contiguous records
    auto len = std::min(left, crypto::max_record);
    sealer.seal_in_place(std::span<std::uint8_t>(buf.data() + k * slot, head + len + crypto::record_tag), false);
    bytes += head + len + crypto::record_tag;
    left -= len;
  }
  if (s.read == asio::error::eof) {
    sealer.seal_in_place(std::span<std::uint8_t>(buf.data(), head + crypto::record_tag), true);
    bytes = head + crypto::record_tag;
  }
  if (bytes == 0) return s;
  pieces out;
  out[0] = asio::buffer(buf.data(), bytes);
  s.write = write_now(to, out, 1, rest);
  s.plain = n;
  return s;
}

// records -> plain: every complete record in the buffer is opened in place
// before any plaintext is written. A record whose rest has not come stays in
// `partial` (only its own bytes).
step open_step(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener, held_bytes& partial,
               held_bytes& rest) {
  pooled_buffer buf;
  std::size_t have = partial.size();
  std::copy(partial.data(), partial.data() + have, buf.data());
  step s;
  std::size_t n = from.read_some(asio::buffer(buf.data() + have, buf.size() - have), s.read);
  if (would_block(s.read)) {
    s.again = true;
    return s;
  }
  partial.clear();
  have += n;
  s.full = have == buf.size();
  std::size_t at = 0;
  pieces out;
  std::size_t count = 0;
  while (!s.final && have - at >= crypto::record_prefix) {
    auto len = crypto::record_opener::record_length(
        std::span<const std::uint8_t, crypto::record_prefix>(buf.data() + at, crypto::record_prefix));
    if (len == 0) {
      s.failure = "a record's length is out of bounds";
      return s;
    }
    if (have - at < crypto::record_prefix + len) break;
    std::span<std::uint8_t> ct(buf.data() + at + crypto::record_prefix, len);
    auto r = opener.open_in_place(ct);
    if (r == crypto::record_opener::result::bad) {
      s.failure = "a record failed authentication";
      return s;
    }
    s.final = r == crypto::record_opener::result::final;
    at += crypto::record_prefix + len;
    auto* p = ct.data() + crypto::record_flag;
    auto plen = len - crypto::record_overhead;
    if (plen == 0) continue;
    s.plain += plen;
    if (count < max_pieces) {
      out[count++] = asio::buffer(p, plen);
    } else {  // many small records: their plaintexts follow the last piece
      auto& last = out[max_pieces - 1];
      auto* end = static_cast<std::uint8_t*>(const_cast<void*>(last.data())) + last.size();
      std::memmove(end, p, plen);
      last = asio::buffer(last.data(), last.size() + plen);
    }
  }
  if (!s.final) partial.allocate_from(buf.data() + at, have - at);
  if (count > 0) s.write = write_now(to, out, count, rest);
  return s;
}

// Waits for the peer to take what it did not take at once, then forgets it.
awaitable<error_code> drain(tcp::socket& to, held_bytes& rest) {
  auto [ec, n] = co_await asio::async_write(to, asio::buffer(rest.data(), rest.size()), use_nothrow);
  rest.clear();
  co_return ec;
}

// plain -> records. On EOF: a FINAL record, then shut the link's send side.
awaitable<void> seal_pump(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer,
                          link_state& st, std::uint64_t& count, std::uint64_t* live) {
  error_code ignored;
  from.non_blocking(true, ignored);
  to.non_blocking(true, ignored);
  held_bytes rest;
  for (bool more = false;;) {
    if (!more) {
      auto [wec] = co_await from.async_wait(tcp::socket::wait_read, use_nothrow);
      if (wec) {
        st.fail({}, wec);
        co_return;
      }
    }
    auto s = seal_step(from, to, sealer, rest);
    more = s.full;
    if (s.again) continue;
    if (!s.write && !rest.empty()) s.write = co_await drain(to, rest);
    if (s.write) {
      st.fail({}, s.write);
      co_return;
    }
    count += s.plain;
    if (live) *live += s.plain;  // relay_meter: counters that move while the link is open
    if (s.read == asio::error::eof) {
      to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close: the FINAL is the last record
      co_return;
    }
    if (s.read) {
      st.fail({}, s.read);
      co_return;
    }
  }
}

// What only the use side's open pump does first: wait for the route's
// pairing, read and check the serve hello, start the opener.
struct use_side {
  crypto::use_handshake* hs = nullptr;
  const await_paired_fn* await_paired = nullptr;
};

// True when the link may go on. A coroutine of its own, so that its frame (the
// hello, the refusal text) is gone once the link is up.
awaitable<bool> use_prelude(tcp::socket& link, use_side use, crypto::record_opener& opener, link_state& st) {
  std::string refused = co_await (*use.await_paired)();
  if (!refused.empty()) {
    st.fail(std::move(refused));
    co_return false;
  }
  crypto::serve_hello reply;
  auto ec = co_await read_exact(link, reply, hello_timeout);
  if (ec) {
    st.fail(hello_failure("serve side's", ec));
    co_return false;
  }
  auto why = use.hs->finish(reply, opener);
  if (!why.empty()) {
    st.fail(std::move(why));
    co_return false;
  }
  co_return true;
}

// records -> plain. FINAL shuts the plain socket's send side; EOF without it,
// a bad record or an over-long one closes both sockets.
awaitable<void> open_pump(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener,
                          link_state& st, std::uint64_t& count, std::uint64_t* live, use_side use = {}) {
  if (use.hs && !co_await use_prelude(from, use, opener, st)) co_return;
  error_code ignored;
  from.non_blocking(true, ignored);
  to.non_blocking(true, ignored);
  held_bytes partial, rest;
  for (bool more = false;;) {
    if (!more) {
      auto [wec] = co_await from.async_wait(tcp::socket::wait_read, use_nothrow);
      if (wec) {
        st.fail({}, wec);
        co_return;
      }
    }
    auto s = open_step(from, to, opener, partial, rest);
    more = s.full;
    if (s.again) continue;
    if (s.failure) {
      st.fail(s.failure);
      co_return;
    }
    if (!s.write && !rest.empty()) s.write = co_await drain(to, rest);
    if (s.write) {
      st.fail({}, s.write);
      co_return;
    }
    count += s.plain;
    if (live) *live += s.plain;
    if (s.final) {
      to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close, the other way keeps flowing
      co_return;
    }
    if (s.read == asio::error::eof) {
      st.fail("the link ended without its final record");
      co_return;
    }
    if (s.read) {
      st.fail({}, s.read);
      co_return;
    }
  }
}

secure_stats result_of(const link_state& st, std::uint64_t a_to_b, std::uint64_t b_to_a) {
  secure_stats r;
  r.stats.a_to_b = a_to_b;
  r.stats.b_to_a = b_to_a;
  r.failure = st.failure;
  if (st.error != asio::error::operation_aborted && st.error != asio::error::bad_descriptor)
    r.stats.error = st.error;
  return r;
}

// The use side's link -> client direction: one frame for the link's life
// (the prelude's is freed once the serve hello is in).
awaitable<void> use_down(tcp::socket& link, tcp::socket& client, crypto::use_handshake& hs,
                         crypto::record_opener& opener, const await_paired_fn& await_paired, link_state& st,
                         std::uint64_t& count, std::uint64_t* live) {
  return open_pump(link, client, opener, st, count, live, use_side{&hs, &await_paired});
}

}  // namespace

awaitable<secure_stats> relay_use(tcp::socket& client, tcp::socket& link, use_params p,
                                  await_paired_fn await_paired, relay_meter meter) {
  link_state st{client, link, {}, {}};
  crypto::use_handshake hs;
  crypto::record_sealer up;
  crypto::record_opener down;
  auto why = hs.start(p.group, p.link_secret, p.serve_key, up);
  crypto::wipe(p.link_secret);
  if (!why.empty()) {
    st.fail(std::move(why));
    co_return result_of(st, 0, 0);
  }
  auto [wec, w] = co_await asio::async_write(link, asio::buffer(hs.hello()), use_nothrow);
  if (wec) {
    st.fail({}, wec);
    co_return result_of(st, 0, 0);
  }
  std::uint64_t up_bytes = 0, down_bytes = 0;
  co_await (seal_pump(client, link, up, st, up_bytes, meter.a_to_b) &&
            use_down(link, client, hs, down, await_paired, st, down_bytes, meter.b_to_a));
  co_return result_of(st, up_bytes, down_bytes);
}

awaitable<secure_stats> relay_serve(tcp::socket& service, tcp::socket& link, serve_params p,
                                    relay_meter meter) {
  link_state st{service, link, {}, {}};
  crypto::use_hello hello;
  auto ec = co_await read_exact(link, hello, hello_timeout);
  if (ec) {
    st.fail(hello_failure("use side's", ec));
    co_return result_of(st, 0, 0);
  }
  crypto::record_opener up;
  crypto::record_sealer down;
  crypto::serve_hello reply;
  auto why = crypto::answer_use(p.group, p.link_secret, hello, *p.keys, up, down, reply);
  crypto::wipe(p.link_secret);
  if (!why.empty()) {
    st.fail(std::move(why));
    co_return result_of(st, 0, 0);
  }
  auto [wec, w] = co_await asio::async_write(link, asio::buffer(reply), use_nothrow);
  if (wec) {
    st.fail({}, wec);
    co_return result_of(st, 0, 0);
  }
  std::uint64_t down_bytes = 0, up_bytes = 0;
  co_await (seal_pump(service, link, down, st, down_bytes, meter.a_to_b) &&
            open_pump(link, service, up, st, up_bytes, meter.b_to_a));
  co_return result_of(st, down_bytes, up_bytes);
}

}  // namespace net
