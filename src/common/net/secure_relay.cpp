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

// At most this many pieces go to one sendmsg; more records' plaintexts are
// moved behind the last piece (small records: interactive traffic).
inline constexpr std::size_t max_pieces = 16;
using pieces = std::array<asio::const_buffer, max_pieces>;

// Writes `count` pieces that live in `buf` at once (non-blocking). What the
// socket does not take is copied to a buffer of the link's own (exactly the
// unsent bytes), `buf` is given back, and the rest is written from there:
// a full peer costs the link its unsent bytes, not a pooled buffer.
awaitable<error_code> write_through(tcp::socket& to, const pieces& out, std::size_t count, pooled_buffer& buf) {
  error_code ec;
  std::size_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += out[i].size();
  std::span<const asio::const_buffer> seq(out.data(), count);
  std::size_t sent = total == 0 ? 0 : to.write_some(seq, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (ec || sent == total) co_return ec;
  held_bytes rest;
  auto* at = rest.allocate(total - sent);
  std::size_t skip = sent;
  for (std::size_t i = 0; i < count; ++i) {
    auto n = out[i].size();
    if (skip >= n) {
      skip -= n;
      continue;
    }
    auto* p = static_cast<const std::uint8_t*>(out[i].data()) + skip;
    at = std::copy(p, p + (n - skip), at);
    skip = 0;
  }
  buf.release();
  auto [wec, w] = co_await asio::async_write(to, asio::buffer(rest.data(), rest.size()), use_nothrow);
  co_return wec;
}

// Waits until `s` is readable (no buffer held meanwhile).
awaitable<error_code> readable(tcp::socket& s) {
  auto [ec] = co_await s.async_wait(tcp::socket::wait_read, use_nothrow);
  co_return ec;
}

// plain -> records. Reads straight into the records' places in the pooled
// buffer (readv, room left for prefix, flag and tag) and seals in place. On
// EOF: a FINAL record, then shut the link's send side.
awaitable<void> seal_pump(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer,
                          link_state& st, std::uint64_t& count, std::uint64_t* live) {
  constexpr std::size_t slot = crypto::record_prefix + crypto::max_ciphertext;
  constexpr std::size_t slots = pooled_buffer_size / slot;
  constexpr std::size_t head = crypto::record_prefix + crypto::record_flag;
  error_code ec;
  from.non_blocking(true, ec);
  to.non_blocking(true, ec);
  bool more = false;  // the last read filled every slot: read again before waiting
  for (;;) {
    if (!more) {
      if (auto wec = co_await readable(from)) {
        st.fail({}, wec);
        co_return;
      }
    }
    pooled_buffer buf;
    std::array<asio::mutable_buffer, slots> in;
    for (std::size_t k = 0; k < slots; ++k) in[k] = asio::buffer(buf.data() + k * slot + head, crypto::max_record);
    error_code rec;
    std::size_t n = from.read_some(in, rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) {
      more = false;
      continue;
    }
    pieces out;
    std::size_t count_out = 0;
    std::size_t left = n;
    for (std::size_t k = 0; left > 0; ++k) {
      auto len = std::min(left, crypto::max_record);
      std::span<std::uint8_t> record(buf.data() + k * slot, head + len + crypto::record_tag);
      sealer.seal_in_place(record, false);
      left -= len;
      if (count_out == 0) out[count_out++] = asio::buffer(record.data(), record.size());
      else out[0] = asio::buffer(out[0].data(), out[0].size() + record.size());  // slots are contiguous
    }
    if (rec == asio::error::eof) {  // read_some reports EOF alone, with n == 0
      std::span<std::uint8_t> record(buf.data(), head + crypto::record_tag);
      sealer.seal_in_place(record, true);
      out[count_out++] = asio::buffer(record.data(), record.size());
    }
    if (count_out > 0) {
      if (auto wec = co_await write_through(to, out, count_out, buf)) {
        st.fail({}, wec);
        co_return;
      }
      count += n;
      if (live) *live += n;  // relay_meter: counters that move while the link is open
    }
    if (rec == asio::error::eof) {
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close: the FINAL is the last record
      co_return;
    }
    if (rec) {
      st.fail({}, rec);
      co_return;
    }
    more = n == slots * crypto::max_record;
  }
}

// records -> plain. Every complete record in the buffer is opened (in place)
// before any of their plaintext is written; FINAL shuts the plain socket's
// send side. A record whose rest has not come keeps only its own bytes.
awaitable<void> open_pump(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener,
                          link_state& st, std::uint64_t& count, std::uint64_t* live) {
  error_code ec;
  from.non_blocking(true, ec);
  to.non_blocking(true, ec);
  held_bytes partial;
  bool more = false;
  for (;;) {
    if (!more) {
      if (auto wec = co_await readable(from)) {
        st.fail({}, wec);
        co_return;
      }
    }
    pooled_buffer buf;
    std::size_t have = partial.size();
    std::copy(partial.data(), partial.data() + have, buf.data());
    error_code rec;
    std::size_t n = from.read_some(asio::buffer(buf.data() + have, buf.size() - have), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) {
      more = false;
      continue;
    }
    partial.clear();
    have += n;
    more = have == buf.size();
    std::size_t at = 0;
    bool final = false;
    pieces out;
    std::size_t count_out = 0, plain_bytes = 0;
    while (!final && have - at >= crypto::record_prefix) {
      auto len = crypto::record_opener::record_length(
          std::span<const std::uint8_t, crypto::record_prefix>(buf.data() + at, crypto::record_prefix));
      if (len == 0) {
        st.fail("a record's length is out of bounds");
        co_return;
      }
      if (have - at < crypto::record_prefix + len) break;
      std::span<std::uint8_t> ct(buf.data() + at + crypto::record_prefix, len);
      auto r = opener.open_in_place(ct);
      if (r == crypto::record_opener::result::bad) {
        st.fail("a record failed authentication");
        co_return;
      }
      final = r == crypto::record_opener::result::final;
      at += crypto::record_prefix + len;
      auto* p = ct.data() + crypto::record_flag;
      auto plen = len - crypto::record_overhead;
      if (plen == 0) continue;
      plain_bytes += plen;
      if (count_out < max_pieces) {
        out[count_out++] = asio::buffer(p, plen);
      } else {  // many small records: their plaintexts follow the last piece
        auto& last = out[max_pieces - 1];
        auto* end = static_cast<std::uint8_t*>(const_cast<void*>(last.data())) + last.size();
        std::memmove(end, p, plen);
        last = asio::buffer(last.data(), last.size() + plen);
      }
    }
    if (!final) partial.allocate_from(buf.data() + at, have - at);
    if (count_out > 0) {
      if (auto wec = co_await write_through(to, out, count_out, buf)) {
        st.fail({}, wec);
        co_return;
      }
      count += plain_bytes;
      if (live) *live += plain_bytes;
    }
    if (final) {
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close, the other way keeps flowing
      co_return;
    }
    if (rec == asio::error::eof) {
      st.fail("the link ended without its final record");
      co_return;
    }
    if (rec) {
      st.fail({}, rec);
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

awaitable<void> use_down(tcp::socket& link, tcp::socket& client, crypto::use_handshake& hs,
                         crypto::record_opener& opener, const await_paired_fn& await_paired, link_state& st,
                         std::uint64_t& count, std::uint64_t* live) {
  std::string refused = co_await await_paired();
  if (!refused.empty()) {
    st.fail(std::move(refused));
    co_return;
  }
  crypto::serve_hello reply;
  auto ec = co_await read_exact(link, reply, hello_timeout);
  if (ec) {
    st.fail(hello_failure("serve side's", ec));
    co_return;
  }
  auto why = hs.finish(reply, opener);
  if (!why.empty()) {
    st.fail(std::move(why));
    co_return;
  }
  co_await open_pump(link, client, opener, st, count, live);
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
