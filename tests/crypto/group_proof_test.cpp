// A keyed group's proof of its key (crypto/group_proof.hpp): the route
// admits a vnet into a keyed group only with a signature of its own TLS
// session under the group's key pair, which the group id names but does not
// give away.
#include <gtest/gtest.h>

#include "crypto/group_proof.hpp"

namespace {

crypto::exported32 session(std::uint8_t v) {
  crypto::exported32 e;
  e.fill(v);
  return e;
}

const crypto::group_keys& office() {
  static const auto g = crypto::derive_group("office", "correct horse battery staple");
  return g;
}

TEST(GroupProof, TheWireGroupIsAHashOfThePublicHalf) {
  const auto& g = office();
  EXPECT_EQ(g.wire_group, crypto::keyed_group_id(g.join_pub));
  EXPECT_TRUE(crypto::looks_keyed(g.wire_group));
  EXPECT_FALSE(crypto::looks_keyed("office"));
  EXPECT_FALSE(crypto::looks_keyed("k-0123"));
  EXPECT_FALSE(crypto::looks_keyed("k-0123456789ABCDEF0123456789abcdef"));
  EXPECT_TRUE(crypto::looks_keyed("k-0123456789abcdef0123456789abcdef"));
}

TEST(GroupProof, AMemberProvesTheKeyOnItsSession) {
  const auto& g = office();
  auto p = crypto::prove_group(g, session(1));
  EXPECT_TRUE(crypto::check_group_proof(g.wire_group, p, session(1)));
}

TEST(GroupProof, TheGroupIdAloneIsNoPassword) {
  const auto& g = office();
  // A client that knows the id (route log, status.json) but not the key.
  auto none = crypto::check_group_proof(g.wire_group, {}, session(1));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.why(), "this group has a group_key: joining it needs proof of the key, and none was sent");
  // It may send the public half (the route saw it) with a made-up signature.
  protocol::group_proof forged;
  forged.pub = g.join_pub;
  forged.sig.fill(0x5a);
  auto bad = crypto::check_group_proof(g.wire_group, forged, session(1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.why(), "wrong proof of the group key: this vnet does not hold the group's group_key");
}

TEST(GroupProof, AProofSeenOnOneSessionIsWorthlessOnAnother) {
  const auto& g = office();
  auto p = crypto::prove_group(g, session(1));
  EXPECT_FALSE(crypto::check_group_proof(g.wire_group, p, session(2)));
}

TEST(GroupProof, AnotherKeysProofDoesNotOpenThisGroup) {
  const auto& g = office();
  auto other = crypto::derive_group("office", "another key");
  auto p = crypto::prove_group(other, session(1));
  auto r = crypto::check_group_proof(g.wire_group, p, session(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.why(), "the proof of the group key is not for the group asked for");
}

TEST(GroupProof, AGroupWithoutAKeyNeedsNone) {
  auto plain = crypto::derive_group("office", "");
  auto p = crypto::prove_group(plain, session(1));
  EXPECT_EQ(p, protocol::group_proof{});
  EXPECT_TRUE(crypto::check_group_proof("office", p, session(1)));
}

}  // namespace
