#include "client_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace e2e {

client_socket& client_socket::operator=(client_socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

client_socket::~client_socket() {
  if (fd_ >= 0) ::close(fd_);
}

bool client_socket::connect(std::uint16_t port, const char* ip) {
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

namespace {
// Waits for readability until the deadline; false on timeout.
bool wait_readable(int fd, clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}
}  // namespace

std::optional<std::vector<std::uint8_t>> client_socket::recv_exact(std::size_t n,
                                                                   std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint8_t> out(n);
  std::size_t got = 0;
  while (got < n) {
    if (!wait_readable(fd_, deadline)) return std::nullopt;
    auto r = ::recv(fd_, out.data() + got, n - got, 0);
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
    if (!wait_readable(fd_, deadline)) return std::nullopt;
    auto r = ::recv(fd_, buf.data(), buf.size(), 0);
    if (r == 0) return out;
    if (r < 0) return std::nullopt;
    out.insert(out.end(), buf.begin(), buf.begin() + r);
  }
}

bool client_socket::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  char buf[4096];
  for (;;) {
    if (!wait_readable(fd_, deadline)) return false;
    auto r = ::recv(fd_, buf, sizeof buf, 0);
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
