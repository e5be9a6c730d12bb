#pragma once
// An IP address in text to its bytes (inet_pton): the config checks and
// classifies addresses without Asio.
namespace platform {

// True and the 4 bytes in `out` (4 bytes long) when `text` is a dotted IPv4 address.
bool parse_ipv4(const char* text, unsigned char* out);

// True and the 16 bytes in `out` (16 bytes long) when `text` is an IPv6 address.
bool parse_ipv6(const char* text, unsigned char* out);

}  // namespace platform
