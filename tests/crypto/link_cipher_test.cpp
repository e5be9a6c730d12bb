// One link's handshake and records as bytes: both directions round trip, and
// every tampering, truncation, cross-link or replayed input is refused with
// no plaintext out.
#include <gtest/gtest.h>

#include <numeric>

#include "crypto/link_cipher.hpp"

namespace {

using namespace crypto;
using bytes = std::vector<std::uint8_t>;

key32 filled(std::uint8_t v) {
  key32 k;
  k.fill(v);
  return k;
}

bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + seed);
  return b;
}

group_keys keyed_group() {
  group_keys g;
  g.wire_group = "k-test";
  g.psk = filled(0x51);
  g.mac_key = filled(0x4d);
  g.keyed = true;
  return g;
}

// Both ends of one link, after the handshake.
struct link_ends {
  group_keys group = keyed_group();
  key32 link_secret = filled(0x11);
  link_keys keys{group.mac_key};
  use_handshake use;
  record_sealer up_seal;
  record_opener up_open;
  record_sealer down_seal;
  record_opener down_open;
  serve_hello reply{};
  std::string use_error, serve_error, finish_error;

  link_ends() : link_ends(filled(0x11), filled(0x11)) {}
  link_ends(const key32& use_secret, const key32& serve_secret) {
    use_error = use.start(group, use_secret, keys.current(), up_seal);
    if (!use_error.empty()) return;
    serve_error = answer_use(group, serve_secret, use.hello(), keys, up_open, down_seal, reply);
    if (!serve_error.empty()) return;
    finish_error = use.finish(reply, down_open);
  }
  bool ok() const { return use_error.empty() && serve_error.empty() && finish_error.empty(); }
};

// Splits a sealed stream into its records' ciphertexts (prefixes checked).
std::vector<bytes> records(const bytes& stream) {
  std::vector<bytes> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    auto n = record_opener::record_length(std::span<const std::uint8_t, 4>(stream.data() + at, 4));
    EXPECT_NE(n, 0u);
    out.emplace_back(stream.begin() + at + 4, stream.begin() + at + 4 + n);
    at += 4 + n;
  }
  return out;
}

TEST(LinkCipher, BothDirectionsRoundTripEmptyOneByteAndAFullRecord) {
  link_ends l;
  ASSERT_TRUE(l.ok()) << l.use_error << l.serve_error << l.finish_error;
  EXPECT_EQ(l.use.hello()[0], link_hello_version);
  for (auto* dir : {&l.up_seal, &l.down_seal}) {
    auto& opener = dir == &l.up_seal ? l.up_open : l.down_open;
    bytes stream;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, max_record}) dir->seal(pattern(n), false, stream);
    dir->seal({}, true, stream);
    auto recs = records(stream);
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_EQ(recs[2].size(), max_ciphertext);
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

TEST(LinkCipher, AFlippedByteAnywhereInARecordIsRefusedWithNoPlaintext) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream;
  l.up_seal.seal(pattern(100), false, stream);
  auto rec = records(stream).at(0);
  for (std::size_t i = 0; i < rec.size(); ++i) {
    link_ends fresh;  // a failed pull leaves a stream unusable: one link per position
    bytes s2;
    fresh.up_seal.seal(pattern(100), false, s2);
    auto r = records(s2).at(0);
    r[i] ^= 0x20;
    bytes plain{0xaa};
    EXPECT_EQ(fresh.up_open.open(r, plain), record_opener::result::bad) << "byte " << i;
    EXPECT_EQ(plain, bytes{0xaa}) << "byte " << i;
  }
}

TEST(LinkCipher, ADroppedOrReorderedRecordIsRefused) {
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

TEST(LinkCipher, RecordLengthsOutOfBoundsAreRefusedFromThePrefixAlone) {
  auto len = [](std::uint32_t n) {
    std::array<std::uint8_t, 4> p{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    return record_opener::record_length(p);
  };
  EXPECT_EQ(len(0), 0u);
  EXPECT_EQ(len(1), 1u);  // too short to open, refused by open()
  EXPECT_EQ(len(max_ciphertext), max_ciphertext);
  EXPECT_EQ(len(max_ciphertext + 1), 0u);
  EXPECT_EQ(len(0xffffffff), 0u);
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

TEST(LinkCipher, AnotherLinkSecretDerivesOtherKeys) {
  link_ends l(filled(0x11), filled(0x12));  // the route gave the serve side another link's secret
  ASSERT_TRUE(l.ok());
  bytes s, plain;
  l.up_seal.seal(pattern(50), false, s);
  EXPECT_EQ(l.up_open.open(records(s).at(0), plain), record_opener::result::bad);
  bytes d;
  l.down_seal.seal(pattern(50), false, d);
  EXPECT_EQ(l.down_open.open(records(d).at(0), plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

TEST(LinkCipher, AnotherGroupKeyDerivesOtherKeys) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  auto other = keyed_group();
  other.psk = filled(0x52);
  record_opener up2;
  record_sealer down2;
  serve_hello reply2{};
  use_handshake use2;
  record_sealer seal2;
  ASSERT_EQ(use2.start(l.group, l.link_secret, l.keys.current(), seal2), "");
  ASSERT_EQ(answer_use(other, l.link_secret, use2.hello(), l.keys, up2, down2, reply2), "");
  bytes s, plain;
  seal2.seal(pattern(5), false, s);
  EXPECT_EQ(up2.open(records(s).at(0), plain), record_opener::result::bad);
}

TEST(LinkCipher, AReplayedUseHelloIsRefused) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  record_opener up2;
  record_sealer down2;
  serve_hello reply2{};
  EXPECT_EQ(answer_use(l.group, l.link_secret, l.use.hello(), l.keys, up2, down2, reply2),
            "replayed link opening");
}

TEST(LinkCipher, AnUnknownKeyIdIsRefused) {
  link_ends l;
  auto hello = l.use.hello();
  auto id = l.keys.current().key_id + 5;
  hello[1] = static_cast<std::uint8_t>(id >> 24);
  hello[2] = static_cast<std::uint8_t>(id >> 16);
  hello[3] = static_cast<std::uint8_t>(id >> 8);
  hello[4] = static_cast<std::uint8_t>(id);
  record_opener up2;
  record_sealer down2;
  serve_hello reply2{};
  EXPECT_EQ(answer_use(l.group, l.link_secret, hello, l.keys, up2, down2, reply2),
            "unknown link key " + std::to_string(id));
}

TEST(LinkCipher, AnUnknownHelloVersionIsRefused) {
  link_ends l;
  auto hello = l.use.hello();
  hello[0] = 2;
  record_opener up2;
  record_sealer down2;
  serve_hello reply2{};
  EXPECT_EQ(answer_use(l.group, l.link_secret, hello, l.keys, up2, down2, reply2),
            "link hello version 2 (this vnet speaks 1)");
}

TEST(LinkCipher, LowOrderPointsAreRefusedOnEverySide) {
  auto group = keyed_group();
  key32 zero{};  // the identity: X25519 with it is all zeros
  // A listed serve key (signed: a member of the group could do it).
  use_handshake use;
  record_sealer up;
  auto bad_key = sign_link_key(group.mac_key, 7, zero);
  EXPECT_EQ(use.start(group, filled(1), bad_key, up), "link key 7 is a low-order point");
  // A use hello's ephemeral.
  link_ends l;
  auto hello = l.use.hello();
  std::fill(hello.begin() + 5, hello.begin() + 37, 0);
  record_opener up2;
  record_sealer down2;
  serve_hello reply2{};
  EXPECT_EQ(answer_use(l.group, l.link_secret, hello, l.keys, up2, down2, reply2),
            "the use side's ephemeral key is a low-order point");
  // A serve hello's ephemeral.
  use_handshake use3;
  record_sealer up3;
  record_opener down3;
  ASSERT_EQ(use3.start(l.group, l.link_secret, l.keys.current(), up3), "");
  serve_hello bad_reply{};
  EXPECT_EQ(use3.finish(bad_reply, down3), "the serve side's ephemeral key is a low-order point");
}

TEST(LinkCipher, AnUnsignedServeKeyIsRefused) {
  link_ends l;
  auto k = l.keys.current();
  k.mac[0] ^= 1;
  use_handshake use;
  record_sealer up;
  EXPECT_NE(use.start(l.group, l.link_secret, k, up).find("which this group's key did not sign"), std::string::npos);
}

TEST(LinkCipher, WithoutAGroupKeyLinksStillWork) {
  auto group = derive_group("plain", "");
  link_keys keys(group.mac_key);
  use_handshake use;
  record_sealer up_seal, down_seal;
  record_opener up_open, down_open;
  serve_hello reply{};
  ASSERT_EQ(use.start(group, filled(3), keys.current(), up_seal), "");
  ASSERT_EQ(answer_use(group, filled(3), use.hello(), keys, up_open, down_seal, reply), "");
  ASSERT_EQ(use.finish(reply, down_open), "");
  bytes s, plain;
  down_seal.seal(pattern(9), true, s);
  EXPECT_EQ(down_open.open(records(s).at(0), plain), record_opener::result::final);
  EXPECT_EQ(plain, pattern(9));
}

}  // namespace

namespace {

// Small records are sealed by libsodium, larger ones by OpenSSL (one
// algorithm): every size around the switch and up to the largest round-trips,
// in order, on one stream.
TEST(LinkCipher, RecordsOfEverySizeClassRoundTripInOrder) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  const std::size_t sizes[] = {1, 1021, 1022, 1023, 1024, 4096, max_record - 1, max_record, 7};
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

TEST(LinkCipher, ARecordOverTheLimitIsNeitherSealedNorOpened) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  bytes stream;
  EXPECT_THROW(l.up_seal.seal(pattern(max_record + 1), false, stream), std::logic_error);
  EXPECT_TRUE(stream.empty());
  bytes too_long(max_ciphertext + 1, 0), plain;
  EXPECT_EQ(l.up_open.open(too_long, plain), record_opener::result::bad);
  EXPECT_TRUE(plain.empty());
}

}  // namespace
