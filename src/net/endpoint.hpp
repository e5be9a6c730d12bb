#pragma once
// Addresses as logs and messages show them: "ip:port", IPv6 in brackets
// ("[::1]:7749").
#include <cstdint>
#include <string>

#include "net/asio.hpp"

namespace net {

inline std::string host_port(const std::string& host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

inline std::string to_string(const tcp::endpoint& ep) {
  return host_port(ep.address().to_string(), ep.port());
}

}  // namespace net
