#pragma once
// Pairing and bookkeeping of links on the route. A use-side link waits in
// `pending` until the serving vnet joins with the matching id and a proof
// made with the link's secret (the secret of the use side's ticket), or
// reports a failure, or the deadline passes. Paired links are `active` until
// their relay ends; closing a vnet closes every link it takes part in.
// A paired link has one record here (its ends, its sockets, its traffic);
// the counts per using vnet, per serve and per vnet (either side) are
// indexes kept with it, for the quotas of [route] (max_pending_links_* and
// max_live_links_*) and the vnet lists.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "net/time.hpp"
#include "outcome/result.hpp"
#include "protocol/messages.hpp"
#include "route/limit.hpp"
#include "route/links/link_traffic.hpp"

namespace route {

struct pending_link {
  pending_link(net::asio::any_io_executor ex, std::uint64_t id, const protocol::key32& secret)
      : id(id), secret(secret), signal(ex) {}
  std::uint64_t id;
  // The use side's ticket secret: sent to the serving vnet over its TLS
  // session (link_request), it proves the join and keys the link.
  protocol::key32 secret;
  std::uint32_t use_vnet = 0;
  std::uint32_t serve_vnet = 0;
  std::uint16_t serveid = 0;
  net::asio::steady_timer signal;       // fires on join, failure or deadline
  std::optional<net::tcp::socket> peer; // the serving side, once joined
  std::string failure;
};

class link_table {
  struct active_link;  // a paired link's record (below)

 public:
  // Whether a new link from `use_vnet` to serveid `serveid` of `serve_vnet`
  // may open under `limits`; if not, the limit that refuses it, with the
  // sentence naming its key. A waiting link counts toward the live quotas too: it becomes
  // live when paired, and checking here (not at pairing) keeps the serving
  // vnet from dialling a service for a link that would then be refused.
  outcome::result<void, limit_refusal> within_quotas(std::uint32_t use_vnet, std::uint32_t serve_vnet,
                                                     std::uint16_t serveid,
                                                     const config::route_limits& limits) const;

  // The caller (the use-side coroutine) waits on the returned entry's signal
  // and must call forget() when done with it.
  pending_link& create(net::asio::any_io_executor ex, std::uint32_t use_vnet,
                       std::uint32_t serve_vnet, std::uint16_t serveid,
                       const protocol::key32& secret, net::duration deadline);
  void forget(std::uint64_t id);
  // An id for a link paired without waiting here (a pooled serving side).
  std::uint64_t next_id() { return next_id_++; }

  // Hands the serving side's socket to the waiting use side. Returns false
  // (and leaves the socket alone) if no such link waits or the proof is not
  // crypto::join_proof(secret, id) (compared in constant time).
  bool join(std::uint64_t id, const protocol::proof16& proof, net::tcp::socket& socket);
  // The serving vnet could not dial its service.
  void fail(std::uint64_t id, std::uint32_t serve_vnet, const std::string& reason);

  // A paired link, registered while its relay runs: the table reaches both
  // sockets to close them when either vnet leaves or the route stops, and
  // holds the link's traffic (labels resolved by the caller) while it lives.
  class active_scope {
   public:
    active_scope(link_table& t, std::uint64_t id, std::uint32_t use_vnet,
                 std::uint32_t serve_vnet, std::uint16_t serveid, net::tcp::socket& a,
                 net::tcp::socket& b, link_traffic labels = {})
        : table_(t), id_(id),
          record_(table_.add_active(id, active_link{use_vnet, serve_vnet, serveid, &a, &b, {}, labels})) {}
    ~active_scope() { table_.remove_active(id_); }
    active_scope(const active_scope&) = delete;
    active_scope& operator=(const active_scope&) = delete;
    // The link's bytes so far: the relay counts into it.
    link_traffic& traffic() { return record_.traffic; }

   private:
    link_table& table_;
    std::uint64_t id_;
    active_link& record_;
  };

  // A vnet left: fail what waits on it and close what it takes part in.
  void drop_vnet(std::uint32_t vnetid, const std::string& reason);
  void close_all();
  // Paired links the vnet takes part in, on either side.
  std::size_t live_links(std::uint32_t vnetid) const;
  std::size_t active_count() const { return active_.size(); }
  std::size_t pending_count() const { return pending_.size(); }

  // The paired links, by id, for `ctl show links`, the status page and the
  // byte counts of a scrape.
  struct link_view {
    std::uint64_t id;
    std::uint32_t use_vnet, serve_vnet;
    std::uint16_t serveid;
    std::chrono::steady_clock::time_point since;
    link_traffic traffic;
  };
  std::vector<link_view> active_links() const;

 private:
  struct active_link {
    std::uint32_t use_vnet, serve_vnet;
    std::uint16_t serveid;
    net::tcp::socket* a;
    net::tcp::socket* b;
    std::chrono::steady_clock::time_point since{};  // paired at
    link_traffic traffic;
  };
  struct counts {
    std::size_t pending = 0, live = 0;
  };
  using serve_key = std::pair<std::uint32_t, std::uint16_t>;  // serving vnet, serveid
  active_link& add_active(std::uint64_t id, const active_link& l);
  void remove_active(std::uint64_t id);
  // Counts an entry in or out; an entry back at zero is erased, so that the
  // maps hold only vnets and serves with links.
  template <typename Map, typename Key>
  static void count(Map& m, const Key& k, std::size_t counts::*which, bool up);

  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<pending_link>> pending_;
  std::unordered_map<std::uint64_t, active_link> active_;
  std::unordered_map<std::uint32_t, counts> by_use_vnet_;  // links it opened
  std::map<serve_key, counts> by_serve_;                   // links to the serve
  std::unordered_map<std::uint32_t, std::size_t> live_by_vnet_;  // either side
};

}  // namespace route
