#pragma once
// What serves, uses and unserves need from the client: what outlives a
// connection to the route (the settings, the group's keys, this vnet's link
// keys: the client owns them and keeps them current on reload) and the
// route session while there is one (vnet/session/route_session.hpp), which owns all
// that lives as long as a connection.
#include <cstdint>
#include <memory>

#include "config/config.hpp"
#include "crypto/link_keys.hpp"
#include "crypto/secret.hpp"
#include "log/budget.hpp"
#include "net/time.hpp"
#include "protocol/messages.hpp"
#include "protocol/ticket_lifetime.hpp"

namespace vnet {

class route_session;

class route_context {
 public:
  route_context(const config::vnet_config& settings, const crypto::group_keys& group_keys,
                std::shared_ptr<crypto::link_keys> link_keys,
                net::duration use_window = protocol::ticket_use_window)
      : cfg(settings), group(group_keys), keys(std::move(link_keys)), ticket_use_window(use_window) {}
  route_context(const route_context&) = delete;
  route_context& operator=(const route_context&) = delete;

  // The settings as the client holds them (client::cfg_ is their one owner;
  // reload replaces them there): route, group, dial_timeout, ...
  const config::vnet_config& cfg;
  // The group as derived from [vnet] group and group_key: the wire group,
  // the psk mixed into link keys, the mac key that signs link keys.
  const crypto::group_keys& group;
  // This vnet's link keys (serve side: links to our serves; replay sets).
  const std::shared_ptr<crypto::link_keys> keys;
  // How long a use waits for the route's answer to link_open. The route
  // answers by itself after its own link_timeout (10 s by default) with the
  // reason; this is only a guard against a route that never answers. The
  // welcome does not carry the route's link_timeout, so it cannot be derived
  // from it without a protocol change: it stays above the route's default.
  const net::duration link_timeout{std::chrono::seconds(15)};
  // How long a link ticket stays usable after it arrived (each session's
  // ticket_stock); protocol::ticket_use_window but in in-process tests.
  const net::duration ticket_use_window;

  // The session with the route; nullptr while not connected.
  route_session* session() const { return session_.get(); }
  // The same, for a coroutine that waits: it looks again after each wait.
  std::weak_ptr<route_session> session_handle() const { return session_; }
  // Queues a control message on the session; without one there is nobody
  // to tell (the route forgot this vnet's serves and links with it).
  void send(const protocol::message& m) const;

  // Lines that others can make this vnet write at will (a route's unserve
  // requests, a burst of refused or failed links): at most 20 of each kind
  // per 10 s (log/budget.hpp); the rest are counted, and the next line of
  // that kind says how many were left out. A route once made a vnet write
  // 158 492 lines in 3.5 s.
  bool may_log(const char* kind) const { return lines_.allow("vnet", kind); }

  const config::endpoint& route() const { return cfg.route; }
  net::duration dial_timeout() const { return net::to_duration(cfg.dial_timeout); }

 private:
  friend class client;  // begins and ends sessions
  std::shared_ptr<route_session> session_;
  mutable logging::budget lines_{20, std::chrono::seconds(10)};
};

}  // namespace vnet
