#pragma once
// `vnet --install-startup` and `--uninstall-startup` (Windows): a shortcut
// in the user's Startup folder that starts vnet at logon, the way the
// original manual told users to make one by hand (docs/operations.md).
#include <optional>
#include <string>

namespace vnet {

// The shortcut's name in the Startup folder.
inline constexpr char startup_shortcut_name[] = "vnet.lnk";

// Puts (or replaces) the shortcut: to vnet.cmd beside the program when
// `config` is the default file and vnet.cmd is there, else to the program
// with `config` (made absolute) as its argument. Prints what it did; returns
// the exit status (0 done, 1 failed, 2 not on this platform).
int install_startup(const std::string& program, const std::string& config, bool config_given);

// `config` made absolute, when it is a file; else says what to do (copy
// config.ini.example) and returns nullopt. Shared with --install-service.
std::optional<std::string> config_to_start(const std::string& program, const std::string& config);

// Removes the shortcut; having none to remove is not an error.
int uninstall_startup(const std::string& program);

}  // namespace vnet
