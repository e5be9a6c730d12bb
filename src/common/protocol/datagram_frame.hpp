#pragma once
// UDP datagrams inside a link's byte stream (docs/protocol.md, "Datagrams
// in a link"): each datagram is a 2-byte big-endian length and its bytes, so
// the boundaries survive however the stream is cut into records and reads.
// A link of a udp serve carries nothing else; the records and the link setup
// are a TCP link's, unchanged.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "outcome/result.hpp"

namespace protocol {

// The largest UDP payload over IPv4 (65 535 - 8 - 20): nothing larger can be
// sent to or received from a service, so nothing larger is framed.
inline constexpr std::size_t max_datagram = 65507;
inline constexpr std::size_t datagram_header = 2;

// Appends `datagram`, framed, to `out`; a datagram over max_datagram is refused.
outcome::status frame_datagram(std::span<const std::uint8_t> datagram, std::vector<std::uint8_t>& out);

// Cuts a stream of framed datagrams back into datagrams, whatever the
// pieces it is fed in.
class datagram_reader {
 public:
  void feed(std::span<const std::uint8_t> bytes);
  // The next whole datagram (valid until the next feed or next), nullopt
  // while its bytes have not all come, or why the stream is broken: a
  // length over max_datagram, which no sender of ours writes. Broken stays broken.
  outcome::result<std::optional<std::span<const std::uint8_t>>> next();
  // Bytes held: a datagram's start whose rest has not come.
  std::size_t held() const { return buf_.size() - pos_; }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t pos_ = 0;  // the first byte not yet handed out
  bool broken_ = false;
};

}  // namespace protocol
