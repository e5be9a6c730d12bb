#pragma once
// The largest value each field of a message may hold, checked on decode
// (protocol::check_limits). Without them one peer could make a message that
// others cannot take: 17 serves with 64 KiB of info once made the route's
// serve list 1.1 MB, over every vnet's frame limit, and dropped a whole
// group. Each value is generous for real use and small enough that the
// largest legitimate message, a full group's serve list with every field at
// its maximum, still fits in one frame (the static_assert below).
#include <cstddef>
#include <cstdint>

#include <boost/system/error_code.hpp>

#include "protocol/codec.hpp"

namespace protocol {

// A vnet name or a serve name (config::max_name_bytes, the same 64): 64 ASCII
// characters or 21 CJK; non-ASCII characters take 2-4 bytes each.
inline constexpr std::size_t max_name_bytes = 64;
// A group is a shared secret-ish label chosen by people: room for a long one.
inline constexpr std::size_t max_group_bytes = 128;
// A serve's one-line description, shown in tables. Bounded so that 999 of
// them fit in one serve list (see the static_assert).
inline constexpr std::size_t max_info_bytes = 512;
// A serve's address: an IPv6 literal with zone, or a DNS name (at most 253).
inline constexpr std::size_t max_ip_bytes = 255;
// A serve's type ("tcp" today); room for future names.
inline constexpr std::size_t max_type_bytes = 16;
// Reserved for authentication (empty today): room for a token, and small
// enough that a full control_hello fits the opening frame limit.
inline constexpr std::size_t max_auth_bytes = 512;
// Free text written by our own code: error messages and refusal reasons.
inline constexpr std::size_t max_reason_bytes = 1024;
// Every serveid 1-999 at most once in a group (route/registry.hpp).
inline constexpr std::size_t max_serves_listed = 999;
// vnets listed by vnet_query_result: far above any real group, and bounded so
// the list fits in one frame (the static_assert below). The route refuses a
// vnet that would make its group bigger than this.
inline constexpr std::size_t max_vnets_listed = 10000;

// Tickets asked or granted in one message; a vnet holds a few per use.
inline constexpr std::size_t max_tickets_per_request = 64;

// Wire sizes of the largest entries: u16 length before each string.
inline constexpr std::size_t link_key_bytes = 4 + 32 + 32;
inline constexpr std::size_t max_listed_serve_bytes =
    2 /*serveid*/ + (2 + max_name_bytes) + (2 + max_type_bytes) + (2 + max_ip_bytes) +
    2 /*port*/ + (2 + max_info_bytes) + 4 /*vnetid*/ + (2 + max_name_bytes) + link_key_bytes;
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
                      link_key_bytes <=
                  max_opening_payload,
              "a full control_hello must fit the opening frame limit");

// The first field of `m` over its limit or not clean text, as an errc of
// protocol::category() (is_limit_error() is true for it); clear when none.
// Decoding checks every message with it; a sender may check before sending.
boost::system::error_code check_limits(const message& m);

}  // namespace protocol
