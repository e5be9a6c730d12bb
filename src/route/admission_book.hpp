#pragma once
// Admission failures (wrong or missing token) per source address. An address
// that fails `max_failures` times within `window` is closed at accept for
// `ban`: guessing the token costs a reconnect per guess and five guesses a
// minute. Single-threaded, like the rest of the route; pure, for its tests.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace route {

class admission_book {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr unsigned max_failures = 5;
  static constexpr auto window = std::chrono::seconds(60);
  static constexpr auto ban = std::chrono::seconds(60);

  // True while `address` is banned.
  bool banned(const std::string& address, clock::time_point now) {
    auto it = book_.find(address);
    if (it == book_.end()) return false;
    if (it->second.banned_until > now) return true;
    prune(it, now);
    return false;
  }
  // Counts a failure; true when it starts a ban (log it once).
  bool fail(const std::string& address, clock::time_point now) {
    if (book_.size() >= sweep_at) sweep(now);
    auto& e = book_[address];
    while (!e.times.empty() && now - e.times.front() >= window) e.times.pop_front();
    e.times.push_back(now);
    if (e.times.size() < max_failures) return false;
    e.times.clear();
    e.banned_until = now + ban;
    return true;
  }
  std::size_t tracked() const { return book_.size(); }

  // An address that failed within the window, or is banned: for the status
  // page and ctl (route/ops).
  struct watched_address {
    std::string address;
    unsigned failures;  // within the window; max_failures once banned
    std::optional<clock::time_point> banned_until;
  };
  // Banned ones first, then by failures; at most `max` (the book holds up to
  // thousands, a page row each is too many).
  std::vector<watched_address> watched(clock::time_point now, std::size_t max) const {
    std::vector<watched_address> out;
    for (const auto& [address, e] : book_) {
      if (e.banned_until > now) {
        out.push_back({address, max_failures, e.banned_until});
        continue;
      }
      unsigned n = 0;
      for (auto t : e.times) n += now - t < window;
      if (n) out.push_back({address, n, std::nullopt});
    }
    std::stable_sort(out.begin(), out.end(), [](const watched_address& a, const watched_address& b) {
      return a.banned_until.has_value() != b.banned_until.has_value() ? a.banned_until.has_value()
                                                                      : a.failures > b.failures;
    });
    if (out.size() > max) out.resize(max);
    return out;
  }

 private:
  struct entry {
    std::deque<clock::time_point> times;  // failures within the window
    clock::time_point banned_until{};
  };
  // Many addresses failing once each must not grow the book for ever.
  static constexpr std::size_t sweep_at = 4096;
  void sweep(clock::time_point now) {
    for (auto it = book_.begin(); it != book_.end();) {
      auto next = std::next(it);
      if (it->second.banned_until <= now) prune(it, now);
      it = next;
    }
  }
  void prune(std::map<std::string, entry>::iterator it, clock::time_point now) {
    auto& e = it->second;
    while (!e.times.empty() && now - e.times.front() >= window) e.times.pop_front();
    if (e.times.empty()) book_.erase(it);
  }

  std::map<std::string, entry> book_;
};

}  // namespace route
