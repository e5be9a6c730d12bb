#pragma once
// The AEAD of link records, through OpenSSL's EVP: ChaCha20-Poly1305 (RFC
// 8439) everywhere, AES-256-GCM when both ends have AES instructions
// (docs/protocol.md, "Link encryption"). Both take a 32-byte key, a 12-byte
// nonce and give a 16-byte tag; a link keeps only its key and counter, the
// cipher contexts are per thread (OpenSSL's context is ~1 KB; 10 000 links
// would hold 10 MB of them).
#include <array>
#include <cstddef>
#include <cstdint>

#include "crypto/secret.hpp"

namespace crypto {

// One cipher suite of the link records; the values are the bits of the use
// hello's offer and the serve hello's choice byte.
enum class suite : std::uint8_t { chacha20_poly1305 = 1, aes256_gcm = 2 };

// A set of suites, as the offer byte: chacha20_poly1305 is always in it.
using suites = std::uint8_t;
inline constexpr suites all_suites = 1 | 2;

// What this machine runs fast: ChaCha20-Poly1305, and AES-256-GCM when the
// CPU has AES and carry-less multiply instructions (AES-NI + PCLMULQDQ,
// or ARMv8 AES + PMULL). VNET_TEST_NO_AES=1 in the environment (a test-only
// switch) leaves AES out, as on a CPU without them.
suites local_suites();

// The serve side's pick from the use side's offer and its own: AES-256-GCM
// only when both run it fast.
suite choose_suite(suites offer, suites local);

const char* suite_name(suite s);

using nonce12 = std::array<std::uint8_t, 12>;
inline constexpr std::size_t aead_tag = 16;

// In place over data[0, n): seals (writes the tag) or opens (checks the tag;
// false when it does not authenticate: the bytes are then garbage).
bool aead_seal(suite s, const key32& key, const nonce12& nonce, std::uint8_t* data, std::size_t n,
               std::uint8_t* tag);
bool aead_open(suite s, const key32& key, const nonce12& nonce, std::uint8_t* data, std::size_t n,
               const std::uint8_t* tag);

}  // namespace crypto
