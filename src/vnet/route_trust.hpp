#pragma once
// Whether this vnet trusts the route's TLS key, in this order: the pin
// ([route] fingerprint=); else a certificate that verifies against the
// system's CAs for the route's name; else trust on first use, remembered in
// a known_routes file (like ssh's known_hosts): a changed key is refused
// with an error that says how to accept it.
#include <string>

#include "config/config.hpp"
#include "outcome/result.hpp"

namespace vnet {

// Where first-use fingerprints are kept: [route] known_routes= (relative to
// the file's folder); else $STATE_DIRECTORY/known_routes (systemd); else
// beside the vnet's file; else ~/.local/state/vnet/known_routes.
std::string known_routes_path(const config::vnet_config& cfg);

// Whether the key `fingerprint` ("SHA256:...", never empty: a route that
// presents no key is refused before) presented by the route at cfg.route is
// trusted (ca_verified: its certificate verified for the route's name); if
// not, why not, in words. A first use is remembered (logged); a file that
// cannot be written costs a warning, not the session. The file is read at
// each call: an edit applies at the next attempt.
outcome::status check_route_key(const config::vnet_config& cfg, const std::string& fingerprint,
                                bool ca_verified);

}  // namespace vnet
