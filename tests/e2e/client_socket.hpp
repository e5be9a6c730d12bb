#pragma once
// The test thread's side of the tunnel: blocking loopback sockets whose every
// read has a deadline, on Linux and Windows alike.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "protocol/codec.hpp"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace e2e {

using namespace std::chrono_literals;

// The one io_context of the test thread's sockets and acceptors: their
// calls are synchronous, so it is never run.
boost::asio::io_context& sync_io();

// A blocking loopback client with deadlines. Control sessions speak TLS:
// after connect, start_tls() (a route's side: accept_tls()); from then on
// every read and write goes through it. Links stay plain. Built on Asio's
// synchronous socket calls, so that it is the same on Linux and Windows.
class client_socket {
 public:
  client_socket();
  explicit client_socket(boost::asio::ip::tcp::socket s);  // connected (accepted)
  client_socket(client_socket&& o) noexcept;
  client_socket& operator=(client_socket&& o) noexcept;
  ~client_socket();

  // One attempt to an IPv4 loopback address; false if refused.
  bool connect(std::uint16_t port, const char* ip = "127.0.0.1");
  // The same from a chosen local address (127.0.0.2, ...: another source).
  bool connect_from(const std::string& local_ip, std::uint16_t port);
  bool valid() const;
  // TLS 1.3 handshake as a vnet (no verification: the tests trust the route
  // they started); false if it fails or takes longer than `timeout`.
  bool start_tls(std::chrono::milliseconds timeout = 10s);
  // The same as a route, with `ctx`'s certificate.
  bool accept_tls(SSL_CTX* ctx, std::chrono::milliseconds timeout = 10s);
  SSL* tls() const { return ssl_; }
  // One read: bytes (> 0), 0 at EOF, -1 on an error, -2 at the deadline.
  // One thread may read while another sends (TLS calls are serialised).
  long read_some(void* buf, std::size_t n, std::chrono::steady_clock::time_point deadline);
  bool send_all(const void* data, std::size_t n);
  bool send_all(const std::string& s) { return send_all(s.data(), s.size()); }
  bool send_all(const std::vector<std::uint8_t>& v) { return send_all(v.data(), v.size()); }
  void shutdown_write();
  // Ends both directions: wakes another thread blocked in a send or read.
  void shutdown_both();
  // Sends from `data` until the peer stops taking bytes (no room for `quiet`)
  // or all is sent; returns how many bytes went out.
  std::size_t send_until_stalled(const std::vector<std::uint8_t>& data, std::chrono::milliseconds quiet);
  // Reads exactly n bytes (nullopt on EOF/error/deadline).
  std::optional<std::vector<std::uint8_t>> recv_exact(std::size_t n, std::chrono::milliseconds timeout = 10s);
  // Reads until EOF; nullopt if the deadline passes first.
  std::optional<std::vector<std::uint8_t>> recv_to_eof(std::chrono::milliseconds timeout = 10s);
  // True once the peer has closed (EOF or reset) within the timeout.
  bool closed_within(std::chrono::milliseconds timeout);
  // Protocol helpers for talking to the route directly.
  bool send_message(const protocol::message& m);
  std::optional<protocol::message> recv_message(std::chrono::milliseconds timeout = 5s);

  struct connection;  // the socket, its last error, the TLS lock (client_socket.cpp)

 private:
  bool handshake(std::chrono::milliseconds timeout);
  void reset();

  std::unique_ptr<connection> c_;
  SSL* ssl_ = nullptr;
};

// A port of 127.0.0.1 that refuses connections: bound, never listening, held
// for the object's lifetime so that no one else gets it meanwhile.
class refusing_port {
 public:
  refusing_port();
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::ip::tcp::socket socket_;
  std::uint16_t port_ = 0;
};

// The next connection `a` (of sync_io()) accepts within `timeout`; an invalid
// socket at the deadline.
client_socket accept_within(boost::asio::ip::tcp::acceptor& a, std::chrono::milliseconds timeout);

// Connects to `port`, retrying until it accepts or the timeout passes.
client_socket connect_eventually(std::uint16_t port, std::chrono::milliseconds timeout = 10s);

// Sends `bytes` random bytes each way between two connected ends (a use's
// client and the serve side of its link, say) and expects them exact.
void expect_carried(client_socket& a, client_socket& b, std::uint32_t seed, std::size_t bytes);

}  // namespace e2e
