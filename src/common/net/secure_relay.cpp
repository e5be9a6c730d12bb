#include "net/secure_relay.hpp"

#include <algorithm>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "crypto/link_cipher.hpp"
#include "net/frame_io.hpp"
#include "net/link_buffers.hpp"
#include "net/link_steps.hpp"
#include "protocol/codec.hpp"

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

// The pumps below only wait (readiness, a full peer); the byte work is in
// net/link_steps.hpp, so an idle link's frames stay small and hold no buffer.

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
  for (;;) {
    // Waits even after a read that filled the buffer: a bulk link then gives
    // every other link (and heartbeats) a turn at each 256 KiB.
    auto [wec] = co_await from.async_wait(tcp::socket::wait_read, use_nothrow);
    if (wec) {
      st.fail({}, wec);
      co_return;
    }
    auto s = seal_step(from, to, sealer, rest);
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
  for (;;) {
    auto [wec] = co_await from.async_wait(tcp::socket::wait_read, use_nothrow);
    if (wec) {
      st.fail({}, wec);
      co_return;
    }
    auto s = open_step(from, to, opener, partial, rest);
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
