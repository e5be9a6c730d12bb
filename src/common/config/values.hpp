#pragma once
// The value rules: what a port, a serveid, an IP address, a boolean, a count,
// a duration and a name may be. One owner for each rule, shared by the
// config loader and the vnet terminal, so a value typed there is judged
// exactly as the same value in a file.
//
// Each parse_* function returns the value, each check_* function ok, or a
// short reason (outcome::result, outcome::status), e.g. "not a port number
// (1-65535)", which value_error() turns into the full `key = "value":
// reason` tail.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outcome/result.hpp"

namespace config {

// ASCII-only lower case: keys and section kinds are ASCII; other bytes
// (UTF-8 names) are left as they are.
std::string lower_case(std::string_view s);

// Digits only: no sign, no white space, no hex. nullopt on overflow too.
std::optional<std::uint64_t> parse_digits(std::string_view s);

// `key = "value": why`, the common tail of every bad-value message.
std::string value_error(std::string_view key, std::string_view value, std::string_view why);

// A port number in min-65535 (min is 0 only where the OS may pick one).
outcome::result<std::uint16_t> parse_port(std::string_view s, unsigned min);

// A serveid in min-999; "000" is 0 (the route assigns one).
outcome::result<std::uint16_t> parse_serveid(std::string_view s, unsigned min);

// Addresses we bind or listen on must be literals: resolving a name is
// network activity, which loading never does.
bool is_ip_literal(std::string_view ip);
outcome::status check_ip_literal(std::string_view s);
// 127.0.0.0/8, ::1 and ::ffff:127.x: reachable from this machine only.
bool is_loopback(std::string_view ip);
// "IP:PORT" with an IP literal, IPv6 in brackets ("[::1]:9749"); port
// min-65535.
struct host_port {
  std::string ip;  // without the brackets
  std::uint16_t port = 0;
};
outcome::result<host_port> parse_host_port(std::string_view s, unsigned min);

// true/false, yes/no, on/off, 1/0, in any case.
outcome::result<bool> parse_boolean(std::string_view s);

// A whole number that fits `unsigned`.
outcome::result<unsigned> parse_count(std::string_view s);

// A quota ([route] max_*, [vnet] max_links_per_serve): 1..config::max_limit.
outcome::result<unsigned> parse_limit(std::string_view s);

// Seconds with optional decimals, 0.001-86400. Bounded both ways: the
// protocol carries milliseconds, and callers turn the value into clock
// durations that a huge double would overflow.
outcome::result<std::chrono::duration<double>> parse_duration(std::string_view s);

// The NAME of [serve.NAME] / [use.NAME] and of the terminal's serve/use
// commands: 1-64 bytes of UTF-8 (the protocol's limit for a name: 64 ASCII
// characters, 21 CJK), each character an ASCII letter or digit, `_`, `.`,
// `-`, or any non-ASCII character (網頁, café) that is not a control
// character or a space. No white space, quotes, `=`, brackets or `;`: a name
// must survive an ini section header and a terminal command line as one word.
inline constexpr std::size_t max_name_bytes = 64;  // = protocol::max_name_bytes (static_assert in values.cpp)
outcome::status check_name(std::string_view s);

// Free text that travels to the route and the other vnets (a vnet's name
// and group, a serve's display name, info and address): valid UTF-8 with no
// control character, at most `max_bytes` (the protocol's limit for that
// field, protocol/limits.hpp), so that a file that loads is never refused
// by the route.
outcome::status check_text(std::string_view s, std::size_t max_bytes);

}  // namespace config
