#include "crypto/ephemeral_pool.hpp"

#include <algorithm>

#include <sodium.h>

#include "crypto/random.hpp"

namespace crypto {
namespace {

ephemeral_pair make_pair() {
  ephemeral_pair p;
  random_bytes(p.secret);
  crypto_scalarmult_base(p.pub.data(), p.secret.data());
  return p;
}

// False for a low-order peer (libsodium refuses an all-zero result).
bool make_dh(const key32& peer, prepared_dh& out) {
  ephemeral_pair p = make_pair();
  out.secret = p.secret;
  out.pub = p.pub;
  wipe(p.secret);
  return crypto_scalarmult(out.shared.data(), out.secret.data(), peer.data()) == 0;
}

void wipe_dh(prepared_dh& d) {
  wipe(d.secret);
  wipe(d.shared);
}

}  // namespace

ephemeral_pool::ephemeral_pool(sizes s, bool background) : sizes_(s), background_(background) {
  init();
  pairs_.reserve(sizes_.pairs);  // no reallocation leaves a secret's copy behind
}

ephemeral_pool::~ephemeral_pool() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& p : pairs_) wipe(p.secret);
  for (auto& e : peers_)
    for (auto& d : e.ready) wipe_dh(d);
}

ephemeral_pool& ephemeral_pool::process() {
  static ephemeral_pool pool(sizes{}, true);
  return pool;
}

ephemeral_pair ephemeral_pool::take() {
  {
    std::lock_guard lock(m_);
    if (!pairs_.empty()) {
      ephemeral_pair p = pairs_.back();
      wipe(pairs_.back().secret);
      pairs_.pop_back();
      wanted_ = true;
      wake();
      return p;
    }
    ++made_inline_;
    wanted_ = true;
    wake();
  }
  return make_pair();
}

outcome::result<prepared_dh> ephemeral_pool::take_for(const key32& peer) {
  {
    std::lock_guard lock(m_);
    if (peer_entry* e = find(peer); e && !e->ready.empty()) {
      prepared_dh d = e->ready.back();
      wipe_dh(e->ready.back());
      e->ready.pop_back();
      remember(peer);
      wanted_ = true;
      wake();
      return d;
    }
    ++made_inline_;
  }
  prepared_dh d;
  if (!make_dh(peer, d)) {
    wipe_dh(d);
    return outcome::fail("a low-order point");
  }
  std::lock_guard lock(m_);
  remember(peer);
  wanted_ = true;
  wake();
  return d;
}

void ephemeral_pool::fill() {
  for (;;) {
    key32 peer{};
    bool for_peer = false, for_pair = false;
    {
      std::lock_guard lock(m_);
      if (stop_) return;
      // Prepared DHs first: they take two operations off the use side's path.
      for (auto& e : peers_)
        if (e.ready.size() < sizes_.per_peer) {
          peer = e.pub;
          for_peer = true;
          break;
        }
      for_pair = !for_peer && pairs_.size() < sizes_.pairs;
    }
    if (for_peer) {
      prepared_dh d;
      bool ok = make_dh(peer, d);
      std::lock_guard lock(m_);
      peer_entry* e = find(peer);  // it may have been pushed out meanwhile
      if (ok && e && e->ready.size() < sizes_.per_peer) e->ready.push_back(d);
      wipe_dh(d);
      if (!ok) std::erase_if(peers_, [&](const peer_entry& x) { return x.pub == peer; });
    } else if (for_pair) {
      ephemeral_pair p = make_pair();
      std::lock_guard lock(m_);
      if (pairs_.size() < sizes_.pairs) pairs_.push_back(p);
      wipe(p.secret);
    } else {
      return;
    }
  }
}

ephemeral_pool::counts ephemeral_pool::count() const {
  std::lock_guard lock(m_);
  counts c;
  c.ready_pairs = pairs_.size();
  for (const auto& e : peers_) c.ready_dhs += e.ready.size();
  c.made_inline = made_inline_;
  return c;
}

ephemeral_pool::peer_entry* ephemeral_pool::find(const key32& peer) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const peer_entry& e) { return e.pub == peer; });
  return it == peers_.end() ? nullptr : &*it;
}

void ephemeral_pool::remember(const key32& peer) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const peer_entry& e) { return e.pub == peer; });
  if (it == peers_.begin() && it != peers_.end()) return;
  peer_entry e;
  if (it != peers_.end()) {
    e = std::move(*it);
    peers_.erase(it);
  } else {
    e.pub = peer;
    e.ready.reserve(sizes_.per_peer);
  }
  peers_.push_front(std::move(e));
  while (peers_.size() > sizes_.peers) {
    for (auto& d : peers_.back().ready) wipe_dh(d);
    peers_.pop_back();
  }
}

// With the lock held: the refill thread starts with the first take and
// sleeps between refills.
void ephemeral_pool::wake() {
  if (!background_) return;
  if (!thread_.joinable()) thread_ = std::thread([this] { refill_loop(); });
  cv_.notify_one();
}

void ephemeral_pool::refill_loop() {
  for (;;) {
    {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return stop_ || wanted_; });
      if (stop_) return;
      wanted_ = false;
    }
    fill();
  }
}

}  // namespace crypto
