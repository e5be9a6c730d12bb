#pragma once
// How many TLS handshakes the route starts per second. A handshake is the
// route's most expensive step (a key exchange and a signature, ~0.4 ms of
// CPU) and anyone who reaches the port can force one, before any token is
// checked: a replayed ClientHello is free for the sender. Two token buckets,
// each [route] max_handshakes_per_second (a second's worth of burst):
// newcomers share one, and addresses that were admitted before
// (admission_book::known) have their own, so a flood from elsewhere never
// keeps the vnets that belong here from reconnecting. Beyond its bucket a
// connection is closed before its handshake, which costs next to nothing.
// Links never come here: they are plaintext and open in front_door.cpp.
// Single-threaded, pure, for its tests.
#include <algorithm>
#include <chrono>

namespace route {

class handshake_gate {
 public:
  using clock = std::chrono::steady_clock;

  // Whether a handshake from a `known` address (or a newcomer) may start
  // now; takes one token when it may. `per_second`: read at each call, so a
  // reload applies at once.
  bool allow(bool known, unsigned per_second, clock::time_point now) {
    return (known ? known_ : newcomers_).take(per_second, now);
  }

 private:
  struct bucket {
    double tokens = -1;  // -1: never used, starts full
    clock::time_point at{};
    bool take(unsigned per_second, clock::time_point now) {
      const double cap = per_second;
      if (tokens < 0) tokens = cap;
      const double elapsed = std::chrono::duration<double>(now - at).count();
      tokens = std::min(cap, tokens + std::max(0.0, elapsed) * per_second);
      at = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    }
  };
  bucket newcomers_, known_;
};

}  // namespace route
