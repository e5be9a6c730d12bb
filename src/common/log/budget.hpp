#pragma once
// A budget for log lines that a peer can trigger at will (bad handshakes,
// refused requests, registrations): without one, a client sending 500
// refused requests a second writes 500 lines a second, and a log is a disk
// that fills. Each subject (a vnet, the connections in their handshake) may
// write `lines` lines of each kind ("refusal", "registration") per
// `window`, so that a flood of one kind never hides the first line of
// another; the rest are counted, and the next line of that kind after its
// window says how many were left out. Single-threaded, like the daemons.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

namespace logging {

class budget {
 public:
  using clock = std::chrono::steady_clock;

  budget(std::size_t lines, clock::duration window) : lines_(lines), window_(window) {}

  // True when one more line of `kind` about `subject` may be written now.
  bool allow(const std::string& subject, const std::string& kind,
             clock::time_point now = clock::now()) {
    auto& s = subjects_[{subject, kind}];
    if (now - s.since >= window_) {
      say_left_out(subject, kind, s);
      s = {now, 0, 0};
    }
    if (s.written < lines_) {
      ++s.written;
      return true;
    }
    ++s.left_out;
    return false;
  }

  // The subject is gone (a vnet left): say what was left out, forget it.
  void forget(const std::string& subject) {
    auto it = subjects_.lower_bound({subject, std::string()});
    while (it != subjects_.end() && it->first.first == subject) {
      say_left_out(subject, it->first.second, it->second);
      it = subjects_.erase(it);
    }
  }

 private:
  struct state {
    clock::time_point since{};
    std::size_t written = 0;
    std::size_t left_out = 0;
  };

  void say_left_out(const std::string& subject, const std::string& kind, const state& s) const {
    if (s.left_out == 0) return;
    spdlog::warn("{}: {} more {} line{} not logged (at most {} per {} s)", subject, s.left_out, kind,
                 s.left_out == 1 ? "" : "s", lines_,
                 std::chrono::duration_cast<std::chrono::seconds>(window_).count());
  }

  std::size_t lines_;
  clock::duration window_;
  std::map<std::pair<std::string, std::string>, state> subjects_;  // by subject, kind
};

}  // namespace logging
