// One link's hellos and key schedule as bytes: what the keys are bound to
// (group key, ticket secret, serveid, link id, the cipher offer and choice),
// so every edit a route can make to an opening ends in records that fail,
// and the suite negotiation between an AES-capable end and one without.
#include <gtest/gtest.h>

#include "link_ends.hpp"

namespace {

using namespace link_ends_test;

void store_be32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (3 - i)));
}

TEST(LinkHandshake, AesOnlyWhenBothEndsRunItFast) {
  EXPECT_EQ(choose_suite(all_suites, all_suites), suite::aes256_gcm);
  EXPECT_EQ(choose_suite(all_suites, 1), suite::chacha20_poly1305);
  EXPECT_EQ(choose_suite(1, all_suites), suite::chacha20_poly1305);
  EXPECT_EQ(choose_suite(1, 1), suite::chacha20_poly1305);
  EXPECT_TRUE(local_suites() & static_cast<suites>(suite::chacha20_poly1305));
}

TEST(LinkHandshake, TheTestSwitchTakesAesAway) {
#ifdef _WIN32  // the Windows build's tests (tests/windows_unit_tests.cmake)
  ::_putenv_s("VNET_TEST_NO_AES", "1");
  EXPECT_EQ(local_suites(), suites(1));
  ::_putenv_s("VNET_TEST_NO_AES", "");  // an empty value removes it
#else
  ::setenv("VNET_TEST_NO_AES", "1", 1);
  EXPECT_EQ(local_suites(), suites(1));
  ::unsetenv("VNET_TEST_NO_AES");
#endif
}

// Interop: an AES-capable use side and a ChaCha-only serve side link on
// ChaCha20-Poly1305, and the other way round.
TEST(LinkHandshake, AnAesEndAndAChachaOnlyEndLinkOnChacha) {
  for (auto [offer, local] : {std::pair<suites, suites>{all_suites, 1}, {1, all_suites}}) {
    link_setup s;
    s.offer = offer;
    s.local = local;
    link_ends l(s);
    ASSERT_TRUE(l.ok()) << l.errors();
    EXPECT_EQ(l.serve.chosen(), suite::chacha20_poly1305);
    EXPECT_EQ(l.use.chosen(), suite::chacha20_poly1305);
    EXPECT_TRUE(l.both_ways_open());
  }
  link_ends both;
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both.use.chosen(), suite::aes256_gcm);
  EXPECT_TRUE(both.both_ways_open());
}

// The route strips AES from the offer: the serve side's opening transcript
// differs, so the early record fails before anything is dialled.
TEST(LinkHandshake, AnOfferDowngradedOnTheWayFailsTheOpening) {
  link_setup s;
  s.edit_hello = [](use_hello& h) { h[1] = 1; };
  link_ends l(s);
  EXPECT_EQ(l.serve_error, "");
  EXPECT_EQ(l.early_error, "the early record did not open");
}

// The route turns the serve side's AES choice into ChaCha: the use side's
// keys differ, so the first record either way fails.
TEST(LinkHandshake, AChoiceDowngradedOnTheWayFailsTheRecords) {
  link_setup s;
  s.edit_reply = [](serve_hello& r) { r[0] = static_cast<std::uint8_t>(suite::chacha20_poly1305); };
  link_ends l(s);
  ASSERT_TRUE(l.ok()) << l.errors();
  EXPECT_EQ(l.use.chosen(), suite::chacha20_poly1305);
  EXPECT_EQ(l.serve.chosen(), suite::aes256_gcm);
  EXPECT_FALSE(l.both_ways_open());
}

TEST(LinkHandshake, AChoiceThatWasNotOfferedIsRefused) {
  link_setup s;
  s.offer = 1;
  s.local = 1;
  s.edit_reply = [](serve_hello& r) { r[0] = static_cast<std::uint8_t>(suite::aes256_gcm); };
  link_ends l(s);
  EXPECT_EQ(l.finish_error, "the serve side chose cipher suite 2, which this vnet did not offer");
}

TEST(LinkHandshake, AnOfferWithoutChachaOrWithUnknownSuitesIsRefused) {
  for (std::uint8_t offer : {std::uint8_t(2), std::uint8_t(0x81)}) {
    link_setup s;
    s.edit_hello = [offer](use_hello& h) { h[1] = offer; };
    link_ends l(s);
    EXPECT_NE(l.serve_error.find("without ChaCha20-Poly1305 or with unknown ones"), std::string::npos) << int(offer);
  }
}

// Issue 20: a route rewriting link_bind from serveid 700 to 701 hands the
// link to another serve of the same vnet; that serve's keys differ, so its
// service is never dialled and no byte of it reaches the client.
TEST(LinkHandshake, AServeidRewrittenByTheRouteFailsTheOpening) {
  link_setup s;
  s.serve_serveid = 701;
  link_ends l(s);
  EXPECT_EQ(l.serve_error, "");
  EXPECT_EQ(l.early_error, "the early record did not open");
}

// The link id the serving vnet holds is in the serve hello and the keys: a
// route that edits it on the way gets records that fail.
TEST(LinkHandshake, TheLinkIdIsBoundIntoTheKeys) {
  link_ends plain;
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.use.link_id(), 42u);
  link_setup s;
  s.edit_reply = [](serve_hello& r) { r[8] ^= 1; };
  link_ends l(s);
  ASSERT_TRUE(l.ok()) << l.errors();
  EXPECT_EQ(l.use.link_id(), 43u);
  EXPECT_FALSE(l.both_ways_open());
}

TEST(LinkHandshake, AnotherLinkSecretFailsTheOpening) {
  link_setup s;
  s.serve_secret = filled(0x12);  // the route gave the serve side another link's secret
  link_ends l(s);
  EXPECT_EQ(l.early_error, "the early record did not open");
}

TEST(LinkHandshake, AnotherGroupKeyFailsTheOpening) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  auto other = keyed_group();
  other.psk = filled(0x52);
  use_handshake use2;
  record_sealer early;
  ASSERT_EQ(why_of(use2.start(l.group, filled(0x11), l.keys.current(), 700, all_suites, early)), "");
  serve_handshake serve2;
  record_opener open2;
  ASSERT_EQ(why_of(serve2.start(other, filled(0x11), 700, use2.hello(), l.keys, open2)), "");
  bytes s, plain;
  early.seal(pattern(5), false, s);
  EXPECT_EQ(open2.open(records(s).at(0), plain), record_opener::result::bad);
}

TEST(LinkHandshake, AReplayedUseHelloIsRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  serve_handshake again;
  record_opener early;
  EXPECT_EQ(why_of(again.start(l.group, filled(0x11), 700, l.use.hello(), l.keys, early)), "replayed link opening");
}

TEST(LinkHandshake, AnUnknownKeyIdIsRefused) {
  link_ends l;
  auto hello = l.use.hello();
  auto id = l.keys.current().key_id + 5;
  store_be32(hello.data() + 2, id);
  serve_handshake again;
  record_opener early;
  EXPECT_EQ(why_of(again.start(l.group, filled(0x11), 700, hello, l.keys, early)), "unknown link key " + std::to_string(id));
}

TEST(LinkHandshake, AnUnknownHelloVersionIsRefused) {
  link_ends l;
  auto hello = l.use.hello();
  for (std::uint8_t old : {1, 2}) {  // protocol 5's hello, protocol 6's (unpadded records)
    hello[0] = old;
    serve_handshake again;
    record_opener early;
    EXPECT_EQ(why_of(again.start(l.group, filled(0x11), 700, hello, l.keys, early)),
              "link hello version " + std::to_string(old) + " (this vnet speaks 3)");
  }
}

TEST(LinkHandshake, LowOrderPointsAreRefusedOnEverySide) {
  auto group = keyed_group();
  key32 zero{};  // the identity: X25519 with it is all zeros
  use_handshake use;
  record_sealer up;
  auto bad_key = sign_link_key(group.mac_key, 7, zero);  // signed: a member of the group could do it
  EXPECT_EQ(why_of(use.start(group, filled(1), bad_key, 700, all_suites, up)), "link key 7 is a low-order point");
  link_ends l;
  auto hello = l.use.hello();
  std::fill(hello.begin() + 6, hello.begin() + 38, 0);
  serve_handshake serve;
  record_opener early;
  EXPECT_EQ(why_of(serve.start(l.group, filled(0x11), 700, hello, l.keys, early)),
            "the use side's ephemeral key is a low-order point");
  use_handshake use3;
  record_sealer up3;
  record_opener down3;
  ASSERT_EQ(why_of(use3.start(l.group, filled(0x11), l.keys.current(), 700, all_suites, up3)), "");
  serve_hello bad_reply{};
  bad_reply[0] = 1;
  EXPECT_EQ(why_of(use3.finish(bad_reply, up3, down3)), "the serve side's ephemeral key is a low-order point");
}

TEST(LinkHandshake, AnUnsignedServeKeyIsRefused) {
  link_ends l;
  auto k = l.keys.current();
  k.mac[0] ^= 1;
  use_handshake use;
  record_sealer up;
  EXPECT_NE(why_of(use.start(l.group, filled(0x11), k, 700, all_suites, up)).find("which this group's key did not sign"),
            std::string::npos);
}

TEST(LinkHandshake, WithoutAGroupKeyLinksStillWork) {
  auto group = derive_group("plain", "");
  link_keys keys(group.mac_key);
  use_handshake use;
  serve_handshake serve;
  record_sealer up_seal, down_seal;
  record_opener up_open, down_open;
  serve_hello reply{};
  ASSERT_EQ(why_of(use.start(group, filled(3), keys.current(), 9, 1, up_seal)), "");
  bytes early, plain;
  up_seal.seal({}, false, early);
  ASSERT_EQ(why_of(serve.start(group, filled(3), 9, use.hello(), keys, up_open)), "");
  ASSERT_EQ(up_open.open(records(early).at(0), plain), record_opener::result::data);
  serve.finish(7, all_suites, up_open, down_seal, reply);
  ASSERT_EQ(why_of(use.finish(reply, up_seal, down_open)), "");
  bytes s;
  down_seal.seal(pattern(9), true, s);
  EXPECT_EQ(down_open.open(records(s).at(0), plain), record_opener::result::final);
  EXPECT_EQ(plain, pattern(9));
}

}  // namespace
