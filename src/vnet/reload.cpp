#include "vnet/reload.hpp"

#include <algorithm>

#include "config/schema.hpp"

namespace vnet {
namespace {

// Fills added/changed/removed for one kind of entry (serves or uses).
template <typename Entry>
void diff_entries(const std::vector<Entry>& before, const std::vector<Entry>& after,
                  std::vector<Entry>& added, std::vector<Entry>& changed,
                  std::vector<std::string>& removed) {
  auto find = [](const std::vector<Entry>& in, const std::string& key) {
    auto it = std::find_if(in.begin(), in.end(), [&](const Entry& e) { return e.key == key; });
    return it == in.end() ? nullptr : &*it;
  };
  for (const auto& e : after) {
    const Entry* old = find(before, e.key);
    if (!old)
      added.push_back(e);
    else if (*old != e)
      changed.push_back(e);
  }
  for (const auto& e : before)
    if (!find(after, e.key)) removed.push_back(e.key);
}

std::string counts(const char* what, std::size_t added, std::size_t removed, std::size_t changed) {
  return std::string(what) + " +" + std::to_string(added) + " -" + std::to_string(removed) + " ~" +
         std::to_string(changed);
}

// An IPv6 address needs brackets, or its port would read as one more group.
std::string endpoint_text(const config::endpoint& ep) {
  bool v6 = ep.ip.find(':') != std::string::npos;
  return (v6 ? "[" + ep.ip + "]" : ep.ip) + ":" + std::to_string(ep.port);
}

// The settings that changed, in the schema's order ([vnet], then the [route]
// keys a vnet reads), each saying when it applies (config/schema_vnet.cpp).
// Keys reported apart (name, group, group_key, the route's address,
// startserve/startuse as the entries' `active`) are left to diff().
std::vector<std::string> setting_changes(const config::vnet_config& o, const config::vnet_config& n) {
  auto out = config::changes(config::vnet_keys(), o, n);
  for (auto& c : config::changes(config::vnet_route_keys(), o, n)) out.push_back(std::move(c));
  return out;
}

template <typename Entry>
bool only_active(Entry a, const Entry& b) {
  if (a.active == b.active) return false;
  a.active = b.active;
  return a == b;
}

template <typename Config>
std::vector<apply_step<Config>> plan_entries(const std::vector<Config>& before,
                                             const std::vector<Config>& added,
                                             const std::vector<Config>& changed,
                                             const std::vector<std::string>& removed,
                                             const std::vector<std::string>& present) {
  using step = apply_step<Config>;
  auto has = [&](const std::string& key) {
    return std::find(present.begin(), present.end(), key) != present.end();
  };
  std::vector<step> out;
  for (const auto& key : removed)
    if (has(key)) out.push_back(step{step::action::remove, key, {}});
  for (const auto& c : changed) {
    auto old = std::find_if(before.begin(), before.end(), [&](const Config& b) { return b.key == c.key; });
    if (has(c.key) && old != before.end() && only_active(*old, c)) {
      out.push_back(step{step::action::set_active, c.key, c});
      continue;
    }
    if (has(c.key)) out.push_back(step{step::action::remove, c.key, {}});
    out.push_back(step{step::action::add, c.key, c});
  }
  for (const auto& c : added) {
    if (has(c.key)) out.push_back(step{step::action::remove, c.key, {}});
    out.push_back(step{step::action::add, c.key, c});
  }
  return out;
}

}  // namespace

std::vector<apply_step<config::serve_config>> plan_apply(
    const std::vector<config::serve_config>& before, const config_diff& d,
    const std::vector<std::string>& present) {
  return plan_entries(before, d.serves_added, d.serves_changed, d.serves_removed, present);
}

std::vector<apply_step<config::use_config>> plan_apply(
    const std::vector<config::use_config>& before, const config_diff& d,
    const std::vector<std::string>& present) {
  return plan_entries(before, d.uses_added, d.uses_changed, d.uses_removed, present);
}

bool config_diff::empty() const {
  return serves_added.empty() && serves_changed.empty() && serves_removed.empty() &&
         uses_added.empty() && uses_changed.empty() && uses_removed.empty() && !name_changed &&
         !group_changed && !group_key_changed && !route_changed;
}

std::string config_diff::summary(const config::vnet_config& before,
                                 const config::vnet_config& after) const {
  std::string out;
  if (!empty()) {
    out = counts("serves", serves_added.size(), serves_removed.size(), serves_changed.size()) +
          ", " + counts("uses", uses_added.size(), uses_removed.size(), uses_changed.size());
    if (name_changed) out += ", name " + before.name + " -> " + after.name;
    if (group_changed) out += ", group " + before.group + " -> " + after.group;
    if (group_key_changed) out += ", group_key changed";
    if (route_changed)
      out += ", route " + endpoint_text(before.route) + " -> " + endpoint_text(after.route);
  }
  for (const auto& s : settings) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "nothing changed" : out;
}

config_diff diff(const config::vnet_config& before, const config::vnet_config& after) {
  config_diff d;
  diff_entries(before.serves, after.serves, d.serves_added, d.serves_changed, d.serves_removed);
  diff_entries(before.uses, after.uses, d.uses_added, d.uses_changed, d.uses_removed);
  d.name_changed = before.name != after.name;
  d.group_changed = before.group != after.group;
  d.group_key_changed = before.group_key != after.group_key;
  d.route_changed = before.route != after.route;
  d.settings = setting_changes(before, after);
  return d;
}

bool only_active_differs(const config::serve_config& a, const config::serve_config& b) {
  return only_active(a, b);
}

bool only_active_differs(const config::use_config& a, const config::use_config& b) {
  return only_active(a, b);
}

}  // namespace vnet
