#pragma once
// Protocol errors have their own category so a log line can say "vnet.protocol:
// frame too large" instead of a bare number, and tests can compare exactly.
#include <boost/system/error_code.hpp>

namespace protocol {

enum class errc {
  truncated = 1,       // payload ended before a field did
  oversized,           // header announces more than the allowed maximum
  unknown_type,        // frame type this version does not know
  bad_magic,           // opening frame does not start with "VNET"
  version_mismatch,    // peer speaks another protocol version
  trailing_bytes,      // payload longer than its fields
  bad_value,           // a field holds a value outside its range
  unexpected_message,  // valid frame, wrong moment
};

const boost::system::error_category& category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace protocol

template <>
struct boost::system::is_error_code_enum<protocol::errc> : std::true_type {};
