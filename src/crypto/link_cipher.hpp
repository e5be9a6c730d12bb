#pragma once
// The end-to-end encryption of one link, as pure byte functions: the two
// hellos, the key schedule and the record layer (docs/protocol.md, "Link
// encryption", protocol 7).
//
//   use side  -> 38 bytes, then at once one early record (0-RTT):
//                u8 3 | u8 offer | u32be key_id | e_use.pub[32]
//   serve side -> 41 bytes after opening the early record, then records:
//                u8 choice | u64be link_id | e_serve.pub[32]
//
//   th0     = BLAKE2b-256("vnet-link-v6" || u32be key_id || S.pub || e_use.pub || u8 offer || u16be serveid)
//   es      = X25519(e_use, S)
//   k_early = BLAKE2b-256(key = psk, "early" || link_secret || es || th0)
//   ee      = X25519(e_serve, e_use)
//   th1     = BLAKE2b-256("vnet-link-v6 reply" || th0 || u8 choice || u64be link_id || e_serve.pub)
//   k_up    = BLAKE2b-256(key = psk, "up" || link_secret || es || ee || th1)
//   k_down  = BLAKE2b-256(key = psk, "down" || link_secret || es || ee || th1)
//
// The early record (always sent, perhaps empty) is ChaCha20-Poly1305 under
// k_early: the serving vnet opens it before it dials anything, so an opening
// without the group's psk, the ticket's link secret, the serve's key or the
// right serveid reaches no service. All later records use the chosen suite
// (crypto/aead.hpp) under k_up / k_down, which bind the offer and the choice:
// a route that strips AES from the offer or flips the choice breaks the keys.
//
// The use side's records go on under k_early (0-RTT) until the serve hello
// comes, then under k_up on the chosen suite; the top bit of the length
// prefix says which (0 early, 1 k_up; once 1, never 0 again), and the record
// number runs on across the change, so a record dropped at it still fails.
//
// Records: u32be (key phase << 31 | ciphertext length), then AEAD(u8 flag
// (0 data, 1 FINAL) || at most max_record plaintext bytes || zero bytes ||
// u16be their count) || 16-byte tag, padded to a size bucket
// (crypto/record_padding.hpp), nonce = 4 zero bytes || u64be record number:
// a record dropped, reordered or replayed fails; FINAL ends a direction (EOF
// without it is an error).
// After rekey_records records a direction's key becomes
// BLAKE2b-256(key = k, "vnet-rekey-v6") and the count starts again, on both
// ends at once (no signal on the wire).
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "outcome/result.hpp"
#include "crypto/aead.hpp"
#include "crypto/link_keys.hpp"
#include "crypto/record_padding.hpp"
#include "crypto/secret.hpp"

namespace crypto {

inline constexpr std::uint8_t link_hello_version = 3;  // 3: padded records (protocol 7)
inline constexpr std::size_t use_hello_size = 1 + 1 + 4 + 32;   // 38
inline constexpr std::size_t serve_hello_size = 1 + 8 + 32;     // 41
using use_hello = std::array<std::uint8_t, use_hello_size>;
using serve_hello = std::array<std::uint8_t, serve_hello_size>;

// Plaintext bytes in one record: measured (docs/performance.md, "Record size");
// a power of two, so a full record is a padding bucket of its own.
inline constexpr std::size_t max_record = 64 * 1024;
inline constexpr std::size_t record_flag = 1;            // sealed in front of the plaintext
inline constexpr std::size_t record_tag = aead_tag;      // Poly1305 or GHASH
// The least a record adds to its data: flag, padding count, tag.
inline constexpr std::size_t record_overhead = record_flag + record_pad_field + record_tag;  // 19
inline constexpr std::size_t max_early = 16 * 1024;  // the client's first bytes, sent 0-RTT
inline constexpr std::size_t record_prefix = 4;  // u32be ciphertext length
inline constexpr std::size_t max_ciphertext = max_record + record_overhead;
static_assert(std::has_single_bit(max_record), "a full record is a padding bucket");

// Records under one key before the next key: 2^22 records of 64 KiB are
// 2^36 AES blocks, where AES-GCM's distinguishing bound stays under 2^-56
// (TLS 1.3 stops at 2^24.5 records of 16 KiB for the same margin); far
// below ChaCha20-Poly1305's 2^64 nonces.
inline constexpr std::uint64_t rekey_records = std::uint64_t(1) << 22;

// The sending half of one direction.
class record_sealer {
 public:
  record_sealer() = default;
  ~record_sealer() { wipe(key_); }
  record_sealer(const record_sealer&) = delete;
  record_sealer& operator=(const record_sealer&) = delete;

  void start(const key32& key, suite s);
  // The use side's move from k_early to k_up: later records carry key phase
  // 1; the record number runs on.
  void upgrade(const key32& key, suite s);
  // Appends one record (prefix and ciphertext) to `out`. plain.size() <= max_record.
  void seal(std::span<const std::uint8_t> plain, bool final, std::vector<std::uint8_t>& out);
  // The ciphertext length (tag included) of a record of `plain` bytes: its
  // size bucket plus record_overhead, or plain + record_overhead with padding off.
  std::size_t sealed_length(std::size_t plain) const;
  // Seals in place: `room` holds record_prefix + record_flag bytes, then the
  // `plain` bytes of plaintext (<= max_record), then room for the padding and
  // the tag (record_prefix + sealed_length(plain) bytes in all). Returns the
  // record's length (record_prefix + sealed_length(plain)).
  std::size_t seal_in_place(std::span<std::uint8_t> room, std::size_t plain, bool final);

  // Tests: a shorter key life, to see the rekey happen.
  void set_rekey_interval(std::uint64_t records) { rekey_every_ = records; }
  // Tests and measurements: records of their exact size (the receiver takes both).
  void set_padding(bool on) { pad_ = on; }

 private:
  key32 key_{};
  suite suite_ = suite::chacha20_poly1305;
  std::uint64_t next_ = 0;
  std::uint64_t rekey_every_ = rekey_records;
  bool phase1_ = false;
  bool pad_ = padding_wanted();
};

// The receiving half of one direction.
class record_opener {
 public:
  record_opener() = default;
  ~record_opener() {
    wipe(key_);
    wipe(next_key_);
  }
  record_opener(const record_opener&) = delete;
  record_opener& operator=(const record_opener&) = delete;

  void start(const key32& key, suite s);
  // The key of key phase 1 (the serve side's k_up), taken at the first
  // record that carries that phase.
  void upgrade(const key32& key, suite s);
  void set_rekey_interval(std::uint64_t records) { rekey_every_ = records; }

  // The ciphertext length a record prefix announces; 0 when it is out of
  // bounds (under record_overhead or over max_ciphertext): checked before
  // anything is read or allocated for it.
  static std::size_t record_length(std::span<const std::uint8_t, record_prefix> prefix);

  enum class result { data, final, bad };
  struct opened {
    result kind = result::bad;
    std::span<std::uint8_t> plain;  // the data, inside the ciphertext's bytes (empty when bad)
  };
  // Opens one whole record (prefix and ciphertext) and appends its plaintext
  // to `plain`; `bad` (nothing appended) when it fails authentication, its
  // length does not match, its padding is malformed, it comes out of order,
  // or after the final record.
  result open(std::span<const std::uint8_t> record, std::vector<std::uint8_t>& plain);
  // Opens one record in place (its prefix, then its ciphertext of
  // record_length(prefix) bytes): on `data` or `final`, `plain` is its data
  // (padding removed). On `bad` the bytes are garbage and none may be used.
  opened open_in_place(std::span<const std::uint8_t, record_prefix> prefix, std::span<std::uint8_t> ciphertext);

 private:
  key32 key_{}, next_key_{};
  suite suite_ = suite::chacha20_poly1305, next_suite_ = suite::chacha20_poly1305;
  std::uint64_t next_ = 0;
  std::uint64_t rekey_every_ = rekey_records;
  bool ended_ = false;
  bool phase1_ = false, has_next_key_ = false;
};

// The use side: start() right after link_open (the hello and the early
// record go out at once), finish() with the serve side's hello.
class use_handshake {
 public:
  use_handshake() = default;
  ~use_handshake();
  use_handshake(const use_handshake&) = delete;
  use_handshake& operator=(const use_handshake&) = delete;

  // Checks the serve key (signed by the group's mac key, not a low-order
  // point), makes the hello (offering `offer`) and starts `early` on k_early;
  // or why not.
  outcome::status start(const group_keys& group, const key32& link_secret, const protocol::link_key& serve_key,
                    std::uint16_t serveid, suites offer, record_sealer& early);
  const use_hello& hello() const { return hello_; }
  // Derives k_up and k_down from the serve hello, moves `up` (to write) to
  // k_up and starts `down` (to read); or why not.
  outcome::status finish(const serve_hello& reply, record_sealer& up, record_opener& down);
  suite chosen() const { return chosen_; }
  std::uint64_t link_id() const { return link_id_; }

 private:
  use_hello hello_{};
  suites offer_ = 0;
  suite chosen_ = suite::chacha20_poly1305;
  std::uint64_t link_id_ = 0;
  key32 psk_{}, link_secret_{}, e_secret_{}, e_pub_{}, es_{}, th0_{};
};

// The serve side: start() on the use hello finds the link key (refusing an
// unknown id or a replayed ephemeral, keys.accept) and starts `early` on
// k_early, to open the early records with; finish() once the first opened
// picks the suite, derives both keys, gives `up` (to read) k_up for key
// phase 1, starts `down` (to write) and fills `reply`.
class serve_handshake {
 public:
  serve_handshake() = default;
  ~serve_handshake();
  serve_handshake(const serve_handshake&) = delete;
  serve_handshake& operator=(const serve_handshake&) = delete;

  // Checks the hello and opens its link key, starts `early` on k_early; or why not.
  outcome::status start(const group_keys& group, const key32& link_secret, std::uint16_t serveid,
                    const use_hello& hello, link_keys& keys, record_opener& early);
  void finish(std::uint64_t link_id, suites local, record_opener& up, record_sealer& down, serve_hello& reply);
  suite chosen() const { return chosen_; }

 private:
  suites offer_ = 0;
  suite chosen_ = suite::chacha20_poly1305;
  key32 psk_{}, link_secret_{}, es_{}, th0_{}, e_use_pub_{};
};

}  // namespace crypto
