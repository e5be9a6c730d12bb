#pragma once
// Whether this vnet grants a peer's unserve request: serving, for the time
// being, a service its file does not list.
#include <cstddef>
#include <string>

#include "config/config.hpp"
#include "outcome/result.hpp"

namespace vnet {

// 127.0.0.0/8, ::1, ::ffff:127.x.x.x and "localhost" (any case). False for
// anything else, including what does not parse as an address.
bool is_loopback(const std::string& ip);

// Fine when the request for `ip` is granted while `alive` unserves already
// run; else the refusal reason sent back to the asker, one of
//   "allow_unserve=false on that vnet"
//   "<ip> is not a loopback address and unserve_remote=false"
//   "unserve_num=N reached (K alive)"
// checked in that order.
outcome::status unserve_allowed(const config::vnet_config& cfg, std::size_t alive, const std::string& ip);

}  // namespace vnet
