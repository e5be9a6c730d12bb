#include "platform/ip_text.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>

namespace platform {

bool parse_ipv4(const char* text, unsigned char* out) { return ::inet_pton(AF_INET, text, out) == 1; }

bool parse_ipv6(const char* text, unsigned char* out) { return ::inet_pton(AF_INET6, text, out) == 1; }

}  // namespace platform
