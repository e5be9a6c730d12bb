#pragma once
// The route's front door: accepts connections and tells them apart by their
// first byte: a TLS handshake is a control session (control_opening.cpp:
// handshake, hello, admission, then the session hub), anything else a link's
// plaintext opening frame (handed to the link broker). It keeps the bans of
// addresses that fail admission, the connections that have not identified
// themselves yet (the first to go when they are too many or descriptors run
// out), the TLS handshakes in progress (their own bound, and a rate with room
// kept for addresses admitted before), and the count of control sessions per
// source address and network.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "log/budget.hpp"
#include "net/asio.hpp"
#include "net/socket_set.hpp"
#include "net/tls/tls.hpp"
#include "outcome/result.hpp"
#include "protocol/messages.hpp"
#include "route/admission_book.hpp"
#include "route/links/link_broker.hpp"
#include "route/sessions/session_hub.hpp"
#include "route/ops/stats.hpp"
#include "route/front/handshake_gate.hpp"
#include "route/front/session_count.hpp"
#include "route/front/tls_identity.hpp"
#include "route/front/unidentified.hpp"

namespace route {

class front_door {
 public:
  // Everything by reference is owned by the route's server and outlives the
  // front door. `connections`: every socket before it is a session or a
  // paired link, closed at shutdown.
  front_door(net::asio::any_io_executor ex, const config::route_config& cfg, const tls_identity& tls,
             session_hub& sessions, link_broker& links, net::socket_set& connections, route::stats& stats,
             logging::budget& peer_log);

  // Binds and listens; after success local_endpoint() is valid.
  net::error_code open();
  net::tcp::endpoint local_endpoint() const;
  // Accepts until stop().
  net::awaitable<void> run();
  // Closes the listener; the connections close with `connections`.
  void stop();
  // Failed admissions and bans, for the status page and ctl.
  const admission_book& admission() const { return admission_; }

 private:
  net::awaitable<void> handle(net::tcp::socket s);
  // After the first byte: a link's plaintext opening frame (or a refused
  // plaintext hello), or a control session's TLS handshake and hello
  // (control_opening.cpp). `deadline`: the end of the handshake_timeout.
  net::awaitable<void> open_plain(net::tcp::socket s, std::string from,
                                  std::chrono::steady_clock::time_point deadline);
  net::awaitable<void> open_control(net::tcp::socket s, std::string from, std::string address,
                                    std::chrono::steady_clock::time_point deadline);
  // After a ClientHello arrived: whether its handshake may start now
  // ([route] max_handshakes_per_second, handshake_gate), making room among
  // the pending ones ([route] max_pending_handshakes) when it may.
  bool may_start_handshake(const std::string& address, const std::string& from);
  // Whether `hello` is admitted (token), or why not.
  outcome::status admit(const protocol::control_hello& hello, net::tls::tls_stream& s) const;
  // Before a new connection joins unidentified_: closes the oldest ones
  // beyond [route] max_unidentified, logging once per streak.
  void make_room();
  // A connection's opening frame could not be read (`rec`): logs why within
  // the handshake budget, and returns the error frame to answer with when
  // the peer speaks our protocol (a port scanner just sees the close).
  // `stage`: "during handshake", "after the TLS handshake".
  std::vector<std::uint8_t> opening_failed(const net::error_code& rec, const std::string& from,
                                           const char* stage);
  // The accept loop ran out of descriptors: sheds the oldest unidentified
  // connection; false when there is none.
  bool shed_for_descriptors();

  net::asio::any_io_executor ex_;
  const config::route_config& cfg_;  // read at each use: a reload applies at once
  const tls_identity& tls_;
  session_hub& sessions_;
  link_broker& links_;
  net::socket_set& connections_;
  route::stats& stats_;
  logging::budget& peer_log_;
  net::tcp::acceptor acceptor_;
  // Failed admissions per source address, and the bans they earn.
  admission_book admission_;
  // The part of connections_ still before its opening frame (or, for TLS,
  // before its ClientHello arrived), oldest first.
  unidentified unidentified_;
  // Control connections in their TLS handshake (each holds a TLS state),
  // oldest first: bounded apart, so that a handshake flood never sheds
  // links before their opening frame.
  unidentified handshaking_;
  handshake_gate handshakes_;
  std::size_t shed_streak_ = 0;  // closed by make_room() since the limit was last clear
  // Control sessions per source IP address ([route] max_sessions_per_address).
  std::map<std::string, unsigned> sessions_per_address_;
  // ... and per network, /24 or /64 ([route] max_sessions_per_network).
  std::map<std::string, unsigned> sessions_per_network_;
};

}  // namespace route
