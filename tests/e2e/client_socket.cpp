#include "client_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace e2e {

client_socket& client_socket::operator=(client_socket&& o) noexcept {
  if (this != &o) {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    ssl_ = o.ssl_;
    tls_mutex_ = std::move(o.tls_mutex_);
    o.fd_ = -1;
    o.ssl_ = nullptr;
  }
  return *this;
}

client_socket::~client_socket() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// One client context for every test connection: TLS 1.3, no verification.
SSL_CTX* client_context() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}

}  // namespace

bool client_socket::handshake(std::chrono::milliseconds timeout) {
  // OpenSSL writes with write(2): a peer gone mid-write must fail the
  // write, not kill the test process.
  ::signal(SIGPIPE, SIG_IGN);
  // A handshake is several writes in a row: without this, Nagle holds the
  // hello until the route's delayed ACK (40 ms per session).
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Non-blocking from here: every SSL call is bounded by a poll deadline.
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  SSL_set_fd(ssl_, fd_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int r = SSL_do_handshake(ssl_);
    if (r == 1) return true;
    int e = SSL_get_error(ssl_, r);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ && wait_for(fd_, POLLIN, deadline)) continue;
    if (e == SSL_ERROR_WANT_WRITE && wait_for(fd_, POLLOUT, deadline)) continue;
    return false;
  }
}

bool client_socket::start_tls(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || ssl_) return false;
  ssl_ = SSL_new(client_context());
  SSL_set_connect_state(ssl_);
  return handshake(timeout);
}

bool client_socket::accept_tls(SSL_CTX* ctx, std::chrono::milliseconds timeout) {
  if (fd_ < 0 || ssl_) return false;
  ssl_ = SSL_new(ctx);
  SSL_set_accept_state(ssl_);
  return handshake(timeout);
}

long client_socket::read_some(void* buf, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  if (!ssl_) {
    if (!wait_for(fd_, POLLIN, deadline)) return -2;
    auto r = ::recv(fd_, buf, n, 0);
    return r < 0 ? -1 : r;
  }
  for (;;) {
    int r = 0, e = 0;
    {
      std::lock_guard lock(*tls_mutex_);
      r = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
      e = r > 0 ? 0 : SSL_get_error(ssl_, r);
      ERR_clear_error();
    }
    if (r > 0) return r;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_WANT_READ) {
      if (!wait_for(fd_, POLLIN, deadline)) return -2;
      continue;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(fd_, POLLOUT, deadline)) return -2;
      continue;
    }
    // A close without close_notify (the route just closes): EOF all the same.
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) return errno == ECONNRESET ? -1 : 0;
    return -1;
  }
}

bool client_socket::connect(std::uint16_t port, const char* ip) {
  if (ssl_) SSL_free(ssl_);
  ssl_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

bool client_socket::send_all(const void* data, std::size_t n) {
  auto p = static_cast<const char*>(data);
  if (ssl_) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (n > 0) {
      int w = 0, e = 0;
      {
        std::lock_guard lock(*tls_mutex_);
        w = SSL_write(ssl_, p, static_cast<int>(std::min<std::size_t>(n, 1 << 20)));
        e = w > 0 ? 0 : SSL_get_error(ssl_, w);
        ERR_clear_error();
      }
      if (w > 0) {
        p += w;
        n -= static_cast<std::size_t>(w);
        continue;
      }
      short ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : e == SSL_ERROR_WANT_READ ? POLLIN : 0;
      if (!ev || !wait_for(fd_, ev, deadline)) return false;
    }
    return true;
  }
  while (n > 0) {
    auto w = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void client_socket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::size_t client_socket::send_until_stalled(const std::vector<std::uint8_t>& data,
                                              std::chrono::milliseconds quiet) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    auto w = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      sent += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;  // stalled
  }
  return sent;
}

std::optional<std::vector<std::uint8_t>> client_socket::recv_exact(std::size_t n,
                                                                   std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint8_t> out(n);
  std::size_t got = 0;
  while (got < n) {
    auto r = read_some(out.data() + got, n - got, deadline);
    if (r <= 0) return std::nullopt;
    got += static_cast<std::size_t>(r);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> client_socket::recv_to_eof(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> buf(1 << 16);
  for (;;) {
    auto r = read_some(buf.data(), buf.size(), deadline);
    if (r == 0) return out;
    if (r < 0) return std::nullopt;
    out.insert(out.end(), buf.begin(), buf.begin() + r);
  }
}

bool client_socket::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto r = read_some(buf, sizeof buf, deadline);
    if (r == -2) return false;
    if (r <= 0) return true;
  }
}

bool client_socket::send_message(const protocol::message& m) { return send_all(protocol::encode(m)); }

std::optional<protocol::message> client_socket::recv_message(std::chrono::milliseconds timeout) {
  auto head = recv_exact(protocol::header_size, timeout);
  if (!head) return std::nullopt;
  boost::system::error_code ec;
  auto h = protocol::parse_header(std::span<const std::uint8_t, protocol::header_size>(head->data(), protocol::header_size),
                                  protocol::max_payload, ec);
  if (ec) return std::nullopt;
  std::vector<std::uint8_t> payload;
  if (h.length) {
    auto p = recv_exact(h.length, timeout);
    if (!p) return std::nullopt;
    payload = std::move(*p);
  }
  auto m = protocol::decode_payload(h.type, payload, ec);
  if (ec) return std::nullopt;
  return m;
}

refusing_port::refusing_port() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("refusing_port: cannot bind");
  port_ = ntohs(a.sin_port);
}

refusing_port::~refusing_port() { ::close(fd_); }

client_socket connect_eventually(std::uint16_t port, std::chrono::milliseconds timeout) {
  client_socket s;
  eventually([&] { return s.connect(port); }, timeout);
  return s;
}

void expect_carried(client_socket& a, client_socket& b, std::uint32_t seed, std::size_t bytes) {
  const auto up = random_bytes(bytes, seed);
  ASSERT_TRUE(a.send_all(up));
  EXPECT_EQ(b.recv_exact(up.size()), up);
  const auto down = random_bytes(bytes, seed + 1);
  ASSERT_TRUE(b.send_all(down));
  EXPECT_EQ(a.recv_exact(down.size()), down);
}

}  // namespace e2e
