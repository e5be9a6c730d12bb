#pragma once
// Socket helpers shared by both daemons: tuning, dialing with a deadline,
// listening, a resilient accept loop and a co_spawn completion that logs.
#include <chrono>
#include <exception>
#include <functional>
#include <string>

#include "net/asio.hpp"

namespace net {

using duration = std::chrono::steady_clock::duration;

// TCP_NODELAY and keep-alive on every socket we relay through: latency, and
// dead peers that vanish without FIN are eventually noticed.
void tune(tcp::socket& s);

// Resolves host (name or literal) and connects, racing a timer.
awaitable<error_code> dial(tcp::socket& s, const std::string& host, std::uint16_t port,
                           duration timeout);

// Opens a listening acceptor (SO_REUSEADDR) on ip:port.
error_code listen(tcp::acceptor& a, const std::string& ip, std::uint16_t port);

// Accepts until the acceptor is closed. Never dies on EMFILE and friends:
// logs and backs off. `on_accept` takes ownership of each socket.
awaitable<void> accept_loop(tcp::acceptor& a, std::string what,
                            std::function<void(tcp::socket)> on_accept);

// Completion for co_spawn: an exception here is a bug; log it, never lose it.
struct log_exception {
  const char* what;
  void operator()(std::exception_ptr e) const;
};

// "ip:port" for logs, IPv6 addresses in brackets ("[::1]:7749").
std::string to_string(const tcp::endpoint& ep);
std::string host_port(const std::string& host, std::uint16_t port);

// Waits for `d` on a fresh timer; returns false if cancelled.
awaitable<bool> sleep_for(duration d);

std::chrono::milliseconds to_ms(std::chrono::duration<double> d);
duration to_duration(std::chrono::duration<double> d);

// Returns once nothing has been seen for `limit`; `last_seen` is updated by
// the caller's reader. The idle-timeout branch of a session. Both are read
// again at every wake-up, so the caller may change `limit` (a reload): a
// longer one applies at once, a shorter one from the old deadline on.
awaitable<void> watch_silence(const std::chrono::steady_clock::time_point& last_seen,
                              const duration& limit);

}  // namespace net
