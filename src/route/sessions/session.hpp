#pragma once
// One vnet's control session on the route. The server's table of sessions
// must reach it from outside (to push serve lists and link requests), so it
// lives in a shared_ptr; its coroutine still owns the reading. Its watchdog
// is a plain timer, not a coroutine beside the reader and the writer: an
// idle session holds what it must and little else (docs/performance.md,
// "Memory"). The session is
// the vnet's I/O only: its name and group belong to the registry (the server
// reads them there by vnetid), so a rename has one place to change.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/frame/frame_io.hpp"
#include "net/pace.hpp"
#include "net/tls/tls.hpp"
#include "net/time.hpp"

namespace route {

// Fairness: a session's requests are read no faster than this (a vnet sends a
// ping every few seconds and registers its serves once: far below), and not
// at all while more than send_high_water of its answers wait to be read.
inline constexpr double session_messages_per_second = 500;
inline constexpr double session_message_burst = 1000;
inline constexpr std::size_t send_high_water = 1u << 20;

class session : public std::enable_shared_from_this<session> {
 public:
  session(net::tls::tls_stream stream, std::uint32_t vnetid, net::duration timeout);

  // Runs until the peer leaves, breaks the protocol, stays silent longer than
  // its timeout, or fail() ends it. Returns the reason, for the log.
  net::awaitable<std::string> run(std::function<void(const protocol::message&)> on_message);
  // The route's timeout changed (reload). Never below the one the vnet was
  // welcomed with: it paces its pings by that one, and a reload must not
  // drop it. A longer timeout applies at once.
  void set_timeout(net::duration route_timeout) {
    timeout_ = std::max(route_timeout, welcome_timeout_);
    outbox_.set_drain_timeout(timeout_);
  }
  void send(const protocol::message& m) { outbox_.send(m); }
  // Sends a fatal error frame (code: a protocol::errc, or 0), then ends the
  // session.
  void fail(const std::string& reason, std::uint16_t code = 0);
  // Bytes queued for the vnet and not yet taken by its socket.
  std::size_t queued() const { return outbox_.queued(); }

  std::uint32_t vnetid() const { return vnetid_; }
  const std::string& remote() const { return remote_; }
  // The /24 or /64 it comes from (route::address_prefix): quotas that
  // parallel sessions would dodge count per network.
  const std::string& network() const { return network_; }

 private:
  net::awaitable<std::string> read_loop(std::function<void(const protocol::message&)> on_message);
  // Arms the silence timer: at last_seen_ + timeout_, a session that was not
  // heard (and not paused) ends with "silent for N ms".
  void watch();

  net::tls::tls_stream socket_;  // the control session is TLS (handshake done)
  net::frame::outbox outbox_;
  std::uint32_t vnetid_;
  std::string remote_;
  std::string network_;
  net::duration welcome_timeout_;  // told to the vnet in its welcome
  net::duration timeout_;          // silence after which it is dropped
  std::chrono::steady_clock::time_point last_seen_;
  net::asio::steady_timer watchdog_;
  net::token_bucket bucket_{session_messages_per_second, session_message_burst};
  std::string close_reason_;
  bool paused_ = false;  // read_loop waits for the outbox to drain
};

}  // namespace route
