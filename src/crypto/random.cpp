#include "crypto/random.hpp"

#include <sodium.h>

#include <array>

#include "crypto/secret.hpp"

namespace crypto {
namespace {

template <std::size_t N>
std::uint64_t big_endian(const std::array<std::uint8_t, N>& b) {
  std::uint64_t v = 0;
  for (auto x : b) v = v << 8 | x;
  return v;
}

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
  init();
  randombytes_buf(out.data(), out.size());
}

protocol::key32 random_key() {
  protocol::key32 k;
  random_bytes(k);
  return k;
}

std::uint64_t random_u64() {
  std::array<std::uint8_t, 8> b;
  random_bytes(b);
  return big_endian(b);
}

std::uint32_t random_u32() {
  std::array<std::uint8_t, 4> b;
  random_bytes(b);
  return static_cast<std::uint32_t>(big_endian(b));
}

}  // namespace crypto
