#pragma once
// A vnet described on the command line instead of a file, like `ssh -L`:
//   vnet --route HOST:7749 --group G --use 700:1122 --serve 22:700
// The flags are judged by the same value rules as a file (values.hpp), and
// an error names the flag as it was typed.
#include <string>
#include <vector>

#include "config/config.hpp"

namespace config {

struct vnet_flags {
  std::string route;               // --route HOST:PORT ([v6]:PORT for IPv6)
  std::string group;               // --group G (default "default")
  std::string name;                // --name N (default: this machine's host name)
  std::vector<std::string> serves; // --serve [IP:]PORT:SERVEID[/udp]
  std::vector<std::string> uses;   // --use SERVEID:[IP:]PORT[/udp]
  // Secrets come from files (a command line is readable by every user);
  // the pin is no secret.
  std::string token_file;          // --token-file FILE: [route] token
  std::string group_key_file;      // --group-key-file FILE: [vnet] group_key
  std::string fingerprint;         // --fingerprint SHA256:...: [route] fingerprint
  bool empty() const {
    return route.empty() && group.empty() && name.empty() && serves.empty() && uses.empty() &&
           token_file.empty() && group_key_file.empty() && fingerprint.empty();
  }
};

// Throws config::error, e.g. `--use 700:99999: not a port number (1-65535)`.
// The result has an empty path: there is no file to reload.
vnet_config vnet_config_from_flags(const vnet_flags& f);

// The fields of "a:b:c", where an IPv6 address stands in brackets: "[::1]:22:700".
std::vector<std::string> split_colon_fields(const std::string& s);

}  // namespace config
