#include "net/secure_relay.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "crypto/link_cipher.hpp"
#include "net/frame_io.hpp"
#include "protocol/codec.hpp"

namespace net {
namespace {

using bytes = std::vector<std::uint8_t>;

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

// plain -> records. On EOF: a FINAL record, then shut the link's send side.
awaitable<void> seal_pump(tcp::socket& from, tcp::socket& to, crypto::record_sealer& sealer,
                          link_state& st, std::uint64_t& count, std::uint64_t* live) {
  std::size_t size = relay_initial_buffer;
  std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[size]);
  bytes out;
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf.get(), size), use_nothrow);
    out.clear();
    for (std::size_t at = 0; at < n; at += crypto::max_record)
      sealer.seal(std::span<const std::uint8_t>(buf.get() + at, std::min(n - at, crypto::max_record)), false, out);
    if (rec == asio::error::eof) sealer.seal({}, true, out);
    if (!out.empty()) {
      auto [wec, w] = co_await asio::async_write(to, asio::buffer(out), use_nothrow);
      if (wec) {
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
    if (n == size && size < relay_buffer_size) {
      size = relay_buffer_size;  // a full read: a bulk transfer, several records per write
      buf.reset(new std::uint8_t[size]);
    }
  }
}

inline constexpr std::size_t bulk_buffer = 4 * (crypto::record_prefix + crypto::max_ciphertext);

// records -> plain. Every complete record in the buffer is opened before any
// of their plaintext is written; FINAL shuts the plain socket's send side.
awaitable<void> open_pump(tcp::socket& from, tcp::socket& to, crypto::record_opener& opener,
                          link_state& st, std::uint64_t& count, std::uint64_t* live) {
  // Small at first (an idle or interactive link costs little); grown once to
  // room for a few whole records when a read fills it or a record does not
  // fit: a bulk transfer then opens several records per read.
  bytes in(relay_initial_buffer);
  std::size_t have = 0;
  bytes plain;
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(asio::buffer(in.data() + have, in.size() - have), use_nothrow);
    have += n;
    std::size_t at = 0;
    bool final = false;
    plain.clear();
    while (!final && have - at >= crypto::record_prefix) {
      auto len = crypto::record_opener::record_length(
          std::span<const std::uint8_t, crypto::record_prefix>(in.data() + at, crypto::record_prefix));
      if (len == 0) {
        st.fail("a record's length is out of bounds");
        co_return;
      }
      if (have - at < crypto::record_prefix + len) break;
      auto r = opener.open(std::span<const std::uint8_t>(in.data() + at + crypto::record_prefix, len), plain);
      if (r == crypto::record_opener::result::bad) {
        st.fail("a record failed authentication");
        co_return;
      }
      final = r == crypto::record_opener::result::final;
      at += crypto::record_prefix + len;
    }
    if (!plain.empty()) {
      auto [wec, w] = co_await asio::async_write(to, asio::buffer(plain), use_nothrow);
      if (wec) {
        st.fail({}, wec);
        co_return;
      }
      count += w;
      if (live) *live += w;
    }
    if (final) {
      error_code ignored;
      to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close, the other way keeps flowing
      co_return;
    }
    bool full = have == in.size();
    std::memmove(in.data(), in.data() + at, have - at);
    have -= at;
    if (full && in.size() < bulk_buffer) in.resize(bulk_buffer);
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
  // One write: the opening's prefix (link_bind on a pooled link), the hello,
  // and what the client has already sent, sealed (0-RTT).
  std::vector<std::uint8_t> first = std::move(p.prefix);
  first.insert(first.end(), hs.hello().begin(), hs.hello().end());
  std::uint64_t up_bytes = 0, down_bytes = 0;
  error_code aec;
  if (std::size_t ready = std::min<std::size_t>(client.available(aec), 16 * 1024); ready > 0 && !aec) {
    std::vector<std::uint8_t> early(ready);
    std::size_t n = client.read_some(asio::buffer(early), aec);  // no wait: the bytes are there
    if (!aec && n > 0) {
      up.seal(std::span<const std::uint8_t>(early.data(), n), false, first);
      up_bytes = n;
      if (meter.a_to_b) *meter.a_to_b += n;
    }
  }
  auto [wec, w] = co_await asio::async_write(link, asio::buffer(first), use_nothrow);
  if (wec) {
    st.fail({}, wec);
    co_return result_of(st, up_bytes, 0);
  }
  co_await (seal_pump(client, link, up, st, up_bytes, meter.a_to_b) &&
            use_down(link, client, hs, down, await_paired, st, down_bytes, meter.b_to_a));
  co_return result_of(st, up_bytes, down_bytes);
}

awaitable<secure_stats> relay_serve(tcp::socket& service, tcp::socket& link, serve_params p,
                                    dial_service_fn dial_service, relay_meter meter) {
  link_state st{service, link, {}, {}};
  // Every way out before the relay answers the route with the reason (the
  // route hands it to the use side) and closes: no service was dialled.
  auto refuse = [&](std::string why) -> awaitable<void> {
    crypto::wipe(p.link_secret);
    auto frame = protocol::encode(protocol::link_result{false, why});
    co_await write_frame(link, std::move(frame));
    st.fail(std::move(why));
  };
  crypto::use_hello hello;
  auto ec = co_await read_exact(link, hello, hello_timeout);
  if (ec) {
    std::string why = hello_failure("use side's", ec);
    co_await refuse(std::move(why));
    co_return result_of(st, 0, 0);
  }
  crypto::record_opener up;
  crypto::record_sealer down;
  crypto::serve_hello reply;
  auto why = crypto::answer_use(p.group, p.link_secret, hello, *p.keys, up, down, reply);
  if (!why.empty()) {
    why = "the use side's hello failed: " + why;
    co_await refuse(std::move(why));
    co_return result_of(st, 0, 0);
  }
  crypto::wipe(p.link_secret);
  // Only now, with a hello that is fresh and keyed to this link: a replayed
  // or forged opening never reaches the service.
  why = co_await dial_service();
  if (!why.empty()) {
    co_await refuse(std::move(why));
    co_return result_of(st, 0, 0);
  }
  // The verdict and the serve hello in one write: the route reads the one
  // frame and relays the rest.
  auto answer = protocol::encode(protocol::link_result{true, {}});
  answer.insert(answer.end(), reply.begin(), reply.end());
  auto [wec, w] = co_await asio::async_write(link, asio::buffer(answer), use_nothrow);
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
