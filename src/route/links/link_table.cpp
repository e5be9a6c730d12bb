#include "route/links/link_table.hpp"

#include "config/auto_limit.hpp"
#include "crypto/secret.hpp"
#include "net/time.hpp"
#include "text/plural.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace route {
namespace {
using text::plural;
}  // namespace

pending_link& link_table::create(net::asio::any_io_executor ex, std::uint32_t use_vnet,
                                 std::uint32_t serve_vnet, std::uint16_t serveid,
                                 const protocol::key32& secret, net::duration deadline) {
  // A counter is enough: joining takes the proof, not the id.
  auto id = next_id_++;
  auto p = std::make_unique<pending_link>(ex, id, secret);
  p->use_vnet = use_vnet;
  p->serve_vnet = serve_vnet;
  p->serveid = serveid;
  p->signal.expires_after(deadline);
  auto& ref = *p;
  pending_[id] = std::move(p);
  count(by_use_vnet_, use_vnet, &counts::pending, true);
  count(by_serve_, serve_key{serve_vnet, serveid}, &counts::pending, true);
  return ref;
}

void link_table::forget(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  count(by_use_vnet_, it->second->use_vnet, &counts::pending, false);
  count(by_serve_, serve_key{it->second->serve_vnet, it->second->serveid}, &counts::pending, false);
  pending_.erase(it);
}

template <typename Map, typename Key>
void link_table::count(Map& m, const Key& k, std::size_t counts::*which, bool up) {
  auto& c = m[k];
  if (up) ++(c.*which);
  else --(c.*which);
  if (c.pending == 0 && c.live == 0) m.erase(k);
}

link_table::active_link& link_table::add_active(std::uint64_t id, const active_link& l) {
  auto& record = active_[id] = l;
  record.since = std::chrono::steady_clock::now();
  count(by_use_vnet_, l.use_vnet, &counts::live, true);
  count(by_serve_, serve_key{l.serve_vnet, l.serveid}, &counts::live, true);
  ++live_by_vnet_[l.use_vnet];
  if (l.serve_vnet != l.use_vnet) ++live_by_vnet_[l.serve_vnet];
  return record;  // stays put: an unordered_map's nodes do not move
}

std::vector<link_table::link_view> link_table::active_links() const {
  std::vector<link_view> out;
  out.reserve(active_.size());
  for (const auto& [id, l] : active_) out.push_back({id, l.use_vnet, l.serve_vnet, l.serveid, l.since, l.traffic});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void link_table::remove_active(std::uint64_t id) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  const auto l = it->second;
  active_.erase(it);
  count(by_use_vnet_, l.use_vnet, &counts::live, false);
  count(by_serve_, serve_key{l.serve_vnet, l.serveid}, &counts::live, false);
  auto down = [this](std::uint32_t v) {
    if (--live_by_vnet_[v] == 0) live_by_vnet_.erase(v);
  };
  down(l.use_vnet);
  if (l.serve_vnet != l.use_vnet) down(l.serve_vnet);  // a vnet may use its own serve
}

outcome::result<void, limit_refusal> link_table::within_quotas(std::uint32_t use_vnet, std::uint32_t serve_vnet,
                                                               std::uint16_t serveid,
                                                               const config::route_limits& limits) const {
  counts user, serve;
  if (auto it = by_use_vnet_.find(use_vnet); it != by_use_vnet_.end()) user = it->second;
  if (auto it = by_serve_.find(serve_key{serve_vnet, serveid}); it != by_serve_.end()) serve = it->second;
  // "auto" quotas are sized from the descriptor limit now (config/auto_limit.hpp).
  const unsigned pending_vnet = config::pending_links(limits.max_pending_links_per_vnet);
  const unsigned live_vnet = config::live_links(limits.max_live_links_per_vnet);
  const unsigned pending_serve = config::pending_links(limits.max_pending_links_per_serve);
  const unsigned live_serve = config::live_links(limits.max_live_links_per_serve);
  if (user.pending >= pending_vnet)
    return limit_refusal{limit::max_pending_links_per_vnet, fmt::format("vnet {:02} may have at most {} link{} waiting to pair "
                       "(raise [route] max_pending_links_per_vnet)",
                       use_vnet, pending_vnet, plural(pending_vnet))};
  if (user.pending + user.live >= live_vnet)
    return limit_refusal{limit::max_live_links_per_vnet, fmt::format("vnet {:02} may have at most {} open link{} (raise [route] max_live_links_per_vnet)",
                       use_vnet, live_vnet, plural(live_vnet))};
  if (serve.pending >= pending_serve)
    return limit_refusal{limit::max_pending_links_per_serve, fmt::format("serveid {:03} of vnet {:02} may have at most {} link{} waiting to pair "
                       "(raise [route] max_pending_links_per_serve)",
                       serveid, serve_vnet, pending_serve, plural(pending_serve))};
  if (serve.pending + serve.live >= live_serve)
    return limit_refusal{limit::max_live_links_per_serve, fmt::format("serveid {:03} of vnet {:02} may carry at most {} open link{} "
                       "(raise [route] max_live_links_per_serve)",
                       serveid, serve_vnet, live_serve, plural(live_serve))};
  return {};
}

bool link_table::join(std::uint64_t id, const protocol::proof16& proof, net::tcp::socket& socket) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second->peer || !it->second->failure.empty()) return false;
  const protocol::proof16 expected = crypto::join_proof(it->second->secret, id);
  if (!crypto::proof_equal(expected, proof)) return false;
  it->second->peer.emplace(std::move(socket));
  it->second->signal.cancel();
  return true;
}

void link_table::fail(std::uint64_t id, std::uint32_t serve_vnet, const std::string& reason) {
  auto it = pending_.find(id);
  // Only the vnet that was asked may fail a link.
  if (it == pending_.end() || it->second->serve_vnet != serve_vnet || it->second->peer) return;
  it->second->failure = reason.empty() ? "the serving vnet could not reach its service" : reason;
  it->second->signal.cancel();
}

void link_table::drop_vnet(std::uint32_t vnetid, const std::string& reason) {
  for (auto& [id, p] : pending_) {
    if ((p->serve_vnet == vnetid || p->use_vnet == vnetid) && !p->peer && p->failure.empty()) {
      p->failure = reason;
      p->signal.cancel();
    }
  }
  for (auto& [id, l] : active_) {
    if (l.use_vnet == vnetid || l.serve_vnet == vnetid) {
      net::error_code ignored;
      l.a->close(ignored);
      l.b->close(ignored);
    }
  }
}

void link_table::close_all() {
  for (auto& [id, p] : pending_) {
    if (p->failure.empty()) p->failure = "the route is shutting down";
    if (p->peer) {
      net::error_code ignored;
      p->peer->close(ignored);
    }
    p->signal.cancel();
  }
  for (auto& [id, l] : active_) {
    net::error_code ignored;
    l.a->close(ignored);
    l.b->close(ignored);
  }
}

std::size_t link_table::live_links(std::uint32_t vnetid) const {
  auto it = live_by_vnet_.find(vnetid);
  return it == live_by_vnet_.end() ? 0 : it->second;
}

}  // namespace route
