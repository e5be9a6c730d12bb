#pragma once
// The route's bookkeeping, free of I/O: connected vnets, their groups and the
// serves they registered. serveid rules live here:
//   0        the route assigns the lowest free dynamic id
//   1-499    dynamic: kept if free in the group, else replaced by a free one
//   500-999  static: kept if free, else refused with the holder named
// serveids are unique within a group; two groups may use the same id.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"
#include "route/limit.hpp"

namespace route {

inline constexpr std::uint16_t max_dynamic_serveid = 499;
inline constexpr std::uint16_t max_serveid = protocol::max_serveid;

struct vnet_entry {
  std::uint32_t vnetid = 0;
  std::string name;
  std::string group;
  std::size_t serves = 0;  // registered now: [route] max_serves_per_vnet bounds it
  std::chrono::system_clock::time_point since{};  // when it joined (ctl show vnets)
  // Its current link key (hello, then link_key_update), listed with each of
  // its serves: links to them are encrypted to it. Opaque to the route.
  protocol::link_key key;
};

struct serve_entry {
  protocol::serve_info serve;
  std::uint32_t vnetid = 0;
};

struct register_outcome {
  bool ok = false;
  std::uint16_t serveid = 0;
  std::string reason;  // refusal, or why the id was replaced
  // The limit that refused it; nullopt for a refusal no limit made (a static
  // serveid's conflict) and for success.
  std::optional<limit> refused_by;
};

class registry {
 public:
  // A group holds at most max_group_vnets vnets, so that every list of them
  // (vnet_query_result) fits in one frame; tests may choose a smaller bound.
  explicit registry(std::size_t max_group_vnets = protocol::max_vnets_listed)
      : max_group_vnets_(max_group_vnets) {}
  std::size_t max_group_vnets() const { return max_group_vnets_; }
  // True when one more vnet would make the group bigger than the bound.
  bool group_full(const std::string& group) const { return group_size(group) >= max_group_vnets_; }
  std::size_t group_size(const std::string& group) const;

  // Lowest free vnetid from 1. The caller checks group_full() first.
  std::uint32_t add_vnet(std::string name, std::string group, protocol::link_key key = {});
  // Removes the vnet and its serves; returns its entry if it existed.
  std::optional<vnet_entry> remove_vnet(std::uint32_t vnetid);
  const vnet_entry* find_vnet(std::uint32_t vnetid) const;
  // New display name (a vnet reloaded its config); false if no such vnet.
  bool rename_vnet(std::uint32_t vnetid, std::string name);
  // New link key (rotation); false if no such vnet.
  bool set_key(std::uint32_t vnetid, const protocol::link_key& key);

  // Refused once the vnet holds `max_serves` ([route] max_serves_per_vnet,
  // read by the caller at each call so that a reload applies at once): one
  // session cannot take a group's 999 serveids.
  register_outcome register_serve(std::uint32_t vnetid, protocol::serve_info serve,
                                  unsigned max_serves = config::route_limits{}.max_serves_per_vnet);
  // Only the owner may unregister; returns false otherwise.
  bool unregister_serve(std::uint32_t vnetid, std::uint16_t serveid);

  const serve_entry* find_serve(const std::string& group, std::uint16_t serveid) const;
  std::vector<serve_entry> serves_of_group(const std::string& group) const;  // by serveid
  std::vector<vnet_entry> vnets_of_group(const std::string& group) const;    // by vnetid
  std::vector<std::uint32_t> vnetids_of_group(const std::string& group) const;
  protocol::serve_list list_for_group(const std::string& group) const;
  // Everything, for `ctl show`: vnets by vnetid, groups by name with their vnetids.
  const std::map<std::uint32_t, vnet_entry>& vnets() const { return vnets_; }
  const std::map<std::string, std::set<std::uint32_t>>& groups() const { return members_; }
  // The serves of one vnet as the group's list shows them (after a rename
  // or a new link key).
  std::vector<protocol::listed_serve> listed_serves_of(std::uint32_t vnetid) const;

 private:
  std::optional<std::uint16_t> free_dynamic(const std::string& group) const;
  std::size_t max_group_vnets_;
  std::map<std::uint32_t, vnet_entry> vnets_;
  // group -> its vnetids: members and counts without a scan of every vnet,
  // since each change in a group is pushed to each of its vnets.
  std::map<std::string, std::set<std::uint32_t>> members_;
  // group -> serveid -> entry
  std::map<std::string, std::map<std::uint16_t, serve_entry>> serves_;
};

}  // namespace route
