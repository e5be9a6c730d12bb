#include "net/frame/frame_reader.hpp"

#include <algorithm>

#include "protocol/error.hpp"

namespace net::frame {

asio::mutable_buffer frame_reader::buffer() {
  if (!in_payload_) return asio::buffer(head_.data() + head_have_, head_.size() - head_have_);
  // Grows by at most what it holds (at least 512 bytes), as read_frame does
  // on TLS: the socket's byte count says nothing about plaintext.
  const std::size_t have = payload_.size();
  const std::size_t ready = std::max<std::size_t>(have, 512);
  const std::size_t want = std::min<std::size_t>({header_.length - have, read_chunk, ready});
  if (have + want > payload_.capacity())
    payload_.reserve(std::min<std::size_t>(std::max(have + want, payload_.capacity() * 2), header_.length));
  payload_.resize(have + want);
  offered_ = want;
  return asio::buffer(payload_.data() + have, want);
}

std::optional<frame_result> frame_reader::commit(std::size_t n) {
  if (!in_payload_) {
    head_have_ += n;
    if (head_have_ < head_.size()) return std::nullopt;
    error_code ec;
    header_ = protocol::parse_header(head_, max_length_, ec);
    if (ec) {
      reset();
      return frame_result{ec, {}};
    }
    in_payload_ = true;
    if (header_.length > 0) return std::nullopt;
  } else {
    // buffer() resized the payload to take the read: keep what came.
    payload_.resize(payload_.size() - offered_ + n);
    if (payload_.size() < header_.length) return std::nullopt;
  }
  frame_result r;
  r.msg = protocol::decode_payload(header_.type, payload_, r.ec);
  reset();
  return r;
}

error_code frame_reader::failed(error_code ec) const {
  if (in_payload_ && ec == asio::error::eof) return error_code(protocol::errc::truncated);
  return ec;
}

void frame_reader::reset() {
  head_have_ = 0;
  in_payload_ = false;
  header_ = {};
  std::vector<std::uint8_t>().swap(payload_);
}

}  // namespace net::frame
