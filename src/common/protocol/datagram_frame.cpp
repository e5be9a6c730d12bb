#include "protocol/datagram_frame.hpp"

#include <string>

namespace protocol {

outcome::status frame_datagram(std::span<const std::uint8_t> datagram, std::vector<std::uint8_t>& out) {
  if (datagram.size() > max_datagram)
    return outcome::fail("a datagram of " + std::to_string(datagram.size()) + " bytes is over the UDP limit of " +
                         std::to_string(max_datagram));
  out.push_back(static_cast<std::uint8_t>(datagram.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(datagram.size()));
  out.insert(out.end(), datagram.begin(), datagram.end());
  return {};
}

void datagram_reader::feed(std::span<const std::uint8_t> bytes) {
  if (broken_) return;
  // What was handed out is dropped before new bytes come, so the buffer
  // holds at most one partial datagram and the new bytes.
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

outcome::result<std::optional<std::span<const std::uint8_t>>> datagram_reader::next() {
  using found = std::optional<std::span<const std::uint8_t>>;
  if (broken_) return outcome::fail("the datagram stream is broken");
  if (held() < datagram_header) return found{};
  const std::size_t len = static_cast<std::size_t>(buf_[pos_]) << 8 | buf_[pos_ + 1];
  if (len > max_datagram) {
    broken_ = true;
    return outcome::fail("a framed datagram of " + std::to_string(len) + " bytes is over the UDP limit of " +
                         std::to_string(max_datagram));
  }
  if (held() < datagram_header + len) return found{};
  std::span<const std::uint8_t> d(buf_.data() + pos_ + datagram_header, len);
  pos_ += datagram_header + len;
  return found{d};
}

}  // namespace protocol
