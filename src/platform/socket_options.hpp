#pragma once
// What the daemons ask of a TCP socket beyond Asio's portable options.
#include <cstddef>

#include "platform/handle.hpp"

namespace platform {

// Keep-alive (already switched on) probes after `idle_s` seconds of silence, every `interval_s`
// seconds, `count` unanswered ones ending the connection (on Windows the
// count is the system's: SIO_KEEPALIVE_VALS has no field for it). Best
// effort: a refused option leaves the system's defaults.
void set_keepalive(socket_handle s, int idle_s, int interval_s, int count);

// Whether a socket has nothing to read and is still open, without waiting
// or consuming anything (a non-blocking MSG_PEEK): false for bytes, end of
// stream or an error.
bool nothing_to_read(socket_handle s);

// A wait for readability wakes only once `bytes` are queued (or the peer
// closed): SO_RCVLOWAT. Best effort: where it is refused (Windows) a wait
// wakes at each segment and the caller waits again.
void set_receive_low_water(socket_handle s, std::size_t bytes);

// Whether the peer has ended its side (FIN) or the connection failed,
// without consuming anything, even with bytes still queued (POLLRDHUP).
// Windows has no such flag: true only when nothing is queued and the end
// of stream is next.
bool peer_hung_up(socket_handle s);

}  // namespace platform
