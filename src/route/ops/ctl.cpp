// `vnet-route ctl COMMAND`: what the route knows (ctl_show.cpp), and reload.
// Nothing else changes the route's state: that happens through its vnets and
// its file.
#include <sstream>

#include <fmt/format.h>

#include "route/ops/ctl.hpp"
#include "text/printable.hpp"

namespace route {
namespace {

constexpr const char* usage = "usage: help | show vnets|groups|serves|links|rates|admission | reload\n";
constexpr const char* help_text =
    "  help                the commands\n"
    "  show vnets          each connected vnet: id, name, group, address, serves, live links, connected since\n"
    "  show groups         each group: its vnets, serves, live links and bytes relayed\n"
    "  show serves         each serve: its group, serveid, name, type (tcp/udp), vnet, address, bytes relayed\n"
    "  show links          each live link: the using vnet, the serve it reaches, its age and bytes\n"
    "  show rates          bytes/s and links/s over the last 5 s, minute and hour, route and groups\n"
    "  show admission      refused admissions (wrong token) and the addresses failing or banned\n"
    "  reload              re-read the route's file, as SIGHUP does, and say what changed\n";

}  // namespace

net::ctl::ctl_answer ctl_answer(const state_view& route, const std::string& line, const ctl_reload& reload) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return {2, std::string("error: which command?\n") + usage};
  if (words[0] == "help" && words.size() == 1) return {0, help_text};
  if (words[0] == "reload") {
    if (words.size() != 1) return {2, std::string("error: reload takes no argument (it reads the route's file)\n") + usage};
    auto done = reload();
    if (!done) return {1, fmt::format("error: reload failed, nothing changed: {}\n", done.why())};
    return {0, *done + "\n"};
  }
  if (words[0] != "show")
    return {2, fmt::format("error: no command '{}' (the route answers help, show and reload)\n{}",
                           text::printable(words[0]), usage)};
  if (words.size() != 2)
    return {2, std::string("error: show takes one of vnets, groups, serves, links, rates, admission\n") + usage};
  auto shown = ctl_show(route, words[1]);
  if (!shown) return {2, fmt::format("error: cannot show '{}'\n{}", text::printable(words[1]), usage)};
  return {0, *shown};
}

}  // namespace route
