#pragma once
// The route daemon: a thin owner that wires its parts together. The front
// door (front/front_door.hpp) accepts connections and tells control sessions
// from links; the session hub (sessions/session_hub.hpp) runs the vnets'
// sessions; the link broker (links/link_broker.hpp) pairs and relays links. They share the registry,
// the session table, the counters and the log budget, which live here, and
// ops (ops/ctl.hpp, ops/status.hpp, reload in server.cpp) read from them.
#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "log/budget.hpp"
#include "net/asio.hpp"
#include "net/ctl/ctl_server.hpp"
#include "net/socket_set.hpp"
#include "outcome/result.hpp"
#include "protocol/limits.hpp"
#include "route/front/front_door.hpp"
#include "route/links/link_broker.hpp"
#include "route/peer_log.hpp"
#include "route/registry.hpp"
#include "route/sessions/session_hub.hpp"
#include "route/sessions/session_table.hpp"
#include "route/ops/history.hpp"
#include "route/ops/state_view.hpp"
#include "route/ops/stats.hpp"
#include "route/front/tls_identity.hpp"

namespace route {

class server {
 public:
  // max_group_vnets: the most vnets one group may hold (tests choose a small
  // one; the protocol's bound otherwise); ticket_lifetime: how long an unspent
  // link ticket stays good (tests choose a short one; the protocol's
  // otherwise). Loads (or generates) the TLS key: throws std::runtime_error
  // when it cannot (route/front/tls_identity.hpp).
  server(net::asio::any_io_executor ex, config::route_config cfg,
         std::size_t max_group_vnets = protocol::max_vnets_listed,
         ticket_book::clock::duration ticket_lifetime = protocol::ticket_lifetime);

  // Binds and listens; after success local_endpoint() is valid.
  net::error_code open() { return front_.open(); }
  net::tcp::endpoint local_endpoint() const { return front_.local_endpoint(); }
  // Accepts until stop().
  net::awaitable<void> run();
  // Closes the listener and every connection; run() and all connection
  // coroutines then finish on their own.
  void stop();

  // Applies a re-read configuration (SIGHUP): timeouts and heartbeat at once,
  // a new listening address at the next start. Returns what changed.
  std::string reload(config::route_config next);
  // Loads `path` and reload()s it, logging the outcome (`by`: "SIGHUP",
  // "ctl"); a bad file is logged and changes nothing. What changed, or why not.
  outcome::result<std::string> reload_file(const std::string& path, const char* by = "SIGHUP");

  // `vnet-route ctl COMMAND` (route/ops/ctl.cpp): help, show WHAT, and
  // reload (of `config_path`).
  net::ctl::ctl_answer ctl(const std::string& line, const std::string& config_path);
  // /metrics (Prometheus text) and /status.json, from the state now (status.cpp).
  std::string metrics_text() const;
  std::string status_json() const;

  // For tests and the log: current state.
  const registry& state() const { return registry_; }
  std::size_t active_links() const { return links_.links().active_count(); }
  const ticket_book& tickets() const { return links_.tickets(); }
  // SHA256:... of the TLS key vnets pin or remember.
  const std::string& fingerprint() const { return tls_.fingerprint; }
  // Admissions refused (wrong or missing token) since start.
  std::uint64_t admission_failures() const { return stats_.auth_failures; }

 private:
  state_view view() const {
    return {registry_, sessions_, links_.links(), links_.idle(), stats_, front_.admission(), history_};
  }
  // Every history step until stop(): the totals now into the rate history.
  net::awaitable<void> sample_rates();

  config::route_config cfg_;  // the parts hold a reference: reload() assigns in place
  tls_identity tls_;
  registry registry_;
  session_table sessions_;
  route::stats stats_;
  // Lines a peer can make the route write at will (route/peer_log.hpp).
  logging::budget peer_log_{peer_log_lines, peer_log_window};
  // Sockets in a handshake or waiting to be paired. Each socket has one
  // owner that stop() reaches: connections_ until it is paired, then the
  // link table (which must also close a link when either vnet leaves, so it
  // holds the paired sockets and connections_ lets go); a session owns its own.
  net::socket_set connections_;
  link_broker links_;
  session_hub hub_;
  front_door front_;
  history history_;
  net::asio::steady_timer sample_timer_;
  bool stopping_ = false;
};

}  // namespace route
