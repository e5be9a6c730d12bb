// client_socket's TLS: one client context for every test connection, and
// OpenSSL's I/O through the connection's Asio socket.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "client_connection.hpp"
#include "client_socket.hpp"

namespace e2e {

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

}  // namespace e2e
