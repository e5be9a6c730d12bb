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

namespace protocol {

// 2: queries (serve_query, vnet_query), vnet_rename and unserve. A version-1
// peer would reject those mid-session, so the mismatch is caught at hello.
// 3: serve_list_update. The route sends a group's serve list whole once per
// session and then only its changes; a version-2 vnet would reject them.
// 4: control sessions in TLS, admission proof, link keys, one-time link
// tickets, links encrypted end to end (README, "Protocol").
// 5: pooled links (link_pool, link_bind, link_assign), and the serving vnet
// answers every link with link_result before its hello.
inline constexpr std::uint16_t version = 5;
inline constexpr char magic[] = "VNET";  // first 4 bytes of every opening frame

// A message's type tag, the u16 in its frame header. Each message struct
// names its own (`tag`, with `type_name` for logs); everything that maps tags
// to messages walks the variant `message` below, so a new message is added
// in one place: its struct, then the variant.
enum class type : std::uint16_t {};

using key32 = std::array<std::uint8_t, 32>;
using proof16 = std::array<std::uint8_t, 16>;
// A use side's link secret sealed for the serving vnet (crypto::seal_link_secret):
// 32 bytes of ciphertext and a 16-byte tag.
using sealed48 = std::array<std::uint8_t, 48>;

// What a pooled link is for (link_pool.role).
enum class pool_role : std::uint8_t { use = 1, serve = 2 };

// A vnet's public X25519 key for end-to-end link encryption. Links to its
// serves are encrypted to it; `mac` is a keyed hash of key_id and pub under
// the group key (all zero bytes without one), so the route cannot swap it.
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
  bool operator==(const control_hello&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version, opening_version); f(m.name, limit::name); f(m.group, limit::group);
    f(m.auth, limit::auth); f(m.key);
  }
};

// Sent in plaintext: the ticket is used once, and `proof` (a keyed hash of
// the ticket id under the ticket's secret) shows the sender holds the secret.
struct link_open {
  static constexpr type tag{0x02};  // vnet (use side) -> route: carry one connection to a serveid
  static constexpr const char* type_name = "link_open";
  std::uint16_t version = protocol::version;
  std::uint16_t serveid = 0;
  std::uint64_t ticket_id = 0;
  proof16 proof{};
  bool operator==(const link_open&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version, opening_version); f(m.serveid); f(m.ticket_id); f(m.proof);
  }
};

// Sent in plaintext: `proof` is a keyed hash of link_id under the link's
// secret (from link_request), so no reusable token crosses the wire.
struct link_join {
  static constexpr type tag{0x03};  // vnet (serve side) -> route: here is the other end of link_id
  static constexpr const char* type_name = "link_join";
  std::uint16_t version = protocol::version;
  std::uint64_t link_id = 0;
  proof16 proof{};
  bool operator==(const link_join&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version, opening_version); f(m.link_id); f(m.proof);
  }
};

// Opens an idle pooled link, in plaintext like link_open: the ticket is
// spent, and `proof` (crypto::pool_proof of ticket id and role) shows the
// sender holds its secret. The link then waits at the route: a use-role link
// until its vnet writes link_bind, a serve-role link until the route writes
// link_assign (or closes it when the vnet's session ends).
struct link_pool {
  static constexpr type tag{0x04};  // vnet -> route: an idle link for later
  static constexpr const char* type_name = "link_pool";
  std::uint16_t version = protocol::version;
  std::uint8_t role = 0;  // pool_role: 1 use, 2 serve
  std::uint64_t ticket_id = 0;
  proof16 proof{};
  bool operator==(const link_pool&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.version, opening_version); f(m.role, limit::role); f(m.ticket_id); f(m.proof);
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

struct serve_info {
  std::uint16_t serveid = 0;
  std::string name;
  std::string type = "tcp";
  std::string ip;
  std::uint16_t port = 0;
  std::string info;
  bool operator==(const serve_info&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.serveid); f(m.name, limit::name); f(m.type, limit::type); f(m.ip, limit::ip); f(m.port);
    f(m.info, limit::info);
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
    f(m.request_id); f(m.ok); f(m.serveid); f(m.reason, limit::reason);
  }
};

struct serve_unregister {
  static constexpr type tag{0x32};
  static constexpr const char* type_name = "serve_unregister";
  std::uint16_t serveid = 0;
  bool operator==(const serve_unregister&) const = default;
  static void fields(auto&& f, auto& m) { f(m.serveid); }
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
    f(m.vnets); f(m.removed, limit::serves); f(m.changed, limit::serves);
  }
};

struct link_request {
  static constexpr type tag{0x40};  // route -> serving vnet: dial the service, then link_join
  static constexpr const char* type_name = "link_request";
  std::uint64_t link_id = 0;
  std::uint16_t serveid = 0;
  key32 link_secret{};  // the secret of the ticket the use side opened with
  bool operator==(const link_request&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.link_id); f(m.serveid); f(m.link_secret);
  }
};

struct link_failed {
  static constexpr type tag{0x41};  // serving vnet -> route: could not dial the service
  static constexpr const char* type_name = "link_failed";
  std::uint64_t link_id = 0;
  std::string reason;
  bool operator==(const link_failed&) const = default;
  static void fields(auto&& f, auto& m) { f(m.link_id); f(m.reason, limit::reason); }
};

struct link_result {
  // serving vnet -> route (its link side): answered, service dialled or why
  // not; then route -> use-side link, the same (or the route's own refusal).
  static constexpr type tag{0x42};
  static constexpr const char* type_name = "link_result";
  bool ok = false;
  std::string reason;
  bool operator==(const link_result&) const = default;
  static void fields(auto&& f, auto& m) { f(m.ok); f(m.reason, limit::reason); }
};

// On an idle use-role pooled link: carry this connection to `serveid`, as a
// link_open would. The use hello and the first records follow at once (the
// route relays them to the serving side before that side answers).
struct link_bind {
  static constexpr type tag{0x43};  // use vnet -> route, first frame on its pooled link
  static constexpr const char* type_name = "link_bind";
  std::uint16_t serveid = 0;
  bool operator==(const link_bind&) const = default;
  static void fields(auto&& f, auto& m) { f(m.serveid); }
};

// On an idle serve-role pooled link: a use side wants `serveid` of this vnet.
// `sealed` is the use side's link secret (the one a link_request would carry
// over TLS) sealed under the pooled link's ticket secret, bound to link_id and
// serveid (crypto::open_link_secret). The use hello follows; the serving vnet
// answers with link_result, as after link_request + link_join.
struct link_assign {
  static constexpr type tag{0x44};  // route -> serve vnet, on its idle pooled link
  static constexpr const char* type_name = "link_assign";
  std::uint64_t link_id = 0;
  std::uint16_t serveid = 0;
  sealed48 sealed{};
  bool operator==(const link_assign&) const = default;
  static void fields(auto&& f, auto& m) { f(m.link_id); f(m.serveid); f(m.sealed); }
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
  bool operator==(const unserve_request&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.request_id); f(m.vnetid); f(m.ip, limit::ip); f(m.port);
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
    f(m.request_id); f(m.ok); f(m.serveid); f(m.reason, limit::reason);
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
