#include "crypto/link_cipher.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/hasher.hpp"
#include "crypto/random.hpp"

namespace crypto {
namespace {

std::uint32_t load_be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

key32 transcript(std::uint32_t key_id, const key32& serve_pub, const key32& e_use_pub) {
  key32 th;
  hasher({}, th.size()).add("vnet-link-v1").add_u32(key_id).add(serve_pub).add(e_use_pub).finish(th);
  return th;
}

key32 up_key(const key32& psk, const key32& link_secret, const key32& es, const key32& th) {
  key32 k;
  hasher(psk, k.size()).add("up").add(link_secret).add(es).add(th).finish(k);
  return k;
}

key32 down_key(const key32& psk, const key32& link_secret, const key32& es, const key32& ee,
               const key32& th, const key32& e_serve_pub) {
  key32 k;
  hasher(psk, k.size()).add("down").add(link_secret).add(es).add(ee).add(th).add(e_serve_pub).finish(k);
  return k;
}

// X25519; false for a low-order point (libsodium refuses an all-zero result).
bool x25519(key32& out, const key32& secret, const key32& pub) {
  return crypto_scalarmult(out.data(), secret.data(), pub.data()) == 0;
}

void ephemeral(key32& secret, key32& pub) {
  random_bytes(secret);
  crypto_scalarmult_base(pub.data(), secret.data());
}

// One record key per direction and link: the handshake's key, bound to the
// salt the sending side chose.
key32 record_key(const key32& key, std::span<const std::uint8_t> salt) {
  key32 k;
  hasher(key, k.size()).add("vnet-records-v5").add(salt).finish(k);
  return k;
}

using nonce12 = std::array<std::uint8_t, 12>;
nonce12 nonce_of(std::uint64_t n) {
  nonce12 out{};
  for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<std::uint8_t>(n >> (8 * (7 - i)));
  return out;
}

// One cipher context per thread, keyed per record: a link keeps only its
// 32-byte key and a counter (OpenSSL's context is ~1 KB).
struct cipher_ctx {
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  cipher_ctx() {
    if (!enc || !dec || EVP_EncryptInit_ex(enc, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex(dec, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1)
      throw std::runtime_error("OpenSSL has no ChaCha20-Poly1305");
  }
  ~cipher_ctx() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
};

// ChaCha20-Poly1305 (RFC 8439) in place over data[0, n): seals (writes the
// tag) or opens (checks it; false when it does not authenticate). Two
// implementations of the one algorithm, the same bytes on the wire: below
// small_record, libsodium's (no per-call setup: a 33-byte record costs ~40% of
// OpenSSL's keyed EVP call); from there on OpenSSL's (2.3x libsodium's at 64 KiB).
inline constexpr std::size_t small_record = 1024;

bool aead(bool seal, const key32& key, const nonce12& nonce, std::uint8_t* data, std::size_t n,
          std::uint8_t* tag) {
  if (n < small_record) {
    if (seal)
      return crypto_aead_chacha20poly1305_ietf_encrypt_detached(data, tag, nullptr, data, n, nullptr, 0, nullptr,
                                                                 nonce.data(), key.data()) == 0;
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data, nullptr, data, n, tag, nullptr, 0,
                                                              nonce.data(), key.data()) == 0;
  }
  thread_local cipher_ctx ctx;
  EVP_CIPHER_CTX* c = seal ? ctx.enc : ctx.dec;
  int len = 0;
  if (seal) {
    return EVP_EncryptInit_ex(c, nullptr, nullptr, key.data(), nonce.data()) == 1 &&
           EVP_EncryptUpdate(c, data, &len, data, static_cast<int>(n)) == 1 &&
           EVP_EncryptFinal_ex(c, data + len, &len) == 1 &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(record_tag), tag) == 1;
  }
  return EVP_DecryptInit_ex(c, nullptr, nullptr, key.data(), nonce.data()) == 1 &&
         EVP_DecryptUpdate(c, data, &len, data, static_cast<int>(n)) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(record_tag), tag) == 1 &&
         EVP_DecryptFinal_ex(c, data + len, &len) == 1;
}

}  // namespace

void record_sealer::start(const key32& key, std::span<std::uint8_t, stream_header_size> header) {
  random_bytes(header);
  key_ = record_key(key, header);
  next_ = 0;
}

void record_sealer::seal(std::span<const std::uint8_t> plain, bool final,
                         std::vector<std::uint8_t>& out) {
  if (plain.size() > max_record) throw std::logic_error("record_sealer: record over max_record");
  auto at = out.size();
  out.resize(at + record_prefix + plain.size() + record_overhead);
  std::copy(plain.begin(), plain.end(), out.begin() + static_cast<std::ptrdiff_t>(at + record_prefix + record_flag));
  seal_in_place(std::span<std::uint8_t>(out.data() + at, out.size() - at), final);
}

void record_sealer::seal_in_place(std::span<std::uint8_t> record, bool final) {
  if (record.size() < record_prefix + record_overhead || record.size() > record_prefix + max_ciphertext)
    throw std::logic_error("record_sealer: record size out of bounds");
  std::size_t clen = record.size() - record_prefix;
  store_be32(record.data(), static_cast<std::uint32_t>(clen));
  record[record_prefix] = final ? 1 : 0;
  auto nonce = nonce_of(next_++);
  if (!aead(true, key_, nonce, record.data() + record_prefix, clen - record_tag, record.data() + record.size() - record_tag))
    throw std::runtime_error("record_sealer: the cipher failed");
}

bool record_opener::start(const key32& key, std::span<const std::uint8_t, stream_header_size> header) {
  ended_ = false;
  next_ = 0;
  key_ = record_key(key, header);
  return true;
}

std::size_t record_opener::record_length(std::span<const std::uint8_t, record_prefix> prefix) {
  std::size_t n = load_be32(prefix.data());
  return n == 0 || n > max_ciphertext ? 0 : n;
}

record_opener::result record_opener::open(std::span<const std::uint8_t> ciphertext,
                                          std::vector<std::uint8_t>& plain) {
  if (ended_ || ciphertext.size() < record_overhead || ciphertext.size() > max_ciphertext)
    return result::bad;
  std::vector<std::uint8_t> work(ciphertext.begin(), ciphertext.end());
  auto r = open_in_place(work);
  if (r != result::bad)
    plain.insert(plain.end(), work.begin() + record_flag, work.end() - record_tag);
  return r;
}

record_opener::result record_opener::open_in_place(std::span<std::uint8_t> ciphertext) {
  if (ended_ || ciphertext.size() < record_overhead || ciphertext.size() > max_ciphertext)
    return result::bad;
  auto nonce = nonce_of(next_);
  auto* tag = ciphertext.data() + ciphertext.size() - record_tag;
  if (!aead(false, key_, nonce, ciphertext.data(), ciphertext.size() - record_tag, tag)) {
    ended_ = true;  // a forged or out-of-order record ends the direction
    return result::bad;
  }
  ++next_;
  if (ciphertext[0] == 1) {
    ended_ = true;
    return result::final;
  }
  if (ciphertext[0] != 0) {  // the sealer sends no other flag
    ended_ = true;
    return result::bad;
  }
  return result::data;
}

use_handshake::~use_handshake() {
  for (auto* k : {&psk_, &link_secret_, &e_secret_, &es_}) wipe(*k);
}

std::string use_handshake::start(const group_keys& group, const key32& link_secret,
                                 const protocol::link_key& serve_key, record_sealer& up) {
  if (!verify_link_key(group.mac_key, serve_key))
    return fmt::format("the route listed link key {}, which this group's key did not sign: a different "
                       "group_key, or tampering", serve_key.key_id);
  psk_ = group.psk;
  link_secret_ = link_secret;
  ephemeral(e_secret_, e_pub_);
  if (!x25519(es_, e_secret_, serve_key.pub))
    return fmt::format("link key {} is a low-order point", serve_key.key_id);
  th_ = transcript(serve_key.key_id, serve_key.pub, e_pub_);
  key32 k = up_key(psk_, link_secret_, es_, th_);
  hello_[0] = link_hello_version;
  store_be32(hello_.data() + 1, serve_key.key_id);
  std::copy(e_pub_.begin(), e_pub_.end(), hello_.begin() + 5);
  up.start(k, std::span<std::uint8_t, stream_header_size>(hello_.data() + 37, stream_header_size));
  wipe(k);
  return {};
}

std::string use_handshake::finish(const serve_hello& reply, record_opener& down) {
  key32 e_serve_pub, ee;
  std::copy_n(reply.begin(), 32, e_serve_pub.begin());
  if (!x25519(ee, e_secret_, e_serve_pub)) return "the serve side's ephemeral key is a low-order point";
  key32 k = down_key(psk_, link_secret_, es_, ee, th_, e_serve_pub);
  bool ok = down.start(k, std::span<const std::uint8_t, stream_header_size>(reply.data() + 32, stream_header_size));
  wipe(k);
  wipe(ee);
  wipe(e_secret_);
  return ok ? "" : "the serve side's stream header is invalid";
}

std::string answer_use(const group_keys& group, const key32& link_secret, const use_hello& hello,
                       link_keys& keys, record_opener& up, record_sealer& down, serve_hello& reply) {
  if (hello[0] != link_hello_version)
    return fmt::format("link hello version {} (this vnet speaks {})", hello[0], link_hello_version);
  std::uint32_t key_id = load_be32(hello.data() + 1);
  key32 e_use_pub;
  std::copy_n(hello.begin() + 5, 32, e_use_pub.begin());
  auto opening = keys.accept(key_id, e_use_pub);
  if (!opening.error.empty()) return opening.error;
  key32 es, ee, e_secret, e_pub;
  bool ok = x25519(es, opening.secret, e_use_pub);
  wipe(opening.secret);
  if (!ok) return "the use side's ephemeral key is a low-order point";
  key32 th = transcript(key_id, opening.pub, e_use_pub);
  key32 k_up = up_key(group.psk, link_secret, es, th);
  ok = up.start(k_up, std::span<const std::uint8_t, stream_header_size>(hello.data() + 37, stream_header_size));
  wipe(k_up);
  if (!ok) return "the use side's stream header is invalid";
  ephemeral(e_secret, e_pub);
  ok = x25519(ee, e_secret, e_use_pub);  // cannot fail once es did; checked all the same
  wipe(e_secret);
  if (!ok) return "the use side's ephemeral key is a low-order point";
  key32 k_down = down_key(group.psk, link_secret, es, ee, th, e_pub);
  std::copy(e_pub.begin(), e_pub.end(), reply.begin());
  down.start(k_down, std::span<std::uint8_t, stream_header_size>(reply.data() + 32, stream_header_size));
  wipe(k_down);
  wipe(es);
  wipe(ee);
  return {};
}

}  // namespace crypto
