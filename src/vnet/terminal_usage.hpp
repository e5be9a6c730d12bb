#pragma once
// The terminal's commands as the user reads them: `help`, `help CMD`, and the
// usage line printed after a mistake.
#include <span>
#include <string_view>

namespace vnet {

struct command_info {
  const char* name;
  const char* synopsis;  // arguments, for the help list
  const char* summary;
  const char* usage;
  const char* details;
};

inline std::span<const command_info> commands() {
  static constexpr command_info list[] = {
      {"help", "[COMMAND]", "the commands, or the details of one", "help [COMMAND]",
       "Without a command: one line per command. With one: its usage and details."},
      {"show", "WHAT", "serve | use | vnet: this vnet; serves | vnets: asked from the route",
       "show serve|use|vnet|serves|vnets",
       "serve   this vnet's serves: serveid granted by the route, state, live links\n"
       "use     this vnet's uses: listen address, state, live links\n"
       "vnet    this vnet: vnetid, name, group, route, unserve settings\n"
       "serves  every serve of the group, asked from the route\n"
       "vnets   every vnet of the group with its live links, asked from the route"},
      {"serve", "ACTION", "new | run | open | close | delete a serve of this vnet",
       "serve new|run [NAME] [serveid=N] [ip=IP] [port=N] [name=TEXT] [info=TEXT] | "
       "serve open|close|delete [NAME|SERVEID]",
       "new     create a serve, inactive          run    create and register it\n"
       "open    register an inactive serve        close  unregister it, close its links\n"
       "delete  unregister and forget it\n"
       "serveid: 000 or absent lets the route pick; 1-499 dynamic; 500-999 static.\n"
       "With no key=value on the line every field is asked, defaults in parentheses."},
      {"use", "ACTION", "new | run | open | close | delete a use (a remote serve on a local port)",
       "use new|run [NAME] [serveid=N] [ip=IP] [port=N] | use open|close|delete [NAME|SERVEID]",
       "new     create a use, inactive            run    create it and listen\n"
       "open    listen on an inactive use         close  stop listening, close its links\n"
       "delete  close and forget it\n"
       "port defaults to the serve's own port. A use listens while its serveid is offered."},
      {"unserve", "", "ask a vnet of the group to serve something it did not register",
       "unserve [vnetid=N] [ip=IP] [port=N] [local_ip=IP] [local_port=N]",
       "Asks vnet N (see show vnets) for ip:port on its side. That vnet needs\n"
       "allow_unserve=true (and unserve_remote=true for a non-loopback ip) and grants\n"
       "at most unserve_num. Accepted, a local use unserve-SSS maps it here. An unserve\n"
       "never used expires after unserve_unused_timeout (180 s), a used one\n"
       "unserve_idle_timeout (60 s) after its last connection closed."},
      {"ping", "", "round trip to the route, in milliseconds", "ping",
       "Measured over the control connection, so it includes this vnet's own queueing."},
      {"reload", "[FILE]", "re-read the configuration and apply what changed", "reload [FILE]",
       "Compares FILE (default: the file loaded last) with the file loaded last and\n"
       "applies only the differences; untouched serves and uses keep their links.\n"
       "A bad file changes nothing. SIGHUP does the same with the current file."},
      {"exit", "", "close everything and exit (also Ctrl-D)", "exit",
       "Unregisters the serves, closes the uses and their links, and exits with 0."},
  };
  return list;
}

inline const command_info* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace vnet
