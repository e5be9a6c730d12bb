// Loaders for both daemons: ini entries -> validated structs. The value
// rules live in values.hpp, the readers in section.hpp; this file knows which
// section holds which key.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "config/ini_file.hpp"
#include "config/section.hpp"
#include "config/values.hpp"
#include "protocol/limits.hpp"
#include "text/printable.hpp"

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
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return ip;
}

endpoint read_route_endpoint(const std::vector<section>& all, const std::string& file,
                             bool daemon) {
  const section* s = find_section(all, "route");
  if (!s) {
    std::string msg = file + ": [route] ip is required";
    for (const auto& other : all)
      if (section_suggestion(other.name()) == "[route]")
        msg += " (there is no [route] section; is [" + other.name() + "] a typo of it?)";
    throw error(msg);
  }
  endpoint ep;
  const ini_entry& ip = s->require("ip");
  if (!daemon && ip.value.empty()) s->fail(ip, "must not be empty");
  ep.ip = daemon ? s->ip_literal(ip) : ip.value;
  ep.port = s->port(s->require("port"), daemon ? 0 : 1);
  return ep;
}

// "SHA256:" and 43 characters of unpadded base64, as the route prints it.
std::optional<std::string> fingerprint_problem(std::string_view v) {
  constexpr std::string_view prefix = "SHA256:";
  auto body = v.substr(std::min(v.size(), prefix.size()));
  bool ok = v.starts_with(prefix) && body.size() == 43 &&
            std::all_of(body.begin(), body.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/';
            });
  if (ok) return std::nullopt;
  return std::string("is not a key fingerprint: expected SHA256: and 43 characters, as the "
                     "route prints it at start");
}

// Text that travels to the route must pass its decoder (protocol/limits.hpp):
// refused here, with file, section and key, rather than by the route later.
void check_text(const section& s, const ini_entry& e, std::size_t max_bytes) {
  if (auto why = text_problem(e.value, max_bytes)) s.fail(e, *why);
}

serve_config read_serve(const section& s, vnet_config& cfg) {
  s.warn_unknown({"serveid", "type", "ip", "port", "name", "info", "active"}, cfg);
  serve_config c;
  c.key = s.name().substr(std::string_view("serve.").size());
  if (auto* e = s.find("serveid")) c.serveid = s.serveid(*e);
  if (auto* e = s.find("type")) {
    c.type = lower_case(e->value);
    if (c.type != "tcp") s.fail(*e, "only tcp is supported");
  }
  if (auto* e = s.find("ip")) {
    if (e->value.empty()) s.fail(*e, "must not be empty");
    check_text(s, *e, protocol::max_ip_bytes);
    c.ip = e->value;
  }
  c.port = s.port(s.require("port"), 1);
  auto* name = s.find("name");
  if (name) check_text(s, *name, protocol::max_name_bytes);
  c.name = name && !name->value.empty() ? name->value : c.key;
  if (auto* e = s.find("info")) {
    check_text(s, *e, protocol::max_info_bytes);
    c.info = e->value;
  }
  if (auto* e = s.find("active")) c.active = s.boolean(*e);
  return c;
}

use_config read_use(const section& s, vnet_config& cfg) {
  s.warn_unknown({"serveid", "ip", "port", "active"}, cfg);
  use_config c;
  c.key = s.name().substr(std::string_view("use.").size());
  if (auto* e = s.find("serveid")) c.serveid = s.serveid(*e);
  if (c.serveid == 0)
    cfg.warnings.push_back(s.file() + ": [" + s.name() + "] has no serveid: it will not be opened");
  if (auto* e = s.find("ip")) {
    // A use listens on this address, so it must be one of ours, not a name.
    c.ip = s.ip_literal(*e);
  }
  if (auto* e = s.find("port")) c.port = s.port(*e, 1);
  if (auto* e = s.find("active")) c.active = s.boolean(*e);
  return c;
}

// A secret typed by people: long enough not to be guessed online.
std::string read_secret(const section& s, const ini_entry& e, const char* maker) {
  if (e.value.size() < min_secret_chars)
    s.fail(e, "is too short: use at least " + std::to_string(min_secret_chars) +
                  " characters (`" + maker + "` prints a strong one)");
  if (!text::is_clean_text(e.value) || e.value.find(' ') != std::string::npos)
    s.fail(e, "must be printable text without spaces");
  return e.value;
}

// [route] / [vnet] metrics and status_token: an HTTP listener off when
// unset; beyond loopback it needs the token (anyone who reaches it would see
// every vnet and serve name otherwise).
void read_metrics(const section& s, endpoint& metrics, std::string& token) {
  if (auto* e = s.find("status_token")) token = read_secret(s, *e, "route --gen-token");
  const ini_entry* e = s.find("metrics");
  if (!e) return;
  std::string ip;
  std::uint16_t port = 0;
  if (auto why = host_port_problem(e->value, 0, ip, port)) s.fail(*e, *why);
  if (!is_loopback(ip) && token.empty())
    s.fail(*e, "listens beyond loopback: set status_token in [" + s.name() +
                   "] too (`route --gen-token` prints one), or listen on 127.0.0.1");
  metrics = {ip, port};
}

// Every key of [route]: the route daemon's and the vnet's, since one file
// may serve both ends, as the manual's [route] does.
std::vector<std::string_view> route_keys() {
  std::vector<std::string_view> keys{"ip",           "port",      "heartbeat", "timeout",
                                     "handshake_timeout", "link_timeout", "log_links", "token",
                                     "tls_cert",     "tls_key",   "fingerprint", "known_routes",
                                     "metrics",      "status_token"};
  for (const auto& k : route_limit_keys) keys.push_back(k.key);
  return keys;
}

void read_vnet(const section& s, vnet_config& c) {
  s.warn_unknown({"name", "group", "terminal", "startserve", "startuse", "allow_unserve",
                  "unserve_remote", "unserve_num", "unserve_unused_timeout", "unserve_idle_timeout",
                  "heartbeat", "reconnect", "dial_timeout", "max_links_per_serve", "max_idle_links",
                  "log_links", "group_key", "metrics", "status_token"},
                 c);
  read_metrics(s, c.metrics, c.status_token);
  if (auto* e = s.find("group_key")) c.group_key = read_secret(s, *e, "vnet --gen-key");
  if (auto* e = s.find("name")) {
    if (e->value.empty()) s.fail(*e, "must not be empty");
    check_text(s, *e, protocol::max_name_bytes);
    c.name = e->value;
  }
  if (auto* e = s.find("group")) {
    if (e->value.empty()) s.fail(*e, "must not be empty");
    check_text(s, *e, protocol::max_group_bytes);
    c.group = e->value;
  }
  if (auto* e = s.find("terminal")) c.terminal = s.boolean(*e);
  if (auto* e = s.find("startserve")) c.startserve = s.boolean(*e);
  if (auto* e = s.find("startuse")) c.startuse = s.boolean(*e);
  if (auto* e = s.find("allow_unserve")) c.allow_unserve = s.boolean(*e);
  if (auto* e = s.find("unserve_remote")) c.unserve_remote = s.boolean(*e);
  if (auto* e = s.find("unserve_num")) c.unserve_num = s.count(*e);
  if (auto* e = s.find("unserve_unused_timeout")) c.unserve_unused_timeout = s.duration(*e);
  if (auto* e = s.find("unserve_idle_timeout")) c.unserve_idle_timeout = s.duration(*e);
  if (auto* e = s.find("heartbeat")) c.heartbeat = s.duration(*e);
  if (auto* e = s.find("reconnect")) c.reconnect = s.duration(*e);
  if (auto* e = s.find("dial_timeout")) c.dial_timeout = s.duration(*e);
  if (auto* e = s.find("max_links_per_serve")) c.max_links_per_serve = s.limit(*e);
  if (auto* e = s.find("max_idle_links")) {
    c.max_idle_links = s.read<unsigned>(*e, [](std::string_view v, unsigned& out) -> std::optional<std::string> {
      auto n = parse_digits(v);
      if (!n || *n > max_idle_links_bound)
        return "not a pool size (a whole number, 0-" + std::to_string(max_idle_links_bound) + ")";
      out = static_cast<unsigned>(*n);
      return std::nullopt;
    });
  }
  if (auto* e = s.find("log_links")) c.log_links = s.boolean(*e);
}

// Conflicts that no single section can see.
void check_unique(const std::vector<section>& sections, const vnet_config& c) {
  std::map<std::uint16_t, const serve_config*> serveids;
  for (const auto& sv : c.serves) {
    if (sv.serveid == 0) continue;
    auto [it, fresh] = serveids.emplace(sv.serveid, &sv);
    if (!fresh) {
      const auto* s = find_section(sections, "serve." + sv.key);
      s->fail(*s->find("serveid"), "already used by [serve." + it->second->key + "]");
    }
  }
  std::map<std::pair<std::string, std::uint16_t>, const use_config*> listens;
  for (const auto& u : c.uses) {
    if (u.port == 0) continue;
    auto [it, fresh] = listens.emplace(std::make_pair(address_key(u.ip), u.port), &u);
    if (!fresh) {
      const auto* s = find_section(sections, "use." + u.key);
      s->fail(*s->find("port"), u.ip + " port " + std::to_string(u.port) +
                                    " is already used by [use." + it->second->key + "]");
    }
  }
}

}  // namespace

route_config parse_route_config(const std::string& text, const std::string& name) {
  auto sections = load_sections(text, name);
  route_config c;
  // Every other section belongs to a vnet sharing this file: not our business.
  c.listen = read_route_endpoint(sections, name, true);
  const section* route = find_section(sections, "route");
  route->warn_unknown(route_keys(),
                      c);
  if (auto* e = route->find("heartbeat")) c.heartbeat = route->duration(*e);
  if (auto* e = route->find("timeout")) c.timeout = route->duration(*e);
  if (auto* e = route->find("handshake_timeout")) c.handshake_timeout = route->duration(*e);
  if (auto* e = route->find("link_timeout")) c.link_timeout = route->duration(*e);
  for (const auto& k : route_limit_keys)
    if (auto* e = route->find(k.key)) c.limits.*k.member = route->limit(*e);
  if (auto* e = route->find("log_links")) c.log_links = route->boolean(*e);
  if (auto* e = route->find("token")) c.token = read_secret(*route, *e, "route --gen-token");
  const ini_entry* cert = route->find("tls_cert");
  const ini_entry* key = route->find("tls_key");
  if (cert && cert->value.empty()) route->fail(*cert, "must not be empty");
  if (key && key->value.empty()) route->fail(*key, "must not be empty");
  if (cert && !key) route->fail(*cert, "needs tls_key too (the certificate's private key)");
  if (key && !cert) route->fail(*key, "needs tls_cert too (the certificate of that key)");
  if (cert) c.tls_cert = cert->value;
  if (key) c.tls_key = key->value;
  read_metrics(*route, c.metrics, c.status_token);
  c.path = name;
  return c;
}

vnet_config parse_vnet_config(const std::string& text, const std::string& name) {
  auto sections = load_sections(text, name);
  vnet_config c;
  c.path = name;
  c.name = "vnet";
  c.route = read_route_endpoint(sections, name, false);
  for (const auto& s : sections) {
    const auto& n = s.name();
    if (n == "route") {
      // The route daemon's own keys are expected here: one file may serve
      // both ends, as the manual's [route] does.
      s.warn_unknown(route_keys(),
                     c);
      if (auto* e = s.find("token")) c.token = read_secret(s, *e, "route --gen-token");
      if (auto* e = s.find("fingerprint")) {
        if (auto why = fingerprint_problem(e->value)) s.fail(*e, *why);
        c.fingerprint = e->value;
      }
      if (auto* e = s.find("known_routes")) {
        if (e->value.empty()) s.fail(*e, "must not be empty");
        c.known_routes = e->value;
      }
    } else if (n == "vnet") {
      read_vnet(s, c);
    } else if (n.starts_with("serve.") || n.starts_with("use.")) {
      bool serve = n.starts_with("serve.");
      if (n.size() == (serve ? 6u : 4u))
        throw error(name + ": [" + n + "] needs a name after the dot, e.g. [" + n + "ssh]");
      auto key = n.substr(n.find('.') + 1);
      if (auto why = name_problem(key))
        throw error(name + ": [" + n + "] " + value_error("NAME", key, *why));
      if (serve)
        c.serves.push_back(read_serve(s, c));
      else
        c.uses.push_back(read_use(s, c));
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
  check_unique(sections, c);
  // With a group_key the route sees "k-" and 32 hex digits instead of the
  // name: a vnet without a key must not be able to name that group.
  if (c.group_key.empty() && c.group.size() == 34 && c.group.starts_with("k-") &&
      std::all_of(c.group.begin() + 2, c.group.end(),
                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) ||
                                       (ch >= 'a' && ch <= 'f'); })) {
    const section* v = find_section(sections, "vnet");
    v->fail(*v->find("group"), "is the form a group_key gives the route (k- and 32 hex digits): "
                               "reserved; choose another name, or set group_key");
  }
  return c;
}

route_config load_route_config(const std::string& path) {
  return parse_route_config(read_file(path), path);
}

vnet_config load_vnet_config(const std::string& path) {
  return parse_vnet_config(read_file(path), path);
}

}  // namespace config
