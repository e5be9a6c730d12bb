#include "net/ctl/ctl_server.hpp"

#include <array>
#include <cstdio>

#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/ctl/ctl_exchange.hpp"
#include "net/listen.hpp"
#include "net/spawn.hpp"
#include "platform/ctl_socket.hpp"

namespace net::ctl {
ctl_server::ctl_server(asio::any_io_executor ex, std::string path, const char* daemon, ctl_handler handler)
    : ex_(ex), path_(std::move(path)), daemon_(daemon), handler_(std::move(handler)), acceptor_(ex) {}

ctl_server::~ctl_server() { remove_file(); }

outcome::status ctl_server::open() {
  if (path_.size() > platform::max_ctl_path())
    return outcome::fail(fmt::format("control socket {}: too long for a unix socket (at most {} bytes): give a shorter --ctl PATH",
                       path_, platform::max_ctl_path()));
  if (const auto kind = platform::ctl_file_kind(path_); kind != platform::ctl_file::none) {
    in_use_ = true;  // until it proves to be a dead daemon's socket
    if (kind != platform::ctl_file::socket)
      return outcome::fail(fmt::format("control socket {}: the file exists and is not a socket: remove it or give another --ctl PATH",
                         path_));
    // Whether a daemon accepts on it: connection refused means the file
    // outlived its daemon.
    const auto err = platform::probe_ctl(path_);
    if (!err)
      return outcome::fail(fmt::format("another {} is running with the control socket {}: stop it first, or give this one "
                         "another --ctl PATH",
                         daemon_, path_));
    if (err != std::errc::connection_refused)
      return outcome::fail(fmt::format("control socket {}: cannot tell whether a {} still uses it: {}", path_, daemon_,
                         err.message()));
    // Left by a daemon that died without removing it.
    in_use_ = false;
    spdlog::info("control socket {}: replacing the one a stopped {} left", path_, daemon_);
    std::remove(path_.c_str());
  }
  error_code ec;
  acceptor_.open(asio::local::stream_protocol(), ec);
  // 0600 from the start: the socket must never be reachable by others, not
  // even between bind() and a chmod(). Nothing else runs yet at start-up, so
  // changing the process's umask for a moment is safe.
  if (!ec) platform::with_owner_only_umask([&] { acceptor_.bind(asio::local::stream_protocol::endpoint(path_), ec); });
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return outcome::fail(fmt::format("control socket {}: {}", path_, ec.message()));
  }
  created_ = platform::file_identity(path_);
  return {};
}

awaitable<void> ctl_server::run() {
  // Named, not temporaries: see net::frame::write_frame on GCC 12.
  std::string what = "control socket " + path_;
  std::function<void(socket)> on_accept = [this](socket s) {
    if (clients_.size() >= max_clients) {
      // Said without waiting: a client that does not read is not worth a wait.
      const std::string busy = "1\nerror: too many ctl clients at once; try again\n";
      error_code ignored;
      s.non_blocking(true, ignored);
      s.write_some(asio::buffer(busy), ignored);
      return;
    }
    asio::co_spawn(ex_, serve(std::move(s)), log_exception{"ctl client"});
  };
  // EMFILE and the like: the listener survives, after a pause.
  co_await accept_loop(acceptor_, std::move(what), std::move(on_accept));
}

awaitable<void> ctl_server::serve(socket s) {
  const listed<socket> guard(clients_, &s);

  auto accepting = [this] { return this->accepting(); };
  auto open = [&s] { return s.is_open(); };
  const exchange_end end = co_await exchange(s, handler_, daemon_, accepting, open);
  if (!s.is_open()) co_return;
  error_code ignored;
  s.shutdown(socket::shutdown_send, ignored);
  if (!end.answered || !end.overlong) co_return;
  // Closing with unread bytes would reset the connection, and the client
  // might lose the answer before reading it: what is left of the line is
  // read and dropped first, up to a bound and the deadline.
  asio::steady_timer timer(ex_, io_deadline);
  std::size_t dropped = 0;
  std::array<char, 4096> sink;
  while (dropped < max_drain) {
    auto d = co_await (s.async_read_some(asio::buffer(sink), use_nothrow) || timer.async_wait(use_nothrow));
    if (d.index() == 1 || std::get<0>(std::get<0>(d))) break;
    dropped += std::get<1>(std::get<0>(d));
  }
}

bool ctl_server::accepting() const { return acceptor_.is_open(); }

void ctl_server::stop() {
  error_code ignored;
  acceptor_.close(ignored);
  for (auto* s : clients_) s->close(ignored);
  remove_file();
}

void ctl_server::remove_file() {
  if (!created_) return;
  // Another daemon may have taken the path over since (after a stale check).
  if (platform::file_identity(path_) == created_) std::remove(path_.c_str());
  created_.reset();
}

}  // namespace net::ctl
