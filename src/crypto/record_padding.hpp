#pragma once
// The padding inside a link record (docs/protocol.md, "Link encryption", the Records paragraph; protocol 7).
// A record's sealed plaintext is
//
//   u8 flag || data || zero bytes || u16be count of those zero bytes
//
// so the padding and its length are encrypted and authenticated with the
// data: the route sees only the record's whole length. The sealer pads each
// record's data up to a size bucket: a power of two from 64 bytes to 4 KiB,
// so small interactive writes of 1 or 40 bytes look alike; above 4 KiB the
// size with its low bits rounded up (Padmé: at most 6.25 % more bytes, where
// powers of two would double a write of 33 KiB). A write of a power of two
// (4 KiB, 16 KiB: what programs write) and a full record (bulk, 64 KiB)
// take no padding, only the 2-byte count. The measured cost is in
// docs/performance.md ("Record padding").
#include <cstddef>
#include <cstdint>
#include <span>

#include "outcome/result.hpp"

namespace crypto {

inline constexpr std::size_t record_pad_field = 2;  // the u16be count at the end
inline constexpr std::size_t smallest_bucket = 64;   // data bytes of the smallest record
inline constexpr std::size_t largest_power_bucket = 4096;  // above it, Padmé's buckets

// The data size a record of `plain` bytes is padded to: the smallest bucket
// that holds it (plain <= 64 KiB, the full record, itself a bucket).
std::size_t bucket_of(std::size_t plain);

// Whether this process pads its records: yes, unless the environment sets
// VNET_TEST_NO_PADDING=1 (a test switch, to measure what padding costs).
bool padding_wanted();

// Writes the padding over `tail` (the record's bytes after the data, up to
// the tag; at least record_pad_field bytes): zeros, then their count.
void write_padding(std::span<std::uint8_t> tail);

// The padding's whole size (zeros and count) at the end of `body` (an opened
// record's plaintext after its flag), or why the record is malformed: a count
// beyond the record, or a non-zero byte in the padding.
outcome::result<std::size_t> padding_of(std::span<const std::uint8_t> body);

}  // namespace crypto
