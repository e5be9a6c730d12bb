#pragma once
// The session hub: the connected vnets' control sessions, from their welcome
// to their end. It registers each vnet, answers what a session asks or tells
// (control_messages.cpp: serves, queries, renames, tickets, unserves),
// pushes the serve-list changes to each group, and when a vnet leaves ends
// everything of it in one place (end_session).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "log/budget.hpp"
#include "net/asio.hpp"
#include "net/tls/tls.hpp"
#include "protocol/messages.hpp"
#include "route/links/link_broker.hpp"
#include "route/registry.hpp"
#include "route/sessions/serve_list_push.hpp"
#include "route/sessions/session.hpp"
#include "route/sessions/session_table.hpp"
#include "route/ops/stats.hpp"
#include "route/unserves.hpp"

namespace route {

class session_hub : private session::owner {
 public:
  // Everything by reference is owned by the route's server and outlives the
  // hub; `links` is told what sessions ask of links and when a vnet leaves.
  session_hub(net::asio::any_io_executor ex, const config::route_config& cfg, registry& reg,
              session_table& sessions, link_broker& links, route::stats& stats, logging::budget& peer_log);

  // An admitted hello's session: registered, welcomed and started; it runs
  // on its own callbacks until it ends (on_end). `counts` go with it.
  void start_session(net::tls::tls_stream s, protocol::control_hello hello, session_counts counts);
  // The route's timeout changed (reload): live sessions take it.
  void set_timeouts();
  // Each vnet is told why, so that it logs more than "connection closed".
  void stop();

 private:
  // What a session reports (session::owner).
  void on_message(session& s, const protocol::message& m) override { on_control(s, m); }
  void on_end(session& s, const std::string& reason) override { end_session(s.vnetid(), reason); }
  // A refused hello: the error frame, then the connection closes.
  net::awaitable<void> refuse(net::tls::tls_stream s, std::vector<std::uint8_t> frame);
  // A vnet left: everything of it ends here, once.
  void end_session(std::uint32_t vnetid, const std::string& reason);
  // Control messages of an established session (control_messages.cpp).
  void on_control(session& s, const protocol::message& m);
  void on_register(session& s, const protocol::serve_register& reg);
  void on_unserve_request(session& s, const protocol::unserve_request& req);
  void on_unserve_result(session& s, const protocol::unserve_result& res);
  void on_rename(session& s, const protocol::vnet_rename& r);
  void on_ticket_request(session& s, const protocol::ticket_request& r);
  void on_link_key(session& s, const protocol::link_key_update& u);
  // A vnet left: answer the unserve requests it owed, forget the ones it made.
  void drop_unserves(std::uint32_t vnetid);
  // The registry's entry of a session's vnet. Valid while the session is in
  // sessions_: a vnet is in both from its welcome until it leaves.
  const vnet_entry& vnet_of(const session& s) const { return *registry_.find_vnet(s.vnetid()); }
  // Gives freed heap back to the system a moment after sessions leave: glibc
  // keeps it otherwise, and after a storm of 2000 sessions the route would
  // hold ~60 MiB it no longer uses.
  void trim_soon();

  net::asio::any_io_executor ex_;
  const config::route_config& cfg_;  // read at each use: a reload applies at once
  registry& registry_;
  session_table& sessions_;
  link_broker& links_;
  route::stats& stats_;
  logging::budget& peer_log_;
  serve_list_pusher updates_;
  // Unserve requests passed on to a serving vnet, and each requester's rate.
  unserve_book unserves_;
  std::unique_ptr<net::asio::steady_timer> trim_timer_;
  bool stopping_ = false;
};

}  // namespace route
