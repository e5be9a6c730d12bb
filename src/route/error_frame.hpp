#pragma once
// The fatal error frame the route answers a connection with before closing
// it: a protocol::error with its code (0: a refusal, not a protocol error).
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/messages.hpp"

namespace route {

inline std::vector<std::uint8_t> error_frame(protocol::errc code, const std::string& text) {
  return protocol::encode(protocol::error{static_cast<std::uint16_t>(code), text});
}
// A refusal (wrong token, a limit): code 0.
inline std::vector<std::uint8_t> refusal_frame(const std::string& text) {
  return protocol::encode(protocol::error{0, text});
}

}  // namespace route
