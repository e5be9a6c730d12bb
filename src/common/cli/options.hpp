#pragma once
// The command line shared by both daemons: [options] [config.ini].
#include <optional>
#include <string>

#include "config/flags.hpp"
#include "log/setup.hpp"

namespace cli {

struct options {
  std::string config_path;  // platform::default_config_file() unless named
  logging::log_options log;  // --log-level, --log-file, --log-file-size
  bool check_only = false;  // --check-config: validate the file, touch no socket
  std::string ctl_path;  // --ctl: the control socket (`PROGRAM ctl`)
  bool config_given = false;  // a file was named (not the default)
  bool gen_token = false;    // route only: --gen-token, print a random token and exit
  bool fingerprint = false;  // route only: --fingerprint, print the TLS key's fingerprint and exit
  config::vnet_flags vnet;  // vnet only: --route, --group, --name, --serve, --use
  bool gen_key = false;     // vnet only: --gen-key, print a new group_key and exit
  bool install_startup = false;    // vnet only: --install-startup (Windows: a shortcut started at logon)
  bool uninstall_startup = false;  // vnet only: --uninstall-startup
  bool install_service = false;    // vnet only: --install-service (Windows: started by the SCM at boot)
  bool uninstall_service = false;  // vnet only: --uninstall-service
};

// The default configuration file (platform::default_config_file()) as help
// and messages show it: ./config.ini, or the absolute path beside the .exe.
std::string shown_default_config();

// Parses argv. Prints help/version/errors itself; returns nullopt with
// exit_code set when the process should stop (0 for --help/--version, 2 for
// a bad command line). `with_vnet_flags`: accept the vnet's one-line form
// (--route, --group, --name, --serve, --use) instead of a file. Messages
// name the program as it was started (argv[0]'s file name), else default_name.
std::optional<options> parse(int argc, char** argv, const char* default_name, const char* summary,
                             int& exit_code, bool with_vnet_flags = false);

}  // namespace cli
