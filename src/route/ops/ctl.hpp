#pragma once
// `vnet-route ctl COMMAND` (ctl.cpp): help, show vnets|groups|serves|links|
// rates|admission as tables like the vnet terminal's (ctl_show.cpp), and
// reload (what SIGHUP does). What the status page shows, ctl shows too.
#include <functional>
#include <optional>
#include <string>

#include "net/ctl/ctl_server.hpp"
#include "outcome/result.hpp"
#include "route/ops/state_view.hpp"

namespace route {

// Re-reads the route's file: what changed, or why nothing did.
using ctl_reload = std::function<outcome::result<std::string>()>;

net::ctl::ctl_answer ctl_answer(const state_view& route, const std::string& line, const ctl_reload& reload);

// The `show WHAT` tables (ctl_show.cpp); nullopt for an unknown WHAT.
std::optional<std::string> ctl_show(const state_view& route, const std::string& what);

}  // namespace route
