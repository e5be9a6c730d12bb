#pragma once
// Starting at logon on Windows: a shortcut (.lnk) in the user's Startup
// folder, as the original manual told users to make by hand. POSIX has no
// such folder (a systemd unit starts vnet at boot there).
#include <optional>
#include <string>
#include <system_error>

namespace platform {

inline constexpr bool has_startup_folder =
#ifdef _WIN32
    true;
#else
    false;
#endif

// The user's Startup folder (FOLDERID_Startup); nullopt when it cannot be
// found, and always on POSIX.
std::optional<std::string> startup_folder();

struct shortcut {
  std::string path;         // the .lnk file
  std::string target;       // the program or script it starts
  std::string arguments;    // its command line after the target, as Windows quotes it
  std::string working_dir;  // the folder it starts in
  std::string description;  // shown as the shortcut's comment
};

// Writes (or overwrites) the shortcut through the shell's IShellLinkW and
// IPersistFile. errc::not_supported on POSIX.
std::error_code write_shortcut(const shortcut& s);

}  // namespace platform
