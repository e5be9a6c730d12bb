// The keys of a vnet's own sections: [vnet], [serve.NAME], [use.NAME]
// (config/schema.hpp). A vnet's [route] keys are in schema_route.cpp.
#include "config/rules.hpp"
#include "config/schema.hpp"
#include "protocol/limits.hpp"

namespace config {

table<vnet_config> vnet_keys() {
  using c = vnet_config;
  static const key_row<c> rows[] = {
      // The route knows a vnet by these: a change reconnects, and reload
      // names them apart, before the settings.
      row<rules::sent_text<protocol::max_name_bytes>, &c::name>(
          {.key = "name", .value = "vnet", .when = applies::next_connection, .apart = true,
           .doc = "the name shown to the other vnets of the group"}),
      row<rules::sent_text<protocol::max_group_bytes>, &c::group>(
          {.key = "group", .value = "default", .when = applies::next_connection, .apart = true,
           .doc = "vnets see and reach only the vnets and serves of their own group"}),
      row<rules::group_secret, &c::group_key>(
          {.key = "group_key", .doc_default = "none", .when = applies::next_connection,
           .show = shown::secret, .apart = true,
           .doc = "the group's secret (vnet --gen-key); never sent"}),
      row<rules::flag, &c::terminal>(
          {.key = "terminal", .value = "false", .when = applies::next_start,
           .doc = "read commands from the standard input"}),
      // Reload shows them as the entries' `active`.
      row<rules::flag, &c::startserve>(
          {.key = "startserve", .value = "true", .apart = true,
           .doc = "with terminal=true, false starts every serve inactive"}),
      row<rules::flag, &c::startuse>(
          {.key = "startuse", .value = "true", .apart = true,
           .doc = "with terminal=true, false starts every use inactive"}),
      // Read for each request or link: at once.
      row<rules::flag, &c::allow_unserve>(
          {.key = "allow_unserve", .value = "false",
           .doc = "other vnets of the group may ask this one for an unserve"}),
      row<rules::flag, &c::unserve_remote>(
          {.key = "unserve_remote", .value = "false",
           .doc = "an unserve may point at an address that is not loopback"}),
      row<rules::count, &c::unserve_num>(
          {.key = "unserve_num", .value = "1", .doc = "unserves this vnet keeps alive at once"}),
      row<rules::duration, &c::unserve_unused_timeout>(
          {.key = "unserve_unused_timeout", .value = "180",
           .doc = "an unserve nobody connected to is removed after this"}),
      row<rules::duration, &c::unserve_idle_timeout>(
          {.key = "unserve_idle_timeout", .value = "60",
           .doc = "a used unserve is removed this long after its last connection closed"}),
      // The ping pace is fixed when the session starts (with the route's).
      row<rules::duration, &c::heartbeat>(
          {.key = "heartbeat", .value = "6", .when = applies::next_connection,
           .doc = "ping interval; the shorter of this and the route's is used"}),
      row<rules::duration, &c::reconnect>(
          {.key = "reconnect", .value = "3", .doc = "delay between attempts to reach the route"}),
      row<rules::duration, &c::dial_timeout>(
          {.key = "dial_timeout", .value = "5",
           .doc = "time allowed to connect to a served service or to the route"}),
      row<rules::flag, &c::log_links>(
          {.key = "log_links", .value = "false", .doc = "one info line per finished link"}),
      row<rules::link_limit, &c::max_links_per_serve>(
          {.key = "max_links_per_serve", .value = "auto",
           .doc = "links carried at once to each serve this vnet offers"}),
      row<rules::link_limit, &c::max_udp_flows>(
          {.key = "max_udp_flows", .value = "auto",
           .doc = "UDP clients (addresses) each udp use carries at once; a new one beyond is dropped"}),
      row<rules::duration, &c::udp_idle>(
          {.key = "udp_idle", .value = "60",
           .doc = "a UDP flow with no datagram either way for this long closes its link"}),
      row<rules::pool_size, &c::max_idle_links>(
          {.key = "max_idle_links", .value = "16",
           .doc = "idle links kept open to the route ahead of need, per pool; 0: no pools"}),
      // The listener is bound at start, with its token (as on the route).
      row<rules::listener, &c::metrics>(
          {.key = "metrics", .doc_default = "off", .when = applies::restart,
           .doc = "IP:PORT of an HTTP listener serving /metrics"}),
      row<rules::route_secret, &c::status_token>(
          {.key = "status_token", .doc_default = "none", .when = applies::restart,
           .show = shown::secret, .doc = "required when metrics is not a loopback address"}),
  };
  return rows;
}

// Reload compares an entry whole: any change re-creates it at once.
table<serve_config> serve_keys() {
  using c = serve_config;
  static const key_row<c> rows[] = {
      row<rules::serveid, &c::serveid>(
          {.key = "serveid", .value = "000",
           .doc = "000: the route picks; 1-499 dynamic; 500-999 static"}),
      row<rules::serve_type, &c::type>(
          {.key = "type", .value = "tcp", .doc = "tcp, or udp: each client address gets a link of its own"}),
      row<rules::sent_text<protocol::max_ip_bytes>, &c::ip>(
          {.key = "ip", .value = "127.0.0.1", .doc = "where the service runs"}),
      row<rules::port<1>, &c::port>(
          {.key = "port", .doc_default = "required", .required = true,
           .doc = "the service's port"}),
      // Empty or absent: the NAME of [serve.NAME] (the loader sets it).
      row<rules::sent_text<protocol::max_name_bytes, true>, &c::name>(
          {.key = "name", .doc_default = "NAME", .doc = "display name"}),
      row<rules::sent_text<protocol::max_info_bytes, true>, &c::info>(
          {.key = "info", .value = "", .doc_default = "empty",
           .doc = "free text shown in serve lists"}),
      row<rules::flag, &c::active>(
          {.key = "active", .value = "true", .doc = "false: configured but not registered"}),
  };
  return rows;
}

table<use_config> use_keys() {
  using c = use_config;
  static const key_row<c> rows[] = {
      // Needed to open the use, yet a file without it loads (with a warning).
      row<rules::serveid, &c::serveid>(
          {.key = "serveid", .doc_default = "required", .doc = "1-999, the serve to reach"}),
      // A use listens on this address, so it must be one of ours, not a name.
      row<rules::ip_literal, &c::ip>(
          {.key = "ip", .value = "127.0.0.1", .doc = "local address to listen on"}),
      row<rules::port<1>, &c::port>(
          {.key = "port", .doc_default = "the served port", .doc = "local port to listen on"}),
      // Absent: the serve's, as the group's list says. Set: the use stands
      // by, saying so, while the serve is of the other type.
      row<rules::serve_type, &c::type>(
          {.key = "type", .doc_default = "the serve's", .doc = "tcp or udp; must match the serve's"}),
      row<rules::flag, &c::active>(
          {.key = "active", .value = "true", .doc = "false: configured but not opened"}),
  };
  return rows;
}

void complete(serve_config& c) {
  if (c.name.empty()) c.name = c.key;
}

vnet_config::vnet_config() {
  apply_defaults(vnet_keys(), *this);
  apply_defaults(vnet_route_keys(), *this);
}
serve_config::serve_config() { apply_defaults(serve_keys(), *this); }
use_config::use_config() { apply_defaults(use_keys(), *this); }

}  // namespace config
