#include "net/tls/tls_stream.hpp"

#include <cerrno>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "platform/signals.hpp"

namespace net::tls {

namespace {

SSL* new_ssl(asio::ssl::context& ctx) {
  // OpenSSL writes the socket with write(2), which raises SIGPIPE when the
  // peer has gone (Asio's own writes pass MSG_NOSIGNAL): the error is
  // wanted, the signal would end the process.
  static const bool sigpipe_ignored = [] {
    platform::ignore_broken_pipe();
    return true;
  }();
  (void)sigpipe_ignored;
  SSL* ssl = ::SSL_new(ctx.native_handle());
  if (!ssl) throw std::bad_alloc();
  // write_some semantics (a part may be written), and a retried write may
  // come from a buffer that moved (the outbox's vector).
  ::SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ssl;
}

}  // namespace

tls_stream::tls_stream(tcp::socket socket, asio::ssl::context& ctx)
    : socket_(std::move(socket)), ssl_(new_ssl(ctx)) {}

tls_stream::tls_stream(const asio::any_io_executor& ex, asio::ssl::context& ctx)
    : socket_(ex), ssl_(new_ssl(ctx)) {}

tls_stream::~tls_stream() {
  if (ssl_) ::SSL_free(ssl_);  // the socket BIO does not close the descriptor: socket_ does
}

tls_stream::step tls_stream::try_once(kind k, void* data, std::size_t size) {
  if (!socket_.is_open()) return step{asio::error::bad_descriptor};
  if (!fd_set_) {
    error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) return step{ec};
    if (::SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle())) != 1)
      return step{error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category())};
    fd_set_ = true;
  }
  ::ERR_clear_error();
  errno = 0;
  int rc = 0;
  std::size_t n = 0;
  switch (k) {
    // The role is set once, before the first message: setting it again
    // would restart a handshake under way.
    case kind::handshake_client:
      if (::SSL_in_before(ssl_)) ::SSL_set_connect_state(ssl_);
      rc = ::SSL_do_handshake(ssl_);
      break;
    case kind::handshake_server:
      if (::SSL_in_before(ssl_)) ::SSL_set_accept_state(ssl_);
      rc = ::SSL_do_handshake(ssl_);
      break;
    case kind::read: rc = ::SSL_read_ex(ssl_, data, size, &n); break;
    case kind::write: rc = ::SSL_write_ex(ssl_, data, size, &n); break;
  }
  if (rc == 1) return step{{}, n};
  const int err = ::SSL_get_error(ssl_, rc);
  const int sys = errno;
  switch (err) {
    case SSL_ERROR_WANT_READ: return step{{}, 0, wait::read};
    case SSL_ERROR_WANT_WRITE: return step{{}, 0, wait::write};
    case SSL_ERROR_ZERO_RETURN: return step{asio::error::eof};  // the peer's close_notify
    case SSL_ERROR_SYSCALL:
      ::ERR_clear_error();
      // EOF without close_notify reads as stream_truncated, as with ssl::stream.
      if (sys == 0) return step{asio::ssl::error::stream_truncated};
      return step{error_code(sys, asio::error::get_system_category())};
    default: break;
  }
  const unsigned long e = ::ERR_get_error();
  ::ERR_clear_error();
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return step{asio::ssl::error::stream_truncated};
  if (e == 0) return step{asio::error::connection_aborted};
  return step{error_code(static_cast<int>(e), asio::error::get_ssl_category())};
}

}  // namespace net::tls
