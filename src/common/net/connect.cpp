// Opening sockets: tuning, dialing and listening/accepting (tune.hpp,
// dial.hpp, listen.hpp share this translation unit: one compile of Asio's
// resolver and acceptor code instead of three).
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <spdlog/spdlog.h>

#include "net/dial.hpp"
#include "net/listen.hpp"
#include "net/time.hpp"
#include "net/tune.hpp"

namespace net {

void tune(tcp::socket& s) {
  error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  s.set_option(asio::socket_base::keep_alive(true), ec);
  // Probe after 30 s idle, every 10 s, give up after 3: a vanished peer is
  // found within about a minute instead of the kernel's two hours.
  int idle = 30, interval = 10, count = 3;
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

awaitable<error_code> dial(tcp::socket& s, const std::string& host, std::uint16_t port,
                           duration timeout) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, timeout);
  tcp::resolver resolver(ex);
  auto resolved = co_await (resolver.async_resolve(host, std::to_string(port), use_nothrow) ||
                            timer.async_wait(use_nothrow));
  if (resolved.index() == 1) co_return asio::error::timed_out;
  auto [rec, results] = std::get<0>(resolved);
  if (rec) co_return rec;
  auto connected = co_await (asio::async_connect(s, results, use_nothrow) ||
                             timer.async_wait(use_nothrow));
  if (connected.index() == 1) {
    s.close();
    co_return asio::error::timed_out;
  }
  auto [cec, ep] = std::get<0>(connected);
  if (!cec) tune(s);
  co_return cec;
}

error_code listen(tcp::acceptor& a, const std::string& ip, std::uint16_t port) {
  error_code ec;
  auto addr = asio::ip::make_address(ip, ec);
  if (ec) return ec;
  tcp::endpoint ep(addr, port);
  if (a.is_open()) a.close();
  a.open(ep.protocol(), ec);
  if (ec) return ec;
  a.set_option(tcp::acceptor::reuse_address(true), ec);
  a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    a.close(ignored);
  }
  return ec;
}

awaitable<void> accept_loop(tcp::acceptor& a, std::string what,
                            std::function<void(tcp::socket)> on_accept,
                            std::function<bool()> on_exhausted) {
  error_code failing;    // the error of the current streak of failures, if any
  std::size_t shed = 0;  // connections on_exhausted closed during the streak
  bool just_shed = false;
  for (;;) {
    auto accepted = co_await a.async_accept(use_nothrow);
    auto ec = std::get<0>(accepted);
    auto& socket = std::get<1>(accepted);
    if (ec == asio::error::operation_aborted || !a.is_open()) co_return;
    if (ec) {
      // EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: the listener must survive.
      // One warning per streak, not one per retry.
      if (ec != failing)
        spdlog::warn("{}: accept failed: {}; {}", what, ec.message(),
                     on_exhausted ? "closing the oldest unidentified connections to make room, "
                                    "else retrying every 100 ms"
                                  : "retrying every 100 ms");
      failing = ec;
      // Out of descriptors: free one at once rather than make everyone wait
      // for a timeout, and accept again right away.
      const bool out_of_fds = ec == asio::error::no_descriptors ||
                              ec == error_code(ENFILE, asio::error::get_system_category());
      just_shed = out_of_fds && on_exhausted && on_exhausted();
      if (just_shed) {
        ++shed;
        continue;
      }
      if (!co_await sleep_for(std::chrono::milliseconds(100))) co_return;
      continue;
    }
    // An accept that only succeeded because one was shed does not end the
    // streak: under a flood they alternate, and one line per pair would flood
    // the log in turn.
    if (failing && !just_shed) {
      if (shed > 0)
        spdlog::info("{}: accepting again ({} unidentified connection(s) closed to make room)", what, shed);
      else
        spdlog::info("{}: accepting again", what);
      failing = {};
      shed = 0;
    }
    just_shed = false;
    tune(socket);
    on_accept(std::move(socket));
  }
}

}  // namespace net
