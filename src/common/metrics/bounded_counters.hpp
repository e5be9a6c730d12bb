#pragma once
// Counters by label values with a bound on how many label sets exist: peers
// choose group names and serveids, and a scrape (and Prometheus' memory)
// must not grow with whatever they invent. Once `max` sets exist, amounts
// for a new one are summed under the overflow set ("other"). Counters are
// never removed: a counter must not go back (a serve that left keeps its
// total).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace metrics {

class bounded_counters {
 public:
  using key = std::vector<std::string>;
  bounded_counters(std::size_t max, key overflow) : max_(max), overflow_(std::move(overflow)) {}

  void add(const key& k, std::uint64_t n) { values_[resolve(k)] += n; }
  // The set that amounts for `k` are counted under (k itself, or the
  // overflow set once the bound is reached), created at 0: a caller that
  // counts in several steps resolves once, so its amounts never move from
  // one set to another (a counter must not go back).
  const key& resolve(const key& k) {
    if (auto it = values_.find(k); it != values_.end()) return it->first;
    if (distinct_ < max_) {
      ++distinct_;
      return values_.emplace(k, 0).first->first;
    }
    return values_.emplace(overflow_, 0).first->first;
  }
  // By label values; the overflow set, once used, among them.
  const std::map<key, std::uint64_t>& values() const { return values_; }

 private:
  std::size_t max_;
  key overflow_;
  std::size_t distinct_ = 0;  // sets other than the overflow one
  std::map<key, std::uint64_t> values_;
};

}  // namespace metrics
