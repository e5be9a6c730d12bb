#pragma once
// One connection to the route, from its welcome to its end, and what lives
// exactly as long as it: who we are on the route (the vnetid), the outbox of
// the control session, the stock of link tickets, the two pools of idle
// links, the group's serve list as the route pushed it, and the requests
// waiting for an answer. client::run_session() makes it at the welcome and
// drops it when the connection ends, which ends all of these together: the
// model is rathole's control-channel handle and frp's Control. What outlives
// a connection (the settings, the group's keys, the link keys, the serve and
// use tables) stays in the client.
//
// Serves, uses and unserves reach it through route_context::session()
// (nullptr while there is none). A coroutine that waits (a dial, a ticket,
// an answer) holds it weakly (route_context::session_handle()) and looks
// again afterwards: the session may have ended meanwhile.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "net/frame/frame_io.hpp"
#include "protocol/messages.hpp"
#include "vnet/session/link_pool.hpp"
#include "vnet/session/route_context.hpp"
#include "vnet/session/ticket_stock.hpp"

namespace vnet {

// A request waiting for the route's answer (client::request): woken by the
// answer, by the session's end, or at its deadline.
struct pending_request {
  explicit pending_request(net::asio::any_io_executor ex) : done(ex) {}
  net::asio::steady_timer done;
  std::optional<protocol::message> answer;
  std::string error;
};

class route_session : public std::enable_shared_from_this<route_session> {
 public:
  // What the pools ask the client: whether a use listens (use role) or a
  // serve is registered (serve role), and who takes an assigned link.
  struct pool_hooks {
    std::function<bool()> use_wanted;
    std::function<bool()> serve_wanted;
    link_pool::assign_fn on_assign;
  };

  // `limits` bound what waits in the outbox for the route to read.
  route_session(net::asio::any_io_executor ex, route_context& ctx, std::uint32_t vnetid,
                net::frame::outbox_limits limits, pool_hooks hooks);
  // The end: requests still waiting fail ("lost the route"), the tickets
  // are void and the connections in their line give up, idle links close.
  ~route_session();
  route_session(const route_session&) = delete;
  route_session& operator=(const route_session&) = delete;

  std::uint32_t vnetid() const { return vnetid_; }
  // Queues a control message for the route.
  void send(const protocol::message& m) { outbox_.send(m); }
  net::frame::outbox& outbox() { return outbox_; }

  // Asks for the first tickets and fills the pools: called once the serves'
  // registrations are queued, so that they go first.
  void start();
  ticket_stock& tickets() { return tickets_; }
  // Use role: a live idle link, or nullopt (link_pool::take).
  std::optional<pooled_link> take_idle_link() { return use_pool_.take(); }
  // Tickets came, a use may listen or a serve be registered: the pools follow.
  void adjust_pools();

  // The group's serves as the route pushed them: nullptr before the first
  // list (the route sends it right after the welcome, then changes).
  const protocol::serve_list* serve_list() const { return serve_list_ ? &*serve_list_ : nullptr; }
  void take_serve_list(const protocol::serve_list& list) { serve_list_ = list; }
  // False, and nothing changes, before the first list: the route broke the protocol.
  bool apply(const protocol::serve_list_update& u);

  // Requests by request_id: the id for the next one (pings too), the
  // waiting one, its answer, and the end of all of them with a reason.
  std::uint32_t next_request_id() { return next_request_++; }
  std::shared_ptr<pending_request> expect(std::uint32_t request_id);
  void forget(std::uint32_t request_id) { pending_.erase(request_id); }
  bool answer(std::uint32_t request_id, const protocol::message& m);
  void fail_requests(const std::string& why);

 private:
  net::asio::any_io_executor ex_;
  std::uint32_t vnetid_;
  net::frame::outbox outbox_;
  ticket_stock tickets_;
  link_pool use_pool_;
  link_pool serve_pool_;
  std::optional<protocol::serve_list> serve_list_;
  std::uint32_t next_request_ = 1;
  std::map<std::uint32_t, std::shared_ptr<pending_request>> pending_;
};

}  // namespace vnet
