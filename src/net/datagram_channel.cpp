#include "net/datagram_channel.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace net {
namespace {

// How long an ended flow waits for the link's final record before it closes
// the pair anyway.
constexpr auto grace = std::chrono::seconds(5);

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::interrupted;
}

}  // namespace

datagram_channel::datagram_channel(tcp::socket inner, duration idle, std::shared_ptr<socket_set> totals)
    : inner_(std::move(inner)),
      idle_timer_(inner_.get_executor()),
      grace_timer_(inner_.get_executor()),
      idle_(idle),
      totals_(std::move(totals)),
      last_(std::chrono::steady_clock::now()) {}

void datagram_channel::start() {
  error_code ignored;
  inner_.non_blocking(true, ignored);
  wait_read();
  arm_idle();
}

bool datagram_channel::send(std::span<const std::uint8_t> datagram) {
  if (ended_ || pending_.size() + datagram.size() + protocol::datagram_header > max_queued ||
      !protocol::frame_datagram(datagram, pending_)) {
    ++counts_.dropped;
    return false;
  }
  ++counts_.to_link;
  if (totals_) ++totals_->traffic.datagrams_out;
  last_ = std::chrono::steady_clock::now();
  if (answered_once() && idle_limit() < idle_) arm_idle();
  if (writing_.empty()) write_more();
  return true;
}

void datagram_channel::write_more() {
  if (closed_) return;
  if (pending_.empty()) {
    error_code ignored;
    if (ended_) inner_.shutdown(tcp::socket::shutdown_send, ignored);  // the queue went first
    return;
  }
  writing_.swap(pending_);
  asio::async_write(inner_, asio::buffer(writing_), [self = shared_from_this()](error_code ec, std::size_t) {
    self->writing_.clear();
    if (ec) {
      self->pending_.clear();
      self->end(ec == asio::error::operation_aborted ? "closed" : "the link's side failed: " + ec.message());
      self->close_now();
      return;
    }
    self->write_more();
  });
}

void datagram_channel::wait_read() {
  inner_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (ec) {
      self->end("closed");
      self->close_now();
      return;
    }
    self->read_ready();
  });
}

void datagram_channel::read_ready() {
  // One io_context thread: the buffer is only borrowed for this call.
  static std::array<std::uint8_t, 256 * 1024> buffer;
  for (int turn = 0; turn < 16; ++turn) {
    error_code ec;
    std::size_t n = inner_.read_some(asio::buffer(buffer), ec);
    if (would_block(ec)) break;
    if (ec) {
      // The link ended, or the other vnet closed the flow (its final record).
      end(ec == asio::error::eof ? "closed by the link" : "the link's side failed: " + ec.message());
      close_now();
      return;
    }
    reader_.feed(std::span(buffer.data(), n));
    for (;;) {
      auto d = reader_.next();
      if (!d) {
        end(d.why());
        close_now();
        return;
      }
      if (!*d) break;
      if (ended_) continue;  // after the end, the rest is drained and dropped
      ++counts_.from_link;
      if (totals_) ++totals_->traffic.datagrams_in;
      last_ = std::chrono::steady_clock::now();
      if (answered_once() && idle_limit() < idle_) arm_idle();  // the shorter rule starts now
      if (on_datagram) on_datagram(**d);
    }
    if (n < buffer.size()) break;
  }
  wait_read();
}

duration datagram_channel::idle_limit() const {
  return answered_once() && answered_idle_ > duration::zero() ? std::min(idle_, answered_idle_) : idle_;
}

void datagram_channel::arm_idle() {
  idle_timer_.expires_at(last_ + idle_limit());  // a wait already pending is cancelled
  idle_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->ended_) return;
    const auto limit = self->idle_limit();
    if (std::chrono::steady_clock::now() - self->last_ >= limit) {
      auto s = std::chrono::duration_cast<std::chrono::seconds>(limit).count();
      self->end(limit < self->idle_ ? fmt::format("idle for {} s after one datagram each way", s)
                                    : fmt::format("idle for {} s", s));
      return;
    }
    self->arm_idle();
  });
}

void datagram_channel::end(const std::string& why) {
  if (ended_) return;
  ended_ = true;
  auto keep = shared_from_this();  // on_end may drop its owner's hold
  idle_timer_.cancel();
  // The callbacks may hold their owner: dropped once called.
  auto told = std::move(on_end);
  on_datagram = nullptr;
  on_end = nullptr;
  if (told) told(why);
  if (closed_) return;
  // What is queued still goes; then the link sees this half end (its final
  // record) and the other side's final record ends the read, or the grace does.
  error_code ignored;
  if (writing_.empty()) inner_.shutdown(tcp::socket::shutdown_send, ignored);
  grace_timer_.expires_after(grace);
  grace_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->close_now();
  });
}

void datagram_channel::close_now() {
  if (closed_) return;
  closed_ = true;
  idle_timer_.cancel();
  grace_timer_.cancel();
  error_code ignored;
  inner_.close(ignored);
}

}  // namespace net
