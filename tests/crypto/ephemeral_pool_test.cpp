// The pool of X25519 work made ahead of a link's setup (crypto/ephemeral_pool.hpp).
#include "crypto/ephemeral_pool.hpp"

#include <gtest/gtest.h>

#include <set>

#include <sodium.h>

namespace {

using crypto::ephemeral_pool;
using crypto::key32;

key32 base(const key32& secret) {
  key32 pub;
  crypto_scalarmult_base(pub.data(), secret.data());
  return pub;
}

key32 peer_key() {
  key32 secret = crypto::random_key();
  return base(secret);
}

ephemeral_pool::sizes small() {
  ephemeral_pool::sizes s;
  s.pairs = 3;
  s.per_peer = 2;
  s.peers = 2;
  return s;
}

TEST(EphemeralPool, APooledPairIsNeverHandedOutTwice) {
  ephemeral_pool pool(small(), false);
  std::set<key32> pubs, secrets;
  for (int round = 0; round < 4; ++round) {
    pool.fill();
    EXPECT_EQ(pool.count().ready_pairs, 3u);
    for (int i = 0; i < 3; ++i) {
      auto p = pool.take();
      EXPECT_EQ(p.pub, base(p.secret));
      EXPECT_TRUE(pubs.insert(p.pub).second) << "a pair handed out twice";
      EXPECT_TRUE(secrets.insert(p.secret).second);
    }
    EXPECT_EQ(pool.count().ready_pairs, 0u);
  }
  EXPECT_EQ(pool.count().made_inline, 0u);  // every take came from the pool
  auto extra = pool.take();                 // empty: made on the spot, still fresh
  EXPECT_TRUE(pubs.insert(extra.pub).second);
  EXPECT_EQ(pool.count().made_inline, 1u);
}

TEST(EphemeralPool, APreparedDhIsTheDhWithThatPeerAndNeverReused) {
  ephemeral_pool pool(small(), false);
  key32 peer_secret = crypto::random_key();
  key32 peer = base(peer_secret);
  auto first = pool.take_for(peer);  // an unknown peer: made now, then prepared for
  ASSERT_TRUE(first);
  EXPECT_EQ(pool.count().made_inline, 1u);
  pool.fill();
  EXPECT_EQ(pool.count().ready_dhs, 2u);
  std::set<key32> pubs{first->pub};
  for (int i = 0; i < 2; ++i) {
    auto d = pool.take_for(peer);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->pub, base(d->secret));
    key32 theirs;  // the peer's side of the same DH
    ASSERT_EQ(crypto_scalarmult(theirs.data(), peer_secret.data(), d->pub.data()), 0);
    EXPECT_EQ(d->shared, theirs);
    EXPECT_TRUE(pubs.insert(d->pub).second) << "a prepared DH handed out twice";
  }
  EXPECT_EQ(pool.count().made_inline, 1u);
  EXPECT_EQ(pool.count().ready_dhs, 0u);
}

TEST(EphemeralPool, ALowOrderPeerFailsAndIsNotPreparedFor) {
  ephemeral_pool pool(small(), false);
  key32 zero{};  // the all-zero point: every DH with it is zero
  EXPECT_FALSE(pool.take_for(zero));
  pool.fill();
  EXPECT_EQ(pool.count().ready_dhs, 0u);
}

TEST(EphemeralPool, OnlyTheMostRecentPeersArePreparedFor) {
  ephemeral_pool pool(small(), false);  // two peers at most
  key32 a = peer_key(), b = peer_key(), c = peer_key();
  for (const key32* p : {&a, &b, &c}) ASSERT_TRUE(pool.take_for(*p));
  pool.fill();
  EXPECT_EQ(pool.count().ready_dhs, 4u);  // b and c, two each
  auto before = pool.count().made_inline;
  ASSERT_TRUE(pool.take_for(c));
  ASSERT_TRUE(pool.take_for(b));
  EXPECT_EQ(pool.count().made_inline, before);
  ASSERT_TRUE(pool.take_for(a));  // pushed out: made on the spot
  EXPECT_EQ(pool.count().made_inline, before + 1);
}

TEST(EphemeralPool, TheRefillThreadRefillsAfterATake) {
  ephemeral_pool pool(small(), true);
  (void)pool.take();  // starts the thread, which fills the pool
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.count().ready_pairs < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(pool.count().ready_pairs, 3u);
  (void)pool.take();
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.count().ready_pairs < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(pool.count().ready_pairs, 3u);
}

}  // namespace
