#pragma once
// A keyed group's serves, sealed under the group key (serve_info.sealed):
// the route stores and forwards each serve's name, ip, port and info as an
// opaque blob it cannot read or alter; only vnets of the group open them.
//
//   key       = crypto_kdf subkey 4 ("vnetlink") of the group's master
//               (group_keys::seal_key, apart from the psk and the mac key)
//   plaintext = str name || str ip || u16be port || str info
//               (str: u16be length, then the bytes)
//   sealed    = nonce[24] || XChaCha20-Poly1305(key, nonce, plaintext,
//               AD = "vnet-serve-v6" || u16be serveid if static, else 0)
//               (a random nonce: one key seals many)
//
// A static serveid (500-999) is never changed by the route, so it is bound:
// a description listed under another serveid does not open. A dynamic one
// may be replaced on conflict, so a route could swap two dynamic serves'
// descriptions within a group; links stay bound to the serveid the user
// asked for (crypto/link_cipher.hpp).
#include "crypto/secret.hpp"
#include "protocol/messages.hpp"

namespace crypto {

// For a keyed group: `plain` with name, ip, port and info moved into
// `sealed`. For a group without a key: `plain` unchanged.
protocol::serve_info seal_serve(const group_keys& group, protocol::serve_info plain);

// For a keyed group: fills name, ip, port and info from `sealed` and clears
// it; false (and every one of them empty) when it does not open under this
// group's key and serveid, or was not sealed. For a group without a key:
// true, nothing changed.
bool open_serve(const group_keys& group, protocol::serve_info& serve);

// Opens every serve listed in a serve_list, serve_list_update or
// serve_query_result; the count that did not open (0 for other messages).
std::size_t open_serves(const group_keys& group, protocol::message& m);

}  // namespace crypto
