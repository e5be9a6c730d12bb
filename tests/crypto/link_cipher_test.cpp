// One link's records as bytes: both directions round trip, and every
// tampering, truncation, reordering, replay or record of another link is
// refused with no plaintext out; nonces never repeat and keys roll over.
#include <gtest/gtest.h>

#include "link_ends.hpp"

namespace {

using namespace link_ends_test;

TEST(LinkCipher, BothDirectionsRoundTripEmptyOneByteAndAFullRecord) {
  link_ends l;
  ASSERT_TRUE(l.ok()) << l.errors();
  EXPECT_EQ(l.use.hello()[0], link_hello_version);
  for (auto* dir : {&l.up_seal, &l.down_seal}) {
    auto& opener = dir == &l.up_seal ? l.up_open : l.down_open;
    bytes stream;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, max_record}) dir->seal(pattern(n), false, stream);
    dir->seal({}, true, stream);
    auto recs = records(stream);
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_EQ(recs[2].size(), record_prefix + max_ciphertext);
    bytes plain;
    EXPECT_EQ(opener.open(recs[0], plain), record_opener::result::data);
    EXPECT_TRUE(plain.empty());
    EXPECT_EQ(opener.open(recs[1], plain), record_opener::result::data);
    EXPECT_EQ(plain, pattern(1));
    plain.clear();
    EXPECT_EQ(opener.open(recs[2], plain), record_opener::result::data);
    EXPECT_EQ(plain, pattern(max_record));
    plain.clear();
    EXPECT_EQ(opener.open(recs[3], plain), record_opener::result::final);
    EXPECT_TRUE(plain.empty());
    // Nothing opens after the final record.
    EXPECT_EQ(opener.open(recs[1], plain), record_opener::result::bad);
  }
}

// Every size class, on both suites: OpenSSL seals them all.
TEST(LinkCipher, RecordsOfEverySizeRoundTripInOrderOnBothSuites) {
  for (suites local : {suites(1), all_suites}) {
    link_setup s;
    s.local = local;
    link_ends l(s);
    ASSERT_TRUE(l.ok()) << l.errors();
    EXPECT_EQ(l.serve.chosen(), local == all_suites ? suite::aes256_gcm : suite::chacha20_poly1305);
    const std::size_t sizes[] = {1, 15, 16, 17, 1023, 1024, 4096, max_record - 1, max_record, 7};
    bytes stream;
    for (std::size_t n : sizes) l.up_seal.seal(pattern(n, static_cast<std::uint8_t>(n)), false, stream);
    auto recs = records(stream);
    ASSERT_EQ(recs.size(), std::size(sizes));
    for (std::size_t i = 0; i < recs.size(); ++i) {
      bytes plain;
      ASSERT_EQ(l.up_open.open(recs[i], plain), record_opener::result::data) << sizes[i];
      EXPECT_EQ(plain, pattern(sizes[i], static_cast<std::uint8_t>(sizes[i]))) << sizes[i];
    }
  }
}

TEST(LinkCipher, AFlippedByteAnywhereInARecordIsRefusedWithNoPlaintext) {
  for (suites local : {suites(1), all_suites}) {
    link_setup s;
    s.local = local;
    link_ends probe(s);
    ASSERT_TRUE(probe.ok());
    bytes stream;
    probe.up_seal.seal(pattern(100), false, stream);
    const std::size_t size = records(stream).at(0).size();
    for (std::size_t i = 0; i < size; ++i) {
      link_ends fresh(s);  // a failed record leaves a direction unusable: one link per position
      bytes s2;
      fresh.up_seal.seal(pattern(100), false, s2);
      auto r = records(s2).at(0);
      r[i] ^= 0x20;
      bytes plain{0xaa};
      EXPECT_EQ(fresh.up_open.open(r, plain), record_opener::result::bad) << "byte " << i;
      EXPECT_EQ(plain, bytes{0xaa}) << "byte " << i;
    }
  }
}

TEST(LinkCipher, ATruncatedRecordIsRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream, plain;
  l.up_seal.seal(pattern(1000), false, stream);
  auto rec = records(stream).at(0);
  rec.pop_back();
  EXPECT_EQ(l.up_open.open(rec, plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

TEST(LinkCipher, ADroppedRecordIsRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream;
  for (int i = 0; i < 3; ++i) l.down_seal.seal(pattern(10, static_cast<std::uint8_t>(i)), false, stream);
  auto recs = records(stream);
  bytes plain;
  ASSERT_EQ(l.down_open.open(recs[0], plain), record_opener::result::data);
  EXPECT_EQ(l.down_open.open(recs[2], plain), record_opener::result::bad);  // recs[1] dropped
  EXPECT_EQ(plain, pattern(10, 0));
}

TEST(LinkCipher, ReorderedRecordsAreRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream;
  for (int i = 0; i < 2; ++i) l.up_seal.seal(pattern(10, static_cast<std::uint8_t>(i)), false, stream);
  auto recs = records(stream);
  bytes plain;
  EXPECT_EQ(l.up_open.open(recs[1], plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

TEST(LinkCipher, AReplayedRecordIsRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream, plain;
  l.up_seal.seal(pattern(10), false, stream);
  auto rec = records(stream).at(0);
  ASSERT_EQ(l.up_open.open(rec, plain), record_opener::result::data);
  EXPECT_EQ(l.up_open.open(rec, plain), record_opener::result::bad);
  EXPECT_EQ(plain, pattern(10));
}

// The nonce is the record's number: the same plaintext twice is two
// different ciphertexts (a reused nonce would repeat the keystream: the XOR
// of the two would be all zeros), on both suites.
TEST(LinkCipher, NoncesNeverRepeatSoTheSamePlaintextSealsDifferently) {
  for (suites local : {suites(1), all_suites}) {
    link_setup s;
    s.local = local;
    link_ends l(s);
    ASSERT_TRUE(l.ok());
    bytes stream;
    for (int i = 0; i < 3; ++i) l.up_seal.seal(pattern(64), false, stream);
    auto recs = records(stream);
    ASSERT_EQ(recs.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t j = i + 1; j < 3; ++j) {
        std::size_t same = 0;
        for (std::size_t k = 0; k < recs[i].size(); ++k) same += recs[i][k] == recs[j][k];
        EXPECT_LT(same, recs[i].size() / 4) << i << " vs " << j;  // ~1/256 of bytes agree by chance
      }
  }
}

// After rekey_every records a direction moves to its next key on both ends;
// an end that did not would fail the first record after the change.
TEST(LinkCipher, DirectionsRekeyInStepAndTheKeyReallyChanges) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  l.up_seal.set_rekey_interval(3);
  l.up_open.set_rekey_interval(3);
  bytes stream;
  for (int i = 0; i < 10; ++i) l.up_seal.seal(pattern(30, static_cast<std::uint8_t>(i)), false, stream);
  auto recs = records(stream);
  for (int i = 0; i < 10; ++i) {
    bytes plain;
    ASSERT_EQ(l.up_open.open(recs[static_cast<std::size_t>(i)], plain), record_opener::result::data) << i;
    EXPECT_EQ(plain, pattern(30, static_cast<std::uint8_t>(i)));
  }
  link_ends m;
  ASSERT_TRUE(m.ok());
  m.down_seal.set_rekey_interval(2);  // the opener keeps the first key
  bytes d;
  for (int i = 0; i < 3; ++i) m.down_seal.seal(pattern(30), false, d);
  auto drecs = records(d);
  bytes plain;
  EXPECT_EQ(m.down_open.open(drecs[0], plain), record_opener::result::data);
  EXPECT_EQ(m.down_open.open(drecs[1], plain), record_opener::result::data);
  EXPECT_EQ(m.down_open.open(drecs[2], plain), record_opener::result::bad);  // nonce 0 again, another key
}

TEST(LinkCipher, RecordLengthsOutOfBoundsAreRefusedFromThePrefixAlone) {
  auto len = [](std::uint32_t n) {
    std::array<std::uint8_t, 4> p{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    return record_opener::record_length(p);
  };
  EXPECT_EQ(len(0), 0u);
  EXPECT_EQ(len(record_overhead - 1), 0u);  // shorter than an empty record
  EXPECT_EQ(len(record_overhead), record_overhead);
  EXPECT_EQ(len(max_ciphertext), max_ciphertext);
  EXPECT_EQ(len(max_ciphertext + 1), 0u);
  EXPECT_EQ(len(0xffffffff), 0u);
}

TEST(LinkCipher, ARecordOverTheLimitIsNeitherSealedNorOpened) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream;
  EXPECT_THROW(l.up_seal.seal(pattern(max_record + 1), false, stream), std::logic_error);
  EXPECT_TRUE(stream.empty());
  bytes too_long(record_prefix + max_ciphertext + 1, 0), plain;
  too_long[1] = static_cast<std::uint8_t>((max_ciphertext + 1) >> 16);
  too_long[2] = static_cast<std::uint8_t>((max_ciphertext + 1) >> 8);
  too_long[3] = static_cast<std::uint8_t>(max_ciphertext + 1);
  EXPECT_EQ(l.up_open.open(too_long, plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

TEST(LinkCipher, ARecordOfAnotherLinkIsRefused) {
  link_ends a, b;  // same keys, other ephemerals
  ASSERT_TRUE(a.ok() && b.ok());
  bytes sa, sb;
  a.up_seal.seal(pattern(50), false, sa);
  b.down_seal.seal(pattern(50), false, sb);
  bytes plain;
  EXPECT_EQ(b.up_open.open(records(sa).at(0), plain), record_opener::result::bad);
  EXPECT_EQ(a.down_open.open(records(sb).at(0), plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

// The use side's records move from k_early to k_up once (key phase 0 -> 1
// in the prefix) and the record number runs on: an early record dropped just
// before the change, a record sent back to phase 0, or a phase bit flipped
// by the route all fail.
struct early_then_up {
  link_ends l;  // its early record is opened; up_seal is now on k_up
  std::vector<bytes> early, later;
  early_then_up() {
    // A second link, stopped between the early records and the serve hello.
    bytes e, u;
    EXPECT_EQ(why_of(use.start(l.group, filled(0x11), l.keys.current(), 700, all_suites, seal)), "");
    for (int i = 0; i < 3; ++i) seal.seal(pattern(10, static_cast<std::uint8_t>(i)), false, e);
    EXPECT_EQ(why_of(serve.start(l.group, filled(0x11), 700, use.hello(), l.keys, open)), "");
    serve.finish(9, all_suites, open, down, reply);
    EXPECT_EQ(why_of(use.finish(reply, seal, down_open)), "");
    for (int i = 0; i < 2; ++i) seal.seal(pattern(10, static_cast<std::uint8_t>(10 + i)), false, u);
    early = records(e);
    later = records(u);
  }
  use_handshake use;
  serve_handshake serve;
  record_sealer seal, down;
  record_opener open, down_open;
  serve_hello reply{};
};

TEST(LinkCipher, EarlyRecordsThenUpRecordsOpenInOrder) {
  early_then_up t;
  bytes plain;
  for (auto* set : {&t.early, &t.later})
    for (auto& r : *set) ASSERT_EQ(t.open.open(r, plain), record_opener::result::data);
  EXPECT_EQ(t.early[0][0] & 0x80, 0);
  EXPECT_EQ(t.later[0][0] & 0x80, 0x80);
}

TEST(LinkCipher, AnEarlyRecordDroppedAtTheKeyChangeIsRefused) {
  early_then_up t;
  bytes plain;
  ASSERT_EQ(t.open.open(t.early[0], plain), record_opener::result::data);
  ASSERT_EQ(t.open.open(t.early[1], plain), record_opener::result::data);
  EXPECT_EQ(t.open.open(t.later[0], plain), record_opener::result::bad);  // early[2] dropped
}

TEST(LinkCipher, NoEarlyRecordAfterTheKeyChangeAndNoFlippedPhase) {
  {
    early_then_up t;
    bytes plain;
    for (auto& r : t.early) ASSERT_EQ(t.open.open(r, plain), record_opener::result::data);
    ASSERT_EQ(t.open.open(t.later[0], plain), record_opener::result::data);
    auto back = t.later[1];
    back[0] &= 0x7f;  // claims phase 0 again
    EXPECT_EQ(t.open.open(back, plain), record_opener::result::bad);
  }
  {
    early_then_up t;
    bytes plain;
    auto flipped = t.early[0];
    flipped[0] |= 0x80;  // an early record presented as phase 1
    EXPECT_EQ(t.open.open(flipped, plain), record_opener::result::bad);
  }
}

}  // namespace
