#include "vnet/save.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "config/schema.hpp"
#include "config/values.hpp"

namespace vnet {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// One managed key of a serve or use: its value now, and whether the value
// written in the file (nullopt: absent) already means it.
struct key_value {
  const char* key;
  std::string now;
  bool is_default;                                            // absent would do
  std::function<bool(const std::optional<std::string>&)> same;
};

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// A line's key and value, as the ini reader sees them; nullopt for comments,
// blank lines and section headers.
struct key_line {
  std::string key;  // lower-cased
  std::string value;
};
std::optional<key_line> parse_key_line(const std::string& line) {
  auto t = trim(line);
  if (t.empty() || t[0] == ';' || t[0] == '#' || t[0] == '[') return std::nullopt;
  auto sep = t.find_first_of("=:");
  if (sep == std::string::npos) return std::nullopt;
  std::string value = t.substr(sep + 1);
  for (std::size_t i = 1; i < value.size(); ++i)
    if (value[i] == ';' && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
      value.resize(i);
      break;
    }
  return key_line{config::lower_case(trim(t.substr(0, sep))), trim(value)};
}

std::optional<std::string> header_of(const std::string& line) {
  auto t = trim(line);
  if (t.size() < 2 || t[0] != '[') return std::nullopt;
  auto close = t.find(']');
  if (close == std::string::npos) return std::nullopt;
  return trim(std::string_view(t).substr(1, close - 1));
}

// "serve.NAME" -> {"serve", "NAME"}: the kind in any case, the name as written.
std::pair<std::string, std::string> split_section(const std::string& name) {
  auto dot = name.find('.');
  if (dot == std::string::npos) return {config::lower_case(name), {}};
  return {config::lower_case(name.substr(0, dot)), name.substr(dot + 1)};
}

// The keys of a serve or use, from its schema table: a key is left as
// written when the file would read it back as the value it has now.
template <typename Config>
std::vector<key_value> managed_keys(config::table<Config> t, const Config& now, bool keep_inactive) {
  Config fresh;  // what a section with no keys at all would read as
  fresh.key = now.key;
  config::complete(fresh);
  std::vector<key_value> out;
  for (const auto& k : t) {
    // With keep_inactive, every entry starts inactive whatever the file says.
    bool kept = std::string_view(k.key) == "active" && keep_inactive && !now.active;
    out.push_back({k.key, k.text(now), k.same(fresh, now),
                   [&k, &now, fresh, kept](const std::optional<std::string>& written) {
                     if (kept) return true;
                     Config read = fresh;
                     if (written && !k.read(read, *written)) return false;
                     config::complete(read);
                     return k.same(read, now);
                   }});
  }
  return out;
}

std::vector<key_value> serve_keys(const config::serve_config& s, bool keep_inactive) {
  return managed_keys(config::serve_keys(), s, keep_inactive);
}

std::vector<key_value> use_keys(const config::use_config& u, bool keep_inactive) {
  return managed_keys(config::use_keys(), u, keep_inactive);
}

// A value is written as `key=value`; the reader trims it and cuts at ` ;`.
void check_writable(const std::string& section, const key_value& kv) {
  bool comment = false;
  for (std::size_t i = 1; i < kv.now.size(); ++i)
    comment |= kv.now[i] == ';' && (kv.now[i - 1] == ' ' || kv.now[i - 1] == '\t');
  if (comment || kv.now != trim(kv.now))
    throw config::error(fmt::format("[{}] {} = \"{}\" cannot be saved: a file would read it back "
                                    "differently (leading or trailing space, or \" ;\")",
                                    section, kv.key, kv.now));
}

struct block {
  std::size_t begin, end;  // lines [begin, end): header first (none for the preamble)
  std::string kind, name;
};

// Brings the block's key lines to `keys`; returns its new lines.
std::vector<std::string> update_block(const std::vector<std::string>& lines, const block& b,
                                      const std::string& section, const std::vector<key_value>& keys) {
  std::vector<std::string> out(lines.begin() + b.begin, lines.begin() + b.end);
  std::size_t last_key = 0;  // index in out after which a new key goes
  for (std::size_t i = 1; i < out.size(); ++i)
    if (parse_key_line(out[i])) last_key = i;
  for (const auto& kv : keys) {
    std::optional<std::string> written;
    std::optional<std::size_t> at;
    for (std::size_t i = 1; i < out.size(); ++i)
      if (auto kl = parse_key_line(out[i]); kl && kl->key == kv.key) {
        written = kl->value;
        at = i;
      }
    if (kv.same(written)) continue;
    check_writable(section, kv);
    auto line = std::string(kv.key) + "=" + kv.now;
    if (at) {
      out[*at] = line;
    } else {
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(last_key + 1), line);
      ++last_key;
    }
  }
  return out;
}

std::vector<std::string> new_section(const std::string& section, const std::vector<key_value>& keys) {
  std::vector<std::string> out{"", "[" + section + "]"};
  for (const auto& kv : keys) {
    if (kv.is_default) continue;
    check_writable(section, kv);
    out.push_back(std::string(kv.key) + "=" + kv.now);
  }
  return out;
}

}  // namespace

std::string rewrite_config(const std::string& old_text, const config::vnet_config& now) {
  // A byte order mark and CRLF line ends (Notepad writes both) belong to the
  // file: the loader skips the mark, and both are written back as found, new
  // lines included. Left in the first line, the mark would hide its header.
  std::string_view body(old_text);
  const bool bom = body.starts_with(utf8_bom);
  if (bom) body.remove_prefix(utf8_bom.size());
  const auto first_end = body.find('\n');
  const bool crlf = first_end != std::string_view::npos && first_end > 0 && body[first_end - 1] == '\r';
  std::vector<std::string> lines;
  {
    std::istringstream in{std::string(body)};
    for (std::string l; std::getline(in, l);) {
      if (crlf && !l.empty() && l.back() == '\r') l.pop_back();
      lines.push_back(l);
    }
  }
  std::vector<block> blocks;
  blocks.push_back({0, 0, "", ""});
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (auto h = header_of(lines[i])) {
      blocks.back().end = i;
      auto [kind, name] = split_section(*h);
      blocks.push_back({i, i, kind, name});
    }
  }
  blocks.back().end = lines.size();

  // With terminal=true and startserve/startuse=false every entry starts
  // inactive whatever its `active` says: an entry still inactive needs no
  // change of that key.
  bool keep_serves_inactive = now.terminal && !now.startserve;
  bool keep_uses_inactive = now.terminal && !now.startuse;
  std::vector<std::string> out;
  std::vector<bool> serve_done(now.serves.size()), use_done(now.uses.size());
  bool has_route = false, has_vnet = false;
  for (const auto& b : blocks) {
    has_route |= b.kind == "route";
    has_vnet |= b.kind == "vnet";
    const bool serve = b.kind == "serve", use = b.kind == "use";
    if (!serve && !use) {
      out.insert(out.end(), lines.begin() + b.begin, lines.begin() + b.end);
      continue;
    }
    std::optional<std::size_t> match;
    if (serve) {
      for (std::size_t i = 0; i < now.serves.size(); ++i)
        if (now.serves[i].key == b.name) match = i;
    } else {
      for (std::size_t i = 0; i < now.uses.size(); ++i)
        if (now.uses[i].key == b.name) match = i;
    }
    if (!match) {
      // A deleted entry: its section goes, but comment lines at its end
      // usually introduce the next section and stay.
      std::size_t keep_from = b.end;
      while (keep_from > b.begin + 1) {
        auto t = trim(lines[keep_from - 1]);
        if (!t.empty() && t[0] != ';' && t[0] != '#') break;
        --keep_from;
      }
      out.insert(out.end(), lines.begin() + keep_from, lines.begin() + b.end);
      continue;
    }
    const std::string section = lines[b.begin].empty() ? "" : *header_of(lines[b.begin]);
    auto keys = serve ? serve_keys(now.serves[*match], keep_serves_inactive)
                      : use_keys(now.uses[*match], keep_uses_inactive);
    (serve ? serve_done : use_done)[*match] = true;
    auto updated = update_block(lines, b, section, keys);
    out.insert(out.end(), updated.begin(), updated.end());
  }

  std::vector<std::string> head;
  if (!has_route)
    head = {"[route]", "ip=" + now.route.ip, "port=" + std::to_string(now.route.port), ""};
  if (!has_vnet) {
    head.push_back("[vnet]");
    head.push_back("name=" + now.name);
    // Beyond the name, only what differs from the schema's defaults.
    const config::vnet_config fresh;
    for (const char* key : {"group", "terminal"}) {
      const auto* k = config::find_key(config::vnet_keys(), key);
      if (!k->same(fresh, now)) head.push_back(std::string(key) + "=" + k->text(now));
    }
    head.push_back("");
  }
  out.insert(out.begin(), head.begin(), head.end());
  while (!out.empty() && trim(out.back()).empty()) out.pop_back();
  for (std::size_t i = 0; i < now.serves.size(); ++i)
    if (!serve_done[i]) {
      auto s = new_section("serve." + now.serves[i].key, serve_keys(now.serves[i], false));
      out.insert(out.end(), s.begin(), s.end());
    }
  for (std::size_t i = 0; i < now.uses.size(); ++i)
    if (!use_done[i]) {
      auto s = new_section("use." + now.uses[i].key, use_keys(now.uses[i], false));
      out.insert(out.end(), s.begin(), s.end());
    }
  std::string text(bom ? utf8_bom : std::string_view{});
  for (const auto& l : out) text += l + (crlf ? "\r\n" : "\n");
  return text;
}

}  // namespace vnet
