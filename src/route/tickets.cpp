#include "route/tickets.hpp"

#include "crypto/random.hpp"

namespace route {

void ticket_book::expire(std::unordered_set<std::uint64_t>& mine, clock::time_point now) {
  for (auto it = mine.begin(); it != mine.end();) {
    auto t = tickets_.find(*it);
    if (t == tickets_.end() || now - t->second.granted >= lifetime_) {
      if (t != tickets_.end()) tickets_.erase(t);
      it = mine.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<protocol::ticket> ticket_book::grant(std::uint32_t vnetid, std::size_t count, clock::time_point now) {
  auto& mine = by_vnet_[vnetid];
  expire(mine, now);
  const std::size_t room = max_unused_tickets - std::min(max_unused_tickets, mine.size());
  std::vector<protocol::ticket> out;
  out.reserve(std::min(count, room));
  while (out.size() < count && out.size() < room) {
    protocol::ticket t;
    t.id = crypto::random_u64();
    if (t.id == 0 || tickets_.contains(t.id)) continue;
    crypto::random_bytes(t.secret);
    tickets_.emplace(t.id, entry{vnetid, t.secret, now});
    mine.insert(t.id);
    out.push_back(t);
  }
  if (!out.empty()) granted_[vnetid] += out.size();
  if (mine.empty()) by_vnet_.erase(vnetid);
  return out;
}

std::optional<ticket_book::redeemed> ticket_book::take(std::uint64_t id, clock::time_point now) {
  auto it = tickets_.find(id);
  if (it == tickets_.end()) return std::nullopt;
  redeemed r{it->second.vnetid, it->second.secret};
  const bool expired = now - it->second.granted >= lifetime_;
  tickets_.erase(it);
  if (auto v = by_vnet_.find(r.vnetid); v != by_vnet_.end()) {
    v->second.erase(id);
    if (v->second.empty()) by_vnet_.erase(v);
  }
  if (expired) return std::nullopt;
  return r;
}

void ticket_book::forget(std::uint32_t vnetid) {
  granted_.erase(vnetid);
  auto v = by_vnet_.find(vnetid);
  if (v == by_vnet_.end()) return;
  for (auto id : v->second) tickets_.erase(id);
  by_vnet_.erase(v);
}

std::size_t ticket_book::unused(std::uint32_t vnetid) const {
  auto v = by_vnet_.find(vnetid);
  return v == by_vnet_.end() ? 0 : v->second.size();
}

std::uint64_t ticket_book::granted(std::uint32_t vnetid) const {
  auto g = granted_.find(vnetid);
  return g == granted_.end() ? 0 : g->second;
}

}  // namespace route
