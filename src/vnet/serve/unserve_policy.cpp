#include "vnet/serve/unserve_policy.hpp"

#include <cstring>

#include "config/values.hpp"
#include "platform/ip_text.hpp"

namespace vnet {

bool is_loopback(const std::string& ip) {
  if (config::lower_case(ip) == "localhost") return true;
  unsigned char a[16];
  if (platform::parse_ipv4(ip.c_str(), a)) return a[0] == 127;
  if (!platform::parse_ipv6(ip.c_str(), a)) return false;
  static const unsigned char loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  // An IPv4-mapped address (::ffff:a.b.c.d) reaches the IPv4 address.
  static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, loopback6, 16) == 0) return true;
  return std::memcmp(a, mapped_prefix, 12) == 0 && a[12] == 127;
}

outcome::status unserve_allowed(const config::vnet_config& cfg, std::size_t alive, const std::string& ip) {
  if (!cfg.allow_unserve) return outcome::fail("allow_unserve=false on that vnet");
  if (!cfg.unserve_remote && !is_loopback(ip))
    return outcome::fail(ip + " is not a loopback address and unserve_remote=false");
  if (alive >= cfg.unserve_num)
    return outcome::fail("unserve_num=" + std::to_string(cfg.unserve_num) + " reached (" + std::to_string(alive) +
                         " alive)");
  return {};
}

}  // namespace vnet
