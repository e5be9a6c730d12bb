#pragma once
// What re-reading the route's file (SIGHUP) changes. Pure: the server applies
// the plan. Settings that only shape what happens next (deadlines, the pace
// told to vnets in their welcome) apply live; the listening address cannot
// move without dropping every vnet, so a new one waits for a restart.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace route {

struct reload_plan {
  config::route_config apply;        // the new file, but the listening address kept
  std::vector<std::string> changes;  // "timeout 15 -> 20", in the schema's order
  bool listen_changed = false;       // [route] ip/port differ: needs a restart

  // "timeout 15 -> 20, link_timeout 10 -> 5", or "nothing changed".
  std::string summary() const;
};

reload_plan plan_reload(const config::route_config& now, const config::route_config& next);

}  // namespace route
