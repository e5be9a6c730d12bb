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
  // A field over its limit of protocol/limits.hpp; the message names both.
  name_too_long = 32,
  group_too_long,
  info_too_long,
  ip_too_long,
  type_too_long,
  auth_too_long,
  reason_too_long,
  too_many_serves,
  too_many_vnets,
  too_many_tickets,
  serveid_too_big,
  sealed_too_long,
  // A name, group, info, ip or type that is not clean text (text::is_clean_text):
  // control characters or bytes that are not UTF-8.
  name_not_text = 48,
  group_not_text,
  info_not_text,
  ip_not_text,
  type_not_text,
  // A sealed serve that also names its name, ip, port or info in plain.
  sealed_and_plain,
};

const boost::system::error_category& category() noexcept;

// True for the errors a field over its limit or not clean text gives.
bool is_limit_error(const boost::system::error_code& ec) noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace protocol

template <>
struct boost::system::is_error_code_enum<protocol::errc> : std::true_type {};
