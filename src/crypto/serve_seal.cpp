#include "crypto/serve_seal.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <vector>

#include "protocol/wire.hpp"

namespace crypto {
namespace {

constexpr char seal_ad[] = "vnet-serve-v6";
constexpr std::uint16_t first_static_serveid = 500;  // 500-999: never changed by the route
constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t tag_size = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(nonce_size + tag_size == protocol::sealed_overhead);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

// The label, then the serveid when it is static (the route never changes
// one), else 0: the receiver knows which from the serveid listed.
std::array<std::uint8_t, sizeof seal_ad - 1 + 2> ad_of(std::uint16_t serveid) {
  std::array<std::uint8_t, sizeof seal_ad - 1 + 2> ad{};
  std::copy_n(seal_ad, sizeof seal_ad - 1, ad.begin());
  const std::uint16_t bound = serveid >= first_static_serveid ? serveid : 0;
  ad[ad.size() - 2] = static_cast<std::uint8_t>(bound >> 8);
  ad[ad.size() - 1] = static_cast<std::uint8_t>(bound);
  return ad;
}

void clear_plain(protocol::serve_info& s) {
  s.name.clear();
  s.ip.clear();
  s.port = 0;
  s.info.clear();
}

}  // namespace

protocol::serve_info seal_serve(const group_keys& group, protocol::serve_info plain) {
  if (!group.keyed) return plain;
  init();
  std::vector<std::uint8_t> text;
  protocol::writer w(text);
  w.str(plain.name);
  w.str(plain.ip);
  w.u16(plain.port);
  w.str(plain.info);
  std::string sealed(nonce_size + text.size() + tag_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(out, nonce_size);
  unsigned long long len = 0;
  const auto ad = ad_of(plain.serveid);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + nonce_size, &len, text.data(), text.size(), ad.data(),
                                             ad.size(), nullptr, out, group.seal_key.data());
  wipe(text);
  clear_plain(plain);
  plain.sealed = std::move(sealed);
  return plain;
}

bool open_serve(const group_keys& group, protocol::serve_info& serve) {
  if (!group.keyed) return true;
  const std::string sealed = std::move(serve.sealed);
  serve.sealed.clear();
  clear_plain(serve);  // what the route may have put in plain is not the group's word
  if (sealed.size() < nonce_size + tag_size) return false;
  init();
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::vector<std::uint8_t> text(sealed.size() - nonce_size - tag_size);
  unsigned long long len = 0;
  const auto ad = ad_of(serve.serveid);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(text.data(), &len, nullptr, in + nonce_size,
                                                 sealed.size() - nonce_size, ad.data(), ad.size(), in,
                                                 group.seal_key.data()) != 0)
    return false;
  protocol::reader r(text);
  protocol::serve_info opened = serve;
  opened.name = r.str();
  opened.ip = r.str();
  opened.port = r.u16();
  opened.info = r.str();
  const bool whole = r.ok() && r.at_end();
  wipe(text);
  if (!whole) return false;
  serve = std::move(opened);
  return true;
}

std::size_t open_serves(const group_keys& group, protocol::message& m) {
  std::size_t failed = 0;
  auto open_all = [&](std::vector<protocol::listed_serve>& list) {
    for (auto& s : list)
      if (!open_serve(group, s.serve)) ++failed;
  };
  if (auto* l = std::get_if<protocol::serve_list>(&m)) open_all(l->serves);
  else if (auto* u = std::get_if<protocol::serve_list_update>(&m)) open_all(u->changed);
  else if (auto* q = std::get_if<protocol::serve_query_result>(&m)) open_all(q->list.serves);
  return failed;
}

}  // namespace crypto
