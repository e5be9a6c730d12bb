#pragma once
// What serves and uses need from the control session: where the route is,
// who we are on it while connected, and a way to send control messages.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"

namespace vnet {

struct session_info {
  std::uint32_t vnetid = 0;
  std::uint64_t token = 0;
};

struct route_context {
  config::endpoint route;
  net::duration dial_timeout{std::chrono::seconds(5)};
  net::duration link_timeout{std::chrono::seconds(15)};  // waiting for the route's answer
  std::optional<session_info> session;                    // set while connected
  std::function<void(const protocol::message&)> send;     // on the control session
};

}  // namespace vnet
