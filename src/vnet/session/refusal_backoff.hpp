#pragma once
// How long a vnet waits before its next try after the route refused its
// token (a wrong or missing token, or the ban such refusals earn). Retrying
// every few seconds fixes nothing and, behind a shared address (an office
// NAT), renews the ban on that address each minute; so the wait doubles with
// each refusal, from the reconnect interval up to `cap`, and a welcome (or a
// reload, which may bring the right token) starts it over. Other failures (no
// route, a network hiccup) keep the plain reconnect interval. Pure, for its
// tests.
#include <algorithm>
#include <chrono>

namespace vnet {

class refusal_backoff {
 public:
  using duration = std::chrono::milliseconds;
  static constexpr duration cap = std::chrono::minutes(5);

  // The wait after one more refusal: `reconnect` the first time, then twice
  // the previous wait, never more than `cap` (nor less than `reconnect`).
  duration refused(duration reconnect) {
    const duration floor = std::min(reconnect, cap);
    wait_ = wait_.count() == 0 ? floor : std::clamp(wait_ * 2, floor, cap);
    return wait_;
  }
  // While refusals continue, a failure of another kind (the route closing a
  // banned address at accept) waits as long as the last refusal did.
  duration after_other(duration reconnect) const { return std::max(reconnect, wait_); }
  // Welcomed, or the configuration changed: the next refusal waits
  // `reconnect` again.
  void reset() { wait_ = duration{0}; }
  bool backing_off() const { return wait_.count() != 0; }

 private:
  duration wait_{0};
};

}  // namespace vnet
