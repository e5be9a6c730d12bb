#pragma once
// One end-to-end encrypted link on the test's own io_context, over real
// loopback sockets: client <-> use side (net::secure::open_use) <-> link <-> (a tap
// playing the route) <-> serve side (net::secure::open_serve) <-> service. The tap can count, flip a byte, cut the
// link or record it. Shared by secure_relay_test.cpp and secure_relay_bench.cpp.
#include <sodium.h>

#include <chrono>
#include <functional>
#include <optional>
#include <random>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "crypto/link_cipher.hpp"
#include "net/frame/frame_io.hpp"
#include "net/relay/relay.hpp"
#include "net/secure/link_buffers.hpp"
#include "net/secure/secure_relay.hpp"
#include "protocol/codec.hpp"

namespace secure_link {

namespace asio = boost::asio;

// The problem's words, or "" when a handshake step went through.
inline std::string why_of(const outcome::status& s) { return s ? std::string() : s.why(); }

using tcp = asio::ip::tcp;
using bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using net::use_nothrow;

inline constexpr auto rethrow = [](std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
};

struct socket_pair {
  tcp::socket a, b;
  explicit socket_pair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    b.connect(acc.local_endpoint());
    acc.accept(a);
  }
};

inline bool run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
  auto deadline = clock_type::now() + limit;
  while (!done() && clock_type::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

inline bytes random_payload(std::size_t n, std::uint32_t seed) {
  std::mt19937 gen(seed);
  bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(gen());
  return b;
}

inline std::string blake2b(const bytes& b) {
  crypto::key32 h;
  crypto_generichash(h.data(), h.size(), b.data(), b.size(), nullptr, 0);
  return crypto::hex(h);
}

// Writes all of `data`, then shuts the send side (or not).
// `data` by value: callers pass temporaries, and the coroutine outlives them.
inline asio::awaitable<void> send_all(tcp::socket& s, bytes data, bool shut = true) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(data), use_nothrow);
  if (!ec && shut) s.shutdown(tcp::socket::shutdown_send, ec);
}

// Reads until EOF or an error; `ended` says which.
struct received {
  bytes data;
  bool done = false;
  boost::system::error_code ec;  // eof after a clean end
};
inline asio::awaitable<void> read_all(tcp::socket& s, received& r) {
  bytes buf(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_nothrow);
    r.data.insert(r.data.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) {
      r.ec = ec;
      r.done = true;
      co_return;
    }
  }
}

// The route's place: copies one direction, counting, and can flip one byte,
// cut the link after some bytes (FIN, no FINAL record) or keep a copy.
struct tap_options {
  std::optional<std::size_t> flip_at;
  std::optional<std::size_t> cut_at;
  bytes* record = nullptr;
};
inline asio::awaitable<void> tap(tcp::socket& from, tcp::socket& to, std::size_t& seen, tap_options o) {
  bytes buf(64 * 1024);
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), use_nothrow);
    if (o.cut_at && seen + n >= *o.cut_at) n = *o.cut_at - seen;
    if (o.flip_at && *o.flip_at >= seen && *o.flip_at < seen + n) buf[*o.flip_at - seen] ^= 0x04;
    if (o.record) o.record->insert(o.record->end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    seen += n;
    auto [wec, w] = co_await asio::async_write(to, asio::buffer(buf.data(), n), use_nothrow);
    boost::system::error_code ignored;
    if (ec || wec || (o.cut_at && seen >= *o.cut_at)) {
      if (ec == asio::error::eof || (o.cut_at && seen >= *o.cut_at)) {
        to.shutdown(tcp::socket::shutdown_send, ignored);
      } else {
        from.close(ignored);
        to.close(ignored);
      }
      co_return;
    }
  }
}

// One side of an encrypted link over the test's sockets (moved into it):
// `result` is set when the link ends, as a vnet logs it.
struct test_link final : net::secure::encrypted_link {
  std::optional<net::secure::secure_stats>& result;
  test_link(tcp::socket& plain_end, tcp::socket& link_end, std::optional<net::secure::secure_stats>& r)
      : encrypted_link(plain_end.get_executor()), result(r) {
    plain = std::move(plain_end);
    link = std::move(link_end);
  }
  void ended(const net::secure::secure_stats& st) override { result = st; }
};

// A plain relay over the test's sockets (moved into it, as a and b):
// `result` is set when it ends.
struct test_pair final : net::relay::relayed_pair {
  std::optional<net::relay::relay_stats>& result;
  test_pair(tcp::socket& a_end, tcp::socket& b_end, std::optional<net::relay::relay_stats>& r)
      : relayed_pair(a_end.get_executor()), result(r) {
    a = std::move(a_end);
    b = std::move(b_end);
  }
  void ended(const net::relay::relay_stats& st) override { result = st; }
};

inline asio::awaitable<void> run_use(tcp::socket& plain, tcp::socket& link, net::secure::use_params p,
                                     net::secure::await_paired_fn paired, std::optional<net::secure::secure_stats>& result) {
  auto l = std::make_shared<test_link>(plain, link, result);
  co_await net::secure::open_use(std::move(l), std::move(p), std::move(paired));
}

inline asio::awaitable<void> run_serve(tcp::socket& plain, tcp::socket& link, net::secure::serve_params p,
                                       net::secure::dial_service_fn dial, std::optional<net::secure::secure_stats>& result) {
  auto l = std::make_shared<test_link>(plain, link, result);
  co_await net::secure::open_serve(std::move(l), std::move(p), std::move(dial));
}

// One link with all its sockets and both relays.
struct link_fixture {
  asio::io_context io;
  socket_pair client{io};   // a: the client program, b: the use side's plain socket
  socket_pair use_link{io};  // a: the use vnet's link, b: the route's end
  socket_pair serve_link{io};  // a: the route's other end, b: the serve vnet's link
  socket_pair service{io};  // a: the serve side's plain socket, b: the service program
  crypto::group_keys group = crypto::derive_group("test", "");
  std::shared_ptr<crypto::link_keys> keys = std::make_shared<crypto::link_keys>(group.mac_key);
  crypto::key32 link_secret = crypto::random_key();
  std::size_t up_seen = 0, down_seen = 0;
  std::optional<net::secure::secure_stats> use_result, serve_result;
  std::optional<protocol::link_result> serve_answer;  // the serve side's first frame
  int dials = 0;  // times the serve side dialled its service (the socket pair stands for it)
  // What each side holds of the link: the serveid (a route may relabel it)
  // and the cipher suites it runs fast.
  std::uint16_t use_serveid = 700, serve_serveid = 700;
  crypto::suites use_offer = crypto::all_suites, serve_local = crypto::all_suites;

  link_fixture() {
    group.psk = crypto::random_key();  // a keyed group's shape, without Argon2id's cost
    group.mac_key = crypto::random_key();
    group.keyed = true;
    keys->set_mac_key(group.mac_key);
  }

  void start_route(tap_options up = {}, tap_options down = {}) {
    asio::co_spawn(io, tap(use_link.b, serve_link.a, up_seen, up), rethrow);
    asio::co_spawn(io, route_down(down), rethrow);
  }
  // As the route: the serve side's link_result first (not relayed: the use
  // side's await_paired stands for it), then the rest, or both links closed.
  asio::awaitable<void> route_down(tap_options down) {
    net::frame::frame_result fr = co_await net::frame::read_frame(serve_link.a, protocol::max_payload);
    auto* r = std::get_if<protocol::link_result>(&fr.msg);
    if (!fr.ec && r) serve_answer = *r;
    if (!fr.ec && r && r->ok) {
      co_await tap(serve_link.a, use_link.b, down_seen, down);
      co_return;
    }
    boost::system::error_code ignored;
    serve_link.a.close(ignored);
    use_link.b.close(ignored);
  }
  static asio::awaitable<outcome::status> paired_at_once(tcp::socket&) { co_return outcome::status{}; }
  void start_use(net::secure::await_paired_fn paired = paired_at_once) {
    net::secure::use_params p{group, link_secret, keys->current()};
    p.serveid = use_serveid;
    p.offer = use_offer;
    start_use(p, paired);
  }
  void start_use(net::secure::use_params p, net::secure::await_paired_fn paired = paired_at_once) {
    asio::co_spawn(io, run_use(client.b, use_link.a, p, paired, use_result), rethrow);
  }
  void start_serve() {
    net::secure::dial_service_fn dial = [this](tcp::socket&) -> asio::awaitable<outcome::status> {
      ++dials;  // the socket pair `service` stands for the dialled service
      co_return outcome::status{};
    };
    start_serve(dial);
  }
  void start_serve(net::secure::dial_service_fn dial) {
    net::secure::serve_params p{group, link_secret, keys};
    p.serveid = serve_serveid;
    p.local = serve_local;
    asio::co_spawn(io, run_serve(service.a, serve_link.b, p, dial, serve_result), rethrow);
  }
};

// Plays the use side by hand on the route's end of the serve side's link
// (f.serve_link.a): the hello and an empty early record, then the serve
// side's link_result and hello. `up` then seals what the serve side opens;
// `ready` is set once it can.
inline asio::awaitable<void> open_by_hand(link_fixture& f, crypto::record_sealer& up, crypto::record_opener& down,
                                          bool& ready) {
  crypto::use_handshake hs;
  auto why = why_of(hs.start(f.group, f.link_secret, f.keys->current(), f.serve_serveid, crypto::all_suites, up));
  if (!why.empty()) throw std::runtime_error(why);
  bytes first(hs.hello().begin(), hs.hello().end());
  up.seal({}, false, first);
  co_await asio::async_write(f.serve_link.a, asio::buffer(first), use_nothrow);
  net::frame::frame_result fr = co_await net::frame::read_frame(f.serve_link.a, protocol::max_payload);
  if (fr.ec) throw std::runtime_error("no link_result: " + fr.ec.message());
  crypto::serve_hello reply;
  co_await asio::async_read(f.serve_link.a, asio::buffer(reply), use_nothrow);
  why = why_of(hs.finish(reply, up, down));
  if (!why.empty()) throw std::runtime_error(why);
  ready = true;
}

// A link wired straight from the use side to the serve side (no route between
// them): the use side reads the serving side's link_result itself. Many of
// them on one io_context measure what an idle link costs.
struct wired_link {
  socket_pair client, link, service;  // link.a: the use side's end, link.b: the serve side's
  std::optional<net::secure::secure_stats> use_result, serve_result;
  explicit wired_link(asio::io_context& io) : client(io), link(io), service(io) {}

  void start(asio::io_context& io, const link_fixture& keys) {
    net::secure::use_params up{keys.group, keys.link_secret, keys.keys->current()};
    net::secure::serve_params sp{keys.group, keys.link_secret, keys.keys};
    net::secure::await_paired_fn paired = [](tcp::socket& link) -> asio::awaitable<outcome::status> {
      net::frame::frame_result r = co_await net::frame::read_frame(link, protocol::max_payload);
      if (r.ec) co_return outcome::fail(r.ec.message());
      co_return outcome::status{};
    };
    // service.a stands for the dialled service
    net::secure::dial_service_fn dial = [](tcp::socket&) -> asio::awaitable<outcome::status> { co_return outcome::status{}; };
    asio::co_spawn(io, run_use(client.b, link.a, up, paired, use_result), rethrow);
    asio::co_spawn(io, run_serve(service.a, link.b, sp, dial, serve_result), rethrow);
  }
  // One message up and its echo down; `echoed` counts the links it came back on.
  asio::awaitable<void> echo_once(std::size_t& echoed) {
    std::array<std::uint8_t, 4> msg{'p', 'i', 'n', 'g'}, got{};
    co_await asio::async_write(client.a, asio::buffer(msg), net::use_nothrow);
    co_await asio::async_read(service.b, asio::buffer(got), net::use_nothrow);
    co_await asio::async_write(service.b, asio::buffer(got), net::use_nothrow);
    auto [ec, n] = co_await asio::async_read(client.a, asio::buffer(got), net::use_nothrow);
    if (!ec && got == msg) ++echoed;
  }
};

}  // namespace secure_link
