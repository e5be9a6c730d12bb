#include "crypto/group_proof.hpp"

#include "crypto/hasher.hpp"

#include <sodium.h>

#include <algorithm>

namespace crypto {
namespace {

constexpr char join_label[] = "vnet-group-join-v6";

// What the signature covers: a label, then the exported bytes.
std::array<std::uint8_t, sizeof join_label - 1 + 32> signed_bytes(const exported32& exported) {
  std::array<std::uint8_t, sizeof join_label - 1 + 32> m{};
  std::copy_n(join_label, sizeof join_label - 1, m.begin());
  std::copy(exported.begin(), exported.end(), m.begin() + (sizeof join_label - 1));
  return m;
}

bool all_zero(std::span<const std::uint8_t> b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

}  // namespace

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64);

std::string keyed_group_id(const key32& pub) {
  std::array<std::uint8_t, 16> id;
  hasher({}, id.size()).add("vnet-group-id-v6").add(pub).finish(id);
  return "k-" + hex(id);
}

bool looks_keyed(std::string_view group) {
  if (group.size() != 2 + 32 || group.substr(0, 2) != "k-") return false;
  return std::all_of(group.begin() + 2, group.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

protocol::group_proof prove_group(const group_keys& group, const exported32& exported) {
  protocol::group_proof p;
  if (!group.keyed) return p;
  init();
  const auto m = signed_bytes(exported);
  p.pub = group.join_pub;
  crypto_sign_detached(p.sig.data(), nullptr, m.data(), m.size(), group.join_secret.data());
  return p;
}

outcome::status check_group_proof(std::string_view group, const protocol::group_proof& proof,
                                  const exported32& exported) {
  init();
  if (all_zero(proof.pub)) {
    if (looks_keyed(group))
      return outcome::fail("this group has a group_key: joining it needs proof of the key, and none was sent");
    return {};
  }
  if (keyed_group_id(proof.pub) != group)
    return outcome::fail("the proof of the group key is not for the group asked for");
  const auto m = signed_bytes(exported);
  if (crypto_sign_verify_detached(proof.sig.data(), m.data(), m.size(), proof.pub.data()) != 0)
    return outcome::fail("wrong proof of the group key: this vnet does not hold the group's group_key");
  return {};
}

}  // namespace crypto
