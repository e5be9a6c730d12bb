#include "vnet/reload.hpp"

#include <algorithm>

#include <fmt/format.h>

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

// The settings that changed, in the order of the README's [vnet] table.
// Each key read per link or request (the serve's link quota, pools, dial
// and unserve timeouts, log_links) applies to the next one; the others say
// when they apply. startserve/startuse show as the entries' `active`.
std::vector<std::string> setting_changes(const config::vnet_config& o, const config::vnet_config& n) {
  std::vector<std::string> out;
  auto flag = [&](const char* key, bool a, bool b, const char* when = "") {
    if (a != b) out.push_back(fmt::format("{} {} -> {}{}", key, a, b, when));
  };
  auto count = [&](const char* key, unsigned a, unsigned b) {
    if (a != b) out.push_back(fmt::format("{} {} -> {}", key, a, b));
  };
  auto secs = [&](const char* key, config::seconds a, config::seconds b, const char* when = "") {
    if (a != b) out.push_back(fmt::format("{} {:g} -> {:g}{}", key, a.count(), b.count(), when));
  };
  // Secrets and long values: named only.
  auto text = [&](const char* key, const std::string& a, const std::string& b, const char* when) {
    if (a == b) return;
    const char* how = b.empty() ? "removed" : a.empty() ? "set" : "changed";
    out.push_back(fmt::format("{} {}{}", key, how, when));
  };
  constexpr const char* next_connection = " (at the next connection)";
  flag("terminal", o.terminal, n.terminal, " (at the next start)");
  flag("allow_unserve", o.allow_unserve, n.allow_unserve);
  flag("unserve_remote", o.unserve_remote, n.unserve_remote);
  count("unserve_num", o.unserve_num, n.unserve_num);
  secs("unserve_unused_timeout", o.unserve_unused_timeout, n.unserve_unused_timeout);
  secs("unserve_idle_timeout", o.unserve_idle_timeout, n.unserve_idle_timeout);
  // The ping pace is fixed when the session starts (with the route's).
  secs("heartbeat", o.heartbeat, n.heartbeat, next_connection);
  secs("reconnect", o.reconnect, n.reconnect);
  secs("dial_timeout", o.dial_timeout, n.dial_timeout);
  flag("log_links", o.log_links, n.log_links);
  count("max_links_per_serve", o.max_links_per_serve, n.max_links_per_serve);
  count("max_idle_links", o.max_idle_links, n.max_idle_links);
  // The listener is bound at start, with its token (as on the route).
  if (o.metrics != n.metrics || o.status_token != n.status_token)
    out.push_back("metrics/status_token changed: needs a restart");
  // [route]: read by the TLS handshake and the hello; the session in
  // progress was admitted and checked already.
  text("token", o.token, n.token, next_connection);
  text("fingerprint", o.fingerprint, n.fingerprint, next_connection);
  text("known_routes", o.known_routes, n.known_routes, next_connection);
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
