#pragma once
// The terminal's one command table: it drives `help`, `help CMD`, the usage
// line printed after a mistake, dispatch (by `id`), Tab completion and the
// check of sub-command words (`words`). A command is added here only.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace vnet {

enum class command_id { help, show, serve, use, unserve, ping, reload, save, exit };

// The first word after a command, where it takes one; each list is in the
// order of its enum, so a word's position is its id (see word_id()).
enum class show_what { serve, use, vnet, serves, vnets };
inline constexpr std::string_view show_words[] = {"serve", "use", "vnet", "serves", "vnets"};
enum class edit_action { new_, run, open, close, delete_ };
inline constexpr std::string_view edit_words[] = {"new", "run", "open", "close", "delete"};
static_assert(std::size(show_words) == static_cast<std::size_t>(show_what::vnets) + 1);
static_assert(std::size(edit_words) == static_cast<std::size_t>(edit_action::delete_) + 1);
// The edit words that name an existing entry (NAME or SERVEID follows).
inline constexpr std::span<const std::string_view> ref_words{edit_words + 2, 3};

struct command_info {
  command_id id;
  std::span<const std::string_view> words;  // its sub-commands; empty: none
  const char* name;
  const char* synopsis;  // arguments, for the help list
  const char* summary;
  const char* usage;
  const char* details;
};

inline std::span<const command_info> commands() {
  static constexpr command_info list[] = {
      {command_id::help, {}, "help", "[COMMAND]", "the commands, or the details of one", "help [COMMAND]",
       "Without a command: one line per command. With one: its usage and details."},
      {command_id::show, show_words, "show", "WHAT", "serve | use | vnet: this vnet; serves | vnets: asked from the route",
       "show serve|use [KEY] | show vnet|serves|vnets",
       "serve   this vnet's serves: serveid granted by the route, state, links now;\n"
       "        why one was refused on a line under it\n"
       "use     this vnet's uses: listen address, state, links now; why one does not\n"
       "        listen on a line under it\n"
       "serve KEY, use KEY: that one in detail, with links in total, bytes in (from\n"
       "        the route) and out (to it)\n"
       "vnet    this vnet: vnetid, name, group, route, unserve settings\n"
       "serves  every serve of the group, asked from the route\n"
       "vnets   every vnet of the group with its live links, asked from the route"},
      {command_id::serve, edit_words, "serve", "ACTION", "new | run | open | close | delete a serve of this vnet",
       "serve new|run [NAME] [serveid=N] [ip=IP] [port=N] [name=TEXT] [info=TEXT] [type=tcp|udp] | "
       "serve open|close|delete [NAME|SERVEID]",
       "new     create a serve, inactive          run    create and register it\n"
       "open    register an inactive serve        close  unregister it, close its links\n"
       "delete  unregister and forget it\n"
       "serveid: 000 or absent lets the route pick; 1-499 dynamic; 500-999 static.\n"
       "With no key=value on the line every field is asked, defaults in parentheses."},
      {command_id::use, edit_words, "use", "ACTION", "new | run | open | close | delete a use (a remote serve on a local port)",
       "use new|run [NAME] [serveid=N] [ip=IP] [port=N] [type=tcp|udp] | use open|close|delete [NAME|SERVEID]",
       "new     create a use, inactive            run    create it and listen\n"
       "open    listen on an inactive use         close  stop listening, close its links\n"
       "delete  close and forget it\n"
       "port defaults to the serve's own port, type to the serve's. A use listens while its\n"
       "serveid is offered."},
      {command_id::unserve, {}, "unserve", "", "ask a vnet of the group to serve something it did not register",
       "unserve [vnetid=N] [ip=IP] [port=N] [type=tcp|udp] [local_ip=IP] [local_port=N]",
       "Asks vnet N (see show vnets) for ip:port on its side (type=udp: a UDP\n"
       "service, which that vnet cannot check is there). That vnet needs\n"
       "allow_unserve=true (and unserve_remote=true for a non-loopback ip) and grants\n"
       "at most unserve_num. Accepted, a local use unserve-SSS maps it here. An unserve\n"
       "never used expires after unserve_unused_timeout (180 s), a used one\n"
       "unserve_idle_timeout (60 s) after its last connection closed."},
      {command_id::ping, {}, "ping", "", "round trip to the route, in milliseconds", "ping",
       "Measured over the control connection, so it includes this vnet's own queueing."},
      {command_id::reload, {}, "reload", "[FILE]", "re-read the configuration and apply what changed", "reload [FILE]",
       "Compares FILE (default: the file loaded last) with the file loaded last and\n"
       "applies only the differences; untouched serves and uses keep their links.\n"
       "A bad file changes nothing. SIGHUP does the same with the current file."},
      {command_id::save, {}, "save", "[FILE]", "write the serves and uses as they are now to the file", "save [FILE]",
       "Writes this vnet's serves and uses, with their open/closed state, to FILE\n"
       "(default: the file loaded last). Only what changed is rewritten: comments and\n"
       "other lines stay. The previous file is kept as FILE.bak. Unserves are not saved."},
      {command_id::exit, {}, "exit", "", "close everything and exit (also Ctrl-D)", "exit",
       "Unregisters the serves, closes the uses and their links, and exits with 0."},
  };
  return list;
}

inline const command_info* find_command(std::string_view name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

inline const command_info& command(command_id id) {
  for (const auto& c : commands())
    if (c.id == id) return c;
  return commands().front();  // every id has an entry
}

inline bool is_one_of(std::string_view w, std::span<const std::string_view> words) {
  for (auto x : words)
    if (x == w) return true;
  return false;
}

// The id of sub-command word `w` in `words` (a list above), or nullopt.
template <typename Id>
std::optional<Id> word_id(std::string_view w, std::span<const std::string_view> words) {
  for (std::size_t i = 0; i < words.size(); ++i)
    if (words[i] == w) return static_cast<Id>(i);
  return std::nullopt;
}

}  // namespace vnet
