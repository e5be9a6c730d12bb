#pragma once
// The connected vnets' control sessions, by vnetid. The session hub adds and
// removes them (a vnet is here from its welcome until it leaves, as long as
// it is in the registry); the link broker reaches a serving vnet's session
// through it to ask for a link, and ops read each one's address. Shared, not
// owned by any of them, so that none needs the others to find a session.
#include <cstdint>
#include <map>
#include <memory>

#include "route/sessions/session.hpp"

namespace route {

class session_table {
 public:
  void add(std::shared_ptr<session> s) {
    auto id = s->vnetid();
    by_vnet_[id] = std::move(s);
  }
  void remove(std::uint32_t vnetid) { by_vnet_.erase(vnetid); }
  // The session of `vnetid`, or null when it is not connected.
  session* find(std::uint32_t vnetid) const {
    auto it = by_vnet_.find(vnetid);
    return it == by_vnet_.end() ? nullptr : it->second.get();
  }
  bool contains(std::uint32_t vnetid) const { return by_vnet_.contains(vnetid); }
  const std::map<std::uint32_t, std::shared_ptr<session>>& all() const { return by_vnet_; }

 private:
  std::map<std::uint32_t, std::shared_ptr<session>> by_vnet_;
};

}  // namespace route
