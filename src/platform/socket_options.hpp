#pragma once
// What the daemons ask of a TCP socket beyond Asio's portable options.
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

}  // namespace platform
