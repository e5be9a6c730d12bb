#include "net/relay/pipe_pool.hpp"

#include "platform/signals.hpp"

namespace net::relay {
namespace {

void close_pipe(const pipe_pool::pipe& p) { platform::close_splice_pipe(p); }

}  // namespace

pipe_pool::lease& pipe_pool::lease::operator=(lease&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = o.pool_;
    p_ = o.p_;
    held = o.held;
    o.pool_ = nullptr;
    o.held = 0;
  }
  return *this;
}

void pipe_pool::lease::reset() {
  if (!pool_) return;
  pool_->give_back(p_, held == 0);
  pool_ = nullptr;
  held = 0;
}

pipe_pool::pipe_pool(std::size_t max_spare) : max_spare_(max_spare) {
  spare_.reserve(max_spare_);
  // splice(2) into a socket whose peer has gone raises SIGPIPE (it has no
  // MSG_NOSIGNAL, unlike Asio's send): the error must come back as EPIPE,
  // never kill the daemon.
  platform::ignore_broken_pipe();
}

pipe_pool::~pipe_pool() {
  for (const auto& p : spare_) close_pipe(p);
}

pipe_pool::lease pipe_pool::take() {
  pipe p;
  if (!spare_.empty()) {
    p = spare_.back();
    spare_.pop_back();
  } else {
    // Bigger than the default 64 KiB where the kernel allows (see
    // platform::open_splice_pipe); none at all where there is no splice.
    if (!platform::open_splice_pipe(p, pipe_size)) return {};
  }
  ++in_use_;
  return lease(this, p);
}

void pipe_pool::give_back(pipe p, bool empty) {
  --in_use_;
  if (empty && spare_.size() < max_spare_) spare_.push_back(p);
  else close_pipe(p);
}

pipe_pool& pipe_pool::local() {
  thread_local pipe_pool pool;
  return pool;
}

}  // namespace net::relay
