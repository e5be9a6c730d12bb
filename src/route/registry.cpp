#include "route/registry.hpp"

#include "route/serve_shown.hpp"

#include <fmt/format.h>

namespace route {

std::uint32_t registry::add_vnet(std::string name, std::string group, protocol::link_key key) {
  std::uint32_t id = 1;
  for (const auto& [taken, v] : vnets_) {
    if (taken != id) break;
    ++id;
  }
  members_[group].insert(id);
  vnets_[id] = vnet_entry{id, std::move(name), std::move(group), 0,
                         std::chrono::system_clock::now(), key};
  return id;
}

std::optional<vnet_entry> registry::remove_vnet(std::uint32_t vnetid) {
  auto it = vnets_.find(vnetid);
  if (it == vnets_.end()) return std::nullopt;
  vnet_entry v = std::move(it->second);
  vnets_.erase(it);
  if (auto m = members_.find(v.group); m != members_.end()) {
    m->second.erase(vnetid);
    if (m->second.empty()) members_.erase(m);
  }
  auto g = serves_.find(v.group);
  if (g != serves_.end()) {
    std::erase_if(g->second, [&](const auto& kv) { return kv.second.vnetid == vnetid; });
    if (g->second.empty()) serves_.erase(g);
  }
  return v;
}

const vnet_entry* registry::find_vnet(std::uint32_t vnetid) const {
  auto it = vnets_.find(vnetid);
  return it == vnets_.end() ? nullptr : &it->second;
}

std::optional<std::uint16_t> registry::free_dynamic(const std::string& group) const {
  auto g = serves_.find(group);
  for (std::uint16_t id = 1; id <= max_dynamic_serveid; ++id)
    if (g == serves_.end() || !g->second.contains(id)) return id;
  return std::nullopt;
}

register_outcome registry::register_serve(std::uint32_t vnetid, protocol::serve_info serve,
                                          unsigned max_serves) {
  auto vit = vnets_.find(vnetid);
  if (vit == vnets_.end()) return {false, 0, "unknown vnet"};
  vnet_entry* v = &vit->second;
  if (v->serves >= max_serves)
    return {false, 0,
            fmt::format("vnet {:02} may register at most {} serve{} (raise [route] max_serves_per_vnet)",
                        vnetid, max_serves, max_serves == 1 ? "" : "s"),
            limit::max_serves_per_vnet};
  if (serve.serveid > max_serveid)
    return {false, 0, fmt::format("serveid {} is out of range (0-999)", serve.serveid)};
  auto& group = serves_[v->group];
  register_outcome out{true, serve.serveid, {}};
  if (serve.serveid == 0 || group.contains(serve.serveid)) {
    if (serve.serveid > max_dynamic_serveid) {
      const auto& holder = group.at(serve.serveid);
      const vnet_entry* hv = find_vnet(holder.vnetid);
      return {false, 0,
              fmt::format("static serveid {:03} is already served by vnet {:02} ({}){}",
                          serve.serveid, holder.vnetid, hv ? hv->name : "?",
                          is_sealed(holder.serve) ? "" : fmt::format(" as '{}'", holder.serve.name))};
    }
    auto id = free_dynamic(v->group);
    if (!id) return {false, 0, "no free dynamic serveid left in the group (1-499 all taken)"};
    if (serve.serveid != 0)
      out.reason = fmt::format("serveid {:03} was taken in the group; replaced by {:03}",
                               serve.serveid, *id);
    out.serveid = *id;
  }
  serve.serveid = out.serveid;
  group[out.serveid] = serve_entry{std::move(serve), vnetid};
  ++v->serves;
  return out;
}

bool registry::unregister_serve(std::uint32_t vnetid, std::uint16_t serveid) {
  const vnet_entry* v = find_vnet(vnetid);
  if (!v) return false;
  auto g = serves_.find(v->group);
  if (g == serves_.end()) return false;
  auto it = g->second.find(serveid);
  if (it == g->second.end() || it->second.vnetid != vnetid) return false;
  g->second.erase(it);
  --vnets_.at(vnetid).serves;
  return true;
}

const serve_entry* registry::find_serve(const std::string& group, std::uint16_t serveid) const {
  auto g = serves_.find(group);
  if (g == serves_.end()) return nullptr;
  auto it = g->second.find(serveid);
  return it == g->second.end() ? nullptr : &it->second;
}

std::vector<serve_entry> registry::serves_of_group(const std::string& group) const {
  std::vector<serve_entry> out;
  auto g = serves_.find(group);
  if (g != serves_.end())
    for (const auto& [id, e] : g->second) out.push_back(e);
  return out;
}

bool registry::rename_vnet(std::uint32_t vnetid, std::string name) {
  auto it = vnets_.find(vnetid);
  if (it == vnets_.end()) return false;
  it->second.name = std::move(name);
  return true;
}

bool registry::set_key(std::uint32_t vnetid, const protocol::link_key& key) {
  auto it = vnets_.find(vnetid);
  if (it == vnets_.end()) return false;
  it->second.key = key;
  return true;
}

std::size_t registry::group_size(const std::string& group) const {
  auto m = members_.find(group);
  return m == members_.end() ? 0 : m->second.size();
}

std::vector<std::uint32_t> registry::vnetids_of_group(const std::string& group) const {
  auto m = members_.find(group);
  if (m == members_.end()) return {};
  return {m->second.begin(), m->second.end()};
}

std::vector<vnet_entry> registry::vnets_of_group(const std::string& group) const {
  std::vector<vnet_entry> out;
  for (auto id : vnetids_of_group(group)) out.push_back(vnets_.at(id));
  return out;
}

std::vector<protocol::listed_serve> registry::listed_serves_of(std::uint32_t vnetid) const {
  std::vector<protocol::listed_serve> out;
  const vnet_entry* v = find_vnet(vnetid);
  if (!v) return out;
  for (auto& e : serves_of_group(v->group))
    if (e.vnetid == vnetid) out.push_back({std::move(e.serve), vnetid, v->name, v->key});
  return out;
}

protocol::serve_list registry::list_for_group(const std::string& group) const {
  protocol::serve_list list;
  list.vnets = static_cast<std::uint32_t>(group_size(group));
  for (auto& e : serves_of_group(group)) {
    const vnet_entry* v = find_vnet(e.vnetid);
    list.serves.push_back({std::move(e.serve), e.vnetid, v ? v->name : std::string(),
                           v ? v->key : protocol::link_key{}});
  }
  return list;
}

}  // namespace route
