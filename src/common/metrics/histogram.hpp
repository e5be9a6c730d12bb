#pragma once
// A histogram of durations with fixed buckets from 0.5 ms to 10 s (upper
// bounds, seconds); what lies above the last bound counts only in +Inf.
#include <array>
#include <cstdint>

namespace metrics {

class histogram {
 public:
  static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  void observe(double seconds) {
    std::size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i]) ++i;
    ++counts_[i];
    sum_ += seconds;
    ++count_;
  }
  // Observations <= bounds[i] (cumulative); i == bounds.size() is +Inf.
  std::uint64_t cumulative(std::size_t i) const {
    std::uint64_t n = 0;
    for (std::size_t k = 0; k <= i; ++k) n += counts_[k];
    return n;
  }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::array<std::uint64_t, bounds.size() + 1> counts_{};  // per bucket, last = above 10 s
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace metrics
