#include "route/sessions/session.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "protocol/error.hpp"
#include "route/front/address_prefix.hpp"

namespace route {

using clock = std::chrono::steady_clock;
using net::tls::tls_stream;

session::session(tls_stream socket, std::uint32_t vnetid, net::duration timeout, session_counts counts)
    : socket_(std::move(socket)),
      // A vnet that takes none of its queued frames for as long as it may stay
      // silent is gone or does not read.
      queue_(net::frame::outbox_limits{.drain_timeout = timeout}),
      reader_(protocol::max_payload),
      vnetid_(vnetid),
      welcome_timeout_(timeout),
      timeout_(timeout),
      last_seen_(clock::now()),
      watchdog_(socket_.get_executor()),
      pace_(socket_.get_executor()),
      counts_(std::move(counts)) {
  net::error_code ec;
  auto ep = socket_.next_layer().remote_endpoint(ec);
  remote_ = ec ? "?" : net::to_string(ep);
  network_ = ec ? "?" : address_prefix(ep.address().to_string());
}

void session::start(owner& o) {
  owner_ = &o;
  watch();
  // Posted: what the hub sends before start goes before any answer.
  net::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->next_frame(); });
}

void session::set_timeout(net::duration route_timeout) {
  timeout_ = std::max(route_timeout, welcome_timeout_);
  queue_.set_drain_timeout(timeout_);
  if (!ended_) watch();  // a longer timeout applies at once
}

void session::send(const protocol::message& m) {
  if (ended_ || closed_) return;
  if (!queue_.push(m)) return finish(not_reading());  // dropped at once; ends from a handler
  kick_write();
}

void session::fail(const std::string& reason, std::uint16_t code) {
  if (ended_) return;
  close_reason_ = reason;
  send(protocol::error{code, reason});
  // Give the error frame a chance to leave: the session ends after it.
  closed_ = true;
  kick_write();
}

template <void (session::*Then)(), void (session::*Failed)(net::error_code)>
void session::wait_for(tls_stream::wait w) {
  const auto type = w == tls_stream::wait::read ? net::tcp::socket::wait_read : net::tcp::socket::wait_write;
  socket_.next_layer().async_wait(type, [self = shared_from_this()](net::error_code ec) {
    if (self->ended_) return;
    if (ec) return (self.get()->*Failed)(ec);
    (self.get()->*Then)();
  });
}

void session::next_frame() {
  if (ended_) return;
  // Back-pressure: a vnet that does not read its answers is not read
  // either, so its requests wait in its own socket, not in the route's
  // memory. write_more() resumes; a socket that takes none of our bytes
  // ends the session at the drain deadline.
  if (queue_.queued() > send_high_water) {
    paused_ = true;
    return;
  }
  if (auto wait = bucket_.take(); wait > net::duration::zero()) {
    pace_.expires_after(wait);
    pace_.async_wait([self = shared_from_this()](net::error_code ec) {
      if (!ec && !self->ended_) self->read_more();
    });
    return;
  }
  read_more();
}

void session::read_more() {
  for (;;) {
    auto buf = reader_.buffer();
    auto r = socket_.try_once(tls_stream::kind::read, buf.data(), buf.size());
    if (r.want != tls_stream::wait::none) return wait_for<&session::read_more, &session::read_failed>(r.want);
    if (r.ec) return read_failed(reader_.failed(r.ec));
    if (auto fr = reader_.commit(r.n)) return frame_read(std::move(*fr));
  }
}

void session::read_failed(net::error_code ec) {
  // TLS: a peer that closes without close_notify shows as stream_truncated.
  if (ec == net::asio::error::eof || ec == net::tls::ssl::error::stream_truncated)
    return finish("closed by the vnet");
  if (ec == net::asio::error::operation_aborted) return finish("closed");
  if (ec.category() == protocol::category()) {
    // Tell the vnet what was wrong and read no more: the session ends once
    // the error frame is written (or at the drain deadline, or silence).
    fail("bad frame: " + ec.message(), static_cast<std::uint16_t>(ec.value()));
    return;
  }
  finish("read failed: " + ec.message());
}

void session::frame_read(net::frame::frame_result fr) {
  if (fr.ec) return read_failed(fr.ec);
  last_seen_ = clock::now();
  owner_->on_message(*this, fr.msg);
  // Posted: a flood of frames already in the socket takes turns with
  // the other sessions.
  net::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->next_frame(); });
}

void session::kick_write() {
  if (writing_ || ended_) return;
  writing_ = true;
  write_since_ = clock::now();
  // Posted: the frames sent in one handler leave in one write.
  net::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->ended_) self->write_more();
  });
}

void session::write_more() {
  for (;;) {
    auto buf = queue_.next();
    if (buf.size() == 0) {
      writing_ = false;
      // What was queued before fail() has been written.
      if (closed_) return finish("closed");
      return;
    }
    auto r = socket_.try_once(tls_stream::kind::write, const_cast<void*>(buf.data()), buf.size());
    if (r.want != tls_stream::wait::none) {
      // The drain deadline runs from here: make sure the watchdog looks then.
      if (watchdog_.expiry() > write_since_ + timeout_) watch();
      return wait_for<&session::write_more, &session::write_failed>(r.want);
    }
    if (r.ec) return finish("write failed: " + r.ec.message());
    queue_.written(r.n);
    write_since_ = clock::now();
    // Taking our bytes is a sign of life while reading waits for it.
    if (paused_) {
      last_seen_ = write_since_;
      if (queue_.queued() <= send_high_water) {
        paused_ = false;
        net::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->next_frame(); });
      }
    }
  }
}

void session::write_failed(net::error_code ec) { finish("write failed: " + ec.message()); }

void session::watch() {
  auto at = last_seen_ + timeout_;
  if (writing_) at = std::min(at, write_since_ + timeout_);
  watchdog_.expires_at(at);
  // The session's life, not only the error code: a wait that completed
  // just before finish() cancelled it still runs after the session ended.
  watchdog_.async_wait([weak = weak_from_this()](net::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->ended_) return;
    self->on_watchdog();
  });
}

void session::on_watchdog() {
  const auto now = clock::now();
  // Queued bytes none of which the socket took for the whole timeout: the
  // vnet does not read.
  if (writing_ && queue_.queued() > 0 && now >= write_since_ + timeout_) {
    queue_.stalled();
    return finish(not_reading());
  }
  // While reading is paused for the queue to drain, the vnet is not heard
  // because it is not listened to: the drain deadline governs then.
  if (paused_) last_seen_ = now;
  if (now < last_seen_ + timeout_) return watch();
  if (close_reason_.empty()) close_reason_ = fmt::format("silent for {} ms", net::to_ms(timeout_).count());
  finish(close_reason_);
}

void session::finish(std::string reason) {
  if (ended_) return;
  ended_ = true;
  if (!close_reason_.empty()) reason = close_reason_;
  // A closed socket fails every pending wait, and try_once never touches it.
  net::error_code ignored;
  socket_.next_layer().close(ignored);
  watchdog_.cancel();
  pace_.cancel();
  queue_ = net::frame::send_queue{};
  net::asio::post(socket_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    if (self->owner_) self->owner_->on_end(*self, reason);
    self->counts_.reset();
  });
}

}  // namespace route
