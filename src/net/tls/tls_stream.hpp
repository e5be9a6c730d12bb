#pragma once
// The stream of a control session: TLS over TCP, with OpenSSL reading and
// writing the socket itself (SSL_set_fd on the non-blocking socket), and an
// Asio wait for readiness whenever it wants more. Asio's ssl::stream keeps
// two fixed 17 KiB buffers and a BIO pair of two more per stream, about
// 70 KiB that an idle session never uses; here an idle session holds the
// SSL object and its keys only: OpenSSL's record buffers are released
// between records (SSL_MODE_RELEASE_BUFFERS, tls.cpp). 83 KiB per idle
// session at the route before, see docs/performance.md ("Memory").
//
// The same surface as the part of ssl::stream the daemons use: a handshake,
// read_some and write_some for any completion token (one read and one write
// may be pending at once), next_layer(), native_handle(). OpenSSL's headers
// stay in tls_stream.cpp.
#include <cstddef>
#include <utility>

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>

#include "net/asio.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl
struct ssl_st;

namespace net::tls {

class tls_stream {
 public:
  using executor_type = tcp::socket::executor_type;
  using next_layer_type = tcp::socket;

  // A connected socket (server side), or a socket to connect (client side).
  tls_stream(tcp::socket socket, asio::ssl::context& ctx);
  tls_stream(const asio::any_io_executor& ex, asio::ssl::context& ctx);
  tls_stream(tls_stream&& o) noexcept : socket_(std::move(o.socket_)), ssl_(std::exchange(o.ssl_, nullptr)),
                                        fd_set_(o.fd_set_) {}
  tls_stream& operator=(tls_stream&&) = delete;
  tls_stream(const tls_stream&) = delete;
  ~tls_stream();

  executor_type get_executor() { return socket_.get_executor(); }
  tcp::socket& next_layer() { return socket_; }
  const tcp::socket& next_layer() const { return socket_; }
  ssl_st* native_handle() { return ssl_; }

  // What one try of OpenSSL gave: bytes, an error, or a readiness to wait for.
  enum class wait { none, read, write };
  struct step {
    error_code ec;
    std::size_t n = 0;
    wait want = wait::none;
  };
  enum class kind { handshake_client, handshake_server, read, write };
  // One non-blocking try; never touches a closed socket (its descriptor
  // number may belong to another connection by then).
  step try_once(kind k, void* data, std::size_t size);

  template <typename Token>
  auto async_handshake(asio::ssl::stream_base::handshake_type type, Token&& token) {
    const kind k = type == asio::ssl::stream_base::client ? kind::handshake_client : kind::handshake_server;
    return asio::async_compose<Token, void(error_code)>(op<true>{this, k, nullptr, 0}, token, socket_);
  }
  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    asio::mutable_buffer b = first(buffers);
    return asio::async_compose<Token, void(error_code, std::size_t)>(op<false>{this, kind::read, b.data(), b.size()},
                                                                     token, socket_);
  }
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    asio::const_buffer b = first(buffers);
    return asio::async_compose<Token, void(error_code, std::size_t)>(
        op<false>{this, kind::write, const_cast<void*>(b.data()), b.size()}, token, socket_);
  }

 private:
  // read_some/write_some move the first non-empty buffer only, as allowed.
  template <typename Buffers>
  static auto first(const Buffers& buffers) {
    auto it = asio::buffer_sequence_begin(buffers);
    const auto end = asio::buffer_sequence_end(buffers);
    using buffer = std::decay_t<decltype(*it)>;
    for (; it != end; ++it)
      if (buffer(*it).size() > 0) return buffer(*it);
    return buffer{};
  }

  // Tries, waits for the readiness OpenSSL asks for, tries again. A result
  // at the first try is posted, never delivered inside the initiation.
  template <bool Handshake>
  struct op {
    tls_stream* s;
    kind k;
    void* data;
    std::size_t size;
    bool started = false;
    bool ready = false;
    step result{};

    template <typename Self>
    void operator()(Self& self, error_code ec = {}) {
      if (!ready) {
        const bool first_try = !std::exchange(started, true);
        step r = ec ? step{ec} : (!Handshake && size == 0) ? step{} : s->try_once(k, data, size);
        if (r.want == wait::read) return s->socket_.async_wait(tcp::socket::wait_read, std::move(self));
        if (r.want == wait::write) return s->socket_.async_wait(tcp::socket::wait_write, std::move(self));
        result = r;
        ready = true;
        if (first_try) return asio::post(s->socket_.get_executor(), std::move(self));
      }
      finish(self, result);
    }
    template <typename Self>
    void finish(Self& self, const step& r) {
      if constexpr (Handshake)
        self.complete(r.ec);
      else
        self.complete(r.ec, r.n);
    }
  };

  tcp::socket socket_;
  ssl_st* ssl_ = nullptr;
  bool fd_set_ = false;  // SSL_set_fd is done at the first try: the client dials after construction
};

}  // namespace net::tls
