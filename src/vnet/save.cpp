#include "vnet/save.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "config/values.hpp"

namespace vnet {
namespace {

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

bool same_text(const std::optional<std::string>& v, const std::string& now, const std::string& dflt) {
  return v.value_or(dflt) == now;
}

template <typename Number, typename Rule>
bool same_number(const std::optional<std::string>& v, Number now, Number dflt, Rule rule) {
  if (!v) return now == dflt;
  Number parsed{};
  return !rule(*v, parsed) && parsed == now;
}

bool same_bool(const std::optional<std::string>& v, bool now, bool dflt) {
  return same_number(v, now, dflt, [](std::string_view s, bool& b) { return config::boolean_problem(s, b); });
}

std::vector<key_value> serve_keys(const config::serve_config& s, bool keep_inactive) {
  auto serveid_rule = [](std::string_view t, std::uint16_t& v) { return config::serveid_problem(t, 0, v); };
  auto port_rule = [](std::string_view t, std::uint16_t& v) { return config::port_problem(t, 1, v); };
  return {
      {"serveid", fmt::format("{:03}", s.serveid), s.serveid == 0,
       [&s, serveid_rule](const auto& v) { return same_number<std::uint16_t>(v, s.serveid, 0, serveid_rule); }},
      {"type", s.type, s.type == "tcp",
       [&s](const auto& v) { return config::lower_case(v.value_or("tcp")) == s.type; }},
      {"ip", s.ip, s.ip == "127.0.0.1", [&s](const auto& v) { return same_text(v, s.ip, "127.0.0.1"); }},
      {"port", std::to_string(s.port), false,
       [&s, port_rule](const auto& v) { return same_number<std::uint16_t>(v, s.port, 0, port_rule); }},
      {"name", s.name, s.name == s.key, [&s](const auto& v) { return same_text(v, s.name, s.key); }},
      {"info", s.info, s.info.empty(), [&s](const auto& v) { return same_text(v, s.info, ""); }},
      {"active", s.active ? "true" : "false", s.active,
       [&s, keep_inactive](const auto& v) { return (keep_inactive && !s.active) || same_bool(v, s.active, true); }},
  };
}

std::vector<key_value> use_keys(const config::use_config& u, bool keep_inactive) {
  auto serveid_rule = [](std::string_view t, std::uint16_t& v) { return config::serveid_problem(t, 0, v); };
  auto port_rule = [](std::string_view t, std::uint16_t& v) { return config::port_problem(t, 1, v); };
  return {
      {"serveid", fmt::format("{:03}", u.serveid), u.serveid == 0,
       [&u, serveid_rule](const auto& v) { return same_number<std::uint16_t>(v, u.serveid, 0, serveid_rule); }},
      {"ip", u.ip, u.ip == "127.0.0.1", [&u](const auto& v) { return same_text(v, u.ip, "127.0.0.1"); }},
      {"port", std::to_string(u.port), u.port == 0,
       [&u, port_rule](const auto& v) { return same_number<std::uint16_t>(v, u.port, 0, port_rule); }},
      {"active", u.active ? "true" : "false", u.active,
       [&u, keep_inactive](const auto& v) { return (keep_inactive && !u.active) || same_bool(v, u.active, true); }},
  };
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
  std::vector<std::string> lines;
  {
    std::istringstream in(old_text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
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
    if (now.group != "default") head.push_back("group=" + now.group);
    if (now.terminal) head.push_back("terminal=true");
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
  std::string text;
  for (const auto& l : out) text += l + "\n";
  return text;
}

namespace {

// The file's text; nullopt when it does not exist.
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw config::error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Why this process cannot write `path` (and its .bak and .tmp beside it),
// with what to do instead; nullopt when it can. The packaged service is the
// usual case: /etc is read-only to it (ProtectSystem=strict) and the file is
// root's, but its state directory ($STATE_DIRECTORY) is its own.
std::optional<std::string> not_writable(const std::string& path, bool existed) {
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  int err = 0;
  if (::access(dir.c_str(), W_OK) != 0) err = errno;
  else if (existed && ::access(path.c_str(), W_OK) != 0) err = errno;
  if (err != EACCES && err != EPERM && err != EROFS) return std::nullopt;
  std::string hint;
  const char* state = std::getenv("STATE_DIRECTORY");
  if (state && *state) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    std::string to = std::string(state).substr(0, std::string(state).find(':')) + "/" + name;
    hint = fmt::format("save it where this vnet may write, its state directory: vnet ctl save {}; then, "
                       "as root, copy it over {} (the service keeps that one read-only)",
                       to, path);
  } else {
    hint = "save it to a file this vnet may write (save FILE), or run the vnet as a user that may write " + path;
  }
  return fmt::format("{}: this vnet cannot write there ({}); nothing written. {}", path, std::strerror(err), hint);
}

}  // namespace

std::string save_config(const std::string& path, const config::vnet_config& now,
                        const std::string& based_on) {
  auto current = read_text(path);
  bool existed = current.has_value();
  std::string old_text;
  if (current) old_text = *current;
  else if (!based_on.empty()) old_text = read_text(based_on).value_or("");
  auto text = rewrite_config(old_text, now);
  // It must read back as what runs now, or nothing is written.
  auto back = config::parse_vnet_config(text, path);
  // Same entries by key (the file's order may differ from the tables').
  auto same_entries = [](const auto& saved, const auto& running, bool keep_inactive) {
    if (saved.size() != running.size()) return false;
    for (auto x : running) {
      auto it = std::find_if(saved.begin(), saved.end(), [&](const auto& y) { return y.key == x.key; });
      if (it == saved.end()) return false;
      auto y = *it;
      if (keep_inactive && !x.active) x.active = y.active;
      if (!(x == y)) return false;
    }
    return true;
  };
  if (!same_entries(back.serves, now.serves, back.terminal && !back.startserve) ||
      !same_entries(back.uses, now.uses, back.terminal && !back.startuse))
    throw config::error(path + ": the saved file would not read back as the running serves and uses; "
                               "nothing written");
  if (existed && text == old_text) return fmt::format("{}: already up to date", path);
  if (auto bad = not_writable(path, existed)) throw config::error(*bad);

  struct stat st {};
  mode_t mode = existed && ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (existed) {
    std::ofstream bak(path + ".bak", std::ios::binary | std::ios::trunc);
    bak << old_text;
    if (!bak.flush()) throw config::error(path + ".bak: cannot write the backup; nothing written");
  }
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw config::error(fmt::format("{}: cannot write: {}", tmp, std::strerror(errno)));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw config::error(fmt::format("{}: cannot write: {}", path, why));
  }
  return fmt::format("saved {} serve(s) and {} use(s) to {}{}", now.serves.size(), now.uses.size(), path,
                     existed ? " (the previous file is " + path + ".bak)" : "");
}

}  // namespace vnet
