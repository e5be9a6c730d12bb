#pragma once
// The serving side of unserve: another vnet of the group asks us (through
// the route) to serve ip:port for a while. We check the policy of our config
// (unserve_policy), make sure something answers there, register a temporary
// serve with a route-assigned id and remove it once it is unused for
// unserve_unused_timeout, or idle for unserve_idle_timeout after its last
// connection. The serve table only runs the serve and tells us when the
// route registered or refused it; what makes it an unserve lives here. On
// the asking side, the use made for an unserve (by the terminal) is removed
// here once its serve leaves the group.
#include <cstdint>
#include <map>
#include <memory>

#include "config/config.hpp"
#include "vnet/session/route_context.hpp"
#include "vnet/serve/serves.hpp"
#include "vnet/use/uses.hpp"

namespace vnet {

class unserve_host {
 public:
  // Installs itself as the serve table's on_links/on_registered/on_refused.
  unserve_host(net::asio::any_io_executor ex, route_context& ctx, serve_table& serves);

  void on_request(const protocol::unserve_request& r);
  // After uses.on_serve_list(): a temporary use is for that one serve, and
  // its serveid may be handed to another: once it is no longer offered
  // (after being offered in this session), the use goes.
  static void drop_left_uses(use_table& uses);
  // Unserves alive now, counting requests still being checked.
  std::size_t alive() const;
  // True when the serve entry `id` is an unserve of ours.
  bool owns(std::uint64_t id) const { return unserves_.contains(id); }
  void cancel_all();

 private:
  struct unserve {
    std::uint32_t for_vnet = 0;
    std::uint32_t reply_to = 0;  // the route's request waiting for our serveid; 0 once answered
    std::shared_ptr<net::asio::steady_timer> expiry;  // none while a link is live
  };

  net::awaitable<void> accept(protocol::unserve_request r);
  void refuse(const protocol::unserve_request& r, const std::string& why);
  void arm(std::uint64_t id, config::seconds after, const char* why);
  void on_links(std::uint64_t id, std::size_t live);
  void on_registered(serve_entry& e);
  bool on_refused(serve_entry& e, const std::string& reason);
  unserve* find(std::uint64_t id);  // forgets entries the terminal deleted

  net::asio::any_io_executor ex_;
  route_context& ctx_;
  serve_table& serves_;
  std::size_t checking_ = 0;
  std::map<std::uint64_t, unserve> unserves_;  // by serve entry id
};

}  // namespace vnet
