#pragma once
// What a message's field list (messages.hpp) may say about one field, besides
// the field itself. The encoder, the decoder and check_limits walk the same
// list, so a field is written, read and checked in one place:
//   f(m.count)                      a number, bool, byte array or nested struct
//   f(m.name, limit::name)          a string or a list, always with its limit
//   f(m.version, opening_version)   "VNET" + version; another version stops there
//   f(m.ids, limit::serves, limit::serveid)  a list of numbers, each bounded too
//   f(m.serve_type, limit::type, field::trailing)  a string older peers do not send: see trailing_t
// Strings and lists must name a limit (the walkers refuse to compile without
// one): an unbounded field let one peer make messages others cannot take.
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "protocol/error.hpp"

namespace protocol::field {

// A string of at most `max` bytes, a list of at most `max` entries (refused
// from its count, before any entry is read), or a number of at most `max`.
struct at_most {
  std::size_t max;
  errc too_big;
};

// A string shown to people, logged or dialled: bounded and clean text.
struct text {
  std::size_t max;
  errc too_long;
  errc not_text;
};

// The version field of an opening frame (control_hello, link_open, link_join,
// link_pool).
struct opening {};

// A string added at the end of a message after the protocol froze: written
// only when not empty, read only when bytes are left, so a message without it
// is byte for byte the older one and an older peer's message reads as empty.
// Only the last fields of a message may be trailing.
struct trailing_t {};
inline constexpr trailing_t trailing{};

// ---- what the walkers need to tell the kinds apart ---------------------

template <class T>
inline constexpr bool is_byte_array = false;
template <std::size_t N>
inline constexpr bool is_byte_array<std::array<std::uint8_t, N>> = true;

template <class T>
inline constexpr bool is_list = false;
template <class T>
inline constexpr bool is_list<std::vector<T>> = true;

// A nested struct or a message: it has a field list of its own.
template <class T>
concept has_fields = requires(T& m) { T::fields([](auto&&...) {}, m); };

// The numbers a field list may hold; f(x, at_most) bounds one (a count).
template <class T>
concept plain_number = std::same_as<T, bool> || std::same_as<T, std::uint8_t> ||
                       std::same_as<T, std::uint16_t> || std::same_as<T, std::uint32_t> ||
                       std::same_as<T, std::uint64_t>;

}  // namespace protocol::field

namespace protocol {

inline constexpr field::opening opening_version{};

// The largest value each field may hold, checked on decode (check_limits).
// Without them one peer could make a message that others cannot take: 17
// serves with 64 KiB of info once made the route's serve list 1.1 MB, over
// every vnet's frame limit, and dropped a whole group. Each value is generous
// for real use and small enough that the largest legitimate message still
// fits in one frame (the static_asserts of limits.hpp).

// A vnet name or a serve name (config::max_name_bytes, the same 64): 64 ASCII
// characters or 21 CJK; non-ASCII characters take 2-4 bytes each.
inline constexpr std::size_t max_name_bytes = 64;
// A group is a shared secret-ish label chosen by people: room for a long one.
inline constexpr std::size_t max_group_bytes = 128;
// A serve's one-line description, shown in tables. Bounded so that 999 of
// them fit in one serve list (limits.hpp).
inline constexpr std::size_t max_info_bytes = 512;
// A serve's address: an IPv6 literal with zone, or a DNS name (at most 253).
inline constexpr std::size_t max_ip_bytes = 255;
// A serve's type ("tcp" today); room for future names.
inline constexpr std::size_t max_type_bytes = 16;
// Reserved for authentication (empty today): room for a token, and small
// enough that a full control_hello fits the opening frame limit.
inline constexpr std::size_t max_auth_bytes = 512;
// A keyed group's serve, sealed (serve_info.sealed, crypto/serve_seal.hpp):
// a 24-byte nonce and a 16-byte tag around the name, ip, port and info with
// their lengths. Bounded by what those may hold.
inline constexpr std::size_t sealed_overhead = 24 + 16;
inline constexpr std::size_t max_sealed_bytes =
    sealed_overhead + (2 + max_name_bytes) + (2 + max_ip_bytes) + 2 + (2 + max_info_bytes);
// Free text written by our own code: error messages and refusal reasons.
inline constexpr std::size_t max_reason_bytes = 1024;
// Every serveid 1-999 at most once in a group (route/registry.hpp).
inline constexpr std::size_t max_serves_listed = 999;
// vnets listed by vnet_query_result: far above any real group, and bounded so
// the list fits in one frame (limits.hpp). The route refuses a
// vnet that would make its group bigger than this.
inline constexpr std::size_t max_vnets_listed = 10000;

// The largest serveid (1-499 dynamic, 500-999 static; 0 where a field may
// say "none" or "the route picks"). A hostile peer once had serve list
// updates accepted with serveids up to 65 535.
inline constexpr std::uint16_t max_serveid = 999;

// Tickets asked or granted in one message; a vnet holds a few per use.
inline constexpr std::size_t max_tickets_per_request = 64;

// The limit of each kind of field, as the field lists name them.
namespace limit {
inline constexpr field::text name{max_name_bytes, errc::name_too_long, errc::name_not_text};
inline constexpr field::text group{max_group_bytes, errc::group_too_long, errc::group_not_text};
inline constexpr field::text info{max_info_bytes, errc::info_too_long, errc::info_not_text};
inline constexpr field::text ip{max_ip_bytes, errc::ip_too_long, errc::ip_not_text};
inline constexpr field::text type{max_type_bytes, errc::type_too_long, errc::type_not_text};
inline constexpr field::at_most auth{max_auth_bytes, errc::auth_too_long};
inline constexpr field::at_most sealed{max_sealed_bytes, errc::sealed_too_long};
inline constexpr field::at_most reason{max_reason_bytes, errc::reason_too_long};
inline constexpr field::at_most serves{max_serves_listed, errc::too_many_serves};
inline constexpr field::at_most vnets{max_vnets_listed, errc::too_many_vnets};
inline constexpr field::at_most tickets{max_tickets_per_request, errc::too_many_tickets};
inline constexpr field::at_most serveid{max_serveid, errc::serveid_too_big};
// link_pool.role: 1 (use) or 2 (serve); 0 is refused by the route.
inline constexpr field::at_most role{2, errc::bad_value};
}  // namespace limit

}  // namespace protocol
