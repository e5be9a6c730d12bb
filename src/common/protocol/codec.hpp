#pragma once
// Frames: a fixed 6-byte header (u32 payload length, u16 type, big-endian)
// followed by the payload. Pure functions: bytes in, message or error out.
// The length is checked against a maximum before anything is allocated, and
// decoding never consumes bytes past the frame: what follows an opening frame
// belongs to the relayed stream.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <boost/system/error_code.hpp>

#include "protocol/messages.hpp"

namespace protocol {

inline constexpr std::size_t header_size = 6;
inline constexpr std::uint32_t max_payload = 1u << 20;      // control frames
inline constexpr std::uint32_t max_opening_payload = 1024;  // first frame of a connection

struct header {
  std::uint32_t length = 0;
  std::uint16_t type = 0;
};

// Parses the header and checks it: known type, length <= max_length.
header parse_header(std::span<const std::uint8_t, header_size> bytes, std::uint32_t max_length,
                    boost::system::error_code& ec);

// Decodes a payload of the given type; every byte must be used.
message decode_payload(std::uint16_t type, std::span<const std::uint8_t> payload,
                       boost::system::error_code& ec);

// Streaming form: decodes the first frame of `in` if it is complete.
// Returns nullopt with ec clear when more bytes are needed; `consumed` is the
// exact size of the frame on success, and 0 otherwise.
std::optional<message> try_decode(std::span<const std::uint8_t> in, std::size_t& consumed,
                                  boost::system::error_code& ec,
                                  std::uint32_t max_length = max_payload);

// Header + payload, ready to write.
std::vector<std::uint8_t> encode(const message& m);

// True for the messages that may open a connection.
bool is_opening(std::uint16_t type);

}  // namespace protocol
