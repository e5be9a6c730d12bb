#pragma once
// Per-user folders: where a vnet started by hand keeps its state
// (known_routes) and puts its one-liner ctl socket.
#include <optional>
#include <string>

namespace platform {

// The user's folder for vnet's state: $HOME/.local/state/vnet on POSIX,
// %LOCALAPPDATA%\vnet on Windows; "./.local/state/vnet" without a home.
std::string user_state_folder();

// The user's home folder ($HOME, %USERPROFILE%); nullopt when unset.
std::optional<std::string> user_home();

// The user's runtime folder ($XDG_RUNTIME_DIR); nullopt when unset (always
// on Windows).
std::optional<std::string> user_runtime_folder();

}  // namespace platform
