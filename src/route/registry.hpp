#pragma once
// The route's bookkeeping, free of I/O: connected vnets, their groups and the
// serves they registered. serveid rules live here:
//   0        the route assigns the lowest free dynamic id
//   1-499    dynamic: kept if free in the group, else replaced by a free one
//   500-999  static: kept if free, else refused with the holder named
// serveids are unique within a group; two groups may use the same id.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "protocol/messages.hpp"

namespace route {

inline constexpr std::uint16_t max_dynamic_serveid = 499;
inline constexpr std::uint16_t max_serveid = 999;

struct vnet_entry {
  std::uint32_t vnetid = 0;
  std::string name;
  std::string group;
  std::size_t serves = 0;  // registered now: [route] max_serves_per_vnet bounds it
};

struct serve_entry {
  protocol::serve_info serve;
  std::uint32_t vnetid = 0;
};

struct register_outcome {
  bool ok = false;
  std::uint16_t serveid = 0;
  std::string reason;  // refusal, or why the id was replaced
};

class registry {
 public:
  // Lowest free vnetid from 1.
  std::uint32_t add_vnet(std::string name, std::string group);
  // Removes the vnet and its serves; returns its entry if it existed.
  std::optional<vnet_entry> remove_vnet(std::uint32_t vnetid);
  const vnet_entry* find_vnet(std::uint32_t vnetid) const;
  // New display name (a vnet reloaded its config); false if no such vnet.
  bool rename_vnet(std::uint32_t vnetid, std::string name);

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
  protocol::serve_list list_for_group(const std::string& group) const;

 private:
  std::optional<std::uint16_t> free_dynamic(const std::string& group) const;
  std::map<std::uint32_t, vnet_entry> vnets_;
  // group -> serveid -> entry
  std::map<std::string, std::map<std::uint16_t, serve_entry>> serves_;
};

}  // namespace route
