#pragma once
// Every message of the protocol. A connection to the route opens with one of
// the four "opening" messages (control_hello, link_open, link_join,
// link_pool); everything else travels on an established control session,
// except the link messages: link_result (once on each side of a link before
// its relay), link_bind and link_assign (once on a pooled link).
// Each message is one struct: its type tag, its name for logs, its fields, and
// `fields`, the one list of them in wire order that encoding, decoding and
// check_limits all walk (protocol/field.hpp says what an entry may hold).
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "protocol/field.hpp"
#include "protocol/link_messages.hpp"
#include "protocol/types.hpp"

namespace protocol {

// A vnet's public X25519 key for end-to-end link encryption. Links to its
// serves are encrypted to it; `mac`: a keyed hash of key_id and pub under the group's
// mac key, which the route lacks (without a group_key it is zero: anyone can make it).
struct link_key {
  std::uint32_t key_id = 0;
  key32 pub{};
  key32 mac{};
  bool operator==(const link_key&) const = default;
  static void fields(auto&& f, auto& m) { f(m.key_id); f(m.pub); f(m.mac); }
};

// One-time permission to open one link: `secret` never travels in plaintext
// (only over the TLS session), and goes with the link_request to the serving
// vnet, which mixes it into the link's keys.
struct ticket {
  std::uint64_t id = 0;
  key32 secret{};
  bool operator==(const ticket&) const = default;
  static void fields(auto&& f, auto& m) { f(m.id); f(m.secret); }
};

// A keyed group's proof of its key (crypto/group_proof.hpp): the group's
// Ed25519 public key, which the wire group is a hash of, and its signature of
// this TLS session's exported keying material. All zero in a group without
// a key. The route can check it but not make one, and a proof seen on one
// session is worthless on another.
struct group_proof {
  key32 pub{};
  sig64 sig{};
  bool operator==(const group_proof&) const = default;
  static void fields(auto&& f, auto& m) { f(m.pub); f(m.sig); }
};

struct control_hello {
  static constexpr type tag{0x01};  // vnet -> route: start a control session
  static constexpr const char* type_name = "control_hello";
  std::uint16_t version = protocol::version;
  std::string name;
  std::string group;
  // Admission proof: HMAC-SHA256 under [route] token of the TLS session's
  // exported keying material (32 bytes), or empty when the vnet has no token.
  std::string auth;
  link_key key;  // the vnet's current link key
  group_proof proof;  // a keyed group's proof of its key; zero without one
  bool operator==(const control_hello&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version, opening_version); f(m.name, limit::name); f(m.group, limit::group);
    f(m.auth, limit::auth); f(m.key); f(m.proof);
  }
};

struct welcome {
  static constexpr type tag{0x10};  // route -> vnet: session accepted
  static constexpr const char* type_name = "welcome";
  std::uint16_t version = protocol::version;
  std::uint32_t vnetid = 0;
  std::uint32_t heartbeat_ms = 0;  // how often the route expects a ping
  std::uint32_t timeout_ms = 0;    // silence after which the route drops the vnet
  bool operator==(const welcome&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version); f(m.vnetid); f(m.heartbeat_ms); f(m.timeout_ms);
  }
};

struct error {
  static constexpr type tag{0x11};  // either way: fatal, the sender closes after it
  static constexpr const char* type_name = "error";
  std::uint16_t code = 0;  // protocol::errc value, or 0 for "other"
  std::string message;
  bool operator==(const error&) const = default;
  static void fields(auto&& f, auto& m) { f(m.code); f(m.message, limit::reason); }
};

struct ping {
  static constexpr type tag{0x20};
  static constexpr const char* type_name = "ping";
  std::uint32_t request_id = 0;
  std::uint64_t timestamp = 0;  // opaque to the route, echoed in pong
  bool operator==(const ping&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); f(m.timestamp); }
};

struct pong {
  static constexpr type tag{0x21};
  static constexpr const char* type_name = "pong";
  std::uint32_t request_id = 0;
  std::uint64_t timestamp = 0;
  bool operator==(const pong&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); f(m.timestamp); }
};

// A serve as registered and listed. In a keyed group, name, ip, port and
// info are empty (0) and travel in `sealed` instead, under the group key
// (crypto/serve_seal.hpp): the route handles the serveid and an opaque blob.
struct serve_info {
  std::uint16_t serveid = 0;
  std::string name;
  std::string type = "tcp";
  std::string ip;
  std::uint16_t port = 0;
  std::string info;
  std::string sealed;  // bytes, not text; empty in a group without a key
  bool operator==(const serve_info&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.serveid, limit::serveid); f(m.name, limit::name); f(m.type, limit::type); f(m.ip, limit::ip); f(m.port);
    f(m.info, limit::info); f(m.sealed, limit::sealed);
  }
};

struct serve_register {
  static constexpr type tag{0x30};
  static constexpr const char* type_name = "serve_register";
  std::uint32_t request_id = 0;
  serve_info serve;  // serveid 0: the route picks one
  bool operator==(const serve_register&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); f(m.serve); }
};

struct serve_result {
  static constexpr type tag{0x31};
  static constexpr const char* type_name = "serve_result";
  std::uint32_t request_id = 0;
  bool ok = false;
  std::uint16_t serveid = 0;  // the id actually registered (may differ if dynamic)
  std::string reason;         // why it was refused or replaced
  bool operator==(const serve_result&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.request_id); f(m.ok); f(m.serveid, limit::serveid); f(m.reason, limit::reason);
  }
};

struct serve_unregister {
  static constexpr type tag{0x32};
  static constexpr const char* type_name = "serve_unregister";
  std::uint16_t serveid = 0;
  bool operator==(const serve_unregister&) const = default;
  static void fields(auto&& f, auto& m) { f(m.serveid, limit::serveid); }
};

struct listed_serve {
  serve_info serve;
  std::uint32_t vnetid = 0;
  std::string vnet_name;
  link_key key;  // the serving vnet's current link key
  bool operator==(const listed_serve&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.serve); f(m.vnetid); f(m.vnet_name, limit::name); f(m.key);
  }
};

struct serve_list {
  static constexpr type tag{0x33};  // route -> vnet push: the whole serve list of the group
  static constexpr const char* type_name = "serve_list";
  std::uint32_t vnets = 0;  // vnets connected in the group
  std::vector<listed_serve> serves;
  bool operator==(const serve_list&) const = default;
  static void fields(auto&& f, auto& m) { f(m.vnets); f(m.serves, limit::serves); }
};

// Pushed after the session's one serve_list, for every change in the group:
// a join or a leave, a serve registered or unregistered, a vnet renamed. The
// receiver removes `removed`, then adds or replaces `changed` by serveid;
// applying an update twice changes nothing. A join or leave of a vnet
// without serves is just the new count, so a big group costs each member a
// few bytes per event instead of the whole list.
struct serve_list_update {
  // route -> vnet push: what changed since the last list or update
  static constexpr type tag{0x36};
  static constexpr const char* type_name = "serve_list_update";
  std::uint32_t vnets = 0;             // vnets connected in the group now
  std::vector<std::uint16_t> removed;  // serveids no longer listed
  std::vector<listed_serve> changed;   // serves added, or listed with new fields
  bool operator==(const serve_list_update&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.vnets); f(m.removed, limit::serves, limit::serveid); f(m.changed, limit::serves);
  }
};

struct serve_query {
  static constexpr type tag{0x34};  // vnet -> route: the group's serve list, please
  static constexpr const char* type_name = "serve_query";
  std::uint32_t request_id = 0;
  bool operator==(const serve_query&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); }
};

struct serve_query_result {
  static constexpr type tag{0x35};
  static constexpr const char* type_name = "serve_query_result";
  std::uint32_t request_id = 0;
  serve_list list;
  bool operator==(const serve_query_result&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); f(m.list); }
};

struct vnet_query {
  static constexpr type tag{0x50};  // vnet -> route: the group's vnets, please
  static constexpr const char* type_name = "vnet_query";
  std::uint32_t request_id = 0;
  bool operator==(const vnet_query&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); }
};

struct listed_vnet {
  std::uint32_t vnetid = 0;
  std::string name;
  std::uint32_t links = 0;  // live links it takes part in, either side
  bool operator==(const listed_vnet&) const = default;
  static void fields(auto&& f, auto& m) { f(m.vnetid); f(m.name, limit::name); f(m.links); }
};

struct vnet_query_result {
  static constexpr type tag{0x51};
  static constexpr const char* type_name = "vnet_query_result";
  std::uint32_t request_id = 0;
  std::vector<listed_vnet> vnets;
  bool operator==(const vnet_query_result&) const = default;
  static void fields(auto&& f, auto& m) { f(m.request_id); f(m.vnets, limit::vnets); }
};

struct vnet_rename {
  static constexpr type tag{0x52};  // vnet -> route: new display name (reload)
  static constexpr const char* type_name = "vnet_rename";
  std::string name;
  bool operator==(const vnet_rename&) const = default;
  static void fields(auto&& f, auto& m) { f(m.name, limit::name); }
};

// Asks a vnet of the group to serve ip:port temporarily. From the requester,
// vnetid is the target; the route rewrites it to the requester's vnetid (and
// request_id to its own) before passing it on.
struct unserve_request {
  static constexpr type tag{0x60};  // requester -> route -> serving vnet
  static constexpr const char* type_name = "unserve_request";
  std::uint32_t request_id = 0;
  std::uint32_t vnetid = 0;
  std::string ip;
  std::uint16_t port = 0;
  std::string serve_type;  // "udp", or empty: tcp (and what a vnet before UDP sends)
  bool operator==(const unserve_request&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.request_id); f(m.vnetid); f(m.ip, limit::ip); f(m.port); f(m.serve_type, limit::type, field::trailing);
  }
};

struct unserve_result {
  static constexpr type tag{0x61};  // serving vnet -> route -> requester
  static constexpr const char* type_name = "unserve_result";
  std::uint32_t request_id = 0;
  bool ok = false;
  std::uint16_t serveid = 0;  // the temporary serve's id when ok
  std::string reason;         // why not
  bool operator==(const unserve_result&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.request_id); f(m.ok); f(m.serveid, limit::serveid); f(m.reason, limit::reason);
  }
};

struct ticket_request {
  static constexpr type tag{0x70};  // vnet -> route: hand me `count` one-time link tickets
  static constexpr const char* type_name = "ticket_request";
  std::uint16_t count = 0;  // at most max_tickets_per_request
  bool operator==(const ticket_request&) const = default;
  static void fields(auto&& f, auto& m) { f(m.count, limit::tickets); }
};

struct tickets {
  static constexpr type tag{0x71};  // route -> vnet: tickets for link_open
  static constexpr const char* type_name = "tickets";
  std::vector<ticket> granted;  // may be fewer than asked (the vnet's quota)
  bool operator==(const tickets&) const = default;
  static void fields(auto&& f, auto& m) { f(m.granted, limit::tickets); }
};

struct link_key_update {
  static constexpr type tag{0x72};  // vnet -> route: my new link key (rotation)
  static constexpr const char* type_name = "link_key_update";
  link_key key;
  bool operator==(const link_key_update&) const = default;
  static void fields(auto&& f, auto& m) { f(m.key); }
};

using message = std::variant<control_hello, link_open, link_join, welcome, error, ping, pong,
                             serve_register, serve_result, serve_unregister, serve_list,
                             link_request, link_failed, link_result, serve_query,
                             serve_query_result, vnet_query, vnet_query_result, vnet_rename,
                             unserve_request, unserve_result, serve_list_update,
                             ticket_request, tickets, link_key_update, link_pool, link_bind,
                             link_assign>;

type type_of(const message& m);
const char* name_of(type t);

}  // namespace protocol
