#pragma once
// A route played by the test thread, for tests of what a vnet does when its
// route misbehaves: it accepts one vnet at a time over the session's TLS,
// welcomes it as vnet 1, and then sends whatever the test wants.
#include <chrono>

#include "client_socket.hpp"
#include "harness.hpp"
#include "protocol/messages.hpp"
#include "route/front/tls_identity.hpp"

namespace e2e {

class fake_route {
 public:
  fake_route() : acceptor_(sync_io(), {boost::asio::ip::address_v4::loopback(), 0}) {}
  fake_route(const fake_route&) = delete;
  fake_route& operator=(const fake_route&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // `w`'s settings for a vnet named `name`, pointed at this route.
  config::vnet_config vnet_config(const world& w, const std::string& name) const {
    auto cfg = w.vnet_config(name);
    cfg.route = {"127.0.0.1", port()};
    return cfg;
  }
  // The next vnet, welcomed as vnet 1; an invalid socket at the deadline.
  client_socket accept_vnet(std::chrono::milliseconds timeout = 10s) {
    client_socket s = accept_within(acceptor_, timeout);
    if (!s.accept_tls(tls_.context->native_handle())) return {};
    auto hello = s.recv_message();
    if (!hello || !std::holds_alternative<protocol::control_hello>(*hello)) return {};
    s.send_message(protocol::welcome{protocol::version, 1, 200, 15000});
    return s;
  }

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  route::tls_identity tls_ = route::load_tls_identity({});  // a key in memory
};

}  // namespace e2e
