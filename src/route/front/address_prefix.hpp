#pragma once
// The network an address belongs to, as bans count it: its /24 for IPv4 (an
// IPv4-mapped IPv6 address counts as IPv4), its /64 for IPv6, which is what
// one client, one office or one home usually holds. "?" stays "?".
#include <string>

#include "net/asio.hpp"

namespace route {

inline std::string address_prefix(const std::string& address) {
  net::error_code ec;
  auto a = net::asio::ip::make_address(address, ec);
  if (ec) return address;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = net::asio::ip::make_address_v4(net::asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    b[3] = 0;
    return net::asio::ip::address_v4(b).to_string() + "/24";
  }
  auto b = a.to_v6().to_bytes();
  for (std::size_t i = 8; i < b.size(); ++i) b[i] = 0;
  return net::asio::ip::address_v6(b).to_string() + "/64";
}

}  // namespace route
