#pragma once
// A token bucket: `rate` tokens a second, at most `burst` saved up. A session
// takes one per message it reads; when none is left it waits for the next
// instead of reading, so a flooder is slowed by TCP back-pressure and nothing
// it sent is dropped.
#include <algorithm>
#include <chrono>

namespace net {

class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket(double rate, double burst, clock::time_point now = clock::now())
      : rate_(rate), burst_(burst), tokens_(burst), at_(now) {}

  // Takes one token; returns how long to wait first (zero when one was there).
  clock::duration take(clock::time_point now = clock::now()) {
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - at_).count());
    at_ = now;
    tokens_ -= 1;  // may go negative: the wait pays the debt
    if (tokens_ >= 0) return clock::duration::zero();
    return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(-tokens_ / rate_));
  }

 private:
  double rate_, burst_, tokens_;
  clock::time_point at_;
};

}  // namespace net
