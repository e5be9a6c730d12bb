#include "net/frame/send_queue.hpp"

#include <fmt/format.h>

#include "platform/memory.hpp"
#include "protocol/codec.hpp"
#include "text/bytes.hpp"

namespace net::frame {

namespace {
// A buffer that grew past this is given back once drained (a flood's);
// smaller ones are kept for the next frames.
constexpr std::size_t kept_capacity = 64 * 1024;
}  // namespace

void release(std::vector<std::uint8_t>& v) {
  bool large = v.capacity() >= (1u << 20);
  std::vector<std::uint8_t>().swap(v);
  if (large) platform::trim_heap();
}

bool send_queue::push(const protocol::message& m) {
  if (over_) return false;
  auto frame = protocol::encode(m);
  if (queued() + frame.size() > limits_.max_bytes) {
    // The peer does not read: drop what it would never take.
    stalled_bytes_ = queued() + frame.size();
    over_ = true;
    release(filling_);
    return false;
  }
  filling_.insert(filling_.end(), frame.begin(), frame.end());
  return true;
}

asio::const_buffer send_queue::next() {
  if (written_ == writing_.size()) {
    written_ = 0;
    if (writing_.capacity() > kept_capacity) release(writing_);
    else writing_.clear();
    if (filling_.empty()) {
      if (filling_.capacity() > kept_capacity) release(filling_);
      return {};
    }
    std::swap(writing_, filling_);
  }
  return asio::buffer(writing_.data() + written_, writing_.size() - written_);
}

std::string send_queue::stall() const {
  if (over_) return fmt::format("more than {} queued", text::human_bytes(limits_.max_bytes));
  return fmt::format("nothing taken for {} ms, {} queued", to_ms(limits_.drain_timeout).count(),
                     text::human_bytes(stalled_bytes_));
}

}  // namespace net::frame
