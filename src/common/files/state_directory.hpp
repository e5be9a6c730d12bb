#pragma once
// The folder systemd gives a service for its state ($STATE_DIRECTORY, from
// the unit's StateDirectory=): where a packaged daemon keeps what it makes
// itself (the route's TLS key, a vnet's known_routes) and may save its file,
// since the unit's /etc is read-only to it.
#include <optional>
#include <string>

namespace files {

// The first folder of $STATE_DIRECTORY (systemd lists several with ':');
// nullopt when it is unset or empty (not started by systemd).
std::optional<std::string> state_directory();

}  // namespace files
