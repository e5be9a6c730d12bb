#pragma once
// The relays of an end-to-end encrypted link (crypto/link_cipher.hpp): same
// shape as net::relay (one coroutine per direction, joined with &&,
// half-close), with records between the vnet and the route. A direction's
// EOF becomes a FINAL record, and a FINAL record becomes a shutdown of the
// plain socket's send side. A record is opened whole before any of its bytes
// go out; a record that fails, an over-long one, or EOF without FINAL closes
// both sockets at once.
//
// Both relays take their parameters by value: build them in a statement of
// their own (GCC 12, DESIGN.md rule 11), then co_await the call.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/link_keys.hpp"
#include "crypto/secret.hpp"
#include "net/relay.hpp"
#include "net/time.hpp"

namespace net {

struct use_params {
  crypto::group_keys group;
  crypto::key32 link_secret{};    // the secret of the ticket the link opened with
  protocol::link_key serve_key;   // the serving vnet's listed key (checked against group.mac_key)
  // Written just before the hello, in the same write: link_bind on a pooled
  // link (empty after link_open, which is written on its own).
  std::vector<std::uint8_t> prefix;
};

struct serve_params {
  crypto::group_keys group;
  crypto::key32 link_secret{};              // the use side's: link_request or link_assign
  std::shared_ptr<crypto::link_keys> keys;  // this vnet's link keys (replay sets)
};

struct secure_stats {
  relay_stats stats;    // plaintext bytes (a_to_b = first argument -> second); I/O errors
  std::string failure;  // why the link was cut otherwise: a bad record, a refused hello,
                        // the route's refusal; "" after a clean end or an I/O error
};

// The use side's wait for the route's link_result: "" when paired, else why
// not (the relay then closes the client and returns it as the failure).
using await_paired_fn = std::function<awaitable<std::string>()>;

// The peer's hello is due soon after pairing; one that never comes is a
// stuck or hostile peer.
inline constexpr duration hello_timeout = std::chrono::seconds(30);

// Called right after link_open is written, or on a pooled link: sends
// p.prefix (link_bind), the use hello and the client's first bytes in one
// write and pumps client -> link at once (0-RTT, before the route has paired
// the link);
// link -> client first co_awaits await_paired(), then the serve hello.
// `meter` (plaintext bytes, a = the first socket) moves while the link is open.
awaitable<secure_stats> relay_use(tcp::socket& client, tcp::socket& link, use_params p,
                                  await_paired_fn await_paired, relay_meter meter = {});

// Dials the service into relay_serve's `service` socket: "" when connected,
// else why not ("cannot reach 127.0.0.1:22: Connection refused"), which the
// route passes on to the use side.
using dial_service_fn = std::function<awaitable<std::string>()>;

// Called on a link the route paired (after link_join is written, or after
// link_assign was read): reads the use hello and checks it (link key, psk,
// replay), and only then dials the service, so a refused or replayed hello
// reaches no service. Then writes link_result{true} and the serve hello in
// one write and relays; any failure before that writes link_result{false,
// why} and closes.
awaitable<secure_stats> relay_serve(tcp::socket& service, tcp::socket& link, serve_params p,
                                    dial_service_fn dial_service, relay_meter meter = {});

}  // namespace net
