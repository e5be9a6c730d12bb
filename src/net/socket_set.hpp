#pragma once
// Sockets owned by coroutines but closable from outside (shutdown, a vnet
// leaving, a serve closed). Single-threaded by design: one io_context thread.
#include <cstddef>
#include <cstdint>
#include <set>

#include "net/asio.hpp"

namespace net {

class socket_set {
 public:
  // Registers a socket for the guard's lifetime.
  class guard {
   public:
    guard(socket_set& set, tcp::socket& s) : set_(set), s_(&s) { set_.sockets_.insert(s_); }
    ~guard() { set_.sockets_.erase(s_); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;

   private:
    socket_set& set_;
    tcp::socket* s_;
  };

  // Counts one live link (a relay and its sockets) for the guard's lifetime.
  class link {
   public:
    explicit link(socket_set& set) : set_(set) { ++set_.links_; }
    ~link() { --set_.links_; }
    link(const link&) = delete;
    link& operator=(const link&) = delete;

   private:
    socket_set& set_;
  };

  // Another owner takes the socket over before its guard ends (the guard's
  // end is then a no-op).
  void remove(tcp::socket& s) { sockets_.erase(&s); }

  void close_all() {
    error_code ignored;
    for (auto* s : sockets_) s->close(ignored);
  }
  std::size_t links() const { return links_; }

  // Totals of the links relayed for this set's owner (a serve or a use), for
  // `show serve|use` and /metrics. "in" came from the route, "out" went to it.
  struct traffic_totals {
    std::uint64_t links = 0;  // counted when the relay starts
    std::uint64_t bytes_in = 0, bytes_out = 0;  // counted as they move (net::relay::relay_meter)
    // UDP flows' datagrams (net::datagram_channel), whole; dropped ones not counted.
    std::uint64_t datagrams_in = 0, datagrams_out = 0;
  };
  traffic_totals traffic;

 private:
  std::set<tcp::socket*> sockets_;
  std::size_t links_ = 0;
};

}  // namespace net
