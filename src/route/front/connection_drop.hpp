#pragma once
// Why the front door closed a connection before it became a control session
// or a link. One name per reason: the label of
// vnet_route_connections_dropped_total (each listed at 0 from the start).
// The log lines keep their own sentences; this is what they are counted as.
#include <array>
#include <cstddef>

namespace route {

enum class connection_drop {
  bad_frame,        // its opening frame did not decode
  banned,           // its address failed admission too often (admission_book)
  closed,           // it closed, or the socket failed, before its opening frame
  group_full,       // its group holds the most vnets a group may
  handshake_rate,   // over [route] max_handshakes_per_second: closed before its TLS handshake
  plaintext_hello,  // a control_hello without TLS
  refused,          // admission refused: a missing or wrong token
  session_limit,    // [route] max_sessions_per_address
  shed,             // closed unidentified to make room (max_unidentified, max_pending_handshakes,
                    // out of descriptors)
  timeout,          // no opening frame (or TLS handshake) within handshake_timeout
  tls_failed,       // its TLS handshake failed
  version_mismatch, // it speaks another protocol version
  wrong_opening,    // it opened with a message that opens nothing
};

inline constexpr std::array<const char*, 13> connection_drop_names = {
    "bad_frame", "banned",   "closed",  "group_full", "handshake_rate", "plaintext_hello",  "refused",
    "session_limit", "shed", "timeout", "tls_failed", "version_mismatch", "wrong_opening"};
inline constexpr std::size_t connection_drop_count = connection_drop_names.size();

constexpr const char* name_of(connection_drop r) { return connection_drop_names[static_cast<std::size_t>(r)]; }

}  // namespace route
