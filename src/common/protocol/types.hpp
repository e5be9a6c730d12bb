#pragma once
// What every protocol message shares: the protocol version, the frame's
// magic and type tag, and the fixed-size key and proof fields.
#include <array>
#include <cstdint>

namespace protocol {

// 2: queries (serve_query, vnet_query), vnet_rename and unserve. A version-1
// peer would reject those mid-session, so the mismatch is caught at hello.
// 3: serve_list_update. The route sends a group's serve list whole once per
// session and then only its changes; a version-2 vnet would reject them.
// 4: control sessions in TLS, admission proof, link keys, one-time link
// tickets, links encrypted end to end (docs/protocol.md).
// 5: pooled links (link_pool, link_bind, link_assign), and the serving vnet
// answers every link with link_result before its hello.
// 6: link records through OpenSSL's AEAD (ChaCha20-Poly1305, or AES-256-GCM
// when both ends have AES instructions, negotiated in the link hellos), an
// authenticated early record before the serving vnet dials, and the serveid
// and link id bound into the link's keys (crypto/link_cipher.hpp); a keyed
// group joined by a signature of the TLS session under a key pair derived
// from the group key (control_hello.proof, crypto/group_proof.hpp).
// 7: link records padded to size buckets inside the AEAD (crypto/record_padding.hpp).
inline constexpr std::uint16_t version = 7;
inline constexpr char magic[] = "VNET";  // first 4 bytes of every opening frame

// A message's type tag, the u16 in its frame header. Each message struct
// names its own (`tag`, with `type_name` for logs); everything that maps tags
// to messages walks the variant `message` (protocol/messages.hpp), so a new
// message is added in one place: its struct, then the variant.
enum class type : std::uint16_t {};

using key32 = std::array<std::uint8_t, 32>;
using proof16 = std::array<std::uint8_t, 16>;
using sig64 = std::array<std::uint8_t, 64>;  // an Ed25519 signature
// A use side's link secret sealed for the serving vnet (crypto::seal_link_secret):
// 32 bytes of ciphertext and a 16-byte tag.
using sealed48 = std::array<std::uint8_t, 48>;

// What a pooled link is for (link_pool.role).
enum class pool_role : std::uint8_t { use = 1, serve = 2 };

}  // namespace protocol
