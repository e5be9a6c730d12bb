#pragma once
// An end-to-end encrypted link in a vnet (crypto/link_cipher.hpp): its plain
// socket (the client on the use side, the service on the serve side), its
// link to the route, and the relay between them, with records on the link.
// A direction's EOF becomes a FINAL record, and a FINAL record becomes a
// shutdown of the plain socket's send side (half-close). A record is opened
// whole before any of its bytes go out; a record that fails, an over-long
// one, or EOF without FINAL closes both sockets at once, the plain one with
// a reset (SO_LINGER 0): its program never takes a cut stream for a whole one.
//
// Setting a link up (hellos, the route's answer, dialling the service) is a
// coroutine, open_use() or open_serve(), which returns once the link runs.
// From then on each direction is driven by readiness callbacks, like
// net::relay: an idle link is its encrypted_link object and two pending
// waits, with no coroutine frame and no buffer (net/secure/link_steps.hpp borrows
// one only while bytes are in flight).
//
// Both setups take their parameters by value: build them in a statement of
// their own (docs/architecture.md, GCC 12 co_await rule), then co_await the call.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/link_cipher.hpp"
#include "crypto/link_keys.hpp"
#include "crypto/secret.hpp"
#include "net/secure/link_buffers.hpp"
#include "net/relay/relay.hpp"
#include "net/time.hpp"
#include "outcome/result.hpp"

namespace net::secure {

struct use_params {
  crypto::group_keys group;
  crypto::key32 link_secret{};    // the secret of the ticket the link opened with
  protocol::link_key serve_key;   // the serving vnet's listed key (checked against group.mac_key)
  // Written just before the hello, in the same write: link_bind on a pooled
  // link (empty after link_open, which is written on its own).
  std::vector<std::uint8_t> prefix;
  std::uint16_t serveid = 0;  // bound into the keys: a link relabelled by the route fails
  crypto::suites offer = crypto::local_suites();  // the cipher suites this end runs fast
};

struct serve_params {
  crypto::group_keys group;
  crypto::key32 link_secret{};              // the use side's: link_request or link_assign
  std::shared_ptr<crypto::link_keys> keys;  // this vnet's link keys (replay sets)
  std::uint16_t serveid = 0;  // the serve the route asked for (bound into the keys)
  std::uint64_t link_id = 0;  // the route's id of this link (bound into the keys, told to the use side)
  crypto::suites local = crypto::local_suites();
};

struct secure_stats {
  relay::relay_stats stats;    // plaintext bytes (a_to_b = plain -> link); I/O errors
  std::string failure;  // why the link was cut otherwise: a bad record, a refused hello,
                        // the route's refusal; "" after a clean end or an I/O error
  const char* cipher = nullptr;  // the records' suite once both hellos passed ("AES-256-GCM")
};

// One encrypted link, on the heap (std::make_shared) for as long as it runs:
// the callbacks of its directions hold it. A vnet derives from it to keep
// what it counts for the link's life (socket_set guards, its slot) and to
// hear the end in ended().
class encrypted_link : public std::enable_shared_from_this<encrypted_link> {
 public:
  explicit encrypted_link(const asio::any_io_executor& ex) : plain(ex), link(ex) { seal_.sealing = true; }
  virtual ~encrypted_link() = default;
  encrypted_link(const encrypted_link&) = delete;
  encrypted_link& operator=(const encrypted_link&) = delete;

  tcp::socket plain;  // the client (use side) or the service (serve side)
  tcp::socket link;   // to the route
  relay::relay_meter meter;  // plaintext bytes as they move: a_to_b = plain -> link

 protected:
  // Called once, when both directions have ended or the setup failed; not
  // when the link is dropped unfinished (its io_context destroyed).
  virtual void ended(const secure_stats&) {}

 private:
  friend struct link_driver;
  struct direction {
    bool sealing = false;  // plain -> records on the link; else records -> plain
    bool started = false, done = false;
    bool ending = false;   // FINAL sealed or opened: flush, shut the send side, done
    std::uint64_t bytes = 0;
    held_bytes partial;    // opening: the first bytes of a record whose rest has not come
    held_bytes rest;       // what a full peer did not take yet
  };
  crypto::record_sealer sealer_;
  crypto::record_opener opener_;
  direction seal_, open_;  // plain -> link, link -> plain
  std::string failure_;
  const char* cipher_ = nullptr;
  error_code error_;
  bool reported_ = false;
};

// The use side's wait for the route's link_result on the link: ok when
// paired, else why not (the link then ends with it as the failure).
using await_paired_fn = std::function<awaitable<outcome::status>(tcp::socket& link)>;

// Dials the service into the link's plain socket: ok when connected, else
// why not ("cannot reach 127.0.0.1:22: Connection refused"), which the route
// passes on to the use side.
using dial_service_fn = std::function<awaitable<outcome::status>(tcp::socket& service)>;

// The peer's hello is due soon after pairing; one that never comes is a
// stuck or hostile peer.
inline constexpr duration hello_timeout = std::chrono::seconds(30);

// The use side, called right after link_open is written, or on a pooled
// link: sends p.prefix (link_bind), the use hello and the early record (the
// client's first bytes, up to crypto::max_early, perhaps none) in one write
// (0-RTT, before the route has paired the link); then awaits await_paired()
// and the serve hello, and starts both directions on the chosen suite.
// Returns then, or on a failure.
awaitable<void> open_use(std::shared_ptr<encrypted_link> l, use_params p, await_paired_fn await_paired);

// The serve side, on a link the route paired (after link_join is written, or
// after link_assign was read): reads the use hello and checks it (link key,
// replay), opens the early record (which authenticates the opening: psk,
// link secret, serveid), and only then dials the service, so a refused,
// forged, relabelled or replayed opening reaches no service. Then writes link_result{true} and the serve
// hello in one write and starts both directions; any failure before that
// answers with refuse_link() and ends the link.
awaitable<void> open_serve(std::shared_ptr<encrypted_link> l, serve_params p, dial_service_fn dial_service);

// The serving vnet's refusal of a link the route paired: link_result{false,
// why}, which the route passes on to the use side.
awaitable<void> refuse_link(tcp::socket& link, std::string why);

}  // namespace net::secure
