#pragma once
// The route daemon: accepts connections, tells them apart by their first
// byte (a TLS handshake: control session) or opening frame (use-side link,
// serve-side link) and dispatches.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/config.hpp"
#include "log/budget.hpp"
#include "net/asio.hpp"
#include "net/ctl_server.hpp"
#include "net/socket_set.hpp"
#include "net/tls.hpp"
#include "protocol/messages.hpp"
#include "route/admission.hpp"
#include "route/idle_links.hpp"
#include "route/links.hpp"
#include "route/registry.hpp"
#include "route/reload.hpp"
#include "route/session.hpp"
#include "route/tickets.hpp"
#include "route/tls_identity.hpp"
#include "route/stats.hpp"
#include "route/unidentified.hpp"
#include "route/unserves.hpp"

namespace route {

class server {
 public:
  // max_group_vnets: the most vnets one group may hold (tests choose a small
  // one; the protocol's bound otherwise). Loads (or generates) the TLS key:
  // throws std::runtime_error when it cannot (route/tls_identity.hpp).
  server(net::asio::any_io_executor ex, config::route_config cfg,
         std::size_t max_group_vnets = protocol::max_vnets_listed);

  // Binds and listens; after success local_endpoint() is valid.
  net::error_code open();
  net::tcp::endpoint local_endpoint() const;
  // Accepts until stop().
  net::awaitable<void> run();
  // Closes the listener and every connection; run() and all connection
  // coroutines then finish on their own.
  void stop();

  // Applies a re-read configuration (SIGHUP): timeouts and heartbeat at once,
  // a new listening address at the next start. Returns what changed.
  std::string reload(config::route_config next);
  // Loads `path` and reload()s it, logging the outcome; a bad file is logged
  // and changes nothing.
  void reload_file(const std::string& path);

  // `vnet-route ctl COMMAND` (route/ctl.cpp): help, show vnets|groups|links.
  net::ctl_answer ctl(const std::string& line) const;

  // For tests and the log: current state.
  const registry& state() const { return registry_; }
  std::size_t active_links() const { return links_.active_count(); }
  const idle_links& idle() const { return idle_; }
  // SHA256:... of the TLS key vnets pin or remember.
  const std::string& fingerprint() const { return tls_.fingerprint; }
  // Admissions refused (wrong or missing token) since start.
  std::uint64_t admission_failures() const { return stats_.auth_failures; }
  // Counters for /metrics and the status page; the admission code counts
  // its failures in stats().auth_failures.
  const route::stats& stats() const { return stats_; }
  route::stats& stats() { return stats_; }
  // /metrics (Prometheus text) and /status.json, from the state now (status.cpp).
  std::string metrics_text() const;
  std::string status_json() const;

 private:
  net::awaitable<void> handle(net::tcp::socket s);
  // After the first byte: a link's plaintext opening frame (or a refused
  // plaintext hello), or a control session's TLS handshake and hello
  // (admission.cpp). `deadline`: the end of the handshake_timeout.
  net::awaitable<void> handle_plain(net::tcp::socket s, std::string from,
                                    std::chrono::steady_clock::time_point deadline);
  net::awaitable<void> handle_tls(net::tcp::socket s, std::string from, std::string address,
                                  std::chrono::steady_clock::time_point deadline);
  // Why `hello` is not admitted (token), or "" when it is.
  std::string admission_refusal(const protocol::control_hello& hello, net::tls_stream& s) const;
  // Before a new connection joins unidentified_: closes the oldest ones
  // beyond [route] max_unidentified, logging once per streak.
  void make_room();
  // A connection's opening frame could not be read (`rec`): logs why within
  // the handshake budget, and returns the error frame to answer with when
  // the peer speaks our protocol (a port scanner just sees the close).
  // `stage`: "during handshake", "after the TLS handshake".
  std::vector<std::uint8_t> opening_failed(const net::error_code& rec, const std::string& from,
                                           const char* stage);
  // The accept loop ran out of descriptors: sheds the oldest unidentified
  // connection; false when there is none.
  bool shed_for_descriptors();
  net::awaitable<void> run_session(net::tls_stream s, protocol::control_hello hello);
  // Links (link_setup.cpp). A use side opens by link_open, or binds an idle
  // pooled link; both go on in carry_link().
  // A link's ticket, spent: its vnet and secret, or why it is refused.
  struct spent_ticket {
    std::uint32_t vnetid = 0;
    protocol::key32 secret{};
    std::string why;  // empty when the ticket, its proof and its vnet's session are good
  };
  spent_ticket spend_ticket(std::uint64_t id, const protocol::proof16& proof,
                            const std::function<protocol::proof16(const protocol::key32&)>& expected);
  // A link's own coroutines, spawned by handle_plain (whose frame, with the
  // opening frame read, ends at once): only what the link needs lives as
  // long as it does.
  net::awaitable<void> run_use_link(net::tcp::socket s, protocol::link_open open);
  net::awaitable<void> run_pooled_link(net::tcp::socket s, protocol::link_pool pool);
  void join_link(net::tcp::socket& s, const protocol::link_join& join, const std::string& from);
  // A bad ticket or opening: counted under `reason`, logged, answered with an error frame.
  net::awaitable<void> refuse_link(net::tcp::socket& s, const char* reason, const std::string& why);
  // Who a link joins, and how its serving side was found ("pool" or "dial").
  struct link_ends {
    std::uint32_t use_vnet = 0, serve_vnet = 0;
    std::uint16_t serveid = 0;
    std::uint64_t link_id = 0;
    const char* path = "pool";
  };
  // Finds the serving side of a use side that asked for `serveid` (its
  // ticket's `secret` keys the link), relays, and passes the serving vnet's
  // link_result on before the serving side's bytes.
  net::awaitable<void> carry_link(net::tcp::socket& s, std::uint32_t use_vnet, std::uint16_t serveid,
                                  protocol::key32 secret, std::chrono::steady_clock::time_point opened);
  // An idle serve-role link of the serving vnet, assigned (link_assign
  // written), or nullopt when it has none.
  net::awaitable<std::optional<net::tcp::socket>> assign_idle(link_ends& ends, const protocol::key32& secret);
  // Starts the relay of a paired link: a paired_link (link_setup.cpp), which
  // lives as long as the link, held by its relay. Ends once the serving
  // vnet's link_result is passed on.
  class paired_link;
  net::awaitable<void> relay_link(net::tcp::socket use, net::tcp::socket serve, link_ends ends,
                                  std::chrono::steady_clock::time_point opened);
  // The fallback: link_request over the serving vnet's session, then its
  // link_join. nullopt after answering the use side why not.
  net::awaitable<std::optional<net::tcp::socket>> dial_serving(net::tcp::socket& s, link_ends& ends,
                                                               const protocol::key32& secret);
  // The relay's prelude: reads the serving vnet's one link_result (or its
  // close, or the deadline) and writes the outcome to the use side. `ok`
  // tells the caller whether the link opened.
  net::awaitable<bool> pass_result(net::tcp::socket& use, net::tcp::socket& serve, const link_ends& ends,
                                   std::chrono::steady_clock::time_point opened, bool& ok);
  void log_failed(const link_ends& ends, const std::string& why);
  // Control messages of an established session (control.cpp).
  void on_control(session& s, const protocol::message& m);
  void on_register(session& s, const protocol::serve_register& reg);
  void on_unserve_request(session& s, const protocol::unserve_request& req);
  void on_unserve_result(session& s, const protocol::unserve_result& res);
  void on_rename(session& s, const protocol::vnet_rename& r);
  void on_ticket_request(session& s, const protocol::ticket_request& r);
  void on_link_key(session& s, const protocol::link_key_update& u);
  // A vnet left: answer the unserve requests it owed, forget the ones it made.
  void drop_unserves(std::uint32_t vnetid);
  // A change of a group's serve list, for each vnet of the group (each got
  // the whole list once, after its welcome). Sent at once, or, when the
  // group's last push is more recent than push_interval(members), merged with
  // the group's other changes until then: a storm of joins costs each member
  // a few small updates per second instead of one per join.
  void push_update(const std::string& group, const protocol::serve_list_update& u);
  void flush_updates(const std::string& group);
  // The registry's entry of a session's vnet. Valid while the session is in
  // sessions_: a vnet is in both from its welcome until it leaves.
  const vnet_entry& vnet_of(const session& s) const { return *registry_.find_vnet(s.vnetid()); }

  net::asio::any_io_executor ex_;
  config::route_config cfg_;
  tls_identity tls_;
  // Failed admissions per source address, and the bans they earn.
  admission_book admission_;
  net::tcp::acceptor acceptor_;
  registry registry_;
  std::map<std::uint32_t, std::shared_ptr<session>> sessions_;
  link_table links_;
  // Idle pooled links (link_pool) by vnet and role.
  idle_links idle_;
  // One-time link tickets of every session (link_open spends one).
  ticket_book tickets_;
  // Unserve requests passed on to a serving vnet, and each requester's rate.
  unserve_book unserves_;
  // Serve-list changes not yet pushed, by group (push_update). An entry
  // lives while its group has vnets or changes to push.
  struct group_updates {
    protocol::serve_list_update pending;
    std::chrono::steady_clock::time_point last_push{};
    std::unique_ptr<net::asio::steady_timer> timer;  // set while a push is due
  };
  std::map<std::string, group_updates> updates_;
  // Sockets in a handshake or waiting to be paired. Each socket has one
  // owner that stop() reaches: connections_ until it is paired, then links_
  // (which must also close a link when either vnet leaves, so it holds the
  // paired sockets and connections_ lets go); a session owns its own.
  net::socket_set connections_;
  // The part of connections_ still before its opening frame, oldest first.
  unidentified unidentified_;
  std::size_t shed_streak_ = 0;  // closed by make_room() since the limit was last clear
  // Control sessions per source IP address ([route] max_sessions_per_address).
  std::map<std::string, unsigned> sessions_per_address_;
  bool stopping_ = false;
  route::stats stats_;
  // Lines a peer can make the route write at will go through this budget:
  // per vnet (subject()) for its requests, one shared subject for
  // handshakes of connections that are no session yet.
  logging::budget peer_log_{20, std::chrono::seconds(10)};
  static constexpr const char* handshakes = "connections in their handshake";
  static std::string subject(std::uint32_t vnetid) { return fmt::format("vnet {:02}", vnetid); }
  // Gives freed heap back to the system a moment after sessions leave
  // (trim_soon): glibc keeps it otherwise, and after a storm of 2000
  // sessions the route would hold ~60 MiB it no longer uses.
  void trim_soon();
  std::unique_ptr<net::asio::steady_timer> trim_timer_;
};

}  // namespace route
