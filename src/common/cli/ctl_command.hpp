#pragma once
// The client side of a daemon's control socket (see net/ctl/ctl_server.hpp):
// `vnet ctl COMMAND...` and `vnet-route ctl COMMAND...`. Plain blocking
// POSIX: one line out, one answer back.
#include <string>

namespace cli {

struct ctl_target {
  const char* daemon;        // "vnet", "route": for messages
  const char* runtime_name;  // the socket's name in a runtime directory: "vnet.ctl"
  const char* packaged_dir;  // the packaged unit's RuntimeDirectory: "/run/vnet"
  // A daemon run without a file names its socket $XDG_RUNTIME_DIR/PREFIX<pid>.ctl
  // ("vnet-"); nullptr: it has no such socket.
  const char* oneliner_prefix = nullptr;
};

// Where a daemon puts its control socket: `flag` (--ctl) when given, else
// $RUNTIME_DIRECTORY/runtime_name (systemd's RuntimeDirectory=), else
// `config_path` + ".ctl" beside the file; empty when there is no file either.
std::string ctl_path(const std::string& flag, const char* runtime_name, const std::string& config_path);

// Runs `PROGRAM ctl [--ctl PATH | --config FILE] COMMAND...` with args the
// words after "ctl". Without --ctl or --config: $RUNTIME_DIRECTORY/NAME,
// else the packaged service's socket if it exists, else config.ini.ctl (the
// default file's, beside the .exe on Windows) if it exists, else the one
// running daemon started without a file (several: they are listed, and
// --ctl asked for).
// Prints the answer (stdout when the command succeeded, stderr otherwise)
// and returns the exit status: the command's (0 done, 1 failed, 2 usage
// error), 2 for a bad ctl command line (or several daemons to choose from),
// 3 when no daemon answers at the path or none is found.
int run_ctl(const std::string& program, int argc, char** argv, const ctl_target& target);

}  // namespace cli
