#pragma once
// A frame assembled from the reads of a caller that does its own I/O (the
// route's session, driven by completion callbacks): it says where the next
// bytes go, and the caller reads into that and says how many came. The same
// rules as read_frame on a TLS stream (frame_io.hpp): the header first, then
// a payload that grows by at most what it already holds (at least 512
// bytes, at most read_chunk), so a header announcing 1 MiB that stalls
// costs 512 bytes. Between frames it holds nothing but the header's bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "net/asio.hpp"
#include "net/frame/frame_io.hpp"
#include "protocol/codec.hpp"

namespace net::frame {

class frame_reader {
 public:
  explicit frame_reader(std::uint32_t max_length) : max_length_(max_length) {}

  // Where the next read goes; never empty.
  asio::mutable_buffer buffer();
  // `n` bytes (at least one) came into buffer(). A whole frame, or a bad
  // header or payload (ec a protocol::errc), is returned; nullopt wants more.
  std::optional<frame_result> commit(std::size_t n);
  // The read failed with `ec` (end of stream included): what it means here.
  // EOF inside a payload is a truncated frame; before one, the peer's close.
  error_code failed(error_code ec) const;

 private:
  void reset();

  std::uint32_t max_length_;
  std::array<std::uint8_t, protocol::header_size> head_{};
  std::size_t head_have_ = 0;
  bool in_payload_ = false;
  protocol::header header_{};
  std::vector<std::uint8_t> payload_;
  std::size_t offered_ = 0;  // the payload bytes the last buffer() offered
};

}  // namespace net::frame
