#pragma once
// A vnet's X25519 key pairs for links to its serves. Use sides encrypt a
// link's first bytes to the current key at once (no round trip), so the key
// must be known in advance: it is published through the route, signed with
// the group's mac key. It is replaced every `period` (and early when its
// replay set fills); the previous pair keeps working for one more period, for
// use sides that have not heard of the new one yet; older pairs are wiped
// with their replay sets.
//
// The replay set: every use-side ephemeral key seen with a pair. A link
// opening recorded and replayed (by a malicious route, which can mint
// tickets) carries an ephemeral already seen, and is refused here.
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "crypto/secret.hpp"
#include "outcome/result.hpp"

namespace crypto {

class link_keys {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr clock::duration period = std::chrono::minutes(10);
  // Openings remembered per key pair: ~5 MiB of set at most, 109 links per
  // second for a whole period. A fuller pair is replaced early (due()).
  static constexpr std::size_t max_openings = 1u << 16;

  explicit link_keys(const key32& mac_key, clock::time_point now = clock::now());
  ~link_keys();
  link_keys(const link_keys&) = delete;
  link_keys& operator=(const link_keys&) = delete;

  // The key to publish (control_hello.key, link_key_update).
  const protocol::link_key& current() const { return current_->pub; }

  // Time for rotate(): the current pair's period is over or its set is full.
  bool due(clock::time_point now = clock::now()) const;
  clock::time_point next_rotation() const { return current_->made + period; }

  // Makes a new current pair (the caller publishes it); the current one
  // becomes the previous, the previous one is wiped with its set.
  const protocol::link_key& rotate(clock::time_point now = clock::now());

  // A new group key (reload): the live keys are signed again. The caller
  // publishes current() again.
  void set_mac_key(const key32& mac_key);

  struct opening {
    key32 secret{};   // the pair's secret key, for the link's key schedule
    key32 pub{};      // the pair's public key (the transcript hashes it)
  };
  // The serve side on a use hello: finds the live pair key_id, refuses an
  // ephemeral that pair has seen before, and remembers this one. Why not:
  // "unknown link key 7", "replayed link opening".
  outcome::result<opening> accept(std::uint32_t key_id, const key32& e_use_pub);

  // Openings remembered by the current pair (tests, status).
  std::size_t openings() const { return current_->seen.size(); }

 private:
  struct pair {
    protocol::link_key pub;
    key32 secret{};
    clock::time_point made;
    std::set<key32> seen;
    ~pair() { wipe(secret); }
  };
  std::unique_ptr<pair> make(clock::time_point now);

  key32 mac_key_{};
  std::uint32_t next_id_;  // random start: ids of a restarted vnet differ from its last ones
  std::unique_ptr<pair> current_;
  std::unique_ptr<pair> previous_;
};

}  // namespace crypto
