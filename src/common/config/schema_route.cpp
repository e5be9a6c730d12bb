// The [route] section's keys: the route daemon's own, its quotas, and those
// a vnet reads there (config/schema.hpp).
#include <algorithm>

#include "config/rules.hpp"
#include "config/schema.hpp"

namespace config {

std::string_view applies_words(applies when) {
  switch (when) {
    case applies::at_once: return "";
    case applies::next_connection: return " (at the next connection)";
    case applies::next_start: return " (at the next start)";
    case applies::restart: return " (needs a restart)";
  }
  return "";
}

table<route_config> route_keys() {
  using c = route_config;
  // ip and port need a restart; the server says so in its own words, with
  // the address it still listens on (and so for the TLS files).
  static const key_row<c> rows[] = {
      row<rules::ip_literal, &c::listen, &endpoint::ip>(
          {.key = "ip", .doc_default = "required", .when = applies::restart, .required = true,
           .apart = true, .doc = "the address to listen on (0.0.0.0 or :: for every interface)"}),
      row<rules::port<0>, &c::listen, &endpoint::port>(
          {.key = "port", .doc_default = "required", .when = applies::restart, .required = true,
           .apart = true, .doc = "the port to listen on (7749; 0: the system picks one)"}),
      // Read when a connection, link or welcome needs them.
      row<rules::duration, &c::heartbeat>(
          {.key = "heartbeat", .value = "6", .doc = "the ping interval the route asks vnets to keep"}),
      row<rules::duration, &c::timeout>(
          {.key = "timeout", .value = "15", .doc = "a vnet silent this long is dropped"}),
      row<rules::duration, &c::handshake_timeout>(
          {.key = "handshake_timeout", .value = "10",
           .doc = "a new connection must send its opening frame within this time"}),
      row<rules::duration, &c::link_timeout>(
          {.key = "link_timeout", .value = "10",
           .doc = "how long a link waits for the serving vnet to open its side"}),
      row<rules::flag, &c::log_links>(
          {.key = "log_links", .value = "false", .doc = "one info line per finished link"}),
      // Checked at the next hello; the sessions in progress were admitted.
      row<rules::route_secret, &c::token>(
          {.key = "token", .doc_default = "none", .show = shown::secret,
           .doc = "the admission secret vnets must present (route --gen-token)"}),
      row<rules::not_empty, &c::tls_cert>(
          {.key = "tls_cert", .doc_default = "none", .when = applies::restart,
           .show = shown::name_only, .apart = true,
           .doc = "a PEM certificate (chain), relative to the file's folder; with tls_key"}),
      row<rules::not_empty, &c::tls_key>(
          {.key = "tls_key", .doc_default = "none", .when = applies::restart,
           .show = shown::name_only, .apart = true, .doc = "the private key of tls_cert"}),
      // The listener is bound at start, with its token.
      row<rules::listener, &c::metrics>(
          {.key = "metrics", .doc_default = "off", .when = applies::restart,
           .doc = "IP:PORT of the HTTP listener for /metrics and the status page"}),
      row<rules::route_secret, &c::status_token>(
          {.key = "status_token", .doc_default = "none", .when = applies::restart,
           .show = shown::secret, .doc = "the secret every request to metrics must carry"}),
  };
  return rows;
}

table<route_limits> route_limit_keys() {
  using l = route_limits;
  // Every quota applies at once: it is checked at each request.
  static const key_row<l> rows[] = {
      row<rules::limit, &l::max_serves_per_vnet>(
          {.key = "max_serves_per_vnet", .value = "100", .doc = "serves one vnet may register"}),
      row<rules::link_limit, &l::max_pending_links_per_vnet>(
          {.key = "max_pending_links_per_vnet", .value = "auto",
           .doc = "links one vnet asked for that still wait for the serving side"}),
      row<rules::link_limit, &l::max_live_links_per_vnet>(
          {.key = "max_live_links_per_vnet", .value = "auto",
           .doc = "open links one vnet asked for (as the using side)"}),
      row<rules::link_limit, &l::max_pending_links_per_serve>(
          {.key = "max_pending_links_per_serve", .value = "auto",
           .doc = "links to one serve still waiting for the serving side"}),
      row<rules::link_limit, &l::max_live_links_per_serve>(
          {.key = "max_live_links_per_serve", .value = "auto", .doc = "open links to one serve"}),
      row<rules::limit, &l::max_sessions_per_address>(
          {.key = "max_sessions_per_address", .value = "64",
           .doc = "vnets connected from one IP address"}),
      row<rules::limit, &l::max_unidentified>(
          {.key = "max_unidentified", .value = "512",
           .doc = "connections, in total, that have not sent their opening frame"}),
      row<rules::limit, &l::max_unserves_per_minute>(
          {.key = "max_unserves_per_minute", .value = "30",
           .doc = "unserve requests one vnet may make per minute"}),
      row<rules::limit, &l::max_idle_links_per_vnet>(
          {.key = "max_idle_links_per_vnet", .value = "64",
           .doc = "idle pooled links (both roles) one vnet may keep open"}),
      row<rules::limit, &l::max_sessions_per_network>(
          {.key = "max_sessions_per_network", .value = "256",
           .doc = "vnets connected from one network (/24 for IPv4, /64 for IPv6)"}),
      row<rules::limit, &l::max_group_unserves_per_minute>(
          {.key = "max_group_unserves_per_minute", .value = "60",
           .doc = "unserve requests per minute that one group's vnets, or one network's, make together"}),
      row<rules::limit, &l::max_handshakes_per_second>(
          {.key = "max_handshakes_per_second", .value = "200",
           .doc = "TLS handshakes started per second for newcomers, and as many again for addresses admitted before"}),
      row<rules::limit, &l::max_pending_handshakes>(
          {.key = "max_pending_handshakes", .value = "256",
           .doc = "TLS handshakes in progress at once (the oldest is closed to make room)"}),
  };
  return rows;
}

table<vnet_config> vnet_route_keys() {
  using c = vnet_config;
  // All read by the TLS handshake and the hello: the session in progress
  // was admitted and checked already.
  static const key_row<c> rows[] = {
      // A new address reconnects; reload names the route apart.
      row<rules::not_empty, &c::route, &endpoint::ip>(
          {.key = "ip", .doc_default = "required", .when = applies::next_connection,
           .required = true, .apart = true, .doc = "the route's address or host name"}),
      row<rules::port<1>, &c::route, &endpoint::port>(
          {.key = "port", .doc_default = "required", .when = applies::next_connection,
           .required = true, .apart = true, .doc = "the route's port"}),
      row<rules::route_secret, &c::token>(
          {.key = "token", .doc_default = "none", .when = applies::next_connection,
           .show = shown::secret, .doc = "the route's admission secret"}),
      row<rules::fingerprint, &c::fingerprint>(
          {.key = "fingerprint", .doc_default = "none", .when = applies::next_connection,
           .show = shown::name_only, .doc = "pins the route's key (SHA256:...)"}),
      row<rules::not_empty, &c::known_routes>(
          {.key = "known_routes", .doc_default = "see text", .when = applies::next_connection,
           .show = shown::name_only,
           .doc = "the file where keys trusted on first use are remembered"}),
  };
  return rows;
}

const std::vector<std::string_view>& route_section_names() {
  static const auto names = [] {
    auto out = names_of(route_keys());
    for (auto n : names_of(route_limit_keys())) out.push_back(n);
    for (auto n : names_of(vnet_route_keys()))
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    return out;
  }();
  return names;
}

route_limits::route_limits() { apply_defaults(route_limit_keys(), *this); }
route_config::route_config() { apply_defaults(route_keys(), *this); }

}  // namespace config
