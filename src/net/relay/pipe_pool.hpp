#pragma once
// Pipes for splice(2): the route moves a link's bytes socket -> pipe ->
// socket without copying them through user space. A pipe costs two
// descriptors, so a link holds one only while bytes are in flight: taken when
// its source turns readable, given back once drained. A few spare pipes are
// kept for the next transfer (a bulk link takes and returns one per chunk);
// the rest are closed. One pool per thread (the daemons run one io_context
// thread), so no locking.
#include <cstddef>
#include <vector>

#include "platform/splice.hpp"

namespace net::relay {

class pipe_pool {
 public:
  using pipe = platform::splice_pipe;  // capacity: bytes the pipe holds (F_GETPIPE_SZ)

  // A pipe on loan; given back (or closed, if it still holds bytes) at its end.
  class lease {
   public:
    lease() = default;
    lease(pipe_pool* pool, pipe p) : pool_(pool), p_(p) {}
    lease(lease&& o) noexcept : held(o.held), pool_(o.pool_), p_(o.p_) {
      o.pool_ = nullptr;
      o.held = 0;
    }
    lease& operator=(lease&& o) noexcept;
    ~lease() { reset(); }
    explicit operator bool() const { return pool_ != nullptr; }
    const pipe& operator*() const { return p_; }
    const pipe* operator->() const { return &p_; }
    // Bytes in the pipe, kept by the user: a pipe given back while it still
    // holds some (an error mid-transfer) is closed, not pooled. A move
    // carries it with the pipe.
    std::size_t held = 0;
    void reset();

   private:
    pipe_pool* pool_ = nullptr;
    pipe p_;
  };

  explicit pipe_pool(std::size_t max_spare = default_max_spare);
  ~pipe_pool();
  pipe_pool(const pipe_pool&) = delete;
  pipe_pool& operator=(const pipe_pool&) = delete;

  // A pipe, spare or new; an empty lease when pipe2() fails (out of
  // descriptors): the caller copies through a buffer instead.
  lease take();

  std::size_t in_use() const { return in_use_; }
  std::size_t spare() const { return spare_.size(); }

  // Tests: behave as a kernel without splice for sockets (EINVAL), so that
  // relays take their copying path.
  bool splice_disabled = false;

  // The calling thread's pool.
  static pipe_pool& local();

  static constexpr std::size_t default_max_spare = 16;
  // Asked of the kernel for each new pipe (F_SETPIPE_SZ), so that a bulk
  // transfer takes fewer system calls than with the default 64 KiB. Not
  // promised: the kernel counts it against the user's pipe budget
  // (pipe-user-pages-soft) whether or not it holds bytes, and past that
  // budget a pipe keeps its default size. A pipe's `capacity` is what it got;
  // users size their transfers by it, never by pipe_size.
  static constexpr std::size_t pipe_size = 1024 * 1024;

 private:
  void give_back(pipe p, bool empty);

  std::size_t max_spare_;
  std::size_t in_use_ = 0;
  std::vector<pipe> spare_;
};

}  // namespace net::relay
