#include "route/tickets.hpp"

#include "crypto/random.hpp"

namespace route {

std::vector<protocol::ticket> ticket_book::grant(std::uint32_t vnetid, std::size_t count) {
  auto& mine = by_vnet_[vnetid];
  const std::size_t room = max_unused_tickets - std::min(max_unused_tickets, mine.size());
  std::vector<protocol::ticket> out;
  out.reserve(std::min(count, room));
  while (out.size() < count && out.size() < room) {
    protocol::ticket t;
    t.id = crypto::random_u64();
    if (t.id == 0 || tickets_.contains(t.id)) continue;
    crypto::random_bytes(t.secret);
    tickets_.emplace(t.id, entry{vnetid, t.secret});
    mine.insert(t.id);
    out.push_back(t);
  }
  if (mine.empty()) by_vnet_.erase(vnetid);
  return out;
}

std::optional<ticket_book::redeemed> ticket_book::take(std::uint64_t id) {
  auto it = tickets_.find(id);
  if (it == tickets_.end()) return std::nullopt;
  redeemed r{it->second.vnetid, it->second.secret};
  tickets_.erase(it);
  if (auto v = by_vnet_.find(r.vnetid); v != by_vnet_.end()) {
    v->second.erase(id);
    if (v->second.empty()) by_vnet_.erase(v);
  }
  return r;
}

void ticket_book::forget(std::uint32_t vnetid) {
  auto v = by_vnet_.find(vnetid);
  if (v == by_vnet_.end()) return;
  for (auto id : v->second) tickets_.erase(id);
  by_vnet_.erase(v);
}

std::size_t ticket_book::unused(std::uint32_t vnetid) const {
  auto v = by_vnet_.find(vnetid);
  return v == by_vnet_.end() ? 0 : v->second.size();
}

}  // namespace route
