#pragma once
// The messages of links, as opposed to control sessions. A link opens with
// link_open (a use side with a ticket), link_join (the serving side, after
// link_request) or link_pool (an idle link for later, bound by link_bind or
// given a use side by link_assign); the serving vnet answers every link with
// link_result before its hello, and the route passes it on. link_request
// and link_failed travel on the serving vnet's control session.
// (protocol/messages.hpp says how a message struct is laid out.)
#include <cstdint>
#include <string>

#include "protocol/field.hpp"
#include "protocol/types.hpp"

namespace protocol {

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
    f(m.version, opening_version); f(m.serveid, limit::serveid); f(m.ticket_id); f(m.proof);
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

struct link_request {
  static constexpr type tag{0x40};  // route -> serving vnet: dial the service, then link_join
  static constexpr const char* type_name = "link_request";
  std::uint64_t link_id = 0;
  std::uint16_t serveid = 0;
  key32 link_secret{};  // the secret of the ticket the use side opened with
  bool operator==(const link_request&) const = default;
  static void fields(auto&& f, auto& m) {
    f(m.link_id); f(m.serveid, limit::serveid); f(m.link_secret);
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
  static void fields(auto&& f, auto& m) { f(m.serveid, limit::serveid); }
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
  static void fields(auto&& f, auto& m) { f(m.link_id); f(m.serveid, limit::serveid); f(m.sealed); }
};

}  // namespace protocol
