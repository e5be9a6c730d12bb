// Opening sockets: tuning, dialing and listening/accepting (tune.hpp,
// dial.hpp, listen.hpp share this translation unit: one compile of Asio's
// resolver and acceptor code instead of three). The accept loop is compiled
// here for TCP and for unix sockets (the ctl server).
#include <type_traits>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/dial.hpp"
#include "net/listen.hpp"
#include "net/time.hpp"
#include "net/tune.hpp"
#include "platform/socket_options.hpp"

namespace net {

void tune(tcp::socket& s) {
  error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  s.set_option(asio::socket_base::keep_alive(true), ec);
  // Probe after 30 s idle, every 10 s, give up after 3: a vanished peer is
  // found within about a minute instead of the kernel's two hours.
  platform::set_keepalive(s.native_handle(), 30, 10, 3);
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
  // async_connect opens the socket itself, and when that fails (EMFILE) it
  // reports "Operation canceled": open it here to say "Too many open files".
  if (!results.empty()) {
    error_code oec;
    s.open(results.begin()->endpoint().protocol(), oec);
    if (oec) co_return oec;
  }
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

namespace {

// The log of an accept loop's failures: one warning per streak, and at most
// one streak said per quiet period. When descriptors run out, accepts and
// failures alternate (each accept takes the one descriptor a close freed):
// without the quiet period that would be a pair of lines per connection.
class accept_streak {
 public:
  explicit accept_streak(const std::string& what, bool sheds) : what_(what), sheds_(sheds) {}

  void failed(const error_code& ec) {
    const auto now = std::chrono::steady_clock::now();
    if (!failing_ || ec != failing_ || (quiet_ && now >= quiet_until_)) {
      if (!failing_ && now < quiet_until_) {
        quiet_ = true;  // a relapse soon after "accepting again": counted, not said
        ++relapses_;
      } else {
        quiet_ = false;
        spdlog::warn("{}: accept failed: {}; {}", what_, ec.message(),
                     sheds_ ? "closing the oldest unidentified connections to make room, "
                              "else retrying every 100 ms"
                            : "retrying every 100 ms");
      }
    }
    failing_ = ec;
    last_failed_ = true;
  }
  void shed() { ++shed_; }
  // An accept right after a failure may only have taken the descriptor a
  // close freed: the streak ends at the second success in a row.
  void accepted() {
    if (failing_ && !last_failed_) {
      if (!quiet_) {
        std::string more;
        if (relapses_ > 0) more += fmt::format("; {} brief failure(s) before", relapses_);
        if (shed_ > 0) more += fmt::format("; {} unidentified connection(s) closed to make room", shed_);
        spdlog::info("{}: accepting again{}", what_, more.empty() ? "" : " (" + more.substr(2) + ")");
        relapses_ = shed_ = 0;
        quiet_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
      failing_ = {};
      quiet_ = false;
    }
    last_failed_ = false;
  }

 private:
  const std::string& what_;
  bool sheds_;
  error_code failing_;  // the error of the current streak, if any
  bool last_failed_ = false;
  bool quiet_ = false;  // the current streak is not said (a relapse)
  std::chrono::steady_clock::time_point quiet_until_{};
  std::size_t relapses_ = 0, shed_ = 0;
};

}  // namespace

template <typename Protocol>
awaitable<void> accept_loop(asio::basic_socket_acceptor<Protocol>& a, std::string what,
                            std::function<void(typename Protocol::socket)> on_accept,
                            std::function<bool()> on_exhausted, std::size_t batch) {
  constexpr bool is_tcp = std::is_same_v<Protocol, tcp>;
  accept_streak streak(what, static_cast<bool>(on_exhausted));
  error_code nbec;
  if (batch > 0) a.non_blocking(true, nbec);  // the batch below must never block the thread
  for (;;) {
    auto accepted = co_await a.async_accept(use_nothrow);
    auto ec = std::get<0>(accepted);
    auto& socket = std::get<1>(accepted);
    if (ec == asio::error::operation_aborted || !a.is_open()) co_return;
    if (ec) {
      // EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: the listener must survive.
      streak.failed(ec);
      // Out of descriptors: free one at once rather than make everyone wait
      // for a timeout, and accept again right away.
      const bool out_of_fds = ec == asio::error::no_descriptors ||
                              ec == error_code(ENFILE, asio::error::get_system_category());
      if (out_of_fds && on_exhausted && on_exhausted()) {
        streak.shed();
        continue;
      }
      if (!co_await sleep_for(std::chrono::milliseconds(100))) co_return;
      continue;
    }
    streak.accepted();
    if constexpr (is_tcp) tune(socket);
    on_accept(std::move(socket));
    for (std::size_t i = 0; i < batch; ++i) {
      error_code bec;
      typename Protocol::socket more = a.accept(bec);  // non-blocking: would_block when the queue is empty
      // Errors (EMFILE...) are left to the async accept above, with its backoff.
      if (bec) break;
      streak.accepted();
      if constexpr (is_tcp) tune(more);
      on_accept(std::move(more));
    }
  }
}

template awaitable<void> accept_loop<tcp>(tcp::acceptor&, std::string, std::function<void(tcp::socket)>,
                                          std::function<bool()>, std::size_t);
template awaitable<void> accept_loop<asio::local::stream_protocol>(
    asio::local::stream_protocol::acceptor&, std::string,
    std::function<void(asio::local::stream_protocol::socket)>, std::function<bool()>, std::size_t);

}  // namespace net
