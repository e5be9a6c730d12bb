#pragma once
// How many of this vnet's links may be opening at once: from the ticket
// taken (before the route is dialled) until the serving side has answered.
// A client accepted beyond it is held, first come first served, until a
// slot frees or its deadline passes, instead of being refused: the route
// counts those same links against [route] max_pending_links_per_vnet and
// refuses the ones beyond it, and each connection it has not identified yet
// counts against its max_unidentified. A burst of 10 000 clients therefore
// becomes a steady stream of `size` openings at a time, and every client
// gets its link (docs/performance.md, "Bursts").
#include <cstddef>
#include <deque>
#include <memory>

#include "net/asio.hpp"
#include "net/time.hpp"

namespace vnet {

class opening_window {
  struct state;

 public:
  // Below the route's default max_pending_links_per_vnet (256 at the least),
  // so that a burst is never refused by it; on 2 cores 128 openings at once
  // keep every process busy already.
  static constexpr std::size_t default_size = 128;

  // One opening's place in the window: held until destroyed or released.
  class slot {
   public:
    slot() = default;
    explicit slot(std::shared_ptr<state> s) : state_(std::move(s)) {}
    slot(slot&& o) noexcept = default;
    slot& operator=(slot&& o) noexcept {
      release();
      state_ = std::move(o.state_);
      return *this;
    }
    ~slot() { release(); }
    void release();
    explicit operator bool() const { return state_ != nullptr; }

   private:
    std::shared_ptr<state> state_;
  };

  opening_window(net::asio::any_io_executor ex, std::size_t size = default_size);
  ~opening_window();
  opening_window(const opening_window&) = delete;
  opening_window& operator=(const opening_window&) = delete;

  // A slot now, or once one frees; an empty slot when none freed within
  // `deadline` (or the window was closed meanwhile).
  net::awaitable<slot> enter(net::duration deadline);

  std::size_t opening() const;  // slots held
  std::size_t waiting() const;  // clients held for a slot

 private:
  net::asio::any_io_executor ex_;
  std::shared_ptr<state> state_;
};

}  // namespace vnet
