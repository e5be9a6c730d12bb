// A keyed group's serves sealed under the group key (crypto/serve_seal.hpp):
// the route gets a serveid and a blob; the group's vnets open it whole; a
// blob opened with another key, altered, or moved to another static serveid
// gives nothing.
#include <gtest/gtest.h>

#include "crypto/serve_seal.hpp"
#include "protocol/limits.hpp"

namespace {

const crypto::group_keys& team() {
  static const auto g = crypto::derive_group("team", "the group key");
  return g;
}

protocol::serve_info ssh(std::uint16_t serveid = 700) {
  return {serveid, "ssh", "tcp", "192.168.1.20", 22, "the home machine"};
}

TEST(ServeSeal, TheRouteGetsTheServeidAndABlobOnly) {
  auto sealed = crypto::seal_serve(team(), ssh());
  EXPECT_EQ(sealed.serveid, 700);
  EXPECT_EQ(sealed.type, "tcp");
  EXPECT_EQ(sealed.name, "");
  EXPECT_EQ(sealed.ip, "");
  EXPECT_EQ(sealed.port, 0);
  EXPECT_EQ(sealed.info, "");
  EXPECT_EQ(sealed.sealed.find("ssh"), std::string::npos);
  EXPECT_EQ(sealed.sealed.find("home machine"), std::string::npos);
  EXPECT_EQ(sealed.sealed.find("192.168"), std::string::npos);
  EXPECT_FALSE(protocol::check_limits(protocol::serve_register{1, sealed}));
}

TEST(ServeSeal, TheGroupOpensItWhole) {
  auto s = crypto::seal_serve(team(), ssh());
  ASSERT_TRUE(crypto::open_serve(team(), s));
  EXPECT_EQ(s, ssh());
  // Dynamic ones too, under the serveid the route gave.
  auto d = crypto::seal_serve(team(), ssh(0));
  d.serveid = 42;
  ASSERT_TRUE(crypto::open_serve(team(), d));
  EXPECT_EQ(d, ssh(42));
}

TEST(ServeSeal, AnotherKeyOpensNothing) {
  auto s = crypto::seal_serve(team(), ssh());
  auto other = crypto::derive_group("team", "another key");
  EXPECT_FALSE(crypto::open_serve(other, s));
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.info, "");
  EXPECT_EQ(s.port, 0);
}

TEST(ServeSeal, AnAlteredBlobOpensNothing) {
  auto s = crypto::seal_serve(team(), ssh());
  s.sealed[s.sealed.size() / 2] ^= 1;
  EXPECT_FALSE(crypto::open_serve(team(), s));
  EXPECT_EQ(s.name, "");
}

TEST(ServeSeal, MovedToAnotherStaticServeidItOpensNothing) {
  auto s = crypto::seal_serve(team(), ssh(700));
  s.serveid = 701;
  EXPECT_FALSE(crypto::open_serve(team(), s));
  auto d = crypto::seal_serve(team(), ssh(0));
  d.serveid = 700;
  EXPECT_FALSE(crypto::open_serve(team(), d));
}

TEST(ServeSeal, PlainFieldsBesideTheBlobAreNotTheGroups) {
  // A route that adds a name of its own: the vnet keeps only what opens.
  auto s = crypto::seal_serve(team(), ssh());
  s.sealed.clear();
  s.name = "route's word";
  EXPECT_FALSE(crypto::open_serve(team(), s));
  EXPECT_EQ(s.name, "");
}

TEST(ServeSeal, TheLargestServeSealsWithinItsLimit) {
  protocol::serve_info big{999, std::string(protocol::max_name_bytes, 'n'), "tcp",
                           std::string(protocol::max_ip_bytes, 'i'), 65535,
                           std::string(protocol::max_info_bytes, 'x')};
  auto s = crypto::seal_serve(team(), big);
  EXPECT_EQ(s.sealed.size(), protocol::max_sealed_bytes);
  EXPECT_FALSE(protocol::check_limits(protocol::serve_register{1, s}));
  ASSERT_TRUE(crypto::open_serve(team(), s));
  EXPECT_EQ(s, big);
}

TEST(ServeSeal, WithoutAKeyNothingIsSealed) {
  auto plain = crypto::derive_group("team", "");
  auto s = crypto::seal_serve(plain, ssh());
  EXPECT_EQ(s, ssh());
  EXPECT_TRUE(crypto::open_serve(plain, s));
  EXPECT_EQ(s, ssh());
}

TEST(ServeSeal, EveryListedServeOfAListIsOpened) {
  protocol::message m = protocol::serve_list{2, {{crypto::seal_serve(team(), ssh(700)), 1, "home"},
                                                 {crypto::seal_serve(team(), ssh(701)), 1, "home"}}};
  std::get<protocol::serve_list>(m).serves[1].serve.sealed[30] ^= 1;
  EXPECT_EQ(crypto::open_serves(team(), m), 1u);
  const auto& l = std::get<protocol::serve_list>(m);
  EXPECT_EQ(l.serves[0].serve, ssh(700));
  EXPECT_EQ(l.serves[1].serve.name, "");
}

}  // namespace
