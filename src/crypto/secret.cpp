#include "crypto/secret.hpp"

#include "crypto/group_proof.hpp"
#include "crypto/hasher.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace crypto {
namespace {

proof16 first16(hasher& h) {
  key32 full;
  h.finish(full);
  proof16 p;
  std::copy_n(full.begin(), p.size(), p.begin());
  return p;
}

}  // namespace

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to start");
}

std::string generate_secret() {
  key32 k = random_key();
  std::string out(sodium_base64_ENCODED_LEN(k.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), k.data(), k.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  wipe(k);
  return out;
}

group_keys derive_group(std::string_view group, std::string_view group_key) {
  init();
  group_keys g;
  if (group_key.empty()) {
    g.wire_group = std::string(group);
    return g;
  }
  key32 salt_full;
  hasher({}, salt_full.size()).add("vnet-group-salt-v1").add(group).finish(salt_full);
  static_assert(crypto_pwhash_SALTBYTES == 16);
  key32 master;
  if (crypto_pwhash(master.data(), master.size(), group_key.data(), group_key.size(), salt_full.data(),
                    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("deriving the group key: Argon2id could not get its 64 MiB of memory");
  static_assert(crypto_kdf_KEYBYTES == 32);
  crypto_kdf_derive_from_key(g.psk.data(), g.psk.size(), 1, "vnetlink", master.data());
  crypto_kdf_derive_from_key(g.mac_key.data(), g.mac_key.size(), 2, "vnetlink", master.data());
  crypto_kdf_derive_from_key(g.seal_key.data(), g.seal_key.size(), 4, "vnetlink", master.data());
  key32 seed;
  static_assert(crypto_sign_SEEDBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64);
  crypto_kdf_derive_from_key(seed.data(), seed.size(), 3, "vnetlink", master.data());
  crypto_sign_seed_keypair(g.join_pub.data(), g.join_secret.data(), seed.data());
  wipe(seed);
  g.wire_group = keyed_group_id(g.join_pub);
  g.keyed = true;
  wipe(master);
  return g;
}

proof16 open_proof(const key32& ticket_secret, std::uint64_t ticket_id, std::uint16_t serveid) {
  hasher h(ticket_secret, 32);
  h.add("vnet-open").add_u64(ticket_id).add_u16(serveid);
  return first16(h);
}

proof16 join_proof(const key32& link_secret, std::uint64_t link_id) {
  hasher h(link_secret, 32);
  h.add("vnet-join").add_u64(link_id);
  return first16(h);
}

proof16 pool_proof(const key32& ticket_secret, std::uint64_t ticket_id, std::uint8_t role) {
  hasher h(ticket_secret, 32);
  const std::uint8_t r[1] = {role};
  h.add("vnet-pool").add_u64(ticket_id).add(std::span<const std::uint8_t>(r));
  return first16(h);
}

namespace {

key32 assign_key(const key32& pool_secret) {
  key32 k;
  hasher(pool_secret, k.size()).add("vnet-assign").finish(k);
  return k;
}

std::array<std::uint8_t, 10> assign_ad(std::uint64_t link_id, std::uint16_t serveid) {
  std::array<std::uint8_t, 10> ad;
  for (int i = 0; i < 8; ++i) ad[i] = static_cast<std::uint8_t>(link_id >> (8 * (7 - i)));
  ad[8] = static_cast<std::uint8_t>(serveid >> 8);
  ad[9] = static_cast<std::uint8_t>(serveid);
  return ad;
}

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);
static_assert(std::tuple_size_v<protocol::sealed48> ==
              32 + crypto_aead_xchacha20poly1305_ietf_ABYTES);

}  // namespace

protocol::sealed48 seal_link_secret(const key32& pool_secret, std::uint64_t link_id,
                                    std::uint16_t serveid, const key32& use_secret) {
  key32 k = assign_key(pool_secret);
  const auto ad = assign_ad(link_id, serveid);
  const std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
  protocol::sealed48 out;
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, use_secret.data(), use_secret.size(),
                                             ad.data(), ad.size(), nullptr, nonce.data(), k.data());
  wipe(k);
  return out;
}

std::optional<key32> open_link_secret(const key32& pool_secret, std::uint64_t link_id,
                                      std::uint16_t serveid, const protocol::sealed48& sealed) {
  key32 k = assign_key(pool_secret);
  const auto ad = assign_ad(link_id, serveid);
  const std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
  key32 out;
  unsigned long long len = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, sealed.data(),
                                                            sealed.size(), ad.data(), ad.size(),
                                                            nonce.data(), k.data());
  wipe(k);
  if (rc != 0 || len != out.size()) return std::nullopt;
  return out;
}

bool proof_equal(const proof16& a, const proof16& b) {
  init();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

key32 link_key_mac(const key32& mac_key, std::uint32_t key_id, const key32& pub) {
  key32 mac;
  hasher(mac_key, mac.size()).add("vnet-link-key").add_u32(key_id).add(pub).finish(mac);
  return mac;
}

protocol::link_key sign_link_key(const key32& mac_key, std::uint32_t key_id, const key32& pub) {
  return {key_id, pub, link_key_mac(mac_key, key_id, pub)};
}

bool verify_link_key(const key32& mac_key, const protocol::link_key& k) {
  if (k.key_id == 0) return false;
  key32 want = link_key_mac(mac_key, k.key_id, k.pub);
  return sodium_memcmp(want.data(), k.mac.data(), want.size()) == 0;
}

void wipe(std::span<std::uint8_t> secret) {
  init();
  sodium_memzero(secret.data(), secret.size());
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

}  // namespace crypto
