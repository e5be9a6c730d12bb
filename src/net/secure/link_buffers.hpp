#pragma once
// The memory of an encrypted link's directions (net/secure/secure_relay.cpp). A
// link holds no buffer while it is idle: a direction waits for readiness,
// then borrows this thread's pooled buffer, reads, seals or opens in place,
// writes at once, and gives the buffer back before it waits again. Only what a full peer
// did not take (held_bytes), or the first bytes of a record whose rest has not
// come, stay with the link, in a buffer of exactly their size.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/link_cipher.hpp"
#include "platform/thread_exit.hpp"

namespace net::secure {

// Room for sixteen whole records: a bulk transfer moves ~1 MiB per system
// call. Measured against four (docs/performance.md, "Where a vnet's CPU
// goes"): each vnet spends 10-30 % less CPU per GiB, as every read, write and
// wake-up of a peer carries four times the bytes.
inline constexpr std::size_t pooled_buffer_size = 16 * (crypto::record_prefix + crypto::max_ciphertext);

// Process-wide, for tests and metrics.
struct link_buffer_counts {
  std::size_t lent = 0;        // pooled buffers borrowed right now (0 whenever the links wait)
  std::size_t held_bytes = 0;  // bytes links keep for a full peer or a partial record
};

namespace detail {
inline std::atomic<std::size_t> buffers_lent{0};
inline std::atomic<std::size_t> bytes_held{0};
}  // namespace detail

inline link_buffer_counts link_buffers() { return {detail::buffers_lent.load(), detail::bytes_held.load()}; }

// A borrowed pooled buffer; given back when released or destroyed. A link
// never keeps one across a suspension, so each thread needs one buffer (a
// few kept spare), allocated on first use.
class pooled_buffer {
 public:
  pooled_buffer() {
    auto& spare = free_list();
    if (spare.empty()) {
      p_.reset(new std::uint8_t[pooled_buffer_size]);
    } else {
      p_ = std::move(spare.back());
      spare.pop_back();
    }
    ++detail::buffers_lent;
  }
  ~pooled_buffer() { release(); }
  pooled_buffer(const pooled_buffer&) = delete;
  pooled_buffer& operator=(const pooled_buffer&) = delete;

  std::uint8_t* data() { return p_.get(); }
  static constexpr std::size_t size() { return pooled_buffer_size; }
  void release() {
    if (!p_) return;
    --detail::buffers_lent;
    auto& spare = free_list();
    if (spare.size() < max_spare) spare.push_back(std::move(p_));
    p_.reset();
  }

 private:
  static constexpr std::size_t max_spare = 2;
  // A type of its own: platform::thread_owned keeps one object per type.
  struct spare_list : std::vector<std::unique_ptr<std::uint8_t[]>> {};
  // This thread's, freed when it ends (platform/thread_exit.hpp: not a
  // thread_local object with a destructor).
  static spare_list& free_list() { return platform::thread_owned<spare_list>(); }
  std::unique_ptr<std::uint8_t[]> p_;
};

// Bytes a link keeps between two readiness waits, exactly their size.
class held_bytes {
 public:
  held_bytes() = default;
  ~held_bytes() { clear(); }
  held_bytes(const held_bytes&) = delete;
  held_bytes& operator=(const held_bytes&) = delete;

  // Room for n bytes (the old ones are dropped), for the caller to fill.
  std::uint8_t* allocate(std::size_t n) {
    clear();
    if (n == 0) return nullptr;
    p_.reset(new std::uint8_t[n]);
    n_ = n;
    detail::bytes_held += n;
    return p_.get();
  }
  void allocate_from(const std::uint8_t* p, std::size_t n) {
    if (auto* at = allocate(n)) std::copy(p, p + n, at);
  }
  void clear() {
    detail::bytes_held -= size();
    p_.reset();
    n_ = from_ = 0;
  }
  // The first n bytes were sent: forgets them (all of them frees the buffer).
  void drop_front(std::size_t n) {
    n = std::min(n, size());
    from_ += n;
    detail::bytes_held -= n;
    if (from_ == n_) clear();
  }
  const std::uint8_t* data() const { return p_.get() + from_; }
  std::size_t size() const { return n_ - from_; }
  bool empty() const { return n_ == from_; }

 private:
  std::unique_ptr<std::uint8_t[]> p_;
  std::size_t n_ = 0;
  std::size_t from_ = 0;  // bytes already sent
};

}  // namespace net::secure
