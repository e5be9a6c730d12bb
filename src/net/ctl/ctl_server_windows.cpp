// The ctl listener on Windows: a named pipe (platform::ctl_pipe_name of the
// path), one instance per client plus one waiting for the next, each
// owner-only (a service's also open to Administrators). The exchange is the
// POSIX one (ctl_exchange.hpp); a pipe has no half-close, so the answer ends
// when the daemon closes its instance.
#include "net/ctl/ctl_server.hpp"

#include <cstdint>

#include <boost/asio/async_result.hpp>
#include <boost/asio/windows/overlapped_ptr.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/ctl/ctl_exchange.hpp"
#include "net/spawn.hpp"
#include "platform/ctl_socket.hpp"

namespace net::ctl {
namespace {

using pipe = asio::windows::stream_handle;

// Waits for a client on `p` (ConnectNamedPipe through the io_context's
// completion port).
awaitable<error_code> client_arrives(pipe& p) {
  auto initiate = [&p](auto handler) {
    asio::windows::overlapped_ptr ov(p.get_executor(), std::move(handler));
    std::error_code ec;
    switch (platform::ctl_pipe_connect(reinterpret_cast<std::intptr_t>(p.native_handle()), ov.get(), ec)) {
      case platform::pipe_wait::pending: ov.release(); break;
      case platform::pipe_wait::connected: ov.complete(error_code(), 0); break;
      case platform::pipe_wait::failed:
        ov.complete(error_code(ec.value(), boost::system::system_category()), 0);
        break;
    }
  };
  auto token = use_nothrow;
  auto r = co_await asio::async_initiate<decltype(token), void(error_code, std::size_t)>(initiate, token);
  co_return std::get<0>(r);
}

}  // namespace

ctl_server::ctl_server(asio::any_io_executor ex, std::string path, const char* daemon, ctl_handler handler)
    : ex_(ex), path_(std::move(path)), daemon_(daemon), handler_(std::move(handler)) {}

ctl_server::~ctl_server() = default;

std::string ctl_server::taken_message() const {
  return fmt::format("another {} is running with the control socket {}: stop it first, or give this one another "
                     "--ctl PATH",
                     daemon_, path_);
}

outcome::result<std::unique_ptr<ctl_server::socket>> ctl_server::listen(bool first) {
  std::error_code ec;
  const std::intptr_t h = platform::ctl_pipe_listen(path_, first, ec);
  if (ec == std::errc::address_in_use) return outcome::fail(taken_message());
  if (ec) return outcome::fail(fmt::format("control socket {}: {}", path_, ec.message()));
  return std::make_unique<socket>(ex_, reinterpret_cast<socket::native_handle_type>(h));
}

outcome::status ctl_server::open() {
  // Windows refuses a first instance of a name another process holds; Wine
  // does not, so a pipe that exists is asked about first.
  if (platform::ctl_file_kind(path_) != platform::ctl_file::none) {
    in_use_ = true;
    return outcome::fail(taken_message());
  }
  auto first = listen(true);
  if (!first) {
    in_use_ = first.why() == taken_message();
    return outcome::fail(first.why());
  }
  waiting_ = std::move(*first);
  if (platform::ctl_pipe_admits_administrators())
    spdlog::info("control socket {}: a service's, open to this account and to Administrators (vnet ctl from an "
                 "elevated prompt)",
                 path_);
  return {};
}

awaitable<void> ctl_server::run() {
  asio::steady_timer pause(ex_);
  while (waiting_ && !stopped_) {
    const error_code ec = co_await client_arrives(*waiting_);
    if (stopped_ || !waiting_) break;
    std::unique_ptr<socket> client = std::move(waiting_);
    // The next instance first, so a client never finds the name gone.
    while (!stopped_) {
      auto next = listen(false);
      if (next) {
        waiting_ = std::move(*next);
        break;
      }
      spdlog::warn("{}; trying again in 1 s", next.why());
      pause.expires_after(std::chrono::seconds(1));
      co_await pause.async_wait(use_nothrow);
    }
    if (ec) continue;  // the client left before it was seen
    if (clients_.size() >= max_clients) {
      // Said without waiting: a client that does not read is not worth a wait.
      const std::string busy = "1\nerror: too many ctl clients at once; try again\n";
      error_code ignored;
      client->write_some(asio::buffer(busy), ignored);
      continue;
    }
    asio::co_spawn(ex_, serve(std::move(*client)), log_exception{"ctl client"});
  }
}

awaitable<void> ctl_server::serve(socket s) {
  const listed<socket> guard(clients_, &s);
  auto accepting = [this] { return this->accepting(); };
  auto open = [&s] { return s.is_open(); };
  co_await exchange(s, handler_, daemon_, accepting, open);
  // Closing the instance ends the answer: the client reads what was written,
  // then a broken pipe.
}

bool ctl_server::accepting() const { return !stopped_; }

void ctl_server::stop() {
  stopped_ = true;
  error_code ignored;
  if (waiting_) waiting_->close(ignored);
  for (auto* s : clients_) s->close(ignored);
}

}  // namespace net::ctl
