#include "crypto/record_padding.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace crypto {

std::size_t bucket_of(std::size_t plain) {
  if (plain <= largest_power_bucket) return std::bit_ceil(std::max(plain, smallest_bucket));
  // Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files
  // and Communication with PURBs", 2019): keep the top bits of the size
  // only, floor(log2 e) + 1 of them where e = floor(log2 size).
  const int e = std::bit_width(plain) - 1;
  const int s = std::bit_width(static_cast<unsigned>(e));
  const std::size_t mask = (std::size_t{1} << (e - s)) - 1;
  return (plain + mask) & ~mask;
}

bool padding_wanted() {
  static const bool wanted = [] {
    const char* v = std::getenv("VNET_TEST_NO_PADDING");
    return !(v && *v && std::strcmp(v, "0") != 0);
  }();
  return wanted;
}

void write_padding(std::span<std::uint8_t> tail) {
  if (tail.size() < record_pad_field || tail.size() - record_pad_field > 0xffff)
    throw std::logic_error("write_padding: padding out of bounds");
  const std::size_t zeros = tail.size() - record_pad_field;
  std::fill_n(tail.begin(), zeros, std::uint8_t{0});
  tail[zeros] = static_cast<std::uint8_t>(zeros >> 8);
  tail[zeros + 1] = static_cast<std::uint8_t>(zeros);
}

outcome::result<std::size_t> padding_of(std::span<const std::uint8_t> body) {
  if (body.size() < record_pad_field) return outcome::fail("a record too short for its padding count");
  const std::size_t zeros = std::size_t(body[body.size() - 2]) << 8 | body[body.size() - 1];
  if (zeros > body.size() - record_pad_field) return outcome::fail("a record's padding is longer than the record");
  auto pad = body.subspan(body.size() - record_pad_field - zeros, zeros);
  // Zeros only: the sealer writes nothing else, so anything else is not ours.
  if (std::any_of(pad.begin(), pad.end(), [](std::uint8_t b) { return b != 0; }))
    return outcome::fail("a record's padding is not all zeros");
  return zeros + record_pad_field;
}

}  // namespace crypto
