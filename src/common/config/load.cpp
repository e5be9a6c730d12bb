// Loaders for both daemons: ini entries -> validated structs. Which keys a
// section holds, and how each is read, is the schema's (schema.hpp); this
// file walks it, and checks what no single key can see.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "config/config.hpp"
#include "config/ini_file.hpp"
#include "config/schema.hpp"
#include "config/section.hpp"
#include "config/values.hpp"
#include "files/file_mode.hpp"
#include "platform/ip_text.hpp"

namespace config {
namespace {

std::string read_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw error(path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
  // fopen succeeds on a directory on Linux; the read is what fails (EISDIR).
  if (std::ferror(f.get())) throw error(path + ": cannot read: " + std::strerror(errno));
  return text;
}

// Binary form of an IP literal, so "::1" and "0::1" are the same address.
std::string address_key(const std::string& ip) {
  unsigned char buf[16];
  if (platform::parse_ipv4(ip.c_str(), buf)) return std::string(reinterpret_cast<char*>(buf), 4);
  if (platform::parse_ipv6(ip.c_str(), buf))
    return std::string(reinterpret_cast<char*>(buf), 16);
  return ip;
}

// Reads the keys of `t` that the section sets (with required == true: the
// keys a file must set, in table order, each named when missing). A bad
// key goes to `found`, and the next one is read.
template <class Config>
void read_keys(const section& s, table<Config> t, Config& c, bool required, problems& found) {
  for (const auto& k : t) {
    if (k.required != required) continue;
    found.attempt(s, k.key, [&] {
      const ini_entry* e = required ? &s.require(k.key) : s.find(k.key);
      if (!e) return;
      if (auto st = k.read(c, e->value); !st) s.fail(*e, st.why());
    });
  }
}

// [route] ip and port, before anything else: without them nothing works.
// nullptr (and the problem in `found`) when there is no [route].
template <class Config>
const section* read_route_endpoint(const std::vector<section>& all, const std::string& file,
                                   table<Config> t, Config& c, problems& found) {
  const section* s = find_section(all, "route");
  if (!s) {
    std::string msg = file + ": [route] ip is required";
    for (const auto& other : all)
      if (section_suggestion(other.name()) == "[route]")
        msg += " (there is no [route] section; is [" + other.name() + "] a typo of it?)";
    found.list().push_back(std::move(msg));
    return nullptr;
  }
  read_keys(*s, t, c, true, found);
  return s;
}

// [route] / [vnet] metrics: beyond loopback it needs the status_token
// (anyone who reaches it would see every vnet and serve name otherwise).
// Not when either key is wrong itself: that is the problem to report.
void check_metrics(const section& s, const endpoint& metrics, const std::string& token, const problems& found) {
  if (found.failed(s, "metrics") || found.failed(s, "status_token")) return;
  const ini_entry* e = s.find("metrics");
  if (e && !is_loopback(metrics.ip) && token.empty())
    s.fail(*e, "listens beyond loopback: set status_token in [" + s.name() +
                   "] too (`route --gen-token` prints one), or listen on 127.0.0.1");
}

serve_config read_serve(const section& s, vnet_config& cfg, problems& found) {
  s.warn_unknown(names_of(serve_keys()), cfg, found);
  serve_config c;
  c.key = s.name().substr(std::string_view("serve.").size());
  read_keys(s, serve_keys(), c, true, found);
  read_keys(s, serve_keys(), c, false, found);
  complete(c);
  return c;
}

use_config read_use(const section& s, vnet_config& cfg, problems& found) {
  s.warn_unknown(names_of(use_keys()), cfg, found);
  use_config c;
  c.key = s.name().substr(std::string_view("use.").size());
  read_keys(s, use_keys(), c, false, found);
  // An unreadable serveid is already an error; the warning is for one left
  // out or set to 0.
  const auto* id = s.find("serveid");
  if (c.serveid == 0 && (!id || id->value.find_first_not_of('0') == std::string::npos))
    cfg.warnings.push_back(s.file() + ": [" + s.name() + "] has no serveid: it will not be opened");
  return c;
}

void read_vnet(const section& s, vnet_config& c, problems& found) {
  s.warn_unknown(names_of(vnet_keys()), c, found);
  read_keys(s, vnet_keys(), c, false, found);
  found.attempt([&] { check_metrics(s, c.metrics, c.status_token, found); });
}

// Conflicts that no single section can see.
void check_unique(const std::vector<section>& sections, const vnet_config& c, problems& found) {
  std::map<std::uint16_t, const serve_config*> serveids;
  for (const auto& sv : c.serves) {
    if (sv.serveid == 0) continue;
    auto [it, fresh] = serveids.emplace(sv.serveid, &sv);
    if (!fresh) {
      const auto* s = find_section(sections, "serve." + sv.key);
      found.attempt([&] { s->fail(*s->find("serveid"), "already used by [serve." + it->second->key + "]"); });
    }
  }
  // A TCP and a UDP use may share ip:port (separate port spaces), but only
  // when both say their type: an unset one follows its serve and may be
  // either.
  std::map<std::pair<std::string, std::uint16_t>, std::vector<const use_config*>> listens;
  for (const auto& u : c.uses) {
    if (u.port == 0) continue;
    auto& same_port = listens[std::make_pair(address_key(u.ip), u.port)];
    for (const auto* other : same_port) {
      if (!u.type.empty() && !other->type.empty() && u.type != other->type) continue;
      const auto* s = find_section(sections, "use." + u.key);
      const bool udp = u.type == "udp" || other->type == "udp";
      found.attempt([&] {
        s->fail(*s->find("port"), u.ip + " port " + std::to_string(u.port) + " is already used by [use." +
                                      other->key + "]" +
                                      (udp ? " (a tcp and a udp use may share it when both set type)" : ""));
      });
      break;
    }
    same_port.push_back(&u);
  }
}

}  // namespace

route_config parse_route_config(const std::string& text, const std::string& name) {
  problems found;
  auto sections = load_sections(text, name, found);
  route_config c;
  // Every other section belongs to a vnet sharing this file: not our business.
  const section* route = read_route_endpoint(sections, name, route_keys(), c, found);
  if (route) {
    route->warn_unknown(route_section_names(), c, found);
    read_keys(*route, route_keys(), c, false, found);
    read_keys(*route, route_limit_keys(), c.limits, false, found);
    const ini_entry* cert = route->find("tls_cert");
    const ini_entry* key = route->find("tls_key");
    found.attempt([&] {
      if (cert && !key) route->fail(*cert, "needs tls_key too (the certificate's private key)");
      if (key && !cert) route->fail(*key, "needs tls_cert too (the certificate of that key)");
    });
    found.attempt([&] { check_metrics(*route, c.metrics, c.status_token, found); });
    // A route with a token keeps strangers out of its groups; its page and
    // /metrics name every group's vnets and serves, so they need a token as
    // well, even on loopback (any local user, or a browser, reaches that).
    found.attempt([&] {
      if (const ini_entry* m = route->find("metrics"); m && !c.metrics.ip.empty() && !c.token.empty() &&
                                                       c.status_token.empty())
        route->fail(*m, "the route has a token, so its status page and /metrics need one too: set "
                        "status_token in [route] (`route --gen-token` prints one)");
    });
  }
  found.throw_if_any(c);
  c.path = name;
  return c;
}

vnet_config parse_vnet_config(const std::string& text, const std::string& name) {
  problems found;
  auto sections = load_sections(text, name, found);
  vnet_config c;
  c.path = name;
  read_route_endpoint(sections, name, vnet_route_keys(), c, found);
  for (const auto& s : sections) {
    const auto& n = s.name();
    if (n == "route") {
      // The route daemon's own keys are expected here: one file may serve
      // both ends, as the manual's [route] does.
      s.warn_unknown(route_section_names(), c, found);
      read_keys(s, vnet_route_keys(), c, false, found);
    } else if (n == "vnet") {
      read_vnet(s, c, found);
    } else if (n.starts_with("serve.") || n.starts_with("use.")) {
      bool serve = n.starts_with("serve.");
      if (n.size() == (serve ? 6u : 4u)) {
        found.list().push_back(name + ": [" + n + "] needs a name after the dot, e.g. [" + n + "ssh]");
        continue;
      }
      auto key = n.substr(n.find('.') + 1);
      if (auto st = check_name(key); !st) {
        found.list().push_back(name + ": [" + n + "] " + value_error("NAME", key, st.why()));
        continue;
      }
      if (serve)
        c.serves.push_back(read_serve(s, c, found));
      else
        c.uses.push_back(read_use(s, c, found));
    } else if (n.empty()) {
      for (const auto& e : s.entries())
        c.warnings.push_back(name + ": key \"" + e.key + "\" (line " + std::to_string(e.line) +
                             ") is outside any section: ignored");
      c.unknown += s.entries().size();
    } else {
      std::string w = name + ": unknown section [" + n + "] ignored";
      if (auto near = section_suggestion(n); !near.empty()) w += "; did you mean " + near + "?";
      c.warnings.push_back(std::move(w));
      ++c.unknown;
    }
  }
  // Without a terminal the file is the whole truth: startserve/startuse only
  // decide what a terminal user finds open.
  if (c.terminal) {
    for (auto& sv : c.serves) sv.active = sv.active && c.startserve;
    for (auto& u : c.uses) u.active = u.active && c.startuse;
  }
  check_unique(sections, c, found);
  // With a group_key the route sees "k-" and 32 hex digits instead of the
  // name: a vnet without a key must not be able to name that group.
  if (c.group_key.empty() && c.group.size() == 34 && c.group.starts_with("k-") &&
      std::all_of(c.group.begin() + 2, c.group.end(),
                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) ||
                                       (ch >= 'a' && ch <= 'f'); })) {
    const section* v = find_section(sections, "vnet");
    found.attempt([&] {
      v->fail(*v->find("group"), "is the form a group_key gives the route (k- and 32 hex digits): "
                                 "reserved; choose another name, or set group_key");
    });
  }
  found.throw_if_any(c);
  return c;
}

namespace {

// A file holding secrets that other users can read gives them away: said at
// every start, with the fix (as ssh says of a key file whose mode is too open).
template <typename Config>
void warn_if_readable(Config& c, const std::string& path, const std::vector<const char*>& secrets) {
  if (secrets.empty()) return;
  auto mode = files::readable_by_others(path);
  if (!mode) return;
  std::string which;
  for (const char* s : secrets) which += (which.empty() ? "" : ", ") + std::string(s);
  c.warnings.push_back(fmt::format("{} holds secrets ({}) and other users can read it (mode {:04o}): "
                                   "chmod 600 {}", path, which, *mode, path));
}

}  // namespace

route_config load_route_config(const std::string& path) {
  route_config c = parse_route_config(read_file(path), path);
  std::vector<const char*> secrets;
  if (!c.token.empty()) secrets.push_back("token");
  if (!c.status_token.empty()) secrets.push_back("status_token");
  warn_if_readable(c, path, secrets);
  return c;
}

vnet_config load_vnet_config(const std::string& path) {
  vnet_config c = parse_vnet_config(read_file(path), path);
  std::vector<const char*> secrets;
  if (!c.token.empty()) secrets.push_back("token");
  if (!c.group_key.empty()) secrets.push_back("group_key");
  if (!c.status_token.empty()) secrets.push_back("status_token");
  warn_if_readable(c, path, secrets);
  return c;
}

}  // namespace config
