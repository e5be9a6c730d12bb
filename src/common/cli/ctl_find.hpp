#pragma once
// `vnet ctl` with no --ctl and no --config, where no file's socket is in
// the current directory: the vnet meant is usually a one-liner (`vnet
// --route ...`), whose socket is $XDG_RUNTIME_DIR/vnet-PID.ctl. Those of
// this user's vnets that still run are found by their PID.
#include <string>
#include <vector>

namespace cli {

// The sockets `dir/PREFIX<pid>.ctl` whose process still runs, sorted.
std::vector<std::string> running_sockets(const std::string& dir, const std::string& prefix);

}  // namespace cli
