#pragma once
// A route played by the test thread, for tests of what a vnet does when its
// route misbehaves: it accepts one vnet at a time over the session's TLS,
// welcomes it as vnet 1, and then sends whatever the test wants.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "client_socket.hpp"
#include "harness.hpp"
#include "protocol/messages.hpp"
#include "route/front/tls_identity.hpp"

namespace e2e {

class fake_route {
 public:
  fake_route() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("fake_route: cannot listen");
    port_ = ntohs(a.sin_port);
  }
  ~fake_route() { ::close(fd_); }
  fake_route(const fake_route&) = delete;
  fake_route& operator=(const fake_route&) = delete;

  std::uint16_t port() const { return port_; }
  // `w`'s settings for a vnet named `name`, pointed at this route.
  config::vnet_config vnet_config(const world& w, const std::string& name) const {
    auto cfg = w.vnet_config(name);
    cfg.route = {"127.0.0.1", port_};
    return cfg;
  }
  // The next vnet, welcomed as vnet 1; an invalid socket at the deadline.
  client_socket accept_vnet(std::chrono::milliseconds timeout = 10s) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
    client_socket s(::accept(fd_, nullptr, nullptr));
    if (!s.accept_tls(tls_.context->native_handle())) return {};
    auto hello = s.recv_message();
    if (!hello || !std::holds_alternative<protocol::control_hello>(*hello)) return {};
    s.send_message(protocol::welcome{protocol::version, 1, 200, 15000});
    return s;
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
  route::tls_identity tls_ = route::load_tls_identity({});  // a key in memory
};

}  // namespace e2e
