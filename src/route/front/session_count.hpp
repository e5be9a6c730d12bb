#pragma once
// One count in a map of control sessions per key (per source address, per
// network: [route] max_sessions_per_address, max_sessions_per_network),
// held for a session's life however it ends. Movable, so that it travels
// into the session (route/sessions/session.hpp).
#include <map>
#include <string>
#include <utility>

namespace route {

class session_count {
 public:
  session_count(std::map<std::string, unsigned>& counts, std::string key)
      : counts_(&counts), key_(std::move(key)) {
    ++counts[key_];
  }
  session_count(session_count&& o) noexcept : counts_(std::exchange(o.counts_, nullptr)), key_(std::move(o.key_)) {}
  session_count& operator=(session_count&&) = delete;
  session_count(const session_count&) = delete;
  ~session_count() {
    if (counts_ && --(*counts_)[key_] == 0) counts_->erase(key_);
  }

 private:
  std::map<std::string, unsigned>* counts_;  // null once moved from
  std::string key_;
};

// A session's two counts: per address and per network.
struct session_counts {
  session_count per_address;
  session_count per_network;
};

}  // namespace route
