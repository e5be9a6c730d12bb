#pragma once
// What serves and uses need from the control session: the vnet's settings,
// who we are on the route while connected, and a way to send control
// messages.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "crypto/link_keys.hpp"
#include "crypto/secret.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"

namespace vnet {

class ticket_stock;
class link_pool;

struct session_info {
  std::uint32_t vnetid = 0;
};

struct route_context {
  // The settings as the client holds them (client::cfg_ is their one owner;
  // reload replaces them there): route, group, dial_timeout.
  const config::vnet_config* cfg = nullptr;
  // How long a use waits for the route's answer to link_open. The route
  // answers by itself after its own link_timeout (10 s by default) with the
  // reason; this is only a guard against a route that never answers. The
  // welcome does not carry the route's link_timeout, so it cannot be derived
  // from it without a protocol change: it stays above the route's default.
  net::duration link_timeout{std::chrono::seconds(15)};
  std::optional<session_info> session;                 // set while connected
  std::function<void(const protocol::message&)> send;  // on the control session
  // The client owns these four; they outlive every link coroutine's use.
  // The group as derived from [vnet] group and group_key: the wire group,
  // the psk mixed into link keys, the mac key that signs link keys.
  const crypto::group_keys* group = nullptr;
  std::shared_ptr<crypto::link_keys> keys;  // serve side: links to our serves
  ticket_stock* tickets = nullptr;    // use side: one per link_open
  link_pool* use_pool = nullptr;      // use side: idle links to bind (protocol 5)

  const config::endpoint& route() const { return cfg->route; }
  net::duration dial_timeout() const { return net::to_duration(cfg->dial_timeout); }
};

}  // namespace vnet
