#include "route/links/idle_links.hpp"

#include <algorithm>
#include <vector>

#include "net/still_idle.hpp"

namespace route {

idle_links::scope::scope(idle_links& table, std::uint32_t vnetid, protocol::pool_role role,
                         const protocol::key32& secret, net::tcp::socket& s)
    : table_(table), entry_{vnetid, role, secret, &s} {
  table_.add(entry_);
}

void idle_links::add(entry& l) {
  by_vnet_[l.vnetid].of(l.role).push_back(&l);
  ++(l.role == protocol::pool_role::serve ? serve_total_ : use_total_);
  l.listed = true;
}

void idle_links::remove(entry& l) {
  if (!l.listed) return;
  l.listed = false;
  auto it = by_vnet_.find(l.vnetid);
  if (it == by_vnet_.end()) return;
  auto& list = it->second.of(l.role);
  list.remove(&l);
  --(l.role == protocol::pool_role::serve ? serve_total_ : use_total_);
  if (it->second.use.empty() && it->second.serve.empty()) by_vnet_.erase(it);
}

std::size_t idle_links::count(std::uint32_t vnetid) const {
  auto it = by_vnet_.find(vnetid);
  return it == by_vnet_.end() ? 0 : it->second.use.size() + it->second.serve.size();
}

std::size_t idle_links::count(std::uint32_t vnetid, protocol::pool_role role) const {
  auto it = by_vnet_.find(vnetid);
  if (it == by_vnet_.end()) return 0;
  return role == protocol::pool_role::serve ? it->second.serve.size() : it->second.use.size();
}

std::size_t idle_links::total(protocol::pool_role role) const {
  return role == protocol::pool_role::serve ? serve_total_ : use_total_;
}

idle_links::serve_pick idle_links::take_serve(std::uint32_t vnetid) {
  serve_pick pick;
  while (count(vnetid, protocol::pool_role::serve) > 0) {
    entry* l = by_vnet_[vnetid].serve.front();
    remove(*l);
    net::error_code ignored;
    if (!l->socket->is_open() || !net::still_idle(*l->socket)) {
      ++pick.dropped;
      l->socket->close(ignored);  // its coroutine wakes and ends
      continue;
    }
    // Its coroutine's wait ends with operation_aborted and sees `taken`.
    l->taken = true;
    l->socket->cancel(ignored);
    pick.taken = taken_link{std::move(*l->socket), l->secret};
    return pick;
  }
  return pick;
}

void idle_links::drop_vnet(std::uint32_t vnetid) {
  auto it = by_vnet_.find(vnetid);
  if (it == by_vnet_.end()) return;
  // Unlisted now (the quota of a vnet that reconnects under the same id
  // starts at zero); closing wakes each coroutine, which then ends.
  std::vector<entry*> all(it->second.use.begin(), it->second.use.end());
  all.insert(all.end(), it->second.serve.begin(), it->second.serve.end());
  net::error_code ignored;
  for (auto* l : all) {
    remove(*l);
    l->socket->close(ignored);
  }
}

void idle_links::close_all() {
  std::vector<std::uint32_t> vnets;
  for (const auto& [id, v] : by_vnet_) vnets.push_back(id);
  for (auto id : vnets) drop_vnet(id);
}

}  // namespace route
