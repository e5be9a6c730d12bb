#pragma once
// The end-to-end encryption of one link, as pure byte functions: the two
// hellos, the key schedule and the record layer (docs/protocol.md, "Link encryption").
//
//   use side  -> 61 bytes at once, then records (0-RTT):
//                u8 1 | u32be key_id | e_use.pub[32] | salt[24]
//   serve side -> 56 bytes after reading that, then records:
//                e_serve.pub[32] | salt[24]
//
//   th     = BLAKE2b-256("vnet-link-v1" || u32be key_id || S.pub || e_use.pub)
//   es     = X25519(e_use, S)
//   k_up   = BLAKE2b-256(key = psk, "up" || link_secret || es || th)
//   ee     = X25519(e_serve, e_use)
//   k_down = BLAKE2b-256(key = psk, "down" || link_secret || es || ee || th || e_serve.pub)
//
//   k_rec  = BLAKE2b-256(key = k_up or k_down, "vnet-records-v5" || salt)
//
// Records (protocol 5): u32be ciphertext length, then ChaCha20-Poly1305 (RFC
// 8439; OpenSSL's from 1 KiB, 2.5x libsodium's secretstream on an AVX-512 CPU,
// libsodium's below, cheaper per call) of u8 flag (0 data, 1 FINAL) || at most max_record plaintext bytes, with
// nonce = 4 zero bytes || u64be record number: a record dropped, reordered or
// replayed fails; FINAL ends a direction (EOF without it is an error). Each
// direction has its own key, used for at most 2^64 records (no rekey needed).
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crypto/link_keys.hpp"
#include "crypto/secret.hpp"

namespace crypto {

inline constexpr std::uint8_t link_hello_version = 1;
inline constexpr std::size_t stream_header_size = 24;  // the salt of one direction
inline constexpr std::size_t use_hello_size = 1 + 4 + 32 + stream_header_size;  // 61
inline constexpr std::size_t serve_hello_size = 32 + stream_header_size;        // 56
using use_hello = std::array<std::uint8_t, use_hello_size>;
using serve_hello = std::array<std::uint8_t, serve_hello_size>;

inline constexpr std::size_t max_record = 64 * 1024;  // plaintext bytes in one record
inline constexpr std::size_t record_flag = 1;            // sealed in front of the plaintext
inline constexpr std::size_t record_tag = 16;            // Poly1305
inline constexpr std::size_t record_overhead = record_flag + record_tag;  // 17
inline constexpr std::size_t record_prefix = 4;  // u32be ciphertext length
inline constexpr std::size_t max_ciphertext = max_record + record_overhead;

// The sending half of one direction.
class record_sealer {
 public:
  record_sealer() = default;
  ~record_sealer() { wipe(key_); }
  record_sealer(const record_sealer&) = delete;
  record_sealer& operator=(const record_sealer&) = delete;

  // Fills `header` with a fresh salt and derives the record key from it.
  void start(const key32& key, std::span<std::uint8_t, stream_header_size> header);
  // Appends one record (prefix and ciphertext) to `out`. plain.size() <= max_record.
  void seal(std::span<const std::uint8_t> plain, bool final, std::vector<std::uint8_t>& out);
  // Seals in place: `record` is record_prefix + record_flag bytes of room,
  // then the plaintext, then record_tag bytes of room (plaintext size <= max_record).
  void seal_in_place(std::span<std::uint8_t> record, bool final);

 private:
  key32 key_{};
  std::uint64_t next_ = 0;
};

// The receiving half of one direction.
class record_opener {
 public:
  record_opener() = default;
  ~record_opener() { wipe(key_); }
  record_opener(const record_opener&) = delete;
  record_opener& operator=(const record_opener&) = delete;

  // False for a header that cannot start a stream.
  bool start(const key32& key, std::span<const std::uint8_t, stream_header_size> header);

  // The ciphertext length a record prefix announces; 0 when it is out of
  // bounds (empty or over max_ciphertext): checked before anything is read or
  // allocated for it.
  static std::size_t record_length(std::span<const std::uint8_t, record_prefix> prefix);

  enum class result { data, final, bad };
  // Opens one whole record (without its prefix) and appends its plaintext to
  // `plain`; `bad` (nothing appended) when it fails authentication or comes
  // out of order, or after the final record.
  result open(std::span<const std::uint8_t> ciphertext, std::vector<std::uint8_t>& plain);
  // Opens one whole record (without its prefix) in place: on `data` or
  // `final`, its plaintext is ciphertext.subspan(record_flag, size - record_overhead).
  // On `bad` the bytes are garbage and none may be used.
  result open_in_place(std::span<std::uint8_t> ciphertext);

 private:
  key32 key_{};
  std::uint64_t next_ = 0;
  bool ended_ = false;
};

// The use side: start() right after link_open (the hello and the first
// records go out at once), finish() with the serve side's hello.
class use_handshake {
 public:
  use_handshake() = default;
  ~use_handshake();
  use_handshake(const use_handshake&) = delete;
  use_handshake& operator=(const use_handshake&) = delete;

  // Checks the serve key (signed by the group's mac key, not a low-order
  // point), makes the hello and starts `up`. Returns an error text, or "".
  std::string start(const group_keys& group, const key32& link_secret,
                    const protocol::link_key& serve_key, record_sealer& up);
  const use_hello& hello() const { return hello_; }
  // Derives k_down from the serve hello and starts `down`. Returns an error text, or "".
  std::string finish(const serve_hello& reply, record_opener& down);

 private:
  use_hello hello_{};
  key32 psk_{}, link_secret_{}, e_secret_{}, e_pub_{}, es_{}, th_{};
};

// The serve side, on the use hello: finds the link key (refusing an unknown
// id or a replayed ephemeral, keys.accept), derives both keys, starts `up`
// (to read) and `down` (to write) and fills `reply`. Returns an error text, or "".
std::string answer_use(const group_keys& group, const key32& link_secret, const use_hello& hello,
                       link_keys& keys, record_opener& up, record_sealer& down, serve_hello& reply);

}  // namespace crypto
