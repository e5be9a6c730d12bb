#pragma once
// X25519 work taken off a link's setup (crypto/link_cipher.hpp): ephemeral
// key pairs made ahead of time, and for the use side the DH of a fresh
// ephemeral with a serving vnet's link key (es), which it knows before any
// client connects. A setup takes what is ready (or, when nothing is, makes
// it on the spot); a refill thread makes the next ones after the take, off
// the connection's path. Three X25519 operations are left on a setup's
// critical path instead of six: none before the use hello, es and ee when
// the serve side reads it, and ee when the use side reads the serve hello.
//
// Each pair is handed out once: take() moves it out of the pool and the
// pool keeps no copy. Pooled secrets are wiped when the pool goes.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/secret.hpp"
#include "outcome/result.hpp"

namespace crypto {

struct ephemeral_pair {
  key32 secret{};
  key32 pub{};  // X25519 base point times secret
};

// A fresh pair and its DH with a peer's public key: es = X25519(secret, peer).
struct prepared_dh {
  key32 secret{};
  key32 pub{};
  key32 shared{};
};

class ephemeral_pool {
 public:
  struct sizes {
    std::size_t pairs = 4;      // generic pairs kept ready (serve side: e_serve)
    std::size_t per_peer = 2;   // prepared DHs kept per recent peer key
    std::size_t peers = 16;     // recent peer keys prepared for (the serves this vnet uses)
  };
  struct counts {
    std::size_t ready_pairs = 0;
    std::size_t ready_dhs = 0;    // over all peers
    std::size_t made_inline = 0;  // takes the pool could not serve (on a setup's path)
  };

  // background: a thread refills after each take; else only fill() does.
  explicit ephemeral_pool(sizes s, bool background = true);
  ~ephemeral_pool();
  ephemeral_pool(const ephemeral_pool&) = delete;
  ephemeral_pool& operator=(const ephemeral_pool&) = delete;

  // A pair never handed out before: a ready one, or one made now.
  ephemeral_pair take();
  // A fresh pair with its DH with `peer`; fails when `peer` is a low-order
  // point (then nothing about it is remembered). A peer that worked is kept
  // among the recent ones and prepared for from then on.
  outcome::result<prepared_dh> take_for(const key32& peer);

  // Makes what is missing, now, on this thread (the refill thread's work;
  // tests call it to fill a pool without a thread).
  void fill();
  counts count() const;

  // The process's pool, with its refill thread (started on first use).
  static ephemeral_pool& process();

 private:
  struct peer_entry {
    key32 pub{};
    std::vector<prepared_dh> ready;
  };
  peer_entry* find(const key32& peer);  // with the lock held
  void remember(const key32& peer);     // with the lock held
  void wake();
  void refill_loop();

  const sizes sizes_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<ephemeral_pair> pairs_;
  std::deque<peer_entry> peers_;  // most recently used first
  std::size_t made_inline_ = 0;
  bool background_ = false, stop_ = false, wanted_ = false;
  std::thread thread_;  // started by the first take
};

}  // namespace crypto
