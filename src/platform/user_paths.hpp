#pragma once
// Per-user folders and files: where a vnet keeps its state (known_routes,
// the terminal's history) and puts its one-liner ctl socket, and which
// configuration file a daemon reads by default.
#include <optional>
#include <string>

namespace platform {

// The user's folder for vnet's state: $HOME/.local/state/vnet on POSIX,
// %LOCALAPPDATA%\vnet on Windows; "./.local/state/vnet" without a home.
std::string user_state_folder();

// Where a daemon started with a configuration file keeps the files it
// makes itself (known_routes, a generated route key): nullopt on POSIX,
// where they go beside the file; user_state_folder() on Windows, where the
// file sits beside the .exe, in a folder that may be read-only or shared.
std::optional<std::string> private_state_folder();

// The terminal's history across runs: $HOME/.vnet_history on POSIX
// (nullopt without a home), %LOCALAPPDATA%\vnet\history on Windows.
std::optional<std::string> history_file();

// The configuration file a daemon reads when none is named: config.ini in
// the current folder on POSIX; config.ini beside the .exe on Windows (where
// vnet.cmd and a Startup shortcut keep it).
std::string default_config_file();

// The user's home folder ($HOME, %USERPROFILE%); nullopt when unset.
std::optional<std::string> user_home();

// The user's runtime folder ($XDG_RUNTIME_DIR); nullopt when unset (always
// on Windows).
std::optional<std::string> user_runtime_folder();

}  // namespace platform
