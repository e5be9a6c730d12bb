// Record padding (protocol 7, issue 20 finding 4): small writes of different
// sizes become records of one size, so the route cannot tell a keystroke
// from a short command; malformed padding is refused like a forged record.
#include <gtest/gtest.h>

#include "link_ends.hpp"

namespace {

using namespace link_ends_test;

std::vector<std::size_t> sealed_sizes(record_sealer& seal, std::initializer_list<std::size_t> writes) {
  bytes stream;
  for (std::size_t n : writes) seal.seal(pattern(n), false, stream);
  std::vector<std::size_t> sizes;
  for (auto& r : records(stream)) sizes.push_back(r.size());
  return sizes;
}

TEST(RecordPadding, SmallWritesOfDifferentSizesGiveRecordsOfOneSize) {
  link_ends l;
  ASSERT_TRUE(l.ok()) << l.errors();
  const std::size_t small = record_prefix + smallest_bucket + record_overhead;  // 87 bytes on the wire
  EXPECT_EQ(sealed_sizes(l.up_seal, {1, 2, 30, 64}), (std::vector<std::size_t>{small, small, small, small}));
  EXPECT_EQ(sealed_sizes(l.down_seal, {0, 45}), (std::vector<std::size_t>{small, small}));
  // 100 bytes and 128 share the next bucket; powers of two and a full record take no padding.
  const std::size_t b128 = record_prefix + 128 + record_overhead;
  EXPECT_EQ(sealed_sizes(l.up_seal, {65, 100, 128, 4096, max_record - 1, max_record}),
            (std::vector<std::size_t>{b128, b128, b128, record_prefix + 4096 + record_overhead,
                                      record_prefix + max_ciphertext, record_prefix + max_ciphertext}));
  // And every one of them opens to its exact bytes.
  link_ends m;
  ASSERT_TRUE(m.ok());
  bytes stream;
  for (std::size_t n : {1, 2, 30, 100, 1000, 40000}) m.down_seal.seal(pattern(n, 7), false, stream);
  bytes plain, expected;
  for (auto& r : records(stream)) ASSERT_EQ(m.down_open.open(r, plain), record_opener::result::data);
  for (std::size_t n : {1, 2, 30, 100, 1000, 40000}) {
    auto p = pattern(n, 7);
    expected.insert(expected.end(), p.begin(), p.end());
  }
  EXPECT_EQ(plain, expected);
}

TEST(RecordPadding, TheTestSwitchSealsExactSizesThatStillOpen) {
  link_ends l;
  ASSERT_TRUE(l.ok());
  l.up_seal.set_padding(false);
  EXPECT_EQ(sealed_sizes(l.up_seal, {1, 2, 30, 100}),
            (std::vector<std::size_t>{record_prefix + 1 + record_overhead, record_prefix + 2 + record_overhead,
                                      record_prefix + 30 + record_overhead, record_prefix + 100 + record_overhead}));
}

TEST(RecordPadding, BucketsArePowersOfTwoTo4KiBThenPadmeToTheFullRecord) {
  EXPECT_EQ(bucket_of(0), 64u);
  EXPECT_EQ(bucket_of(64), 64u);
  EXPECT_EQ(bucket_of(65), 128u);
  EXPECT_EQ(bucket_of(2049), 4096u);
  EXPECT_EQ(bucket_of(4096), 4096u);
  EXPECT_EQ(bucket_of(4097), 4096u + 256);   // 2^12: steps of 2^(12-4)
  EXPECT_EQ(bucket_of(16385), 16384u + 1024);
  EXPECT_EQ(bucket_of(32769), 32768u + 2048);
  EXPECT_EQ(bucket_of(max_record - 1), max_record);
  EXPECT_EQ(bucket_of(max_record), max_record);
  // Never more than 1/16 over the size above 4 KiB, and never less than it.
  for (std::size_t n = 4097; n <= max_record; n += 97) {
    ASSERT_GE(bucket_of(n), n);
    ASSERT_LE(bucket_of(n) - n, n / 16) << n;
  }
}

// A record sealed by hand under `key` as record number `n`: prefix, then
// the AEAD of `body` (flag, data, padding, count).
bytes hand_sealed(const key32& key, std::uint64_t n, bytes body) {
  bytes rec(record_prefix);
  const std::size_t clen = body.size() + record_tag;
  for (int i = 0; i < 4; ++i) rec[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(clen >> (24 - 8 * i));
  rec.insert(rec.end(), body.begin(), body.end());
  rec.resize(record_prefix + clen);
  nonce12 nonce{};
  for (int i = 0; i < 8; ++i) nonce[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  EXPECT_TRUE(aead_seal(suite::chacha20_poly1305, key, nonce, rec.data() + record_prefix, body.size(),
                        rec.data() + rec.size() - record_tag));
  return rec;
}

// flag 0, `data`, `zeros` zero bytes, then the count `count`.
bytes body_of(const bytes& data, std::size_t zeros, std::uint16_t count) {
  bytes b{0};
  b.insert(b.end(), data.begin(), data.end());
  b.insert(b.end(), zeros, 0);
  b.push_back(static_cast<std::uint8_t>(count >> 8));
  b.push_back(static_cast<std::uint8_t>(count));
  return b;
}

TEST(RecordPadding, MalformedPaddingIsRefusedAndEndsTheDirection) {
  const key32 key = filled(0x33);
  auto opened = [&](bytes body) {
    record_opener o;
    o.start(key, suite::chacha20_poly1305);
    bytes plain;
    auto r = o.open(hand_sealed(key, 0, std::move(body)), plain);
    // After a refused record nothing opens, not even a well-formed one.
    bytes after;
    if (r == record_opener::result::bad)
      EXPECT_EQ(o.open(hand_sealed(key, 1, body_of(pattern(3), 0, 0)), after), record_opener::result::bad);
    return std::make_pair(r, plain);
  };
  // The hand-made layout is the sealer's: a well-formed record opens.
  auto good = opened(body_of(pattern(5), 10, 10));
  EXPECT_EQ(good.first, record_opener::result::data);
  EXPECT_EQ(good.second, pattern(5));
  // A count beyond the record: 16 zeros claimed where 15 bytes (data and padding) are.
  EXPECT_EQ(opened(body_of(pattern(5), 10, 16)).first, record_opener::result::bad);
  EXPECT_EQ(opened(body_of({}, 0, 0xffff)).first, record_opener::result::bad);
  // A non-zero byte in the padding.
  auto dirty = body_of(pattern(5), 10, 10);
  dirty[1 + 5 + 3] = 0x01;
  EXPECT_TRUE(opened(dirty).second.empty());
  EXPECT_EQ(opened(dirty).first, record_opener::result::bad);
  // Only the flag and the count (no room for the count's claim of 1 zero).
  EXPECT_EQ(opened(body_of({}, 0, 1)).first, record_opener::result::bad);
}

}  // namespace
