// `vnet-route ctl COMMAND`: what the route knows, as tables like the vnet
// terminal's. Read-only: the route's state changes only through its vnets
// and its file.
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "route/ops/ctl.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"
#include "text/table.hpp"

namespace route {
namespace {

constexpr const char* usage = "usage: help | show vnets|groups|links\n";
constexpr const char* help_text =
    "  help                the commands\n"
    "  show vnets          each connected vnet: id, name, group, address, serves, live links, connected since\n"
    "  show groups         each group: its vnets, serves and live links\n"
    "  show links          each live link: the using vnet, the serve it reaches, its age\n";

// Names and groups come from the vnets: data, escaped.
std::string peer(std::string_view s) { return text::printable(s); }

using text::plural;

std::string age(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
  return fmt::format("{} d {} h", s / 86400, s % 86400 / 3600);
}

std::string when(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(std::chrono::system_clock::to_time_t(t)));
}

}  // namespace

net::ctl::ctl_answer ctl_answer(const state_view& route, const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return {2, std::string("error: which command?\n") + usage};
  if (words[0] == "help" && words.size() == 1) return {0, help_text};
  if (words[0] != "show")
    return {2, fmt::format("error: no command '{}' (the route answers help and show)\n{}", peer(words[0]), usage)};
  if (words.size() != 2) return {2, std::string("error: show takes one of vnets, groups, links\n") + usage};

  std::vector<std::vector<std::string>> rows;
  std::string footer;
  const auto links = route.links.active_links();
  if (words[1] == "vnets") {
    rows.push_back({"vnetid", "name", "group", "address", "serves", "links", "connected since"});
    for (const auto& [id, v] : route.vnets.vnets()) {
      const auto* s = route.sessions.find(id);
      rows.push_back({fmt::format("{:02}", id), peer(v.name), peer(v.group), s ? s->remote() : "-",
                      std::to_string(v.serves),
                      std::to_string(route.links.live_links(id)), when(v.since)});
    }
    footer = fmt::format("- {} -", plural(route.vnets.vnets().size(), "vnet"));
  } else if (words[1] == "groups") {
    rows.push_back({"group", "vnets", "serves", "links"});
    for (const auto& [group, members] : route.vnets.groups()) {
      std::size_t in_group = 0;  // a link belongs to the group of its vnets
      for (const auto& l : links) in_group += members.contains(l.use_vnet);
      rows.push_back({peer(group), std::to_string(members.size()),
                      std::to_string(route.vnets.serves_of_group(group).size()), std::to_string(in_group)});
    }
    footer = fmt::format("- {} -", plural(route.vnets.groups().size(), "group"));
  } else if (words[1] == "links") {
    rows.push_back({"link", "group", "use vnet", "serve vnet:serveid", "age"});
    auto name = [&route](std::uint32_t id) {
      const auto* v = route.vnets.find_vnet(id);
      return fmt::format("{:02} {}", id, v ? peer(v->name) : "?");
    };
    const auto now = std::chrono::steady_clock::now();
    for (const auto& l : links) {
      const auto* v = route.vnets.find_vnet(l.use_vnet);
      rows.push_back({std::to_string(l.id), v ? peer(v->group) : "?", name(l.use_vnet),
                      fmt::format("{}:{:03}", name(l.serve_vnet), l.serveid), age(now - l.since)});
    }
    footer = fmt::format("- {} live, {} waiting for the serving vnet, {} idle pooled ({} use, {} serve) -",
                         plural(links.size(), "link"), route.links.pending_count(),
                         route.idle.total(protocol::pool_role::use) + route.idle.total(protocol::pool_role::serve),
                         route.idle.total(protocol::pool_role::use), route.idle.total(protocol::pool_role::serve));
  } else {
    return {2, fmt::format("error: cannot show '{}'\n{}", peer(words[1]), usage)};
  }
  return {0, text::render_table(rows) + "\n" + footer + "\n"};
}

}  // namespace route
