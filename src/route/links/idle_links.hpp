#pragma once
// Idle pooled links (protocol 5, link_pool), by vnet and role. Each link's
// socket lives in the frame of the coroutine that accepted it, which waits
// for readability without a buffer; this table lists it so that a use link
// can take an idle serve-role link of the serving vnet, the quota
// ([route] max_idle_links_per_vnet) can count it, and the end of its vnet's
// session (or of the route) can close it. Only the route retires serve-role
// links and only the vnet retires use-role links, so a retire never races a
// bind or an assignment.
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <optional>

#include "net/asio.hpp"
#include "protocol/messages.hpp"

namespace route {

class idle_links {
 public:
  // One idle link, owned by its coroutine's frame; listed from the scope's
  // construction until it is taken, closed, or the scope ends.
  struct entry {
    std::uint32_t vnetid = 0;
    protocol::pool_role role{};
    protocol::key32 secret{};  // the pooled ticket's: keys the link_assign
    net::tcp::socket* socket = nullptr;
    bool taken = false;  // a use link took the socket: its coroutine must not touch it
    bool listed = false;
  };

  class scope {
   public:
    scope(idle_links& table, std::uint32_t vnetid, protocol::pool_role role,
          const protocol::key32& secret, net::tcp::socket& s);
    ~scope() { table_.remove(entry_); }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    // No longer idle (a use-role link read its bind): the quota frees it.
    void release() { table_.remove(entry_); }
    bool taken() const { return entry_.taken; }

   private:
    idle_links& table_;
    entry entry_;
  };

  // Idle links of `vnetid`, both roles (the quota counts them together).
  std::size_t count(std::uint32_t vnetid) const;
  std::size_t count(std::uint32_t vnetid, protocol::pool_role role) const;
  // Totals by role, for /metrics.
  std::size_t total(protocol::pool_role role) const;

  // The oldest serve-role link of `vnetid` that is still open: each candidate
  // is checked with a non-blocking MSG_PEEK (end of stream, an error or bytes
  // the vnet should not have sent: dead, closed and skipped). The socket is
  // moved out, its wait cancelled; `dropped` counts the dead ones skipped.
  struct taken_link {
    net::tcp::socket socket;
    protocol::key32 secret;
  };
  struct serve_pick {
    std::optional<taken_link> taken;  // nullopt: none left open
    std::size_t dropped = 0;
  };
  serve_pick take_serve(std::uint32_t vnetid);

  // A vnet's session ended / the route stops: close its idle links (their
  // coroutines wake with an error and end).
  void drop_vnet(std::uint32_t vnetid);
  void close_all();

 private:
  struct per_vnet {
    std::list<entry*> use, serve;  // oldest first
    std::list<entry*>& of(protocol::pool_role r) { return r == protocol::pool_role::serve ? serve : use; }
  };
  void add(entry& l);
  void remove(entry& l);

  std::map<std::uint32_t, per_vnet> by_vnet_;
  std::size_t use_total_ = 0, serve_total_ = 0;
};

}  // namespace route
