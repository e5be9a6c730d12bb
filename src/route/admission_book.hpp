#pragma once
// Admission failures (wrong or missing token), and the bans they earn. A ban
// closes new control sessions (admission attempts) at accept; it never
// touches links, whose tickets prove a session that was admitted already: a
// vnet with a stale token behind an office NAT must not cut its neighbours'
// tunnels. Three scales, so that neither one noisy address nor many rotating
// ones get far:
// - an address that fails `max_failures` times within `window` is banned for
//   `ban`;
// - a prefix (/24 for IPv4, /64 for IPv6: what one client usually holds)
//   whose addresses fail `max_prefix_failures` times within `window` is
//   banned as a whole for `ban`;
// - when all addresses together fail `max_total_failures` times within
//   `window`, only addresses that were admitted before are let in until the
//   window has passed (a guessing campaign from 20 000 addresses pays for
//   itself; the vnets that belong here keep reconnecting).
// Single-threaded, like the rest of the route; pure, for its tests: the
// caller names the address's prefix (front_door, from the socket).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace route {

class admission_book {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr unsigned max_failures = 5;
  static constexpr unsigned max_prefix_failures = 20;
  static constexpr unsigned max_total_failures = 200;
  static constexpr auto window = std::chrono::seconds(60);
  static constexpr auto ban = std::chrono::seconds(60);
  // Addresses remembered as admitted before (the oldest forgotten first).
  static constexpr std::size_t remembered = 4096;

  // What one failure started, for one log line each.
  struct verdict {
    bool address_banned = false;
    bool prefix_banned = false;
    bool strained = false;  // the total budget was spent just now
  };

  // True while an admission attempt from `address` (in `prefix`) is closed
  // at accept.
  bool banned(const std::string& address, const std::string& prefix, clock::time_point now) {
    if (banned_in(addresses_, address, now) || banned_in(prefixes_, prefix, now)) return true;
    return strained(now) && !known_.contains(address);
  }

  // Counts a failure of `address` (in `prefix`).
  verdict fail(const std::string& address, const std::string& prefix, clock::time_point now) {
    verdict v;
    v.address_banned = count(addresses_, address, max_failures, now);
    v.prefix_banned = count(prefixes_, prefix, max_prefix_failures, now);
    const bool was = strained(now);
    while (!total_.empty() && now - total_.front() >= window) total_.pop_front();
    total_.push_back(now);
    if (total_.size() >= max_total_failures) {
      strained_until_ = now + window;
      total_.clear();
      v.strained = !was;
    }
    return v;
  }

  // `address` was admitted: it is let in while the total budget is spent.
  void admitted(const std::string& address) {
    if (auto it = known_.find(address); it != known_.end()) {
      order_.splice(order_.end(), order_, it->second);
      return;
    }
    if (order_.size() >= remembered) {
      known_.erase(order_.front());
      order_.pop_front();
    }
    known_[address] = order_.insert(order_.end(), address);
  }

  // Whether `address` was admitted before (among the last `remembered`).
  bool known(const std::string& address) const { return known_.contains(address); }
  bool strained(clock::time_point now) const { return strained_until_ > now; }
  std::size_t tracked() const { return addresses_.size() + prefixes_.size(); }

  // An address or a network ("10.0.0.0/24") that failed within the window,
  // or is banned: for the status page and ctl (route/ops).
  struct watched_address {
    std::string address;
    unsigned failures;  // within the window; its bound once banned
    std::optional<clock::time_point> banned_until;
  };
  // Banned ones first, then by failures; at most `max` (the books hold up
  // to thousands, a page row each is too many).
  std::vector<watched_address> watched(clock::time_point now, std::size_t max) const {
    std::vector<watched_address> out;
    auto add = [&](const book& b, unsigned bound) {
      for (const auto& [key, e] : b) {
        if (e.banned_until > now) {
          out.push_back({key, bound, e.banned_until});
          continue;
        }
        unsigned n = 0;
        for (auto t : e.times) n += now - t < window;
        if (n) out.push_back({key, n, std::nullopt});
      }
    };
    add(addresses_, max_failures);
    add(prefixes_, max_prefix_failures);
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
  using book = std::map<std::string, entry>;

  bool banned_in(book& b, const std::string& key, clock::time_point now) {
    auto it = b.find(key);
    if (it == b.end()) return false;
    if (it->second.banned_until > now) return true;
    prune(b, it, now);
    return false;
  }
  // True when this failure starts a ban of `key`.
  bool count(book& b, const std::string& key, unsigned limit, clock::time_point now) {
    if (b.size() >= sweep_at) sweep(b, now);
    auto& e = b[key];
    while (!e.times.empty() && now - e.times.front() >= window) e.times.pop_front();
    e.times.push_back(now);
    if (e.times.size() < limit) return false;
    e.times.clear();
    const bool started = e.banned_until <= now;
    e.banned_until = now + ban;
    return started;
  }
  // Many addresses failing once each must not grow the books for ever.
  static constexpr std::size_t sweep_at = 4096;
  static void sweep(book& b, clock::time_point now) {
    for (auto it = b.begin(); it != b.end();) {
      auto next = std::next(it);
      if (it->second.banned_until <= now) prune(b, it, now);
      it = next;
    }
  }
  static void prune(book& b, book::iterator it, clock::time_point now) {
    auto& e = it->second;
    while (!e.times.empty() && now - e.times.front() >= window) e.times.pop_front();
    if (e.times.empty()) b.erase(it);
  }

  book addresses_, prefixes_;
  std::deque<clock::time_point> total_;  // every failure within the window
  clock::time_point strained_until_{};
  std::list<std::string> order_;  // admitted addresses, least recently first
  std::unordered_map<std::string, std::list<std::string>::iterator> known_;
};

}  // namespace route
