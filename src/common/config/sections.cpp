// A file's sections as the loaders see them (config/section.hpp): kinds
// read case-insensitively, repeated headers merged, and a near miss named.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "config/section.hpp"

namespace config {
namespace {

// Section kinds are case-insensitive, like keys: [Route], [VNET] and
// [Serve.ssh] are [route], [vnet] and [serve.ssh]. The NAME after the dot
// keeps its case ([serve.SSH] and [serve.ssh] are two serves), and a kind we
// do not know is left as written for the warning.
std::string canonical_section(const std::string& name) {
  auto dot = name.find('.');
  auto kind = lower_case(std::string_view(name).substr(0, dot));
  bool known = dot == std::string::npos ? kind == "route" || kind == "vnet"
                                        : kind == "serve" || kind == "use";
  return known ? kind + name.substr(std::min(dot, name.size())) : name;
}

}  // namespace

// The sections in file order, keys before any section first (under "").
// Repeated headers merge, as in inih; a key set twice is refused.
std::vector<section> load_sections(const std::string& text, const std::string& file, problems& found) {
  std::vector<std::string> names;
  auto entries = parse_ini(text, file, &names, &found.list());
  std::vector<section> out;
  auto find = [&](const std::string& name) -> section& {
    auto canonical = canonical_section(name);
    for (auto& s : out)
      if (s.name() == canonical) return s;
    return out.emplace_back(file, canonical);
  };
  for (const auto& e : entries)
    if (e.section.empty()) found.attempt([&] { find(e.section).add(e); });
  for (const auto& n : names) find(n);
  for (auto& e : entries)
    if (!e.section.empty()) found.attempt([&] { find(e.section).add(std::move(e)); });
  return out;
}

// "[servce.ssh]" -> "[serve.ssh]", "[vnte]" -> "[vnet]", "[serve]" ->
// "[serve.NAME]"; empty when nothing is close.
std::string section_suggestion(const std::string& name) {
  auto dot = name.find('.');
  auto kind = lower_case(std::string_view(name).substr(0, dot));
  if (dot != std::string::npos) {
    auto near = closest(kind, {"serve", "use"});
    return near ? "[" + *near + name.substr(dot) + "]" : "";
  }
  if (auto near = closest(kind, {"route", "vnet"})) return "[" + *near + "]";
  if (auto near = closest(kind, {"serve", "use"})) return "[" + *near + ".NAME]";
  if (kind == "use") return "[use.NAME]";  // too short for closest(): an exact kind
  return "";
}

const section* find_section(const std::vector<section>& all, std::string_view name) {
  auto it =
      std::find_if(all.begin(), all.end(), [&](const section& s) { return s.name() == name; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace config
