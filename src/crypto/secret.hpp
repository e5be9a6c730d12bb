#pragma once
// The small secrets of protocols 4 and 5, all from libsodium: random tokens
// (drawn from crypto/random.hpp), the group derivation (what the route sees
// of a group, and the group's psk and mac key), the proofs of tickets
// (link_open, link_join) and the mac of a link key. Pure functions of bytes,
// no I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/random.hpp"  // every secret here starts as random bytes
#include "protocol/messages.hpp"

namespace crypto {

using key32 = protocol::key32;
using proof16 = protocol::proof16;

// libsodium's own setup; every function here calls it, so callers need not
// (it is cheap after the first time). Throws if the library cannot start.
void init();

// 32 random bytes as unpadded base64url (43 characters): `route --gen-token`
// and `vnet --gen-key`.
std::string generate_secret();

// What a vnet derives from its [vnet] group and group_key.
struct group_keys {
  std::string wire_group;  // the group the route sees
  key32 psk{};             // mixed into every link key (all zero without a key)
  key32 mac_key{};         // signs the vnet's link keys (all zero without a key)
  key32 seal_key{};        // seals the group's serves (crypto/serve_seal.hpp; zero without a key)
  // The Ed25519 key pair whose public half names the group at the route and
  // whose signature proves the key when joining (crypto/group_proof.hpp).
  key32 join_pub{};
  std::array<std::uint8_t, 64> join_secret{};
  bool keyed = false;
};

// Without a key (empty group_key): the wire group is the name itself, psk and
// mac_key are zero. With one: master = Argon2id(group_key, salt from the
// name) (crypto_pwhash, INTERACTIVE limits: ~64 MiB and a fraction of a
// second, once per configuration), psk and mac_key = crypto_kdf subkeys 1
// and 2, the join key pair from subkey 3, seal_key = subkey 4, and the wire group = "k-" + 32 hex
// digits of a hash of its public half (crypto/group_proof.hpp). Throws
// std::runtime_error if Argon2id cannot get its memory.
group_keys derive_group(std::string_view group, std::string_view group_key);

// link_open.proof: first 16 bytes of BLAKE2b-256(key = ticket secret,
// "vnet-open" || u64be ticket_id || u16be serveid).
proof16 open_proof(const key32& ticket_secret, std::uint64_t ticket_id, std::uint16_t serveid);
// link_join.proof: first 16 bytes of BLAKE2b-256(key = link_secret,
// "vnet-join" || u64be link_id).
proof16 join_proof(const key32& link_secret, std::uint64_t link_id);
// link_pool.proof: first 16 bytes of BLAKE2b-256(key = ticket secret,
// "vnet-pool" || u64be ticket_id || u8 role).
proof16 pool_proof(const key32& ticket_secret, std::uint64_t ticket_id, std::uint8_t role);
// Constant time: the route compares proofs it is sent with this.
bool proof_equal(const proof16& a, const proof16& b);

// link_key.mac = BLAKE2b-256(key = mac_key, "vnet-link-key" || u32be key_id || pub).
key32 link_key_mac(const key32& mac_key, std::uint32_t key_id, const key32& pub);
protocol::link_key sign_link_key(const key32& mac_key, std::uint32_t key_id, const key32& pub);
// Constant time. False also for key_id 0 (no key listed).
bool verify_link_key(const key32& mac_key, const protocol::link_key& k);

// link_assign.sealed: the use side's link secret for the serving vnet, on a
// plain TCP link. XChaCha20-Poly1305-IETF with key = BLAKE2b-256(key =
// pool_secret, "vnet-assign"), a zero nonce (the key seals once: one ticket,
// one pooled link, one assignment) and AD = u64be link_id || u16be serveid.
// pool_secret: the ticket secret of the serve-role pooled link.
protocol::sealed48 seal_link_secret(const key32& pool_secret, std::uint64_t link_id,
                                    std::uint16_t serveid, const key32& use_secret);
// The use secret, or nullopt when `sealed` does not authenticate under that
// key, link_id and serveid.
std::optional<key32> open_link_secret(const key32& pool_secret, std::uint64_t link_id,
                                      std::uint16_t serveid, const protocol::sealed48& sealed);

// Wipes a secret in place (sodium_memzero: not optimised away).
void wipe(std::span<std::uint8_t> secret);

std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace crypto
