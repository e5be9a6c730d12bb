#include "client_socket.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "client_connection.hpp"
#include "harness.hpp"

namespace e2e {

asio::io_context& sync_io() {
  static asio::io_context io;
  return io;
}

client_socket::client_socket() = default;

client_socket::client_socket(tcp::socket s) : c_(std::make_unique<connection>(std::move(s))) {}

client_socket::client_socket(client_socket&& o) noexcept : c_(std::move(o.c_)), ssl_(o.ssl_) { o.ssl_ = nullptr; }

client_socket& client_socket::operator=(client_socket&& o) noexcept {
  if (this != &o) {
    reset();
    c_ = std::move(o.c_);
    ssl_ = o.ssl_;
    o.ssl_ = nullptr;
  }
  return *this;
}

client_socket::~client_socket() { reset(); }

void client_socket::reset() {
  if (ssl_) SSL_free(ssl_);  // and its BIO, before the socket it points to
  ssl_ = nullptr;
  c_.reset();
}

bool client_socket::valid() const { return c_ && c_->socket.is_open(); }

long client_socket::read_some(void* buf, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  if (!valid()) return -1;
  if (!ssl_) {
    for (;;) {
      boost::system::error_code ec;
      auto r = c_->socket.receive(asio::buffer(buf, n), 0, ec);
      if (!ec) return static_cast<long>(r);
      if (ec == asio::error::eof) return 0;
      if (ec != asio::error::would_block) return -1;
      if (!c_->wait(ready_for::read, deadline)) return -2;
    }
  }
  for (;;) {
    int r = 0, e = 0;
    boost::system::error_code failed;
    {
      std::lock_guard lock(c_->tls_mutex);
      c_->last_error.clear();
      r = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
      e = r > 0 ? 0 : SSL_get_error(ssl_, r);
      failed = c_->last_error;
      ERR_clear_error();
    }
    if (r > 0) return r;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_WANT_READ) {
      if (!c_->wait(ready_for::read, deadline)) return -2;
      continue;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      if (!c_->wait(ready_for::write, deadline)) return -2;
      continue;
    }
    // A close without close_notify (the route just closes): EOF all the same.
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) return failed == asio::error::connection_reset ? -1 : 0;
    return -1;
  }
}

bool client_socket::connect(std::uint16_t port, const char* ip) {
  reset();
  boost::system::error_code ec;
  tcp::socket s(sync_io());
  s.connect({asio::ip::make_address_v4(ip), port}, ec);
  if (ec) return false;
  c_ = std::make_unique<connection>(std::move(s));
  return true;
}

bool client_socket::connect_from(const std::string& local_ip, std::uint16_t port) {
  reset();
  boost::system::error_code ec;
  tcp::socket s(sync_io());
  s.open(tcp::v4(), ec);
  if (!ec) s.bind({asio::ip::make_address_v4(local_ip), 0}, ec);
  if (!ec) s.connect({asio::ip::address_v4::loopback(), port}, ec);
  if (ec) return false;
  c_ = std::make_unique<connection>(std::move(s));
  return true;
}

bool client_socket::send_all(const void* data, std::size_t n) {
  if (!valid()) return false;
  auto p = static_cast<const char*>(data);
  if (ssl_) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (n > 0) {
      int w = 0, e = 0;
      {
        std::lock_guard lock(c_->tls_mutex);
        w = SSL_write(ssl_, p, static_cast<int>(std::min<std::size_t>(n, 1 << 20)));
        e = w > 0 ? 0 : SSL_get_error(ssl_, w);
        ERR_clear_error();
      }
      if (w > 0) {
        p += w;
        n -= static_cast<std::size_t>(w);
        continue;
      }
      if (e == SSL_ERROR_WANT_WRITE && c_->wait(ready_for::write, deadline)) continue;
      if (e == SSL_ERROR_WANT_READ && c_->wait(ready_for::read, deadline)) continue;
      return false;
    }
    return true;
  }
  // A plain send waits as long as the peer is there to take the bytes; the
  // minute only bounds a test that went wrong.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (n > 0) {
    boost::system::error_code ec;
    auto w = c_->socket.send(asio::buffer(p, n), 0, ec);
    if (ec == asio::error::would_block) {
      if (!c_->wait(ready_for::write, deadline)) return false;
      continue;
    }
    if (ec || w == 0) return false;
    p += w;
    n -= w;
  }
  return true;
}

void client_socket::shutdown_write() {
  boost::system::error_code ignored;
  if (valid()) c_->socket.shutdown(tcp::socket::shutdown_send, ignored);
}

void client_socket::shutdown_both() {
  boost::system::error_code ignored;
  if (valid()) c_->socket.shutdown(tcp::socket::shutdown_both, ignored);
}

std::size_t client_socket::send_until_stalled(const std::vector<std::uint8_t>& data,
                                              std::chrono::milliseconds quiet) {
  std::size_t sent = 0;
  while (valid() && sent < data.size()) {
    boost::system::error_code ec;
    auto w = c_->socket.send(asio::buffer(data.data() + sent, data.size() - sent), 0, ec);
    if (!ec && w > 0) {
      sent += w;
      continue;
    }
    if (ec != asio::error::would_block) break;
    if (!c_->wait(ready_for::write, std::chrono::steady_clock::now() + quiet)) break;  // stalled
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

refusing_port::refusing_port() : socket_(sync_io()) {
  boost::system::error_code ec;
  socket_.open(tcp::v4(), ec);
  if (!ec) socket_.bind({asio::ip::address_v4::loopback(), 0}, ec);
  if (ec) throw std::runtime_error("refusing_port: cannot bind");
  port_ = socket_.local_endpoint().port();
}

client_socket accept_within(tcp::acceptor& a, std::chrono::milliseconds timeout) {
  tcp::socket s(sync_io());
  if (!wait_for(a.native_handle(), ready_for::read, std::chrono::steady_clock::now() + timeout)) return {};
  boost::system::error_code ec;
  a.accept(s, ec);
  if (ec) return {};
  return client_socket(std::move(s));
}

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
