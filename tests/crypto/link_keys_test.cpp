// A vnet's rotating link keys: published keys are signed, rotation keeps one
// previous pair, and each pair refuses an opening it has seen.
#include <gtest/gtest.h>

#include <sodium.h>

#include "crypto/link_keys.hpp"

namespace {

using crypto::key32;
using crypto::link_keys;
using namespace std::chrono_literals;

// Why an opening was refused; "" when accepted.
std::string refusal(const outcome::result<link_keys::opening>& r) { return r.ok() ? std::string{} : r.why(); }

key32 filled(std::uint8_t v) {
  key32 k;
  k.fill(v);
  return k;
}

TEST(LinkKeys, PublishedKeyIsSignedAndMatchesItsSecret) {
  auto t0 = link_keys::clock::now();
  link_keys keys(filled(3), t0);
  auto pub = keys.current();
  EXPECT_NE(pub.key_id, 0u);
  EXPECT_TRUE(crypto::verify_link_key(filled(3), pub));
  auto o = keys.accept(pub.key_id, filled(9));
  ASSERT_EQ(refusal(o), "");
  key32 derived;
  crypto_scalarmult_base(derived.data(), o->secret.data());
  EXPECT_EQ(derived, pub.pub);
  EXPECT_EQ(o->pub, pub.pub);
}

TEST(LinkKeys, RotationKeepsThePreviousPairOnePeriodOnly) {
  auto t0 = link_keys::clock::now();
  link_keys keys(filled(3), t0);
  auto first = keys.current();
  EXPECT_FALSE(keys.due(t0 + link_keys::period - 1s));
  EXPECT_TRUE(keys.due(t0 + link_keys::period));
  auto second = keys.rotate(t0 + link_keys::period);
  EXPECT_NE(second.key_id, first.key_id);
  EXPECT_NE(second.pub, first.pub);
  EXPECT_TRUE(crypto::verify_link_key(filled(3), second));
  EXPECT_FALSE(keys.due(t0 + link_keys::period + 1s));
  EXPECT_EQ(refusal(keys.accept(first.key_id, filled(1))), "");  // previous: still works
  keys.rotate(t0 + 2 * link_keys::period);
  EXPECT_EQ(refusal(keys.accept(first.key_id, filled(2))),
            "unknown link key " + std::to_string(first.key_id));  // wiped
  EXPECT_EQ(refusal(keys.accept(second.key_id, filled(2))), "");
}

TEST(LinkKeys, UnknownKeyIdIsRefused) {
  link_keys keys(filled(3));
  auto id = keys.current().key_id + 1000;
  EXPECT_EQ(refusal(keys.accept(id, filled(1))), "unknown link key " + std::to_string(id));
}

TEST(LinkKeys, ASecondOpeningWithTheSameEphemeralIsRefused) {
  link_keys keys(filled(3));
  auto id = keys.current().key_id;
  EXPECT_EQ(refusal(keys.accept(id, filled(1))), "");
  EXPECT_EQ(refusal(keys.accept(id, filled(2))), "");
  auto again = keys.accept(id, filled(1));
  EXPECT_EQ(refusal(again), "replayed link opening");
  EXPECT_FALSE(again.ok());  // no opening: nothing to derive keys with
  EXPECT_EQ(keys.openings(), 2u);
}

TEST(LinkKeys, ReplayIsRememberedByThePreviousPairToo) {
  auto t0 = link_keys::clock::now();
  link_keys keys(filled(3), t0);
  auto id = keys.current().key_id;
  EXPECT_EQ(refusal(keys.accept(id, filled(1))), "");
  keys.rotate(t0 + link_keys::period);
  EXPECT_EQ(refusal(keys.accept(id, filled(1))), "replayed link opening");
}

TEST(LinkKeys, AFullReplaySetAsksForRotationAndRefusesMore) {
  link_keys keys(filled(3));
  auto id = keys.current().key_id;
  key32 e{};
  for (std::size_t i = 0; i < link_keys::max_openings; ++i) {
    e[0] = static_cast<std::uint8_t>(i);
    e[1] = static_cast<std::uint8_t>(i >> 8);
    e[2] = static_cast<std::uint8_t>(i >> 16);
    ASSERT_EQ(refusal(keys.accept(id, e)), "");
  }
  EXPECT_TRUE(keys.due());
  EXPECT_NE(refusal(keys.accept(id, filled(0xee))), "");
  auto next = keys.rotate();
  EXPECT_EQ(refusal(keys.accept(next.key_id, filled(0xee))), "");
}

TEST(LinkKeys, ANewGroupKeySignsTheLiveKeysAgain) {
  link_keys keys(filled(3));
  auto id = keys.current().key_id;
  keys.set_mac_key(filled(4));
  EXPECT_EQ(keys.current().key_id, id);
  EXPECT_TRUE(crypto::verify_link_key(filled(4), keys.current()));
  EXPECT_FALSE(crypto::verify_link_key(filled(3), keys.current()));
}

}  // namespace
