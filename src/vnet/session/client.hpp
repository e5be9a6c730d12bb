#pragma once
// The vnet daemon's heart: the control session with the route. Connects,
// says hello, registers serves, follows the group's serve list to open and
// close uses, answers link and unserve requests, heartbeats, and after any
// loss of the route reconnects and restores everything by itself. What
// lives as long as one connection is its route_session
// (vnet/session/route_session.hpp); the client keeps what outlives connections. The
// terminal and reload act on it through the public members below.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "net/frame/frame_io.hpp"
#include "net/tls/tls.hpp"
#include "net/time.hpp"
#include "outcome/result.hpp"
#include "protocol/ticket_lifetime.hpp"
#include "vnet/session/refusal_backoff.hpp"
#include "vnet/session/route_context.hpp"
#include "vnet/session/route_session.hpp"
#include "vnet/serve/serves.hpp"
#include "vnet/serve/unserve.hpp"
#include "vnet/use/uses.hpp"

namespace vnet {

// Why a request got no answer. The terminal tells a cancel (the user's own
// Ctrl-C, not an error) and a timeout (it names who did not answer) apart
// by `kind`, never by the words.
enum class no_answer_kind { not_connected, refused, timed_out, cancelled };
struct no_answer {
  no_answer_kind kind;
  std::string text;
};

// The answer to a request, or why there is none.
using reply = outcome::result<protocol::message, no_answer>;

class client {
 public:
  // `ticket_use_window`: how long a link ticket stays usable after it
  // arrived (protocol/ticket_lifetime.hpp); only in-process tests shorten it.
  client(net::asio::any_io_executor ex, config::vnet_config cfg,
         net::duration ticket_use_window = protocol::ticket_use_window);

  // Runs until stop().
  net::awaitable<void> run();
  // Closes the session, the listeners and every live link.
  void stop();

  bool connected() const { return ctx_.session() != nullptr; }
  std::optional<std::uint32_t> vnetid() const;
  serve_table& serves() { return serves_; }
  use_table& uses() { return uses_; }
  const serve_table& serves() const { return serves_; }
  const use_table& uses() const { return uses_; }
  // The group's serves as the route pushed them; empty without a route.
  const protocol::serve_list& group_serves() const { return uses_.serve_list(); }
  // The settings in force ([route], [vnet]); the serves and uses are in
  // serves() and uses(), not here.
  const config::vnet_config& config() const { return cfg_; }
  std::size_t unserves_alive() const { return unserve_.alive(); }

  // Sends a request (ping, serve_query, vnet_query, unserve_request; its
  // request_id is set here) and waits for the answer with the same id.
  net::awaitable<reply> request(protocol::message m, net::duration timeout);

  // Applies a freshly loaded file: only what differs from the file loaded
  // last is touched. Returns the summary ("nothing changed", ...).
  std::string reload(config::vnet_config next);
  // Loads `path` (empty: the file loaded last) and applies it: the summary,
  // or why not (a bad file), and then nothing has changed.
  outcome::result<std::string> reload_file(const std::string& path);
  const std::string& config_path() const { return file_cfg_.path; }
  // The configuration as it runs now: the settings with the serves and uses
  // of the tables (unserves, temporary by nature, left out).
  config::vnet_config running_config() const;
  // Writes running_config() to `path` (empty: the file loaded last), see
  // vnet/save.hpp; afterwards that file is the one reload compares with.
  // The summary, or why not, and then nothing was written.
  outcome::result<std::string> save_file(const std::string& path);

 private:
  // The TLS handshake with the route and the check of its key
  // (route_trust.hpp; client_handshake.cpp): fine when the session may go
  // on, else why not.
  net::awaitable<outcome::status> start_tls(net::tls::tls_stream& s, const config::endpoint& route);
  // This vnet's hello and the route's welcome (client_handshake.cpp): the
  // welcome, or why there is none.
  net::awaitable<outcome::result<protocol::welcome>> greet(net::tls::tls_stream& s);
  net::awaitable<std::string> run_session(net::tls::tls_stream& s);
  // The session's branches, raced in run_session(); each returns why the
  // session ended.
  net::awaitable<std::string> read_loop(net::tls::tls_stream& s, route_session& session);
  // Pings the route, retries busy use ports and rotates the link key when
  // it is due (every crypto::link_keys::period), publishing the new one.
  net::awaitable<std::string> heartbeat(net::duration interval, route_session& session);
  net::awaitable<std::string> watchdog(net::duration silence);
  void on_message(const protocol::message& m, route_session& session);
  void send(const protocol::message& m) { ctx_.send(m); }
  void restart_session();
  void end_session();
  void wake_connect_waiters();

  net::asio::any_io_executor ex_;
  // The settings ([route], [vnet]) in force; the serve and use tables below
  // own the serves and uses (file plus terminal edits), so cfg_ has none.
  config::vnet_config cfg_;
  config::vnet_config file_cfg_;  // as last loaded from a file, for reload diffs
  // From cfg_'s group and group_key (Argon2id: derived at start and when
  // either changes, never per connection).
  crypto::group_keys group_;
  // Shared with the serve side's link coroutines (their replay sets).
  std::shared_ptr<crypto::link_keys> link_keys_;
  // Refers to cfg_, group_ and link_keys_; holds the route session while
  // connected (made at the welcome, dropped at the connection's end).
  route_context ctx_;
  serve_table serves_;
  use_table uses_;
  unserve_host unserve_;
  net::tcp::socket* socket_ = nullptr;  // the control socket while connected
  net::asio::steady_timer retry_timer_;
  std::chrono::steady_clock::time_point last_seen_;
  std::string fatal_;     // set by on_message when the session must end
  bool refused_ = false;   // this attempt was refused (the route's key, the token): an error
  bool token_refused_ = false;  // ... by the route, for its token: the next try waits longer
  refusal_backoff backoff_;     // the wait after refusals of the token, reset by a welcome
  bool welcomed_ = false;  // this connection got a welcome: it was a route
  bool stopping_ = false;
  bool reconnect_now_ = false;  // reload changed the route or group
  // Requests made while not connected wait (a little) for the session.
  std::vector<std::shared_ptr<net::asio::steady_timer>> connect_waiters_;
};

}  // namespace vnet
