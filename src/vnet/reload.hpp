#pragma once
// What a reload changes: the new file compared with the file loaded last.
// Entries are matched by key (the NAME of [serve.NAME] / [use.NAME]); their
// order in the file does not matter.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace vnet {

struct config_diff {
  std::vector<config::serve_config> serves_added, serves_changed;  // new definitions
  std::vector<std::string> serves_removed;                          // keys
  std::vector<config::use_config> uses_added, uses_changed;         // new definitions
  std::vector<std::string> uses_removed;                            // keys
  bool name_changed = false, group_changed = false, route_changed = false;
  // [vnet] group_key: like a group change, the vnet lands in another group
  // on the route (the wire group derives from it) and reconnects.
  bool group_key_changed = false;
  // Every other [vnet] / [route] key that changed, as the summary shows it
  // and saying when it takes effect if not for the next link or request:
  // "max_links_per_serve 512 -> 2", "heartbeat 6 -> 2 (at the next
  // connection)", "metrics/status_token changed: needs a restart". Secrets
  // are named, never shown. Not entries: empty() ignores them.
  std::vector<std::string> settings;

  bool empty() const;
  // "nothing changed"; the settings alone ("max_links_per_serve 512 -> 2");
  // or "serves +A -R ~C, uses +A -R ~C" followed by ", name OLD -> NEW",
  // ", group OLD -> NEW", ", group_key changed" (never the key), ", route
  // IP:PORT -> IP:PORT" for those that changed, then the settings.
  // `before`/`after` are the configs given to diff().
  std::string summary(const config::vnet_config& before, const config::vnet_config& after) const;
};

// Added and changed entries in `after`'s order, removed ones in `before`'s.
// Every key of [vnet] and every [route] key the vnet reads is compared; the
// caller takes the settings from `after` whatever the diff.
config_diff diff(const config::vnet_config& before, const config::vnet_config& after);

// True when `active` is the only difference, so the entry is opened or
// closed rather than re-created.
bool only_active_differs(const config::serve_config& a, const config::serve_config& b);
bool only_active_differs(const config::use_config& a, const config::use_config& b);

// One step of applying a reload to a table of serves or uses.
template <typename Config>
struct apply_step {
  enum class action { remove, set_active, add };
  action what;
  std::string key;  // remove, set_active: the entry's key
  Config cfg;       // set_active: cfg.active is the new state; add: the entry
  bool operator==(const apply_step&) const = default;
};

// The steps, in order, that bring a table to the new file: removed entries
// go; an entry whose `active` alone changed is opened or closed (its
// connections kept or closed, not re-created); any other change re-creates
// the entry (remove, then add: its connections are closed); added entries
// come, replacing an entry of the same key made in the terminal. `present`
// holds the keys the table has now (the terminal may have deleted or made
// some since the last load).
std::vector<apply_step<config::serve_config>> plan_apply(
    const std::vector<config::serve_config>& before, const config_diff& d,
    const std::vector<std::string>& present);
std::vector<apply_step<config::use_config>> plan_apply(
    const std::vector<config::use_config>& before, const config_diff& d,
    const std::vector<std::string>& present);

}  // namespace vnet
