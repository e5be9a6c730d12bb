#include "client_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/detail/socket_ops.hpp>

#include <mutex>
#include <stdexcept>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace e2e {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::io_context& sync_io() {
  static asio::io_context io;
  return io;
}

namespace {

enum class ready_for { read, write };

// Waits until `s` is readable or writable, or the deadline passes. Asio's
// own readiness wait (poll on POSIX, select on Windows), with a time limit
// its public synchronous calls do not take.
bool wait_for(asio::detail::socket_type s, ready_for what, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  namespace ops = asio::detail::socket_ops;
  boost::system::error_code ec;
  const int ms = static_cast<int>(left.count());
  return (what == ready_for::read ? ops::poll_read(s, 0, ms, ec) : ops::poll_write(s, 0, ms, ec)) > 0;
}

}  // namespace

// Every socket is non-blocking from the start: a call that would wait says
// so, and the caller waits for readiness with its own deadline.
struct client_socket::connection {
  tcp::socket socket{sync_io()};
  // The TLS layer's last failed socket call: tells a reset from an end.
  boost::system::error_code last_error;
  // OpenSSL allows one call at a time per connection; waits happen outside it.
  std::mutex tls_mutex;

  explicit connection(tcp::socket s) : socket(std::move(s)) {
    boost::system::error_code ignored;
    // A TLS handshake is several writes in a row: without this, Nagle holds
    // the hello until the route's delayed ACK (40 ms per session).
    socket.set_option(tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);
  }
  bool wait(ready_for what, std::chrono::steady_clock::time_point deadline) {
    return wait_for(socket.native_handle(), what, deadline);
  }
};

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

// OpenSSL's I/O through the connection's Asio socket (a BIO of our own, not
// OpenSSL's descriptor BIO): the same calls on every system, and the errors
// as Asio's portable codes.
int bio_write(BIO* b, const char* data, int n) {
  auto* c = static_cast<client_socket::connection*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  boost::system::error_code ec;
  auto w = c->socket.send(asio::buffer(data, static_cast<std::size_t>(n)), 0, ec);
  if (!ec) return static_cast<int>(w);
  if (ec == asio::error::would_block) BIO_set_retry_write(b);
  else c->last_error = ec;
  return -1;
}

int bio_read(BIO* b, char* out, int n) {
  auto* c = static_cast<client_socket::connection*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  boost::system::error_code ec;
  auto r = c->socket.receive(asio::buffer(out, static_cast<std::size_t>(n)), 0, ec);
  if (!ec) return static_cast<int>(r);
  if (ec == asio::error::eof) return 0;
  if (ec == asio::error::would_block) BIO_set_retry_read(b);
  else c->last_error = ec;
  return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

BIO* socket_bio(client_socket::connection& c) {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "e2e asio socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  BIO* b = BIO_new(method);
  BIO_set_data(b, &c);
  return b;
}

}  // namespace

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

bool client_socket::handshake(std::chrono::milliseconds timeout) {
  BIO* b = socket_bio(*c_);
  SSL_set_bio(ssl_, b, b);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int r = SSL_do_handshake(ssl_);
    if (r == 1) return true;
    int e = SSL_get_error(ssl_, r);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ && c_->wait(ready_for::read, deadline)) continue;
    if (e == SSL_ERROR_WANT_WRITE && c_->wait(ready_for::write, deadline)) continue;
    return false;
  }
}

bool client_socket::start_tls(std::chrono::milliseconds timeout) {
  if (!valid() || ssl_) return false;
  ssl_ = SSL_new(client_context());
  SSL_set_connect_state(ssl_);
  return handshake(timeout);
}

bool client_socket::accept_tls(SSL_CTX* ctx, std::chrono::milliseconds timeout) {
  if (!valid() || ssl_) return false;
  ssl_ = SSL_new(ctx);
  SSL_set_accept_state(ssl_);
  return handshake(timeout);
}

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
