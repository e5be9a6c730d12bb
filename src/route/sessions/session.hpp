#pragma once
// One vnet's control session on the route, driven by completion callbacks:
// a readiness wait (or the pace timer) for reading, a readiness wait for
// writing while bytes are queued, and one timer, the watchdog (silence, and
// the drain deadline of queued bytes). An idle session holds its object,
// OpenSSL's state, one pending read wait and the watchdog, and no coroutine
// frame: docs/performance.md ("Memory"). The server's table of sessions
// reaches it from outside (to push serve lists and link requests), so it
// lives in a shared_ptr, which its pending waits hold too. The session is
// the vnet's I/O only: its name and group belong to the registry (the server
// reads them there by vnetid), so a rename has one place to change.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/frame/frame_reader.hpp"
#include "net/frame/send_queue.hpp"
#include "net/pace.hpp"
#include "net/tls/tls.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"
#include "route/front/session_count.hpp"

namespace route {

// Fairness: a session's requests are read no faster than this (a vnet sends a
// ping every few seconds and registers its serves once: far below), and not
// at all while more than send_high_water of its answers wait to be read.
inline constexpr double session_messages_per_second = 500;
inline constexpr double session_message_burst = 1000;
inline constexpr std::size_t send_high_water = 1u << 20;

class session : public std::enable_shared_from_this<session> {
 public:
  // Who a session reports to (the session hub).
  class owner {
   public:
    virtual void on_message(session& s, const protocol::message& m) = 0;
    // Once, after the session ended (never inside a call into the session):
    // why, for the log.
    virtual void on_end(session& s, const std::string& reason) = 0;

   protected:
    ~owner() = default;
  };

  // `counts` are held until the session ends (front/session_count.hpp).
  session(net::tls::tls_stream stream, std::uint32_t vnetid, net::duration timeout, session_counts counts);

  // Starts reading and watching. Runs until the peer leaves, breaks the
  // protocol, stays silent longer than its timeout, does not read what it
  // is sent, or fail() ends it; then owner.on_end. Frames sent before start
  // go first.
  void start(owner& o);
  // The route's timeout changed (reload). Never below the one the vnet was
  // welcomed with: it paces its pings by that one, and a reload must not
  // drop it. A longer timeout applies at once.
  void set_timeout(net::duration route_timeout);
  // Queues a frame. Over the bound (net::frame::outbox_limits) the session
  // ends: the vnet does not read.
  void send(const protocol::message& m);
  // Sends a fatal error frame (code: a protocol::errc, or 0), then ends the
  // session once it is written.
  void fail(const std::string& reason, std::uint16_t code = 0);
  // Bytes queued for the vnet and not yet taken by its socket.
  std::size_t queued() const { return queue_.queued(); }

  std::uint32_t vnetid() const { return vnetid_; }
  const std::string& remote() const { return remote_; }
  // The /24 or /64 it comes from (route::address_prefix): quotas that
  // parallel sessions would dodge count per network.
  const std::string& network() const { return network_; }

 private:
  // Before each frame: back-pressure, then the pace.
  void next_frame();
  // Reads until a frame is whole (then on_message) or OpenSSL waits.
  void read_more();
  void read_failed(net::error_code ec);
  void frame_read(net::frame::frame_result fr);
  // Writes what is queued until it is all taken or OpenSSL waits.
  void write_more();
  void write_failed(net::error_code ec);
  void kick_write();
  // Waits for the readiness OpenSSL asked for, then calls Then (or Failed
  // with the wait's error); nothing once the session ended.
  template <void (session::*Then)(), void (session::*Failed)(net::error_code)>
  void wait_for(net::tls::tls_stream::wait w);
  // Arms the watchdog at the earlier of last_seen_ + timeout_ and, while a
  // write waits, write_since_ + timeout_.
  void watch();
  void on_watchdog();
  // Ends the session once: closes the socket (every pending wait fails) and
  // tells the owner from a handler of its own.
  void finish(std::string reason);
  std::string not_reading() const { return "it does not read what the route sends (" + queue_.stall() + ")"; }

  net::tls::tls_stream socket_;  // the control session is TLS (handshake done)
  owner* owner_ = nullptr;
  net::frame::send_queue queue_;
  net::frame::frame_reader reader_;
  std::uint32_t vnetid_;
  std::string remote_;
  std::string network_;
  net::duration welcome_timeout_;  // told to the vnet in its welcome
  net::duration timeout_;          // silence (and a stalled write) after which it is dropped
  std::chrono::steady_clock::time_point last_seen_;
  std::chrono::steady_clock::time_point write_since_;  // the last write's start or progress
  net::asio::steady_timer watchdog_;
  net::asio::steady_timer pace_;
  net::token_bucket bucket_{session_messages_per_second, session_message_burst};
  std::string close_reason_;
  std::optional<session_counts> counts_;
  bool paused_ = false;   // reading waits for the queue to drain
  bool writing_ = false;  // a write is under way or posted
  bool closed_ = false;   // fail(): ends once what is queued is written
  bool ended_ = false;
};

}  // namespace route
