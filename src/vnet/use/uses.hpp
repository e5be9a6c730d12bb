#pragma once
// The uses of this vnet: a local listener per use while its serveid is
// offered in the group; each accepted connection gets its own link to the
// route, which pairs it with the serving vnet.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/socket_set.hpp"
#include "vnet/session/route_context.hpp"
#include "vnet/use/opening_window.hpp"
#include "vnet/use/udp_use.hpp"

namespace vnet {

// How long a use must stand by for the same reason before it is logged.
inline constexpr std::chrono::seconds standby_log_delay{2};

enum class use_state { inactive, no_serveid, standby, listening, port_busy };
const char* to_string(use_state s);

struct use_entry {
  std::uint64_t id = 0;           // stable handle while the entry exists
  config::use_config cfg;
  bool temporary = false;         // made by unserve: unserve_host removes it when its serve leaves
  use_state state = use_state::standby;
  std::uint16_t listen_port = 0;  // actual port while listening or busy
  // Why the use is not listening: the port's error while port_busy, the
  // missing serve while standing by ("serveid 700 is not offered in group
  // 'x' (serves on offer: 701, from 1 other vnet)", standby_reason.hpp);
  // empty while listening.
  std::string reason;
  // The standby reason's first part as last logged, and since when the use
  // stands by for the current one (the log waits standby_log_delay).
  std::string standby_what;    // "serveid 700 is not offered in group 'x'"
  std::string standby_logged;  // standby_what as last logged
  std::chrono::steady_clock::time_point standby_since;
  // The vnet that served the serveid when last seen offered in this session
  // with the route (0: not seen since connecting).
  std::uint32_t served_by = 0;
  std::string served_by_name;
  std::shared_ptr<net::tcp::acceptor> acceptor;
  // While listening: "tcp" (the acceptor) or "udp" (the socket and its flows).
  std::string type;
  std::shared_ptr<udp_use> udp;
  std::shared_ptr<net::socket_set> links = std::make_shared<net::socket_set>();
};

class use_table {
 public:
  use_table(net::asio::any_io_executor ex, route_context& ctx);

  void load(const std::vector<config::use_config>& uses);
  // Live edits; they take effect against the last serve list at once.
  use_entry& add(const config::use_config& cfg, bool temporary = false);
  void set_active(use_entry& e, bool active);  // closing closes listener and links
  void remove(std::uint64_t id);
  // The session's serve list came or changed (route_session::serve_list()):
  // opens listeners for offered serveids, closes the others. Also tries
  // again what could not listen (a busy port).
  void follow_list();
  // The group's serves as the session has them; empty without a route.
  const protocol::serve_list& serve_list() const;
  // Without a route no link can be opened: stop listening.
  void on_disconnected();
  void close_all();

  const std::vector<use_entry>& entries() const { return entries_; }
  use_entry* find_key(const std::string& key);

 private:
  void follow(use_entry& e, const protocol::serve_list& list);
  void stand_by(use_entry& e, const protocol::serve_list& list);
  // Stands by for `what` (the reason's first part, logged once it held for
  // standby_log_delay) and `reason` (shown).
  void stand_by_for(use_entry& e, std::string what, std::string reason);
  void arm_standby_log(std::chrono::steady_clock::time_point when);
  void log_standby_reasons();
  void note_owner(use_entry& e, const protocol::listed_serve& s);
  // The session's serve list; nullptr before the first or without a route.
  const protocol::serve_list* current_list() const;
  // The serveid's entry in the group's list now; nullptr when not offered.
  const protocol::listed_serve* find_listed(std::uint16_t serveid) const;
  void start(use_entry& e, std::uint16_t port, const std::string& type);
  void start_udp(use_entry& e, std::uint16_t port);
  void stop(use_entry& e, use_state next, const std::string& why);
  // One accepted connection: its link to the route (an idle one, or
  // opened now), the 0-RTT hello and the relay (net::secure::open_use).
  net::awaitable<void> open_link(net::tcp::socket client, std::string name, std::uint16_t serveid,
                             std::shared_ptr<net::socket_set> links);

  net::asio::any_io_executor ex_;
  route_context& ctx_;
  std::vector<use_entry> entries_;
  std::uint64_t next_id_ = 1;
  // At start the group's list often arrives a moment before the serving
  // vnet's registration: a standby reason is logged only once it has held
  // for standby_log_delay, so a normal start logs no false alarm.
  net::asio::steady_timer standby_log_timer_;
  bool standby_log_armed_ = false;
  // Links of every use opening at once; the clients beyond wait for a slot.
  opening_window opening_{ex_};
};

}  // namespace vnet
