#include "route/sessions/session.hpp"

#include "route/front/address_prefix.hpp"
#include "net/frame/control_loop.hpp"
#include "net/endpoint.hpp"
#include "net/time.hpp"
#include "protocol/error.hpp"

#include <fmt/format.h>

namespace route {

session::session(net::tls::tls_stream socket, std::uint32_t vnetid, net::duration timeout)
    : socket_(std::move(socket)),
      // A vnet that takes none of its queued frames for as long as it may stay
      // silent is gone or does not read.
      outbox_(socket_.get_executor(), net::frame::outbox_limits{.drain_timeout = timeout}),
      vnetid_(vnetid),
      welcome_timeout_(timeout),
      timeout_(timeout),
      last_seen_(std::chrono::steady_clock::now()),
      watchdog_(socket_.get_executor()) {
  net::error_code ec;
  auto ep = socket_.next_layer().remote_endpoint(ec);
  remote_ = ec ? "?" : net::to_string(ep);
  network_ = ec ? "?" : address_prefix(ep.address().to_string());
}

net::awaitable<std::string> session::run(
    std::function<void(const protocol::message&)> on_message) {
  watch();
  // Named, not temporaries: see net::frame::write_frame on GCC 12.
  std::string not_reading = "it does not read what the route sends";
  std::string reason = co_await net::frame::run_control_session(socket_, outbox_, std::move(not_reading),
                                                                read_loop(std::move(on_message)));
  watchdog_.cancel();
  if (!close_reason_.empty()) reason = close_reason_;
  net::error_code ignored;
  socket_.next_layer().close(ignored);
  co_return reason;
}

net::awaitable<std::string> session::read_loop(
    std::function<void(const protocol::message&)> on_message) {
  for (;;) {
    // Back-pressure: a vnet that does not read its answers is not read
    // either, so its requests wait in its own socket, not in the route's
    // memory. Taking our bytes is a sign of life; a socket that takes none
    // ends the session at the outbox's drain deadline.
    while (outbox_.queued() > send_high_water) {
      paused_ = true;
      co_await outbox_.progress();
      paused_ = false;
      last_seen_ = std::chrono::steady_clock::now();
    }
    if (auto wait = bucket_.take(); wait > net::duration::zero()) co_await net::sleep_for(wait);
    net::frame::frame_result fr = co_await net::frame::read_frame(socket_, protocol::max_payload);
    const auto& ec = fr.ec;
    const auto& msg = fr.msg;
    // TLS: a peer that closes without close_notify shows as stream_truncated.
    if (ec == net::asio::error::eof || ec == net::tls::ssl::error::stream_truncated) co_return "closed by the vnet";
    if (ec == net::asio::error::operation_aborted) co_return "closed";
    if (ec.category() == protocol::category()) {
      // Tell the vnet what was wrong; the outbox ends the session once the
      // error frame is written (or at its drain deadline).
      std::string why = "bad frame: " + ec.message();
      fail(why, static_cast<std::uint16_t>(ec.value()));
      co_await net::sleep_for(timeout_ + timeout_);
      co_return why;
    }
    if (ec) co_return "read failed: " + ec.message();
    last_seen_ = std::chrono::steady_clock::now();
    on_message(msg);
  }
}

void session::watch() {
  // While reading is paused for the queue to drain, the vnet is not heard
  // because it is not listened to: the outbox's drain deadline governs then.
  watchdog_.expires_at(last_seen_ + timeout_);
  // The session's life, not only the error code: a wait that completed
  // just before run() cancelled it still runs after the session went.
  watchdog_.async_wait([weak = weak_from_this()](net::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    const auto now = std::chrono::steady_clock::now();
    if (self->paused_) self->last_seen_ = now;
    if (now < self->last_seen_ + self->timeout_) return self->watch();
    // Closing the socket ends the reader and the writer at once (a socket
    // that is closed fails every wait and every try), and so run().
    if (self->close_reason_.empty())
      self->close_reason_ = fmt::format("silent for {} ms", net::to_ms(self->timeout_).count());
    net::error_code ignored;
    self->socket_.next_layer().close(ignored);
  });
}

void session::fail(const std::string& reason, std::uint16_t code) {
  close_reason_ = reason;
  send(protocol::error{code, reason});
  // Give the error frame a chance to leave: the outbox closes after it.
  outbox_.close();
}

}  // namespace route
