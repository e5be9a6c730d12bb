#pragma once
// BLAKE2b (crypto_generichash) over several parts: the one hash of every
// derivation in crypto/. Internal to vnet_crypto.
#include <sodium.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/secret.hpp"

namespace crypto {

// An input of several parts, hashed in one go: domain label first, then the
// fixed-size fields, so no two inputs of one kind can collide by shifting a
// boundary.
class hasher {
 public:
  hasher(std::span<const std::uint8_t> key, std::size_t out_len) : out_len_(out_len) {
    crypto::init();
    crypto_generichash_init(&st_, key.data(), key.size(), out_len);
  }
  hasher& add(std::string_view s) {
    crypto_generichash_update(&st_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    return *this;
  }
  hasher& add(std::span<const std::uint8_t> b) {
    crypto_generichash_update(&st_, b.data(), b.size());
    return *this;
  }
  hasher& add_u64(std::uint64_t v) { return add_be(v, 8); }
  hasher& add_u32(std::uint32_t v) { return add_be(v, 4); }
  hasher& add_u16(std::uint16_t v) { return add_be(v, 2); }
  void finish(std::span<std::uint8_t> out) {
    crypto_generichash_final(&st_, out.data(), out_len_);
  }

 private:
  hasher& add_be(std::uint64_t v, int bytes) {
    std::uint8_t b[8];
    for (int i = 0; i < bytes; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * (bytes - 1 - i)));
    crypto_generichash_update(&st_, b, static_cast<unsigned long long>(bytes));
    return *this;
  }
  crypto_generichash_state st_;
  std::size_t out_len_;
};

}  // namespace crypto
