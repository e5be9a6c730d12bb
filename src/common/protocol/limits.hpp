#pragma once
// The limits of protocol/field.hpp against the frame limits of codec.hpp:
// the largest legitimate message, a full group's serve list with every field
// at its maximum, must still fit in one frame (the static_asserts below), and
// check_limits tells which field of a message is over its limit.
#include <cstddef>
#include <cstdint>

#include <boost/system/error_code.hpp>

#include "protocol/codec.hpp"
#include "protocol/field.hpp"

namespace protocol {

// Wire sizes of the largest entries: u16 length before each string.
inline constexpr std::size_t link_key_bytes = 4 + 32 + 32;
// A serve is either plain (name, ip, port, info) or sealed (all of them in
// `sealed`), never both (check_limits): its largest entry is the larger kind.
inline constexpr std::size_t max_plain_serve_bytes =
    2 /*serveid*/ + (2 + max_name_bytes) + (2 + max_type_bytes) + (2 + max_ip_bytes) +
    2 /*port*/ + (2 + max_info_bytes) + 2 /*sealed, empty*/;
inline constexpr std::size_t max_sealed_serve_bytes =
    2 /*serveid*/ + 2 + (2 + max_type_bytes) + 2 + 2 /*port*/ + 2 + (2 + max_sealed_bytes);
inline constexpr std::size_t max_listed_serve_bytes =
    (max_plain_serve_bytes > max_sealed_serve_bytes ? max_plain_serve_bytes : max_sealed_serve_bytes) +
    4 /*vnetid*/ + (2 + max_name_bytes) + link_key_bytes;
inline constexpr std::size_t max_listed_vnet_bytes = 4 + (2 + max_name_bytes) + 4;

// serve_query_result is the biggest: request_id, vnets, count, then entries.
static_assert(4 + 4 + 4 + max_serves_listed * max_listed_serve_bytes <= max_payload,
              "a full group's serve list must fit in one frame");
static_assert(4 + 4 + max_vnets_listed * max_listed_vnet_bytes <= max_payload,
              "a full vnet list must fit in one frame");
// serve_list_update at its largest: vnets, every serveid removed and every
// serve listed anew (the route never sends both for one id, the decoder
// allows it).
static_assert(4 + (4 + max_serves_listed * 2) + (4 + max_serves_listed * max_listed_serve_bytes) <=
                  max_payload,
              "the largest serve list update must fit in one frame");
// A control_hello at its maximum must fit the small opening frame.
static_assert(4 + 2 + (2 + max_name_bytes) + (2 + max_group_bytes) + (2 + max_auth_bytes) +
                      link_key_bytes + (32 + 64) <=
                  max_opening_payload,
              "a full control_hello must fit the opening frame limit");

// The first field of `m` over its limit or not clean text, as an errc of
// protocol::category() (is_limit_error() is true for it); clear when none.
// Decoding checks every message with it; a sender may check before sending.
boost::system::error_code check_limits(const message& m);

}  // namespace protocol
