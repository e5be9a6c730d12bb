#include "route/links.hpp"
#include "net/time.hpp"

#include <random>

namespace route {

std::uint64_t random_token() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

pending_link& link_table::create(net::asio::any_io_executor ex, std::uint32_t use_vnet,
                                 std::uint32_t serve_vnet, std::uint16_t serveid,
                                 net::duration deadline) {
  auto id = next_id_++;
  auto p = std::make_unique<pending_link>(ex, id, random_token());
  p->use_vnet = use_vnet;
  p->serve_vnet = serve_vnet;
  p->serveid = serveid;
  p->signal.expires_after(deadline);
  auto& ref = *p;
  pending_[id] = std::move(p);
  return ref;
}

void link_table::forget(std::uint64_t id) { pending_.erase(id); }

bool link_table::join(std::uint64_t id, std::uint64_t token, net::tcp::socket& socket) {
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second->token != token || it->second->peer ||
      !it->second->failure.empty())
    return false;
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
  std::size_t n = 0;
  for (const auto& [id, l] : active_)
    if (l.use_vnet == vnetid || l.serve_vnet == vnetid) ++n;
  return n;
}

}  // namespace route
