// The small secrets of protocols 4 and 5: pinned known answers (a change to the
// derivation would split every group from its older vnets), and every input
// of a proof or mac matters.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "crypto/secret.hpp"

namespace {

using crypto::key32;

key32 filled(std::uint8_t v) {
  key32 k;
  k.fill(v);
  return k;
}

TEST(GroupKeys, WithoutAKeyTheWireGroupIsTheNameAndTheKeysAreZero) {
  auto g = crypto::derive_group("office", "");
  EXPECT_EQ(g.wire_group, "office");
  EXPECT_FALSE(g.keyed);
  EXPECT_EQ(g.psk, key32{});
  EXPECT_EQ(g.mac_key, key32{});
}

TEST(GroupKeys, AKeyGivesAFixedOpaqueWireGroupAndKeys) {
  auto g = crypto::derive_group("office", "correct horse battery staple");
  EXPECT_TRUE(g.keyed);
  // Pinned: vnets of different builds must land in the same group. (The
  // proofs and the mac below were checked against Python's hashlib.blake2b.)
  EXPECT_EQ(g.wire_group, "k-b8a077af8eddebb0695af9c243b33455");  // a hash of the join key (protocol 6)
  EXPECT_EQ(crypto::hex(g.psk), "58508b67d8c2edede5a429ad213f0f1f27f7e728d384c74132b1ffbe01e5603e");
  EXPECT_EQ(crypto::hex(g.mac_key), "ca034fe0cf432f020c6b359c009656be94b80abe1ed79c6ed23fa29d7f3f6dc8");
  EXPECT_EQ(g.wire_group.find("office"), std::string::npos);
}

TEST(GroupKeys, NameAndKeyBothMatter) {
  auto a = crypto::derive_group("office", "correct horse battery staple");
  auto b = crypto::derive_group("office", "correct horse battery stapl3");
  auto c = crypto::derive_group("offic3", "correct horse battery staple");
  std::set<std::string> wires{a.wire_group, b.wire_group, c.wire_group};
  EXPECT_EQ(wires.size(), 3u);
  EXPECT_NE(a.psk, b.psk);
  EXPECT_NE(a.psk, c.psk);
  EXPECT_NE(a.psk, a.mac_key);
}

TEST(Secret, GeneratedSecretsAre43Base64UrlCharactersAndDiffer) {
  auto a = crypto::generate_secret(), b = crypto::generate_secret();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << a;
}

TEST(Proofs, OpenProofIsPinnedAndDependsOnEveryInput) {
  auto p = crypto::open_proof(filled(7), 0x0102030405060708, 700);
  EXPECT_EQ(crypto::hex(p), "0cb9d42a7a4e4e20a3a1c76f99ce25c0");
  EXPECT_NE(p, crypto::open_proof(filled(8), 0x0102030405060708, 700));
  EXPECT_NE(p, crypto::open_proof(filled(7), 0x0102030405060709, 700));
  EXPECT_NE(p, crypto::open_proof(filled(7), 0x0102030405060708, 701));
  EXPECT_TRUE(crypto::proof_equal(p, crypto::open_proof(filled(7), 0x0102030405060708, 700)));
}

TEST(Proofs, JoinProofIsPinnedAndDependsOnEveryInput) {
  auto p = crypto::join_proof(filled(7), 42);
  EXPECT_EQ(crypto::hex(p), "b648f9113931b09a1d090adc59b7ec3d");
  EXPECT_NE(p, crypto::join_proof(filled(8), 42));
  EXPECT_NE(p, crypto::join_proof(filled(7), 43));
  // Same secret and number, other purpose: a join proof never opens.
  EXPECT_NE(p, crypto::open_proof(filled(7), 42, 0));
}

TEST(Proofs, PoolProofIsPinnedAndDependsOnEveryInput) {
  auto p = crypto::pool_proof(filled(7), 0x0102030405060708, 2);
  // Computed with Python's hashlib.blake2b (tests/blackbox/wire.py pool_proof).
  EXPECT_EQ(crypto::hex(p), "6cfb07a7e4ce8dfc3669333c7db88062");
  EXPECT_NE(p, crypto::pool_proof(filled(8), 0x0102030405060708, 2));
  EXPECT_NE(p, crypto::pool_proof(filled(7), 0x0102030405060709, 2));
  EXPECT_NE(p, crypto::pool_proof(filled(7), 0x0102030405060708, 1));  // a use-role link
  // Same secret and number, other purpose.
  EXPECT_NE(p, crypto::open_proof(filled(7), 0x0102030405060708, 2));
}

TEST(SealedLinkSecret, RoundTripsAndIsPinned) {
  key32 use_secret;
  for (std::size_t i = 0; i < use_secret.size(); ++i) use_secret[i] = static_cast<std::uint8_t>(i);
  auto sealed = crypto::seal_link_secret(filled(9), 0x1122334455667788, 700, use_secret);
  // Computed with libsodium through Python's ctypes (tests/blackbox/wire.py).
  EXPECT_EQ(crypto::hex(sealed),
            "0676ba74bc1180cb51ebf9616cbac3fa54d035e8d0cdd728c17a4f95475bce30"
            "87f8354db587ba20f3ee0eb380025904");
  auto opened = crypto::open_link_secret(filled(9), 0x1122334455667788, 700, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, use_secret);
}

TEST(SealedLinkSecret, AnyChangeFailsToOpen) {
  const key32 use_secret = filled(0x42);
  const auto sealed = crypto::seal_link_secret(filled(9), 77, 700, use_secret);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(crypto::open_link_secret(filled(9), 77, 700, bad)) << "byte " << i;
  }
  EXPECT_FALSE(crypto::open_link_secret(filled(9), 78, 700, sealed));   // other link_id
  EXPECT_FALSE(crypto::open_link_secret(filled(9), 77, 701, sealed));   // other serveid
  EXPECT_FALSE(crypto::open_link_secret(filled(10), 77, 700, sealed));  // other pooled link's key
  // The ciphertext hides the secret: no byte run of it shows through.
  EXPECT_NE(std::vector<std::uint8_t>(sealed.begin(), sealed.begin() + 32),
            std::vector<std::uint8_t>(use_secret.begin(), use_secret.end()));
}

TEST(Proofs, ProofEqualRejectsAnyFlippedByte) {
  auto p = crypto::join_proof(filled(1), 1);
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto q = p;
    q[i] ^= 0x01;
    EXPECT_FALSE(crypto::proof_equal(p, q)) << i;
  }
}

TEST(LinkKeyMac, SignedKeyVerifiesAndAnyChangeIsRejected) {
  auto mac_key = filled(3);
  auto k = crypto::sign_link_key(mac_key, 9, filled(5));
  EXPECT_EQ(crypto::hex(k.mac), "ba963f10d639872b8c8f53009974375dc5375d5d2a63bceff9d5935551e3779f");
  EXPECT_TRUE(crypto::verify_link_key(mac_key, k));
  for (std::size_t i = 0; i < k.mac.size(); ++i) {
    auto bad = k;
    bad.mac[i] ^= 0x80;
    EXPECT_FALSE(crypto::verify_link_key(mac_key, bad)) << "mac byte " << i;
  }
  auto other_pub = k;
  other_pub.pub[0] ^= 1;
  EXPECT_FALSE(crypto::verify_link_key(mac_key, other_pub));
  auto other_id = k;
  other_id.key_id = 10;
  EXPECT_FALSE(crypto::verify_link_key(mac_key, other_id));
  EXPECT_FALSE(crypto::verify_link_key(filled(4), k));  // another group's key
  EXPECT_FALSE(crypto::verify_link_key(mac_key, protocol::link_key{}));  // nothing listed
}

}  // namespace
