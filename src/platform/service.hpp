#pragma once
// A Windows service: vnet run by the Service Control Manager at boot,
// installed and removed by `vnet --install-service` / `--uninstall-service`.
// POSIX has none (the packaged systemd unit does this there).
#include <functional>
#include <optional>
#include <string>
#include <system_error>

namespace platform {

// When this process was started by the Service Control Manager as service
// `name`: runs `body` as the service (reported running, then stopped with
// its exit status; a stop request from the SCM raises SIGTERM, the daemons'
// stop signal) and returns its status. nullopt when not started by the SCM,
// and always on POSIX.
std::optional<int> run_as_service(const std::string& name, std::function<int()> body);

// Registers (or re-registers) service `name`, started automatically at boot
// with `command_line`. errc::not_supported on POSIX.
std::error_code install_service(const std::string& name, const std::string& display_name,
                                const std::string& command_line);

// Stops and removes service `name`; errc::no_such_file_or_directory when
// there is none.
std::error_code uninstall_service(const std::string& name);

}  // namespace platform
