#include "crypto/link_cipher.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <sodium.h>

#include "crypto/ephemeral_pool.hpp"
#include "crypto/hasher.hpp"
#include "crypto/random.hpp"

namespace crypto {
namespace {

std::uint32_t load_be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

std::uint64_t load_be64(const std::uint8_t* p) {
  return std::uint64_t(load_be32(p)) << 32 | load_be32(p + 4);
}

void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

void store_be64(std::uint8_t* p, std::uint64_t v) {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

// Everything the use side's hello commits to, and the serveid both vnets
// hold for this link: a route that relabels the link (link_bind 700 -> 701)
// or edits the offer gets a different th0 at the serve side.
key32 opening_transcript(std::uint32_t key_id, const key32& serve_pub, const key32& e_use_pub, suites offer,
                         std::uint16_t serveid) {
  key32 th;
  const std::uint8_t offer_byte[1] = {offer};
  hasher({}, th.size())
      .add("vnet-link-v6")
      .add_u32(key_id)
      .add(serve_pub)
      .add(e_use_pub)
      .add(offer_byte)
      .add_u16(serveid)
      .finish(th);
  return th;
}

key32 reply_transcript(const key32& th0, suite chosen, std::uint64_t link_id, const key32& e_serve_pub) {
  key32 th;
  const std::uint8_t choice[1] = {static_cast<std::uint8_t>(chosen)};
  hasher({}, th.size()).add("vnet-link-v6 reply").add(th0).add(choice).add_u64(link_id).add(e_serve_pub).finish(th);
  return th;
}

key32 early_key(const key32& psk, const key32& link_secret, const key32& es, const key32& th0) {
  key32 k;
  hasher(psk, k.size()).add("early").add(link_secret).add(es).add(th0).finish(k);
  return k;
}

key32 direction_key(const char* label, const key32& psk, const key32& link_secret, const key32& es,
                    const key32& ee, const key32& th1) {
  key32 k;
  hasher(psk, k.size()).add(label).add(link_secret).add(es).add(ee).add(th1).finish(k);
  return k;
}

// The next key of a direction: one-way, so a key taken from memory later
// does not open the records before it.
void rekey(key32& key) {
  key32 next;
  hasher(key, next.size()).add("vnet-rekey-v6").finish(next);
  key = next;
  wipe(next);
}

// X25519; false for a low-order point (libsodium refuses an all-zero result).
bool x25519(key32& out, const key32& secret, const key32& pub) {
  return crypto_scalarmult(out.data(), secret.data(), pub.data()) == 0;
}

nonce12 nonce_of(std::uint64_t n) {
  nonce12 out{};
  store_be64(out.data() + 4, n);
  return out;
}

bool known_suite(std::uint8_t s) {
  return s == static_cast<std::uint8_t>(suite::chacha20_poly1305) || s == static_cast<std::uint8_t>(suite::aes256_gcm);
}

}  // namespace

inline constexpr std::uint32_t phase_bit = 0x80000000u;

void record_sealer::start(const key32& key, suite s) {
  key_ = key;
  suite_ = s;
  next_ = 0;
  phase1_ = false;
}

void record_sealer::upgrade(const key32& key, suite s) {
  key_ = key;
  suite_ = s;
  phase1_ = true;
}

void record_sealer::seal(std::span<const std::uint8_t> plain, bool final, std::vector<std::uint8_t>& out) {
  if (plain.size() > max_record) throw std::logic_error("record_sealer: record over max_record");
  auto at = out.size();
  out.resize(at + record_prefix + sealed_length(plain.size()));
  std::copy(plain.begin(), plain.end(), out.begin() + static_cast<std::ptrdiff_t>(at + record_prefix + record_flag));
  seal_in_place(std::span<std::uint8_t>(out.data() + at, out.size() - at), plain.size(), final);
}

std::size_t record_sealer::sealed_length(std::size_t plain) const {
  return (pad_ ? bucket_of(plain) : plain) + record_overhead;
}

std::size_t record_sealer::seal_in_place(std::span<std::uint8_t> room, std::size_t plain, bool final) {
  if (plain > max_record) throw std::logic_error("record_sealer: record over max_record");
  const std::size_t clen = sealed_length(plain);
  if (room.size() < record_prefix + clen) throw std::logic_error("record_sealer: no room for the record");
  if (next_ == rekey_every_) {  // the key's life is over: the next one, counting from 0 again
    rekey(key_);
    next_ = 0;
  }
  auto record = room.first(record_prefix + clen);
  store_be32(record.data(), static_cast<std::uint32_t>(clen) | (phase1_ ? phase_bit : 0));
  record[record_prefix] = final ? 1 : 0;
  const std::size_t data_end = record_prefix + record_flag + plain;
  write_padding(record.subspan(data_end, record.size() - record_tag - data_end));
  auto nonce = nonce_of(next_++);
  if (!aead_seal(suite_, key_, nonce, record.data() + record_prefix, clen - record_tag,
                 record.data() + record.size() - record_tag))
    throw std::runtime_error("record_sealer: the cipher failed");
  return record.size();
}

void record_opener::start(const key32& key, suite s) {
  key_ = key;
  suite_ = s;
  ended_ = false;
  next_ = 0;
  phase1_ = has_next_key_ = false;
}

void record_opener::upgrade(const key32& key, suite s) {
  next_key_ = key;
  next_suite_ = s;
  has_next_key_ = true;
}

std::size_t record_opener::record_length(std::span<const std::uint8_t, record_prefix> prefix) {
  std::size_t n = load_be32(prefix.data()) & ~phase_bit;
  return n < record_overhead || n > max_ciphertext ? 0 : n;
}

record_opener::result record_opener::open(std::span<const std::uint8_t> record, std::vector<std::uint8_t>& plain) {
  if (record.size() < record_prefix) return result::bad;
  auto prefix = record.first<record_prefix>();
  if (record_length(prefix) != record.size() - record_prefix) return result::bad;
  std::vector<std::uint8_t> work(record.begin() + record_prefix, record.end());
  auto r = open_in_place(prefix, work);
  if (r.kind != result::bad) plain.insert(plain.end(), r.plain.begin(), r.plain.end());
  return r.kind;
}

record_opener::opened record_opener::open_in_place(std::span<const std::uint8_t, record_prefix> prefix,
                                                   std::span<std::uint8_t> ciphertext) {
  if (ended_ || ciphertext.size() < record_overhead || ciphertext.size() > max_ciphertext) return {};
  const bool phase1 = (load_be32(prefix.data()) & phase_bit) != 0;
  if (phase1 != phase1_) {  // phase 0 -> 1 once, when the key is there; never back
    if (!phase1 || !has_next_key_) {
      ended_ = true;
      return {};
    }
    key_ = next_key_;
    suite_ = next_suite_;
    wipe(next_key_);
    phase1_ = true;
    has_next_key_ = false;
  }
  if (next_ == rekey_every_) {
    rekey(key_);
    next_ = 0;
  }
  auto nonce = nonce_of(next_);
  auto* tag = ciphertext.data() + ciphertext.size() - record_tag;
  if (!aead_open(suite_, key_, nonce, ciphertext.data(), ciphertext.size() - record_tag, tag)) {
    ended_ = true;  // a forged or out-of-order record ends the direction
    return {};
  }
  ++next_;
  // The sealer sends no other flag, and only well-formed padding: anything
  // else is refused like a forged record.
  auto body = ciphertext.subspan(record_flag, ciphertext.size() - record_flag - record_tag);
  auto pad = padding_of(body);
  if (ciphertext[0] > 1 || !pad) {
    ended_ = true;
    return {};
  }
  opened r{ciphertext[0] == 1 ? result::final : result::data, body.first(body.size() - *pad)};
  if (r.kind == result::final) ended_ = true;
  return r;
}

use_handshake::~use_handshake() {
  for (auto* k : {&psk_, &link_secret_, &e_secret_, &es_}) wipe(*k);
}

outcome::status use_handshake::start(const group_keys& group, const key32& link_secret,
                                 const protocol::link_key& serve_key, std::uint16_t serveid, suites offer,
                                 record_sealer& early) {
  if (!verify_link_key(group.mac_key, serve_key))
    return outcome::fail(fmt::format("the route listed link key {}, which this group's key did not sign: a different "
                       "group_key, or tampering", serve_key.key_id));
  psk_ = group.psk;
  link_secret_ = link_secret;
  offer_ = static_cast<suites>(offer | static_cast<suites>(suite::chacha20_poly1305));
  // e_use and es were made ahead of the connection (crypto/ephemeral_pool.hpp).
  auto opening = ephemeral_pool::process().take_for(serve_key.pub);
  if (!opening) return outcome::fail(fmt::format("link key {} is a low-order point", serve_key.key_id));
  e_secret_ = opening->secret;
  e_pub_ = opening->pub;
  es_ = opening->shared;
  wipe(opening->secret);
  wipe(opening->shared);
  th0_ = opening_transcript(serve_key.key_id, serve_key.pub, e_pub_, offer_, serveid);
  key32 k = early_key(psk_, link_secret_, es_, th0_);
  hello_[0] = link_hello_version;
  hello_[1] = offer_;
  store_be32(hello_.data() + 2, serve_key.key_id);
  std::copy(e_pub_.begin(), e_pub_.end(), hello_.begin() + 6);
  early.start(k, suite::chacha20_poly1305);  // the serve side's suites are not known yet
  wipe(k);
  return outcome::status{};
}

outcome::status use_handshake::finish(const serve_hello& reply, record_sealer& up, record_opener& down) {
  // The choice must be one we offered: anything else is a broken or hostile
  // serve side. A choice changed on the way (AES -> ChaCha) passes this
  // check but not th1: the records then fail.
  if (!known_suite(reply[0]) || !(reply[0] & offer_))
    return outcome::fail(fmt::format("the serve side chose cipher suite {}, which this vnet did not offer", reply[0]));
  chosen_ = static_cast<suite>(reply[0]);
  link_id_ = load_be64(reply.data() + 1);
  key32 e_serve_pub, ee;
  std::copy_n(reply.begin() + 9, 32, e_serve_pub.begin());
  if (!x25519(ee, e_secret_, e_serve_pub)) return outcome::fail("the serve side's ephemeral key is a low-order point");
  key32 th1 = reply_transcript(th0_, chosen_, link_id_, e_serve_pub);
  key32 k_up = direction_key("up", psk_, link_secret_, es_, ee, th1);
  key32 k_down = direction_key("down", psk_, link_secret_, es_, ee, th1);
  up.upgrade(k_up, chosen_);
  down.start(k_down, chosen_);
  for (auto* k : {&k_up, &k_down, &ee, &e_secret_}) wipe(*k);
  return outcome::status{};
}

serve_handshake::~serve_handshake() {
  for (auto* k : {&psk_, &link_secret_, &es_}) wipe(*k);
}

outcome::status serve_handshake::start(const group_keys& group, const key32& link_secret, std::uint16_t serveid,
                                   const use_hello& hello, link_keys& keys, record_opener& early) {
  if (hello[0] != link_hello_version)
    return outcome::fail(fmt::format("link hello version {} (this vnet speaks {})", hello[0], link_hello_version));
  offer_ = hello[1];
  if (!(offer_ & static_cast<suites>(suite::chacha20_poly1305)) || (offer_ & ~all_suites))
    return outcome::fail(fmt::format("the use side offered cipher suites {:#x}, without ChaCha20-Poly1305 or with unknown ones",
                       offer_));
  std::uint32_t key_id = load_be32(hello.data() + 2);
  std::copy_n(hello.begin() + 6, 32, e_use_pub_.begin());
  auto accepted = keys.accept(key_id, e_use_pub_);
  if (!accepted) return outcome::fail(accepted.why());
  auto& opening = *accepted;
  bool ok = x25519(es_, opening.secret, e_use_pub_);
  wipe(opening.secret);
  if (!ok) return outcome::fail("the use side's ephemeral key is a low-order point");
  psk_ = group.psk;
  link_secret_ = link_secret;
  th0_ = opening_transcript(key_id, opening.pub, e_use_pub_, offer_, serveid);
  key32 k = early_key(psk_, link_secret_, es_, th0_);
  early.start(k, suite::chacha20_poly1305);
  wipe(k);
  return outcome::status{};
}

void serve_handshake::finish(std::uint64_t link_id, suites local, record_opener& up, record_sealer& down,
                             serve_hello& reply) {
  chosen_ = choose_suite(offer_, local);
  ephemeral_pair e = ephemeral_pool::process().take();  // made ahead of the connection
  key32 e_secret = e.secret, e_pub = e.pub, ee;
  wipe(e.secret);
  // Cannot fail: es was computed on the same e_use.pub (checked all the same).
  if (!x25519(ee, e_secret, e_use_pub_)) throw std::logic_error("serve_handshake: low-order point after es");
  wipe(e_secret);
  key32 th1 = reply_transcript(th0_, chosen_, link_id, e_pub);
  key32 k_up = direction_key("up", psk_, link_secret_, es_, ee, th1);
  key32 k_down = direction_key("down", psk_, link_secret_, es_, ee, th1);
  up.upgrade(k_up, chosen_);
  down.start(k_down, chosen_);
  reply[0] = static_cast<std::uint8_t>(chosen_);
  store_be64(reply.data() + 1, link_id);
  std::copy(e_pub.begin(), e_pub.end(), reply.begin() + 9);
  for (auto* k : {&k_up, &k_down, &ee, &es_}) wipe(*k);
}

}  // namespace crypto
