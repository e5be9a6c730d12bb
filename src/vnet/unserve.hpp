#pragma once
// The serving side of unserve: another vnet of the group asks us (through
// the route) to serve ip:port for a while. We check the policy of our config
// (unserve_policy), make sure something answers there, register a temporary
// serve with a route-assigned id and remove it once it is unused for
// unserve_unused_timeout, or idle for unserve_idle_timeout after its last
// connection.
#include <cstdint>
#include <map>
#include <memory>

#include "config/config.hpp"
#include "vnet/route_context.hpp"
#include "vnet/serves.hpp"

namespace vnet {

class unserve_host {
 public:
  unserve_host(net::asio::any_io_executor ex, route_context& ctx, serve_table& serves,
               const config::vnet_config& cfg);

  void on_request(const protocol::unserve_request& r);
  // serve_table::on_links: a temporary serve's live link count changed.
  void on_links(std::uint64_t id, std::size_t live);
  // Unserves alive now, counting requests still being checked.
  std::size_t alive() const;
  void cancel_all();

 private:
  net::awaitable<void> accept(protocol::unserve_request r);
  void refuse(const protocol::unserve_request& r, const std::string& why);
  void arm(std::uint64_t id, config::seconds after, const char* why);

  net::asio::any_io_executor ex_;
  route_context& ctx_;
  serve_table& serves_;
  const config::vnet_config& cfg_;
  std::size_t checking_ = 0;
  std::map<std::uint64_t, std::shared_ptr<net::asio::steady_timer>> expiry_;
};

}  // namespace vnet
