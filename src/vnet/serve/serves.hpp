#pragma once
// The serves of this vnet: registration on the route (with the serveid the
// route grants) and, for each link the route assigns to a pooled link or
// requests (link_request: a fresh link to the route), the use side's hello
// checked, then a dial to the real service. Entries are added, opened,
// closed and removed live (terminal, reload, unserve).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/socket_set.hpp"
#include "outcome/result.hpp"
#include "vnet/session/link_pool.hpp"
#include "vnet/session/route_context.hpp"

namespace vnet {

enum class serve_state { inactive, unregistered, pending, registered, refused };
const char* to_string(serve_state s);

struct serve_entry {
  std::uint64_t id = 0;       // stable handle while the entry exists
  config::serve_config cfg;
  serve_state state = serve_state::unregistered;
  std::uint16_t serveid = 0;  // granted by the route while registered
  std::string reason;         // why refused or replaced
  std::uint32_t request_id = 0;
  // Shared with the link coroutines, which may outlive the entry.
  std::shared_ptr<net::socket_set> links = std::make_shared<net::socket_set>();
  // Links being set up (dialling) or relayed, one link_slot each: [vnet]
  // max_links_per_serve bounds it. Counted from the request on, so that a
  // burst of requests cannot all pass the check before the first dial ends.
  std::shared_ptr<std::size_t> slots_taken = std::make_shared<std::size_t>(0);
};

class serve_table {
 public:
  serve_table(net::asio::any_io_executor ex, route_context& ctx);

  void load(const std::vector<config::serve_config>& serves);
  void on_connected();     // register every active serve
  void on_disconnected();  // the route forgot them all
  void on_result(const protocol::serve_result& r);
  void on_link_request(const protocol::link_request& r);
  // The route assigned a use side's link to one of our pooled links.
  void on_assign(pooled_link link, const protocol::link_assign& a);
  // Static ids refused because another vnet held them are tried again.
  void retry_refused(const protocol::serve_list& list);
  void close_all_links();

  // Live edits. add() registers the entry at once if active and connected.
  serve_entry& add(const config::serve_config& cfg);
  void set_active(serve_entry& e, bool active);  // closing closes its links
  void remove(std::uint64_t id);                 // unregisters, closes links

  // Events for whoever added an entry for its own purpose (unserve_host).
  // After a link starts or ends: the entry id and its live link count.
  std::function<void(std::uint64_t, std::size_t)> on_links;
  // The route granted the entry's registration (state is registered).
  std::function<void(serve_entry&)> on_registered;
  // The route refused it. Returns true when the listener took the entry
  // over (it may remove it); else the entry stays refused and is retried.
  std::function<bool(serve_entry&, const std::string& reason)> on_refused;

  const std::vector<serve_entry>& entries() const { return entries_; }
  serve_entry* find(std::uint64_t id);
  serve_entry* find_key(const std::string& key);
  const serve_entry* find_by_serveid(std::uint16_t serveid) const;

 private:
  void request_registration(serve_entry& e);
  void unregister(serve_entry& e);
  // Holds one of an entry's `slots_taken` for its lifetime.
  class link_slot {
   public:
    explicit link_slot(std::shared_ptr<std::size_t> n) : n_(std::move(n)) { ++*n_; }
    ~link_slot() { if (n_) --*n_; }
    link_slot(link_slot&& o) noexcept = default;
    link_slot(const link_slot&) = delete;
    link_slot& operator=(const link_slot&) = delete;
    link_slot& operator=(link_slot&&) = delete;

   private:
    std::shared_ptr<std::size_t> n_;
  };
  // A slot for a new link to `e`, or why it must be refused now ([vnet]
  // max_links_per_serve, read now: a reload applies to the next link).
  outcome::result<link_slot> take_slot(const serve_entry& e) const;
  // link_request: a new link to the route, link_join, then serve_link.
  net::awaitable<void> join_requested(std::uint64_t id, protocol::link_request r, link_slot slot);
  // A link the route paired (joined or assigned): the use hello, the
  // service, link_result (net::secure::open_serve); then the link runs by itself
  // as a serve_table::served_link (serves.cpp, a counted_link) until it ends.
  class served_link;
  net::awaitable<void> serve_link(std::uint64_t id, std::uint64_t link_id, net::tcp::socket link,
                                  crypto::key32 secret, link_slot slot);
  // link_result{false, why} on a link the route assigned, then close.
  net::awaitable<void> refuse(net::tcp::socket link, std::string why);

  net::asio::any_io_executor ex_;
  route_context& ctx_;
  std::vector<serve_entry> entries_;
  std::uint32_t next_request_ = 1;
  std::uint64_t next_id_ = 1;
};

}  // namespace vnet
