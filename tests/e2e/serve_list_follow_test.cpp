// A vnet follows its group's serve list: the whole list once per session,
// then updates applied in order; an update before the list is a protocol
// error. The route here is a fake that speaks the session's TLS.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "fake_vnet.hpp"
#include "harness.hpp"
#include "protocol/error.hpp"
#include "protocol/serve_list_update.hpp"
#include "route/front/tls_identity.hpp"

namespace e2e {
namespace {
// A route played by the test thread: accepts one connection at a time.
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
  std::uint16_t port() const { return port_; }
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

protocol::listed_serve offered(std::uint16_t serveid, std::uint16_t port) {
  return {protocol::serve_info{serveid, "svc", "tcp", "127.0.0.1", port, ""}, 2, "home"};
}

// The vnet applies updates to its copy and follows it as it follows a whole
// list: a use listens once its serveid is added, stands by once it is gone.
TEST(ServeList, AVnetFollowsUpdatesAfterTheList) {
  world w;
  fake_route r;
  auto cfg = w.vnet_config("office");
  cfg.route = {"127.0.0.1", r.port()};
  cfg.uses.push_back(any_port_use("svc", 700));
  auto& office = w.start_vnet(cfg);
  auto s = r.accept_vnet();
  ASSERT_TRUE(s.valid());
  ASSERT_TRUE(s.send_message(protocol::serve_list{1, {offered(5, 22)}}));
  ASSERT_TRUE(s.send_message(protocol::serve_list_update{2, {}, {offered(700, 9)}}));
  EXPECT_TRUE(eventually([&] { return w.use_listening(office, "svc"); }));
  auto list = w.on_io([&] { return office.group_serves(); });
  EXPECT_EQ(list, (protocol::serve_list{2, {offered(5, 22), offered(700, 9)}}));

  ASSERT_TRUE(s.send_message(protocol::serve_list_update{1, {700}, {}}));
  EXPECT_TRUE(eventually([&] { return !w.use_listening(office, "svc"); }));
  EXPECT_TRUE(w.wait_for_log("use svc stopped listening .*serveid 700 is no longer offered"));
  list = w.on_io([&] { return office.group_serves(); });
  EXPECT_EQ(list, (protocol::serve_list{1, {offered(5, 22)}}));
}

TEST(ServeList, AnUpdateBeforeTheListIsAProtocolError) {
  world w;
  fake_route r;
  auto cfg = w.vnet_config("office");
  cfg.route = {"127.0.0.1", r.port()};
  w.start_vnet(cfg);
  auto s = r.accept_vnet();
  ASSERT_TRUE(s.valid());
  ASSERT_TRUE(s.send_message(protocol::serve_list_update{2, {}, {offered(700, 9)}}));
  EXPECT_TRUE(s.closed_within(5s));
  EXPECT_TRUE(w.wait_for_log("lost route: protocol error: a serve list update came before the serve list"));
  // It reconnects, and a new session starts from a whole list again.
  auto again = r.accept_vnet();
  EXPECT_TRUE(again.valid());
}

}  // namespace
}  // namespace e2e
