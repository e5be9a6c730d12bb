// A vnet follows its group's serve list: the whole list once per session,
// then updates applied in order; an update before the list is a protocol
// error. The route here is a fake that speaks the session's TLS.
#include <gtest/gtest.h>

#include "fake_route.hpp"
#include "fake_vnet.hpp"
#include "harness.hpp"
#include "protocol/error.hpp"
#include "protocol/serve_list_update.hpp"

namespace e2e {
namespace {
protocol::listed_serve offered(std::uint16_t serveid, std::uint16_t port) {
  return {protocol::serve_info{serveid, "svc", "tcp", "127.0.0.1", port, ""}, 2, "home"};
}

// The vnet applies updates to its copy and follows it as it follows a whole
// list: a use listens once its serveid is added, stands by once it is gone.
TEST(ServeList, AVnetFollowsUpdatesAfterTheList) {
  world w;
  fake_route r;
  auto cfg = r.vnet_config(w, "office");
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
  auto cfg = r.vnet_config(w, "office");
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
