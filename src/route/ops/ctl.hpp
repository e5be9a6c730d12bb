#pragma once
// `vnet-route ctl COMMAND` (ctl.cpp): help, show vnets|groups|links, as
// tables like the vnet terminal's. Read-only.
#include <string>

#include "net/ctl/ctl_server.hpp"
#include "route/ops/state_view.hpp"

namespace route {

net::ctl::ctl_answer ctl_answer(const state_view& route, const std::string& line);

}  // namespace route
