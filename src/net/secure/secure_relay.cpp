#include "net/secure/secure_relay.hpp"

#include <array>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "net/frame/frame_io.hpp"
#include "net/secure/link_steps.hpp"
#include "net/secure/link_waits.hpp"
#include "protocol/codec.hpp"

namespace net::secure {
namespace {

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

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

// Drives an encrypted_link: its two directions, one readiness callback at a
// time (the byte work is net/secure/link_steps.hpp's), and its two setups, which
// are coroutines that end once the link runs.
struct link_driver {
  using direction = encrypted_link::direction;

  static tcp::socket& source(encrypted_link& l, const direction& d) { return d.sealing ? l.plain : l.link; }
  static tcp::socket& sink(encrypted_link& l, const direction& d) { return d.sealing ? l.link : l.plain; }

  static void start(encrypted_link& l, direction& d) {
    error_code ignored;
    l.plain.non_blocking(true, ignored);
    l.link.non_blocking(true, ignored);
    d.started = true;
    run(l, d);  // bytes may be there already (behind a hello): no wait first
  }

  // The wait's handler holds the link: it lives while one is pending.
  static void wait(encrypted_link& l, direction& d, tcp::socket& s, tcp::socket::wait_type w) {
    (w == tcp::socket::wait_write ? detail::write_waits : detail::read_waits).fetch_add(1, std::memory_order_relaxed);
    s.async_wait(w, [self = l.shared_from_this(), &d](error_code ec) {
      if (ec) fail(*self, d, {}, ec);
      else run(*self, d);
    });
  }

  static void run(encrypted_link& l, direction& d) {
    tcp::socket& from = source(l, d);
    tcp::socket& to = sink(l, d);
    for (;;) {
      if (!d.rest.empty()) {  // a full peer took only part: the rest first
        error_code ec;
        std::size_t n = to.write_some(asio::buffer(d.rest.data(), d.rest.size()), ec);
        if (would_block(ec) || ec == asio::error::interrupted) ec = {};
        if (ec) return fail(l, d, {}, ec);
        d.rest.drop_front(n);
        if (!d.rest.empty()) return wait(l, d, to, tcp::socket::wait_write);
      }
      if (d.ending) {
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close: the other way keeps flowing
        return finish(l, d);
      }
      step s = d.sealing ? seal_step(from, to, l.sealer_, d.rest)
                         : open_step(from, to, l.opener_, d.partial, d.rest);
      if (s.again) return wait(l, d, from, tcp::socket::wait_read);
      if (s.failure) return fail(l, d, s.failure, {});
      if (s.write) return fail(l, d, {}, s.write);
      d.bytes += s.plain;
      if (std::uint64_t* live = d.sealing ? l.meter.a_to_b : l.meter.b_to_a) *live += s.plain;
      if (d.sealing ? s.read == asio::error::eof : s.final) {
        d.ending = true;  // the FINAL record went (or came): flush, then shut down
        continue;
      }
      if (s.read == asio::error::eof) return fail(l, d, "the link ended without its final record", {});
      if (s.read) return fail(l, d, {}, s.read);
      // A full peer took part: the rest goes first (or its wait for room),
      // whether or not more bytes come behind it.
      if (!d.rest.empty()) continue;
      // Waits even after a read that filled the buffer: a bulk link then
      // gives every other link (and heartbeats) a turn at each 1 MiB.
      return wait(l, d, from, tcp::socket::wait_read);
    }
  }

  // The first failure wins (a refused hello over the I/O errors it causes).
  static void note(encrypted_link& l, std::string why, error_code ec) {
    if (!l.failure_.empty() || l.error_) return;
    l.failure_ = std::move(why);
    l.error_ = ec;
  }

  // On a failure: the plain socket is reset (SO_LINGER 0), so its program
  // sees an error, never the clean end of a stream that was cut (a route
  // closing the link at a record boundary) or never started.
  static void close_both(encrypted_link& l) {
    error_code ignored;
    if (l.plain.is_open()) l.plain.set_option(asio::socket_base::linger(true, 0), ignored);
    l.plain.close(ignored);
    l.link.close(ignored);
  }

  // A direction failed: both end now (the other's pending wait is aborted).
  static void fail(encrypted_link& l, direction& d, std::string why, error_code ec) {
    note(l, std::move(why), ec);
    close_both(l);
    finish(l, d);
  }

  // The setup failed: directions not started never will be.
  static void setup_failed(encrypted_link& l, std::string why, error_code ec) {
    note(l, std::move(why), ec);
    close_both(l);
    for (direction* d : {&l.seal_, &l.open_})
      if (!d->started) d->done = true;
    report_if_ended(l);
  }

  static void finish(encrypted_link& l, direction& d) {
    d.done = true;
    d.partial.clear();
    d.rest.clear();
    report_if_ended(l);
  }

  static void report_if_ended(encrypted_link& l) {
    if (l.reported_ || !l.seal_.done || !l.open_.done) return;
    l.reported_ = true;
    secure_stats r;
    r.stats.a_to_b = l.seal_.bytes;
    r.stats.b_to_a = l.open_.bytes;
    r.failure = l.failure_;
    r.cipher = l.cipher_;
    if (l.error_ != asio::error::operation_aborted && l.error_ != asio::error::bad_descriptor)
      r.stats.error = l.error_;
    l.ended(r);
  }

  static awaitable<void> use(std::shared_ptr<encrypted_link> l, use_params p, await_paired_fn await_paired) {
    crypto::use_handshake hs;
    outcome::status started = hs.start(p.group, p.link_secret, p.serve_key, p.serveid, p.offer, l->sealer_);
    crypto::wipe(p.link_secret);
    if (!started) {
      setup_failed(*l, started.why(), {});
      co_return;
    }
    // One write: the opening's prefix (link_bind on a pooled link), the hello,
    // and the early record: what the client has already sent (0-RTT), or
    // nothing; the serving vnet opens it before it dials.
    std::vector<std::uint8_t> first = std::move(p.prefix);
    first.insert(first.end(), hs.hello().begin(), hs.hello().end());
    std::vector<std::uint8_t> early;
    error_code aec;
    if (std::size_t ready = std::min(l->plain.available(aec), crypto::max_early); ready > 0 && !aec) {
      early.resize(ready);
      std::size_t n = l->plain.read_some(asio::buffer(early), aec);  // no wait: the bytes are there
      early.resize(aec ? 0 : n);
    }
    l->sealer_.seal(early, false, first);
    l->seal_.bytes = early.size();
    if (l->meter.a_to_b) *l->meter.a_to_b += early.size();
    auto [wec, w] = co_await asio::async_write(l->link, asio::buffer(first), use_nothrow);
    if (wec) {
      setup_failed(*l, {}, wec);
      co_return;
    }
    start(*l, l->seal_);  // the client's bytes flow under k_early before the route has paired the link
    outcome::status paired = co_await await_paired(l->link);
    if (!paired) {
      setup_failed(*l, paired.why(), {});
      co_return;
    }
    crypto::serve_hello reply;
    auto ec = co_await read_exact(l->link, reply, hello_timeout);
    if (ec) {
      setup_failed(*l, hello_failure("serve side's", ec), {});
      co_return;
    }
    // From the next record on, the client's bytes go under k_up on the
    // chosen suite (forward secret: the serve side's ephemeral is in it).
    outcome::status finished = hs.finish(reply, l->sealer_, l->opener_);
    if (!finished) {
      setup_failed(*l, finished.why(), {});
      co_return;
    }
    l->cipher_ = crypto::suite_name(hs.chosen());
    start(*l, l->open_);
  }

  // The use side's early record, opened whole: its plaintext, or why not.
  static awaitable<outcome::status> read_early(encrypted_link& l, std::vector<std::uint8_t>& early) {
    std::array<std::uint8_t, crypto::record_prefix> prefix;
    auto ec = co_await read_exact(l.link, prefix, hello_timeout);
    if (ec) co_return outcome::fail(hello_failure("use side's early record after its", ec));
    std::size_t len = crypto::record_opener::record_length(prefix);
    if (len == 0 || len > crypto::max_early + crypto::record_overhead)
      co_return outcome::fail("the use side's early record has a length out of bounds");
    early.resize(len);
    ec = co_await read_exact(l.link, early, hello_timeout);
    if (ec) co_return outcome::fail(hello_failure("use side's early record after its", ec));
    auto opened = l.opener_.open_in_place(prefix, early);
    if (opened.kind != crypto::record_opener::result::data)
      co_return outcome::fail("the use side's opening does not authenticate (a different group key, a "
                              "relabelled serveid, or a forged opening)");
    std::vector<std::uint8_t> plain(opened.plain.begin(), opened.plain.end());
    early = std::move(plain);
    co_return outcome::status{};
  }

  static awaitable<void> serve(std::shared_ptr<encrypted_link> l, serve_params p, dial_service_fn dial_service) {
    crypto::use_hello hello;
    crypto::serve_handshake hs;
    std::vector<std::uint8_t> early;
    auto ec = co_await read_exact(l->link, hello, hello_timeout);
    std::string why = ec ? hello_failure("use side's", ec) : std::string{};
    if (why.empty()) {
      outcome::status started = hs.start(p.group, p.link_secret, p.serveid, hello, *p.keys, l->opener_);
      if (!started) why = "the use side's hello failed: " + started.why();
    }
    crypto::wipe(p.link_secret);
    if (why.empty()) {
      outcome::status opened = co_await read_early(*l, early);
      if (!opened) why = opened.why();
    }
    // Only now, with an opening that authenticated under this link's keys: a
    // forged, relabelled or replayed opening never reaches the service.
    if (why.empty()) {
      outcome::status dialled = co_await dial_service(l->plain);
      if (!dialled) why = dialled.why();
    }
    if (!why.empty()) {
      // No service was dialled: the route hands the reason to the use side.
      std::string told = why;
      co_await refuse_link(l->link, std::move(told));
      setup_failed(*l, std::move(why), {});
      co_return;
    }
    crypto::serve_hello reply;
    hs.finish(p.link_id, p.local, l->opener_, l->sealer_, reply);
    l->cipher_ = crypto::suite_name(hs.chosen());
    // The verdict and the serve hello in one write: the route reads the one
    // frame and relays the rest.
    auto answer = protocol::encode(protocol::link_result{true, {}});
    answer.insert(answer.end(), reply.begin(), reply.end());
    auto [wec, w] = co_await asio::async_write(l->link, asio::buffer(answer), use_nothrow);
    if (wec) {
      setup_failed(*l, {}, wec);
      co_return;
    }
    if (!early.empty()) {  // the client's first bytes, before any later ones
      // Not a structured binding: GCC 12 mis-destroys those over a co_await result.
      auto written = co_await asio::async_write(l->plain, asio::buffer(early), use_nothrow);
      const error_code pec = std::get<0>(written);
      if (pec) {
        setup_failed(*l, {}, pec);
        co_return;
      }
      l->open_.bytes = early.size();
      if (l->meter.b_to_a) *l->meter.b_to_a += early.size();
    }
    start(*l, l->seal_);
    start(*l, l->open_);
  }
};

awaitable<void> open_use(std::shared_ptr<encrypted_link> l, use_params p, await_paired_fn await_paired) {
  return link_driver::use(std::move(l), std::move(p), std::move(await_paired));
}

awaitable<void> open_serve(std::shared_ptr<encrypted_link> l, serve_params p, dial_service_fn dial_service) {
  return link_driver::serve(std::move(l), std::move(p), std::move(dial_service));
}

awaitable<void> refuse_link(tcp::socket& link, std::string why) {
  auto frame = protocol::encode(protocol::link_result{false, std::move(why)});
  co_await frame::write_frame(link, std::move(frame));
}

}  // namespace net::secure
