#pragma once
// A keyed group's proof of its key to the route (control_hello.proof): the
// route admits a vnet into a keyed group only when it proves the group key,
// and can check that proof without being able to make one.
//
//   seed      = crypto_kdf subkey 3 ("vnetlink") of the group's Argon2id master
//   (pub, sk) = Ed25519 key pair from seed (crypto_sign_seed_keypair)
//   wire group = "k-" + hex(BLAKE2b-128("vnet-group-id-v6" || pub))
//   proof     = pub, Ed25519(sk, "vnet-group-join-v6" || 32 bytes exported
//               from the control session's TLS with "EXPORTER-vnet-group")
//
// The route learns pub (public) and keeps the wire group; a signature binds
// one TLS session, so one seen in a log or on another session is worthless.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret.hpp"
#include "outcome/result.hpp"

namespace crypto {

// The TLS exporter label of the proof's input (net::tls::group_exporter).
inline constexpr char group_exporter_label[] = "EXPORTER-vnet-group";
using exported32 = std::array<std::uint8_t, 32>;

// "k-" and 32 lowercase hex digits: the wire group of a keyed group.
std::string keyed_group_id(const key32& pub);
// Whether `group` has the form of a keyed group's wire group: the route
// refuses such a group without a proof, so no vnet without the key can pose
// as a member of one.
bool looks_keyed(std::string_view group);

// The proof a keyed vnet sends; all zero for a group without a key.
protocol::group_proof prove_group(const group_keys& group, const exported32& exported);

// The route's check of a hello's group and proof: fine for a group without a
// key (no proof, a group that does not look keyed); otherwise the proof must
// name the group and sign `exported`. The words say what is missing, for the
// vnet and the route's log, and never echo the group.
outcome::status check_group_proof(std::string_view group, const protocol::group_proof& proof,
                                  const exported32& exported);

}  // namespace crypto
