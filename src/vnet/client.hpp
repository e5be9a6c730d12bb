#pragma once
// The vnet daemon's heart: the control session with the route. Connects,
// says hello, registers serves, follows the group's serve list to open and
// close uses, answers link requests, heartbeats, and after any loss of the
// route reconnects and restores everything by itself.
#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "net/frame_io.hpp"
#include "vnet/route_context.hpp"
#include "vnet/serves.hpp"
#include "vnet/uses.hpp"

namespace vnet {

class client {
 public:
  client(net::asio::any_io_executor ex, config::vnet_config cfg);

  // Runs until stop().
  net::awaitable<void> run();
  // Closes the session, the listeners and every live link.
  void stop();

  bool connected() const { return ctx_.session.has_value(); }
  std::optional<std::uint32_t> vnetid() const;
  const serve_table& serves() const { return serves_; }
  const use_table& uses() const { return uses_; }
  const protocol::serve_list& group_serves() const { return group_serves_; }
  const config::vnet_config& config() const { return cfg_; }

 private:
  net::awaitable<std::string> run_session(net::tcp::socket& s);
  net::awaitable<std::string> read_loop(net::tcp::socket& s);
  net::awaitable<std::string> heartbeat(net::duration interval);
  net::awaitable<std::string> watchdog(net::duration silence);
  void on_message(const protocol::message& m);
  void send(const protocol::message& m);

  net::asio::any_io_executor ex_;
  config::vnet_config cfg_;
  route_context ctx_;
  serve_table serves_;
  use_table uses_;
  protocol::serve_list group_serves_;
  std::optional<net::outbox> outbox_;
  net::tcp::socket* socket_ = nullptr;  // the control socket while connected
  net::asio::steady_timer retry_timer_;
  std::chrono::steady_clock::time_point last_seen_;
  std::string fatal_;  // set by on_message when the session must end
  bool stopping_ = false;
};

}  // namespace vnet
