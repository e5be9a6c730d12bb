#pragma once
// `vnet --install-service` and `--uninstall-service` (Windows): vnet as a
// service the Service Control Manager starts at boot, before anyone logs
// on (docs/operations.md). The SCM starts `vnet.exe --service ...`.
#include <string>

namespace vnet {

// The service's name for the SCM (`sc query vnet`).
inline constexpr char service_name[] = "vnet";

// Registers (or updates) the service: `vnet.exe --service --log-file
// FOLDER\vnet.log CONFIG`, with `config` made absolute and its folder for the
// log (a service has no console). Prints what it did; returns the exit
// status (0 done, 1 failed, 2 not on this platform).
int install_service(const std::string& program, const std::string& config);

// Stops and removes the service; none to remove is not an error.
int uninstall_service(const std::string& program);

}  // namespace vnet
