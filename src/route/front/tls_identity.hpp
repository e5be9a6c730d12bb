#pragma once
// The route's TLS identity: the certificate and key the operator names
// ([route] tls_cert, tls_key; e.g. from a public CA), or else a key the
// route generates on first start and keeps (route-key.pem, mode 0600) in
// $STATE_DIRECTORY under systemd, else beside its file, with a self-signed
// certificate made from it at each start.
// vnets pin or remember the key's fingerprint, so it must survive restarts.
#include <memory>
#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "net/tls/tls.hpp"

namespace route {

struct tls_identity {
  std::shared_ptr<net::tls::ssl::context> context;  // server side, TLS 1.3 only
  std::string fingerprint;                     // SHA256:... of the key
  std::string source;                          // for the log: which files, or "generated ..."
};

// The generated key's file name, in $STATE_DIRECTORY or beside the route's file.
inline constexpr char generated_key_name[] = "route-key.pem";

// Throws std::runtime_error with a message naming the file and the problem
// (unreadable, not PEM, certificate and key not matching). A file path of
// "" (tests building a configuration in memory) means a fresh key in memory.
tls_identity load_tls_identity(const config::route_config& cfg);

}  // namespace route
