#pragma once
// Idle links to the route, opened ahead of need (protocol 5, link_pool), so
// that a new connection waits for no round trip beyond the physical floor.
// One class for both roles: the use role's links are taken by connections
// accepted on a use (link_bind), the serve role's are handed work by the
// route (link_assign).
//
// Each idle link is opened with its own ticket and then watched by a
// readiness wait without a buffer: the route never writes on an idle
// use-role link, so readable means dead (or an error frame: the route's
// quota); on a serve-role link it means an assignment, EOF or an error.
// A dead link is dropped and replaced. The size follows the connection rate:
// 2 idle links, plus what was taken in the last second, at most [vnet]
// max_idle_links (0: no pool; read at each refill, so a reload applies to
// the next one). Two per route session (route_session owns them): filled
// once it has begun, closed with it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "crypto/secret.hpp"
#include "net/asio.hpp"
#include "net/socket_set.hpp"
#include "protocol/messages.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

class route_session;

struct pooled_link {
  net::tcp::socket socket;
  crypto::key32 secret{};  // the secret of the ticket it opened with
};

class link_pool {
 public:
  // Serve role: the route wrote `a` on one of our idle links.
  using assign_fn = std::function<void(pooled_link, protocol::link_assign a)>;

  // `wanted`: whether the role is in use now (a use listens, a serve is
  // registered); asked at each adjust(). `session` owns the pool: its
  // tickets open the links, and its end ends them.
  link_pool(net::asio::any_io_executor ex, const route_context& ctx, route_session& session,
            protocol::pool_role role, std::function<bool()> wanted, assign_fn on_assign = {});
  // The session ended: its idle links close, the ones being opened too.
  ~link_pool();
  link_pool(const link_pool&) = delete;
  link_pool& operator=(const link_pool&) = delete;

  // Opens or closes links to reach the target now (called on events and by
  // the pool's own tick, every second while the session lives).
  void adjust();
  // Use role: a live idle link, or nullopt (the caller opens one as before);
  // its replacement is on its way.
  std::optional<pooled_link> take();

  std::size_t target() const;

 private:
  using clock = std::chrono::steady_clock;
  struct entry {
    entry(net::tcp::socket s, const crypto::key32& k, std::uint64_t id)
        : socket(std::move(s)), secret(k), id(id), opened(clock::now()) {}
    net::tcp::socket socket;
    crypto::key32 secret;
    std::uint64_t id;
    clock::time_point opened;
  };

  // Opens a link to the route (link_pool) and keeps it idle. Holds a
  // shared_ptr to `opening` and the session weakly: the frame may outlive
  // the pool (the session's end, or exit), and then touches it no more.
  net::awaitable<void> open_one(std::weak_ptr<route_session> session, std::shared_ptr<net::socket_set> opening);
  void watch(entry& e);
  // The route wrote on (or closed) an idle link: what was it?
  net::awaitable<void> on_readable(pooled_link link, clock::time_point opened, std::weak_ptr<route_session> session);
  void close_idle(std::size_t keep);
  void hold_off(bool refused, const std::string& why);
  void arm_tick();
  // After a take or an assignment: adjust() once the setup in flight is
  // through (refill_delay), not during it; at once when no idle link is left.
  void adjust_soon();

  net::asio::any_io_executor ex_;
  const route_context& ctx_;
  route_session& session_;
  protocol::pool_role role_;
  std::function<bool()> wanted_;
  const char* name_;  // "use" or "serve", for logs
  assign_fn on_assign_;
  std::list<entry> idle_;  // oldest first
  std::size_t opening_ = 0;  // links of this session being opened
  // Their sockets, closed when the session ends (a dial must not outlive it).
  std::shared_ptr<net::socket_set> opening_sockets_ = std::make_shared<net::socket_set>();
  std::uint64_t next_id_ = 1;
  std::deque<clock::time_point> taken_;  // links asked for in the last second
  // After the route refused a pooled link (its quota) or could not be
  // reached: no refill before hold_until_, backoff doubling up to 30 s; a
  // refusal is logged once per streak, which ends when the pool is full.
  clock::time_point hold_until_{};
  std::chrono::milliseconds backoff_{0};
  bool refused_streak_ = false;
  net::asio::steady_timer tick_;
  bool tick_armed_ = false;
  net::asio::steady_timer soon_;
  bool soon_armed_ = false;
};

}  // namespace vnet
